"""SMS by Twilio: backfill by polling the Messages list, replies by ``messages.create``.

Inbound SMS normally arrive by webhook (:mod:`connectors.webhooks`); :meth:`TwilioConnector.pull`
is the safety net that lists what arrived while the webhook was down. Both paths produce the same
``sms:<MessageSid>`` key, so the store keeps a message once whichever path brings it first.

Everything goes through the official SDK (``twilio.rest.Client``) with its async methods, over
:class:`HttpxTwilioClient`, an SDK ``AsyncHttpClient`` built on httpx. That client can send every
request to another base URL (``TwilioSettings.api_base_url``): the SDK hard-codes
``https://api.twilio.com`` and its ``edge``/``region`` options only rename the host within
twilio.com, so the tests' loopback server is reached by rewriting scheme and host per request.

The cursor
    JSON: ``after`` (the newest ``date_sent`` fully delivered, ISO 8601 UTC) and ``seen`` (the SIDs
    sent at exactly that second, so messages sharing a timestamp are neither lost nor doubled).
    Twilio lists newest first and pages by ``next_page_uri``; a sweep walks those pages, returning
    one page per pull (``more=True`` while pages remain) and remembering the next page URI and the
    newest time met so far in ``sweep``; only a finished sweep moves ``after``. Messages at or
    before the watermark are filtered out client-side too, as Twilio's ``DateSent>`` filter may be
    coarser than a second. Records that cannot be read become ``Quarantined`` (once: their SIDs, or a
    hash when they have none, are kept in ``bad`` up to a bound).

Errors: 401/403 → AuthError; 429 → RateLimited (Retry-After); other 4xx → PermanentError;
5xx, timeouts and dropped connections → TransientError. Error messages carry status and Twilio's
numeric code, never phone numbers or text.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from connectors.base import Connector, OutgoingReply, PullResult, SendResult, parse_retry_after
from inbox.domain import Channel, IncomingMessage, Quarantined, content_hash
from inbox.errors import (
    AuthError,
    ConnectorError,
    PermanentError,
    RateLimited,
    TransientError,
)
from inbox.parsers.common import RecordError, dump_raw, iso_time
from inbox.parsers.twilio import parse_twilio_message

log = logging.getLogger(__name__)

_SOURCE = "twilio"
_MAX_BAD = 1000

# The Retry-After of the last 429 seen in this task (the SDK's exceptions do not keep headers).
_retry_after: ContextVar[float | None] = ContextVar("twilio_retry_after", default=None)


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    """Credentials and options. ``api_base_url`` replaces ``https://api.twilio.com`` (tests)."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str  # our number, E.164: the sender of replies and the "To" of inbound messages
    status_callback_url: str | None = None  # public URL of the webhook app's /status
    api_base_url: str | None = None
    page_size: int = 100
    start: datetime | None = None  # first pull without a cursor lists messages sent from here (None: all)
    inbound_only: bool = True  # list only messages sent to from_number (replies are recorded when sent)
    timeout: float = 30.0


class HttpxTwilioClient(AsyncHttpClient):  # type: ignore[misc]  # the SDK is untyped
    """The SDK's async HTTP client interface over httpx, optionally redirected to ``base_url``."""

    def __init__(self, base_url: str | None = None, *, timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(log, True, timeout)
        self.base_url = base_url.rstrip("/") if base_url else None
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)

    def rewrite(self, url: str) -> str:
        if not self.base_url:
            return url
        base = urlsplit(self.base_url)
        parts = urlsplit(url)
        return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, parts.fragment))

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the SDK's interface
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        content_type = (headers or {}).get("Content-Type", "")
        body: dict[str, Any] = {"params": params or None}
        if data:
            if content_type.endswith("json"):
                body["json"] = data
            elif method.upper() not in ("GET", "DELETE"):
                body["data"] = data
        response = await self._http.request(
            method.upper(), self.rewrite(url), headers=headers, auth=auth,
            timeout=timeout if timeout is not None else self.timeout, follow_redirects=allow_redirects, **body,
        )
        if response.status_code == 429:
            _retry_after.set(parse_retry_after(response.headers.get("Retry-After")))
        return TwilioResponse(response.status_code, response.text, response.headers)

    async def aclose(self) -> None:
        await self._http.aclose()


