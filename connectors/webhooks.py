"""Twilio webhooks: inbound SMS and delivery-status callbacks, as a Starlette app.

Build the app with :func:`create_webhook_app` and serve it with uvicorn. Two endpoints, relative to
the app: ``POST /sms`` (the number's "A message comes in" webhook) and ``POST /status`` (the
``StatusCallback`` given when a reply is sent).

Signatures
    Every request must carry ``X-Twilio-Signature``, checked with the SDK's ``RequestValidator``
    against the URL Twilio called. Proxies rewrite scheme, host and path, so that URL is never taken
    from the request: it is ``public_url`` (the externally visible prefix under which this app is
    reachable, e.g. ``https://inbox.example.no/twilio``) + ``/sms`` or ``/status`` + the request's
    query string. ``X-Twilio-Webhooks-Signature-Settings`` may select HMAC-SHA256 (the SDK's rule).
    A missing, malformed or wrong signature is answered 403 and nothing is stored.

Replays and retries: the rule
    Twilio's signature covers the URL and every form parameter but no timestamp, and none of the
    headers it sends (``I-Twilio-Idempotency-Token`` included) is signed, so a stale-timestamp check
    is impossible and a header-based one can be forged. The rule therefore keys on the signature
    itself, which is a function of exactly what was signed:

    * the first time a signature is seen, its time is remembered (up to ``replay_retention`` seconds,
      at most ``replay_max_entries`` signatures);
    * the same signature again within ``retry_window`` seconds (default 300) of its first sighting is
      a **retry** (Twilio retries an identical request after a timeout or a connection failure, and
      its connection-override retries all fall well within minutes): it is answered 200, and stored
      only if the first attempt did not store it;
    * the same signature after ``retry_window`` is a **replay**: 403, nothing stored.

    Independently of the signature, deliveries are idempotent by ``MessageSid``: a message whose SID
    was already stored (by this process) is answered 200 without calling ``on_message`` again, and
    the store's own (channel, SID) key makes a duplicate that reaches it harmless. A status callback
    is idempotent by (``MessageSid``, ``MessageStatus``). A replay that outlives ``replay_retention``
    (or a restart) can therefore at worst re-deliver something already stored; status consumers
    should ignore a status that does not advance (see :func:`status_advances`), so a replayed
    ``sent`` cannot undo a ``delivered``.

No loss
    The inbound message is handed to ``on_message`` and awaited **before** the 200 is sent; if it
    raises, the answer is 500 and Twilio's retry (same signature, within the window) is accepted.
    :class:`BatchingSink` turns a synchronous batch store call (``Store.ingest``) into such a callback
    with group commit, so each request still waits for its own commit.

Nothing here logs message text or phone numbers; problems are logged by SID only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from inbox.domain import IncomingMessage, Quarantined
from inbox.parsers.common import RecordError, dump_raw
from inbox.parsers.twilio import parse_twilio_message

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
TWIML_MEDIA_TYPE = "text/xml"
MAX_BODY_BYTES = 64 * 1024

OnMessage = Callable[[IncomingMessage | Quarantined], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """One status callback: the SID of a message we sent and its new delivery status."""

    sid: str
    status: str
    error_code: str = ""
    account_sid: str = ""
    received_at: datetime | None = None


OnStatus = Callable[[DeliveryStatus], Awaitable[None]]

# Twilio's message statuses in the order they can happen; a final status ranks highest.
STATUS_RANK: dict[str, int] = {
    "scheduled": 0, "accepted": 1, "queued": 2, "sending": 3, "sent": 4, "receiving": 4, "received": 5,
    "delivered": 6, "read": 7, "undelivered": 8, "failed": 8, "canceled": 8,
}


def status_advances(old: str, new: str) -> bool:
    """True when ``new`` may replace ``old`` (callbacks can arrive out of order or be replayed)."""
    return STATUS_RANK.get(new, -1) > STATUS_RANK.get(old, -1)


class Verdict(Enum):
    NEW = "new"
    RETRY = "retry"
    REPLAY = "replay"


class ReplayGuard:
    """Remembers signatures and when each was first seen; see the module docstring for the rule."""

    def __init__(self, *, retry_window: float = 300.0, retention: float = 86_400.0, max_entries: int = 200_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if retention < retry_window:
            raise ValueError("replay retention must be at least the retry window")
        self.retry_window = retry_window
        self.retention = retention
        self.max_entries = max_entries
        self._clock = clock
        self._first_seen: OrderedDict[str, float] = OrderedDict()  # insertion order = time order

    def check(self, signature: str) -> Verdict:
        now = self._clock()
        self._prune(now)
        first = self._first_seen.get(signature)
        if first is None:
            self._first_seen[signature] = now
            return Verdict.NEW
        return Verdict.RETRY if now - first <= self.retry_window else Verdict.REPLAY

    def _prune(self, now: float) -> None:
        seen = self._first_seen
        while seen:
            sig, first = next(iter(seen.items()))
            if now - first <= self.retention and len(seen) < self.max_entries:
                break
            del seen[sig]

    def __len__(self) -> int:
        return len(self._first_seen)


class _SeenKeys:
    """A bounded set (oldest forgotten first) of keys already handled."""

    def __init__(self, max_entries: int) -> None:
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._max = max_entries

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self._max:
            self._keys.popitem(last=False)


class _Form(dict[str, list[str]]):
    """Form fields with repeated names kept; ``getlist`` is what RequestValidator looks for."""

    def getlist(self, name: str) -> list[str]:
        return self[name]

    def first(self, name: str) -> str:
        values = self.get(name)
        return values[0] if values else ""


def _parse_form(body: bytes) -> _Form:
    form = _Form()
    for k, v in parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False):
        form.setdefault(k, []).append(v)
    return form


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def inbound_to_rest(form: dict[str, list[str]], received_at: datetime) -> dict[str, Any]:
    """An inbound-SMS webhook form → the REST Message resource shape ``parse_twilio_message`` reads.

    The webhook carries no timestamp; Twilio's ``date_sent`` of an inbound message is when it made the
    webhook request, so the time of receipt stands in for it.
    """

    def one(name: str) -> str | None:
        values = form.get(name)
        return values[0] if values else None

    sent = format_datetime(received_at.astimezone(UTC))
    return {
        "sid": one("MessageSid") or one("SmsSid") or one("SmsMessageSid"),
        "account_sid": one("AccountSid"),
        "messaging_service_sid": one("MessagingServiceSid"),
        "from": one("From"),
        "to": one("To"),
        "body": one("Body"),
        "direction": "inbound",
        "status": one("SmsStatus") or "received",
        "num_media": one("NumMedia") or "0",
        "num_segments": one("NumSegments") or "1",
        "api_version": one("ApiVersion") or "2010-04-01",
        "date_sent": sent,
        "date_created": sent,
        "date_updated": sent,
    }


class TwilioWebhook:
    """The request handling behind :func:`create_webhook_app` (kept as an object for tests and metrics)."""

    def __init__(self, auth_token: str, public_url: str, on_message: OnMessage, on_status: OnStatus | None = None,
                 *, account_sid: str | None = None, retry_window: float = 300.0, replay_retention: float = 86_400.0,
                 replay_max_entries: int = 200_000, max_body_bytes: int = MAX_BODY_BYTES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not auth_token:
            raise ValueError("the Twilio auth token is required to validate webhooks")
        self.validator = RequestValidator(auth_token)
        self.public_url = public_url.rstrip("/")
        self.on_message = on_message
        self.on_status = on_status
        self.account_sid = account_sid
        self.max_body_bytes = max_body_bytes
        self.guard = ReplayGuard(retry_window=retry_window, retention=replay_retention,
                                 max_entries=replay_max_entries, clock=clock)
        self._done = _SeenKeys(replay_max_entries)
        self._inflight: dict[str, asyncio.Future[None]] = {}
        self.refused = 0
        self.accepted = 0

    # -- common checks ------------------------------------------------------------------------
    async def _read_signed(self, request: Request, tail: str) -> tuple[_Form, str]:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature:
            raise _Refused(403, "unsigned request")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise _Refused(403, "not a form post")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body_bytes:
                raise _Refused(413, "request body too large")
        try:
            form = _parse_form(bytes(body))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _Refused(403, "unreadable form") from exc
        url = self.public_url + tail
        if request.url.query:
            url += "?" + request.url.query
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER, ""))
        if not self.validator.validate(url, form, signature, algorithm):
            raise _Refused(403, "bad signature")
        if self.account_sid and form.first("AccountSid") != self.account_sid:
            raise _Refused(403, "another account")
        if self.guard.check(f"{algorithm}:{signature}") is Verdict.REPLAY:
            raise _Refused(403, "replayed request")
        return form, signature

    async def _once(self, key: str, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` unless ``key`` is done; concurrent duplicates wait for the first attempt."""
        while True:
            if key in self._done:
                return
            running = self._inflight.get(key)
            if running is None:
                break
            try:
                await asyncio.shield(running)
            except BaseException:
                if running.done() and (running.cancelled() or running.exception() is not None):
                    continue  # the first attempt failed or was dropped: this one tries again
                raise
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            await work()
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                fut.cancel()
            else:
                fut.set_exception(exc)
                fut.exception()  # mark retrieved: nobody may be waiting
            raise
        else:
            self._done.add(key)
            fut.set_result(None)
        finally:
            del self._inflight[key]

    def _refuse(self, exc: _Refused, endpoint: str) -> Response:
        self.refused += 1
        log.warning("twilio webhook %s refused (%d): %s", endpoint, exc.status, exc.reason)
        return PlainTextResponse(exc.reason, status_code=exc.status)

    # -- endpoints ----------------------------------------------------------------------------
    async def inbound(self, request: Request) -> Response:
        try:
            form, signature = await self._read_signed(request, "/sms")
        except _Refused as exc:
            return self._refuse(exc, "sms")
        rest = inbound_to_rest(form, datetime.now(UTC))
        sid = rest["sid"] or ""
        item: IncomingMessage | Quarantined
        try:
            item = parse_twilio_message(rest)
        except RecordError as exc:
            log.warning("twilio webhook: unreadable inbound message %s: %s", sid or "(no SID)", exc)
            item = Quarantined("twilio-webhook", f"sid {sid}" if sid else "request", str(exc), dump_raw(rest),
                               channel="sms")
        key = f"sms:{sid}" if sid else f"no-sid:{signature}"

        async def store() -> None:
            await self.on_message(item)

        try:
            await self._once(key, store)
        except Exception as exc:  # its text may quote the row (SQL parameters): log the type only
            log.error("twilio webhook: storing inbound message %s failed (%s)", sid, type(exc).__name__)
            return PlainTextResponse("could not store the message", status_code=500)
        self.accepted += 1
        return Response(EMPTY_TWIML, media_type=TWIML_MEDIA_TYPE)

    async def status(self, request: Request) -> Response:
        try:
            form, _ = await self._read_signed(request, "/status")
        except _Refused as exc:
            return self._refuse(exc, "status")
        sid = form.first("MessageSid") or form.first("SmsSid")
        state = form.first("MessageStatus") or form.first("SmsStatus")
        if not sid or not state:
            return PlainTextResponse("not a message status callback", status_code=400)
        update = DeliveryStatus(sid=sid, status=state, error_code=form.first("ErrorCode"),
                                account_sid=form.first("AccountSid"), received_at=datetime.now(UTC))
        on_status = self.on_status
        if on_status is not None:
            async def apply() -> None:
                await on_status(update)

            try:
                await self._once(f"status:{sid}:{state}", apply)
            except Exception as exc:
                log.error("twilio webhook: recording status of %s failed (%s)", sid, type(exc).__name__)
                return PlainTextResponse("could not record the status", status_code=500)
        self.accepted += 1
        return Response(EMPTY_TWIML, media_type=TWIML_MEDIA_TYPE)


