"""The activity plan's dialogue (Nav veilarbdialog), as a caseworker client over httpx.

Endpoints used (all under ``{base_url}/veilarbdialog``, Bearer token from configuration):

* ``POST /api/dialog/sistOppdatert`` with ``{"fnr": …}`` → ``{"sistOppdatert": <epoch ms or null>}``:
  the cheap "did anything change for this person" probe, asked for every followed person on
  every pull. (The POST form keeps the ID number out of URLs and access logs; the GET form with
  ``?fnr=`` is the same endpoint.)
* ``POST /graphql`` with the ``dialoger(fnr)`` query (``DialogDTO`` / ``HenvendelseDTO`` of
  ``schema.graphqls``), only when ``sistOppdatert`` changed; or, with ``use_graphql=False``,
  ``GET /api/dialog?fnr=…`` (a list of ``DialogDTO``).
* ``POST /api/dialog?fnr=…`` with ``NyHenvendelseDTO`` ``{dialogId, overskrift, tekst}`` to send
  (``dialogId`` null starts a new dialogue); the answer is the ``DialogDTO``.
* ``PUT /api/dialog/{dialogId}/ferdigbehandlet/true`` to mark a dialogue handled.

The cursor is JSON, one entry per followed person, keyed by a SHA-256 prefix of the ID number (so
the number itself is not written to the cursor table): the last ``sistOppdatert``, the newest
``sendt`` seen (``hi``) and the ids of the henvendelser sent within ``overlap`` of it. A henvendelse
is new when it is not among those ids and not older than ``hi - overlap``, so the id list stays
small however long a dialogue grows, and two messages sharing a timestamp are neither lost nor
doubled. Unreadable records become ``Quarantined`` once (remembered in ``bad``).

Errors: 401/403 (and GraphQL "Ikke tilgang") → AuthError; 429 → RateLimited with Retry-After;
5xx, timeouts, dropped connections and non-JSON answers → TransientError; other 4xx → PermanentError.
No message text or ID number is ever logged; the ``httpx`` logger gets a filter that strips query
strings (where the API wants ``fnr``) from the request lines it logs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from connectors.base import Connector, OutgoingReply, PullResult, SendResult, parse_retry_after
from inbox.domain import Channel, Identity, IdentityKind, IncomingMessage, Quarantined, content_hash
from inbox.errors import AuthError, ConnectorError, PermanentError, RateLimited, TransientError
from inbox.identity import fnr_is_valid
from inbox.parsers.common import RecordError, dump_raw, iso_time
from inbox.parsers.dialog import parse_henvendelse

log = logging.getLogger(__name__)

_SOURCE = "veilarbdialog"
_MAX_BAD = 200
_PREFIX = "/veilarbdialog"

HENVENDELSE_FIELDS = ("id", "dialogId", "avsender", "avsenderId", "sendt", "lest", "viktig", "tekst")
DIALOG_FIELDS = ("id", "aktivitetId", "overskrift", "sisteTekst", "sisteDato", "opprettetDato", "historisk",
                 "lest", "venterPaSvar", "ferdigBehandlet", "lestAvBrukerTidspunkt", "erLestAvBruker",
                 "oppfolgingsperiode", "egenskaper", "kontorsperreEnhetId")
DIALOGER_QUERY = (
    "query($fnr: String!, $bareMedAktiviteter: Boolean) {"
    " dialoger(fnr: $fnr, bareMedAktiviteter: $bareMedAktiviteter) {"
    f" {' '.join(DIALOG_FIELDS)} henvendelser {{ {' '.join(HENVENDELSE_FIELDS)} }} }} }}"
)


class _RedactQuery(logging.Filter):
    """Strip query strings from URLs in httpx's request log lines (``fnr`` travels there)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(a.copy_with(query=None) if isinstance(a, httpx.URL) and a.query else a
                                for a in record.args)
        return True


def _install_log_filter() -> None:
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactQuery) for f in httpx_log.filters):
        httpx_log.addFilter(_RedactQuery())


_install_log_filter()


@dataclass(frozen=True, slots=True)
class ActivityPlanSettings:
    """Where veilarbdialog is, the token, and whose dialogues to follow (ID numbers)."""

    base_url: str  # scheme and host; the paths add /veilarbdialog
    token: str = field(repr=False)
    followed: Sequence[str] = field(default=(), repr=False)
    use_graphql: bool = True
    default_subject: str = "Melding fra Nav"  # overskrift of a new dialogue when the reply has none
    overlap: timedelta = timedelta(hours=1)
    concurrency: int = 4
    timeout: float = 30.0


def person_key(fnr: str) -> str:
    """The cursor's key for a person: not the ID number itself."""
    return "p" + hashlib.sha256(f"veilarbdialog:{fnr}".encode()).hexdigest()[:20]


