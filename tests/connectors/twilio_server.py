"""A loopback Twilio REST server for the SMS connector's tests, and a helper to run any ASGI app.

``FakeTwilio`` speaks the parts of Twilio's 2010-04-01 API the connector uses, in Twilio's JSON:
the Messages list (newest first, ``To``/``From``/``DateSent>``/``DateSent<`` filters, ``PageSize``,
pages linked by ``next_page_uri`` with a ``PageToken`` so later pages stay put while new messages
arrive) with the page keys of a real answer (see flerkanal/demo/sms.json), and
Messages create (form POST → 201 with a Message resource). HTTP Basic auth with the account SID
and auth token is required; errors use Twilio's error JSON. ``fail_next`` queues canned answers.

``LoopbackServer`` runs an ASGI app under uvicorn on 127.0.0.1 (a free port) in a thread, so the
real SDK and httpx talk to it over TCP.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
OUR_NUMBER = "+4759446000"


class LoopbackServer:
    """uvicorn serving ``app`` on 127.0.0.1:<free port> in a background thread."""

    def __init__(self, app: ASGIApp, *, lifespan: Literal["auto", "on", "off"] = "auto") -> None:
        self.app = app
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(app, lifespan=lifespan, log_level="warning", access_log=False, ws="none",
                                http="h11", loop="asyncio")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def rfc2822(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC))


def message_resource(sid: str, *, body: str, from_: str, to: str = OUR_NUMBER, sent: datetime | None,
                     direction: str = "inbound", status: str = "received", account_sid: str = ACCOUNT_SID,
                     created: datetime | None = None) -> dict[str, Any]:
    """A Message resource exactly as Twilio's REST API returns it (keys as in sms.json)."""
    created = created or sent or datetime.now(UTC)
    base = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": rfc2822(created),
        "date_sent": rfc2822(sent) if sent else None,
        "date_updated": rfc2822(created),
        "direction": direction,
        "error_code": None,
        "error_message": None,
        "from": from_,
        "to": to,
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": status,
        "subresource_uris": {"media": f"{base}/Media.json"},
        "uri": f"{base}.json",
    }


def new_sid() -> str:
    return "SM" + uuid.uuid4().hex


@dataclass
class Recorded:
    method: str
    path: str
    query: list[tuple[str, str]]
    form: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Canned:
    status: int
    body: dict[str, Any] | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (timeouts)


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


def _parse_filter_time(value: str) -> tuple[datetime, bool]:
    """A DateSent filter value → (time, date_only)."""
    if len(value) == 10:
        return datetime.fromisoformat(value).replace(tzinfo=UTC), True
    return datetime.fromisoformat(value.replace("Z", "+00:00")), False