def map_twilio_error(exc: Exception, action: str) -> ConnectorError:
    """An SDK or transport exception → the matching ConnectorError (no message text, no numbers)."""
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, httpx.TimeoutException):
        return TransientError(f"Twilio {action}: timed out")
    if isinstance(exc, httpx.TransportError):
        return TransientError(f"Twilio {action}: connection failed ({type(exc).__name__})")
    status: int | None = None
    code: object = None
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status, code = int(exc.status), exc.code
    elif isinstance(exc, TwilioException) and len(exc.args) > 1 and isinstance(exc.args[1], TwilioResponse):
        status = exc.args[1].status_code
    if status is None:
        return PermanentError(f"Twilio {action}: {type(exc).__name__}")
    what = f"Twilio {action}: HTTP {status}" + (f" (code {code})" if code not in (None, status) else "")
    if status in (401, 403):
        return AuthError(what)
    if status == 429:
        return RateLimited(what, _retry_after.get())
    if status >= 500:
        return TransientError(what)
    return PermanentError(what)


def _record_time(rec: Any) -> datetime | None:
    if not isinstance(rec, dict):
        return None
    raw = rec.get("date_sent") or rec.get("date_created")
    if not isinstance(raw, str):
        return None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat() if dt else None


@dataclass(slots=True)
class _Cursor:
    after: datetime | None = None
    seen: set[str] = field(default_factory=set)
    next_uri: str | None = None  # the sweep in progress: the next page to read
    top: datetime | None = None  # ... the newest time it met so far
    top_seen: set[str] = field(default_factory=set)
    bad: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, text: str | None, start: datetime | None) -> _Cursor:
        if not text:
            return cls(after=start.astimezone(UTC) if start else None)
        try:
            data = json.loads(text)
            sweep = data.get("sweep") or {}
            return cls(after=iso_time(data.get("after"), strict=True), seen=set(data.get("seen") or ()),
                       next_uri=sweep.get("next"), top=iso_time(sweep.get("top"), strict=True),
                       top_seen=set(sweep.get("top_seen") or ()), bad=list(data.get("bad") or ()))
        except (ValueError, TypeError, AttributeError) as exc:
            raise PermanentError("the saved Twilio cursor is unreadable") from exc

    def dump(self) -> str:
        data: dict[str, Any] = {"v": 1, "after": _iso(self.after), "seen": sorted(self.seen)}
        if self.next_uri:
            data["sweep"] = {"next": self.next_uri, "top": _iso(self.top), "top_seen": sorted(self.top_seen)}
        if self.bad:
            data["bad"] = self.bad[-_MAX_BAD:]
        return json.dumps(data, separators=(",", ":"))

    def delivered(self, sid: str, when: datetime) -> bool:
        """Was this message handed out by an earlier, finished sweep?"""
        if self.after is None:
            return False
        return when < self.after or (when == self.after and sid in self.seen)

    def note(self, sid: str, when: datetime) -> None:
        if self.top is None or when > self.top:
            self.top, self.top_seen = when, {sid}
        elif when == self.top:
            self.top_seen.add(sid)

    def finish_sweep(self) -> None:
        if self.top is not None:
            if self.after is None or self.top > self.after:
                self.after, self.seen = self.top, set(self.top_seen)
            elif self.top == self.after:
                self.seen |= self.top_seen
        self.next_uri, self.top, self.top_seen = None, None, set()