@dataclass(slots=True)
class _PersonState:
    sist: int | None = None
    hi: datetime | None = None
    ids: set[str] = field(default_factory=set)
    bad: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, data: Any) -> _PersonState:
        if not isinstance(data, dict):
            return cls()
        sist = data.get("sist")
        return cls(sist=sist if isinstance(sist, int) else None, hi=iso_time(data.get("hi")),
                   ids=set(data.get("ids") or ()), bad=list(data.get("bad") or ()))

    def dump(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sist": self.sist, "hi": self.hi.astimezone(UTC).isoformat() if self.hi else None,
                               "ids": sorted(self.ids)}
        if self.bad:
            out["bad"] = self.bad[-_MAX_BAD:]
        return out


def _load_cursor(text: str | None) -> dict[str, _PersonState]:
    if not text:
        return {}
    try:
        data = json.loads(text)
        persons = data.get("persons") or {}
        return {str(k): _PersonState.load(v) for k, v in persons.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise PermanentError("the saved dialogue cursor is unreadable") from exc


def _dump_cursor(states: dict[str, _PersonState]) -> str:
    return json.dumps({"v": 1, "persons": {k: v.dump() for k, v in sorted(states.items())}},
                      separators=(",", ":"))


class ActivityPlanConnector(Connector):
    """veilarbdialog for the persons a caseworker follows; see the module docstring."""

    name = "dialog"
    channel = Channel.DIALOG
    can_mark_handled = True

    def __init__(self, settings: ActivityPlanSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not settings.base_url or not settings.token:
            raise ValueError("the dialogue connector needs base_url and token")
        bad = sum(1 for f in settings.followed if not fnr_is_valid(f))
        if bad:
            raise ValueError(f"{bad} followed ID number(s) are not valid national ID numbers")
        self.settings = settings
        self.http = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/") + _PREFIX,
            headers={"Authorization": f"Bearer {settings.token}", "Accept": "application/json"},
            timeout=settings.timeout, transport=transport,
        )

    # -- HTTP -----------------------------------------------------------------------------------
    async def _call(self, method: str, path: str, action: str, **kwargs: Any) -> Any:
        try:
            resp = await self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientError(f"dialogue {action}: timed out") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"dialogue {action}: connection failed ({type(exc).__name__})") from exc
        status = resp.status_code
        what = f"dialogue {action}: HTTP {status}"
        if status in (401, 403):
            raise AuthError(what)
        if status == 429:
            raise RateLimited(what, parse_retry_after(resp.headers.get("Retry-After")))
        if status >= 500:
            raise TransientError(what)
        if status >= 400:
            raise PermanentError(what)
        if status == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError as exc:
            raise TransientError(f"dialogue {action}: the answer is not JSON") from exc

    async def sist_oppdatert(self, fnr: str) -> int | None:
        data = await self._call("POST", "/api/dialog/sistOppdatert", "sistOppdatert", json={"fnr": fnr})
        value = data.get("sistOppdatert") if isinstance(data, dict) else None
        if value is not None and not isinstance(value, int):
            raise TransientError("dialogue sistOppdatert: not a number")
        return value

    async def dialoger(self, fnr: str) -> list[Any]:
        if self.settings.use_graphql:
            data = await self._call("POST", "/graphql", "dialoger",
                                    json={"query": DIALOGER_QUERY,
                                          "variables": {"fnr": fnr, "bareMedAktiviteter": False}})
            if not isinstance(data, dict):
                raise TransientError("dialogue dialoger: not a GraphQL answer")
            errors = data.get("errors")
            if errors:
                raise _graphql_error(errors)
            dialoger = (data.get("data") or {}).get("dialoger")
        else:
            dialoger = await self._call("GET", "/api/dialog", "dialoger", params={"fnr": fnr})
        if dialoger is None:
            return []
        if not isinstance(dialoger, list):
            raise TransientError("dialogue dialoger: not a list")
        return dialoger

    # -- Connector ------------------------------------------------------------------------------
    async def pull(self, cursor: str | None) -> PullResult:
        states = _load_cursor(cursor)
        sem = asyncio.Semaphore(max(1, self.settings.concurrency))

        async def one(fnr: str) -> list[IncomingMessage | Quarantined]:
            async with sem:
                key = person_key(fnr)
                state = states.get(key)
                sist = await self.sist_oppdatert(fnr)
                if state is not None and state.sist == sist:
                    return []
                state = state or _PersonState()
                items = self._new_items(fnr, await self.dialoger(fnr), state)
                state.sist = sist
                states[key] = state
                return items

        followed = list(dict.fromkeys(self.settings.followed))
        results = await asyncio.gather(*(one(f) for f in followed), return_exceptions=True)
        items: list[IncomingMessage | Quarantined] = []
        for res in results:
            if isinstance(res, BaseException):
                raise res
            items.extend(res)
        keep = {person_key(f) for f in followed}  # persons no longer followed leave the cursor
        return PullResult(items, _dump_cursor({k: v for k, v in states.items() if k in keep}), more=False)

    def _new_items(self, fnr: str, dialoger: list[Any], state: _PersonState) -> list[IncomingMessage | Quarantined]:
        identities = (Identity(IdentityKind.FNR, fnr),)
        parsed: list[IncomingMessage] = []
        problems: list[Quarantined] = []
        bad = set(state.bad)

        def quarantine(mark: str, position: str, reason: str, raw: Any) -> None:
            if mark not in bad:
                bad.add(mark)
                state.bad.append(mark)
                problems.append(Quarantined(_SOURCE, position, reason, raw=dump_raw(raw), channel="dialog"))

        for i, dialog in enumerate(dialoger):
            dialog_id = dialog.get("id") if isinstance(dialog, dict) else None
            where = f"dialog {dialog_id}" if isinstance(dialog_id, str | int) else f"dialoger[{i}]"
            if not isinstance(dialog, dict) or not isinstance(dialog.get("henvendelser"), list):
                quarantine(content_hash(dump_raw(dialog)), where, "dialog without a 'henvendelser' list", dialog)
                continue
            for j, h in enumerate(dialog["henvendelser"]):
                try:
                    parsed.append(parse_henvendelse(h, dialog, identities))
                except RecordError as exc:
                    hid = h.get("id") if isinstance(h, dict) else None
                    known = isinstance(hid, str | int) and bool(hid)
                    mark = str(hid) if known else content_hash(dump_raw(h))
                    quarantine(mark, f"{where} henvendelse {hid}" if known else f"{where} henvendelser[{j}]",
                               str(exc), h)

        floor = state.hi - self.settings.overlap if state.hi else None
        new = [m for m in parsed
               if m.provider_key not in state.ids and (floor is None or m.sent_at >= floor)]
        if parsed:
            newest = max(m.sent_at for m in parsed)
            hi = newest if state.hi is None or newest > state.hi else state.hi
            keep_from = hi - self.settings.overlap
            state.hi = hi
            state.ids = {m.provider_key for m in parsed if m.sent_at >= keep_from}
        new.sort(key=lambda m: m.sent_at)
        return [*problems, *new]

    async def send(self, reply: OutgoingReply) -> SendResult:
        if not reply.body.strip():
            raise PermanentError("a dialogue reply needs a text")
        who = reply.to.strip()
        if re.fullmatch(r"\d{11}", who):
            params = {"fnr": who}
        elif re.fullmatch(r"\d{13}", who):
            params = {"aktorId": who}
        else:
            raise PermanentError("a dialogue reply needs the citizen's ID number or aktør-id")
        dialog_id = reply.conversation.strip() or None
        body = {
            "dialogId": dialog_id,
            "overskrift": reply.subject or (None if dialog_id else self.settings.default_subject),
            "tekst": reply.body,
        }
        data = await self._call("POST", "/api/dialog", "send", params=params, json=body)
        if not isinstance(data, dict):  # null: the dialogue is behind an office block (kontorsperre)
            return SendResult("", "sent", dialog_id or "", {"note": "no dialogue in the answer"})
        conversation = str(data.get("id") or dialog_id or "")
        henvendelser = [h for h in data.get("henvendelser") or () if isinstance(h, dict)]
        ours = [h for h in henvendelser if h.get("avsender") == "VEILEDER" and h.get("tekst") == reply.body]
        newest = max(ours or henvendelser, key=lambda h: str(h.get("sendt") or ""), default=None)
        key = str(newest.get("id") or "") if newest else ""
        return SendResult(key, "sent", conversation)

    async def mark_handled(self, conversation: str) -> None:
        dialog_id = conversation.strip()
        if not dialog_id.isdigit():
            raise PermanentError("a dialogue id is a number")
        await self._call("PUT", f"/api/dialog/{quote(dialog_id)}/ferdigbehandlet/true", "mark handled")

    async def close(self) -> None:
        await self.http.aclose()


def _graphql_error(errors: Any) -> ConnectorError:
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    message = str(first.get("message") or "")
    ext = first.get("extensions")
    ext = ext if isinstance(ext, dict) else {}
    kind = str(ext.get("classification") or "").upper()
    if "tilgang" in message.lower() or kind in ("FORBIDDEN", "UNAUTHORIZED", "UNAUTHENTICATED"):
        return AuthError("dialogue dialoger: no access (GraphQL)")
    if kind in ("VALIDATIONERROR", "INVALIDSYNTAX", "BAD_REQUEST"):
        return PermanentError(f"dialogue dialoger: GraphQL {kind.lower()}")
    return TransientError("dialogue dialoger: GraphQL error" + (f" ({kind.lower()})" if kind else ""))