def create_webhook_app(auth_token: str, public_url: str, on_message: OnMessage, on_status: OnStatus | None = None,
                       **options: Any) -> Starlette:
    """The webhook ASGI app. ``options`` go to :class:`TwilioWebhook` (account_sid, retry_window, …).

    The handler is reachable as ``app.state.webhook``. On shutdown (ASGI lifespan) callbacks that have
    an ``aclose`` coroutine method, like :class:`BatchingSink`, are closed.
    """
    hook = TwilioWebhook(auth_token, public_url, on_message, on_status, **options)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        for callback in (on_message, on_status):  # e.g. a BatchingSink: closed on the loop that served
            aclose = getattr(callback, "aclose", None)
            if aclose is not None:
                await aclose()

    app = Starlette(routes=[
        Route("/sms", hook.inbound, methods=["POST"]),
        Route("/status", hook.status, methods=["POST"]),
    ], lifespan=lifespan)
    app.state.webhook = hook
    return app


class BatchingSink:
    """An ``on_message`` callback that stores with group commit.

    Callers are queued; one worker waits ``linger`` seconds for company, hands everything queued (up
    to ``max_batch``) to ``store`` in a thread, then releases each caller with the outcome of its
    batch. So a request is answered only
    after its own message is committed, while the database sees one transaction per batch.
    Use as ``BatchingSink(store.ingest)``; :meth:`aclose` must run on the loop that served the
    requests (``create_webhook_app``'s lifespan does that).
    """

    def __init__(self, store: Callable[[Sequence[IncomingMessage | Quarantined]], object], *,
                 max_batch: int = 256, linger: float = 0.005) -> None:
        self._store = store
        self._max_batch = max_batch
        self._linger = linger
        self._queue: list[tuple[IncomingMessage | Quarantined, asyncio.Future[None]]] = []
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0
        self.stored = 0

    async def __call__(self, item: IncomingMessage | Quarantined) -> None:
        if self._worker is None or self._worker.done():
            self._wake = asyncio.Event()
            self._worker = asyncio.create_task(self._run())
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((item, fut))
        assert self._wake is not None
        self._wake.set()
        await fut

    async def _run(self) -> None:
        assert self._wake is not None
        batch: list[tuple[IncomingMessage | Quarantined, asyncio.Future[None]]] = []
        try:
            while True:
                await self._wake.wait()
                if self._linger and len(self._queue) < self._max_batch:
                    await asyncio.sleep(self._linger)  # let concurrent requests join this commit
                self._wake.clear()
                while self._queue:
                    batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch:]
                    items = [item for item, _ in batch]
                    try:
                        await asyncio.to_thread(self._store, items)
                    except Exception as exc:  # noqa: BLE001 - handed to every waiting caller
                        _settle(batch, exc)
                    else:
                        self.batches += 1
                        self.stored += len(items)
                        _settle(batch, None)
                    batch = []
        finally:  # cancelled: nobody may wait forever
            closed = RuntimeError("the message sink was closed")
            _settle(batch, closed)
            _settle(self._queue, closed)
            self._queue = []

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None


def _settle(waiters: Iterable[tuple[object, asyncio.Future[None]]], exc: BaseException | None) -> None:
    for _, fut in waiters:
        if fut.done():
            continue
        if exc is None:
            fut.set_result(None)
        else:
            fut.set_exception(exc)


def sign_request(auth_token: str, url: str, params: Iterable[tuple[str, str]] | dict[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio would send for a form POST of ``params`` to ``url``."""
    form = _Form()
    for k, v in (params.items() if isinstance(params, dict) else params):
        form.setdefault(k, []).append(v)
    return str(RequestValidator(auth_token).compute_signature(url, form))