class TwilioConnector(Connector):
    """Twilio SMS through the official SDK (async), see the module docstring."""

    name = "sms"
    channel = Channel.SMS

    def __init__(self, settings: TwilioSettings, *, http_client: HttpxTwilioClient | None = None) -> None:
        if not (settings.account_sid and settings.auth_token and settings.from_number):
            raise ValueError("Twilio needs account_sid, auth_token and from_number")
        self.settings = settings
        self.http = http_client or HttpxTwilioClient(settings.api_base_url, timeout=settings.timeout)
        # environment={} would fall back to os.environ inside the SDK; a non-empty mapping keeps
        # TWILIO_EDGE / TWILIO_REGION from the process environment out of the URLs.
        self.client = Client(settings.account_sid, settings.auth_token, account_sid=settings.account_sid,
                             http_client=self.http, environment={"TWILIO_": ""})

    async def pull(self, cursor: str | None) -> PullResult:
        s = self.settings
        state = _Cursor.load(cursor, s.start)
        messages = self.client.api.v2010.account.messages
        token = _retry_after.set(None)
        try:
            if state.next_uri:
                page = await messages.get_page_async(self.client.api.absolute_url(state.next_uri))
            else:
                page = await messages.page_async(
                    to=s.from_number if s.inbound_only else values.unset,
                    date_sent_after=state.after.astimezone(UTC) if state.after else values.unset,
                    page_size=s.page_size,
                )
            payload: dict[str, Any] = page._payload  # the verbatim page JSON (the SDK keeps no public copy)
            records = payload["messages"] if "messages" in payload else page.load_page(payload)
        except Exception as exc:
            raise map_twilio_error(exc, "list messages") from exc
        finally:
            _retry_after.reset(token)
        if not isinstance(records, list):
            raise PermanentError("Twilio list messages: the page has no record list")

        items: list[IncomingMessage | Quarantined] = []
        page_sids: set[str] = set()
        oldest: datetime | None = None
        bad = set(state.bad)
        page_no = payload.get("page", "?")
        for i, rec in enumerate(records):
            when = _record_time(rec)
            sid = rec.get("sid") if isinstance(rec, dict) and isinstance(rec.get("sid"), str) else ""
            if when is not None:
                oldest = when if oldest is None or when < oldest else oldest
                if sid and state.delivered(sid, when):
                    continue
            if sid and sid in page_sids:
                continue
            try:
                item = parse_twilio_message(rec)
            except RecordError as exc:
                mark = sid or content_hash(dump_raw(rec))
                if mark not in bad:
                    bad.add(mark)
                    state.bad.append(mark)
                    items.append(Quarantined(_SOURCE, f"page {page_no} messages[{i}]" + (f" sid {sid}" if sid
                                                                                           else ""),
                                             str(exc), raw=dump_raw(rec), channel="sms"))
                continue
            page_sids.add(item.provider_key)
            state.note(item.provider_key, item.sent_at.astimezone(UTC))
            items.append(item)

        next_uri = payload.get("next_page_uri")
        # Newest first: once a page reaches below the watermark, older pages hold nothing new.
        reached_old = state.after is not None and oldest is not None and oldest < state.after
        if isinstance(next_uri, str) and next_uri and not reached_old:
            state.next_uri = next_uri
            more = True
        else:
            state.finish_sweep()
            more = False
        items.sort(key=lambda it: it.sent_at if isinstance(it, IncomingMessage) else datetime.min.replace(tzinfo=UTC))
        return PullResult(items, state.dump(), more=more)

    async def send(self, reply: OutgoingReply) -> SendResult:
        if not reply.to:
            raise PermanentError("an SMS reply needs a recipient number")
        if not reply.body.strip():
            raise PermanentError("an SMS reply needs a text")
        token = _retry_after.set(None)
        try:
            msg = await self.client.api.v2010.account.messages.create_async(
                to=reply.to, from_=self.settings.from_number, body=reply.body,
                status_callback=self.settings.status_callback_url or values.unset,
            )
        except Exception as exc:
            raise map_twilio_error(exc, "send message") from exc
        finally:
            _retry_after.reset(token)
        sid = msg.sid
        if not isinstance(sid, str) or not sid:
            raise PermanentError("Twilio send message: the answer has no SID")
        return SendResult(sid, str(msg.status or "queued"), reply.conversation)

    async def close(self) -> None:
        await self.http.aclose()