class FakeTwilio:
    """In-memory Twilio account behind a Starlette app (see the module docstring)."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN,
                 messages: list[dict[str, Any]] | None = None) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, Any]] = list(messages or [])
        self.requests: list[Recorded] = []
        self.fail_next: list[Canned] = []
        self.created: list[dict[str, str]] = []
        base = "/2010-04-01/Accounts/{account}/Messages"
        self.app = Starlette(routes=[
            Route(base + ".json", self._list, methods=["GET"]),
            Route(base + ".json", self._create, methods=["POST"]),
            Route(base + "/{sid}.json", self._fetch, methods=["GET"]),
        ])

    def add(self, *resources: dict[str, Any]) -> None:
        self.messages.extend(resources)

    def list_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "GET" and r.path.endswith("/Messages.json")]

    # -- plumbing ---------------------------------------------------------------------------------
    async def _guard(self, request: Request) -> tuple[Recorded, Response | None]:
        form: dict[str, str] = {}
        if request.method == "POST":
            form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        rec = Recorded(request.method, request.url.path, parse_qsl(request.url.query, keep_blank_values=True), form,
                       dict(request.headers))
        self.requests.append(rec)
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("authorization") != expected or request.path_params["account"] != self.account_sid:
            return rec, JSONResponse(twilio_error(401, 20003, "Authenticate"), status_code=401)
        if self.fail_next:
            canned = self.fail_next.pop(0)
            if canned.delay:
                await asyncio.sleep(canned.delay)
            if isinstance(canned.body, str) or canned.body is None:
                return rec, Response(canned.body or "", status_code=canned.status, headers=canned.headers)
            return rec, JSONResponse(canned.body, status_code=canned.status, headers=canned.headers)
        return rec, None

    def _sorted(self) -> list[dict[str, Any]]:
        def when(m: dict[str, Any]) -> datetime:
            raw = m.get("date_sent") or m.get("date_created")
            try:
                return parsedate_to_datetime(raw).astimezone(UTC) if isinstance(raw, str) else datetime.min.replace(
                    tzinfo=UTC)
            except (TypeError, ValueError):
                return datetime.min.replace(tzinfo=UTC)

        return sorted(self.messages, key=lambda m: (when(m), str(m.get("sid"))), reverse=True)

    def _matches(self, m: dict[str, Any], q: dict[str, str]) -> bool:
        if "To" in q and m.get("to") != q["To"]:
            return False
        if "From" in q and m.get("from") != q["From"]:
            return False
        raw = m.get("date_sent") or m.get("date_created")
        try:
            sent = parsedate_to_datetime(raw).astimezone(UTC) if isinstance(raw, str) else None
        except (TypeError, ValueError):
            sent = None
        for key, op in (("DateSent>", "ge"), ("DateSent<", "le"), ("DateSent", "eq")):
            if key not in q:
                continue
            if sent is None:
                return False
            bound, date_only = _parse_filter_time(q[key])
            left: Any = sent.date() if date_only else sent
            right: Any = bound.date() if date_only else bound
            if (op == "ge" and left < right) or (op == "le" and left > right) or (op == "eq" and left != right):
                return False
        return True

    async def _list(self, request: Request) -> Response:
        rec, refused = await self._guard(request)
        if refused is not None:
            return refused
        q = dict(rec.query)
        size = int(q.get("PageSize", "50"))
        page_no = int(q.get("Page", "0"))
        rows = [m for m in self._sorted() if self._matches(m, q)]
        token = q.get("PageToken", "")
        if token.startswith("PA"):
            last = token[2:]
            idx = next((i for i, m in enumerate(rows) if m.get("sid") == last), None)
            start = idx + 1 if idx is not None else len(rows)
        else:
            start = page_no * size
        chunk = rows[start:start + size]
        filters = [(k, q[k]) for k in ("To", "From", "DateSent", "DateSent<", "DateSent>") if k in q]
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"

        def uri(page: int, token: str | None = None) -> str:
            params = [*filters, ("PageSize", str(size)), ("Page", str(page))]
            if token:
                params.append(("PageToken", token))
            return f"{path}?{urlencode(params)}"

        has_next = start + size < len(rows) and chunk
        return JSONResponse({
            "end": start + len(chunk) - 1 if chunk else start,
            "first_page_uri": uri(0),
            "messages": chunk,
            "next_page_uri": uri(page_no + 1, "PA" + str(chunk[-1]["sid"])) if has_next else None,
            "page": page_no,
            "page_size": size,
            "previous_page_uri": uri(page_no - 1) if page_no > 0 else None,
            "start": start,
            "uri": uri(page_no, token or None),
        })

    async def _create(self, request: Request) -> Response:
        rec, refused = await self._guard(request)
        if refused is not None:
            return refused
        form = rec.form
        if not form.get("To"):
            return JSONResponse(twilio_error(400, 21604, "A 'To' phone number is required."), status_code=400)
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return JSONResponse(twilio_error(400, 21603, "A 'From' phone number is required."), status_code=400)
        if not form.get("Body") and not form.get("MediaUrl"):
            return JSONResponse(twilio_error(400, 21602, "Message body is required."), status_code=400)
        self.created.append(form)
        now = datetime.now(UTC)
        res = message_resource(new_sid(), body=form["Body"], from_=form.get("From", ""), to=form["To"], sent=None,
                               direction="outbound-api", status="queued", account_sid=self.account_sid, created=now)
        self.messages.append(res)
        return JSONResponse(res, status_code=201)

    async def _fetch(self, request: Request) -> Response:
        _, refused = await self._guard(request)
        if refused is not None:
            return refused
        for m in self.messages:
            if m.get("sid") == request.path_params["sid"]:
                return JSONResponse(m)
        return JSONResponse(twilio_error(404, 20404, "The requested resource was not found"), status_code=404)
