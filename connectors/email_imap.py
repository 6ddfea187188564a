"""Email in by IMAP (aioimaplib), and the email channel as a whole (IMAP in, SMTP out).

:class:`ImapConnector` reads one mailbox. Its cursor is ``{"mailbox", "uidvalidity", "uid"}`` as JSON:
the last UID returned under that UIDVALIDITY. A pull re-selects the mailbox, asks ``UID SEARCH UID n:*``
for what came after the cursor, and fetches at most ``batch_size`` mails (``BODY.PEEK[]``, so nothing is
marked read); ``more`` says whether more are waiting. ``n:*`` always matches the newest mail even when
``n`` is past the end, so UIDs at or below the cursor are dropped rather than returned twice.

When the server's UIDVALIDITY differs from the cursor's (mailbox rebuilt or restored), the old UIDs
mean nothing any more: the pull starts again from UID 1 and the store skips what it already has by
Message-ID (or, for a mail without one, by a hash of its content, see ``parse_email_bytes``).

``wait_for_new`` IDLEs when the server offers IDLE (and ``use_idle`` is on) and returns True as soon
as the server reports a new mail; otherwise it sleeps ``poll_seconds`` and returns False, so the sync
loop polls. A pull (or close) from another task ends a running wait at once. A dropped connection is
re-opened on the next call; when that fails a pull raises ``TransientError`` (refused credentials:
``AuthError``; a missing mailbox or an untrusted certificate: ``PermanentError``). ``wait_for_new``
raises nothing of that: it returns (True when the connection dropped, so the pull that follows finds
out), and the pull reports the problem.

Nothing here logs message text, subjects or addresses: only UIDs, counts and the server's name.

:class:`EmailConnector` is the channel the sync loop registers: it pulls through an
:class:`ImapConnector` and sends through :class:`connectors.email_smtp.SmtpSender`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from datetime import datetime
from ssl import SSLContext
from typing import Any, TypeVar

import aioimaplib

from connectors.base import Connector, OutgoingReply, PullResult, SendResult
from connectors.email_smtp import SmtpSender, SmtpSettings
from connectors.imap_wire import EXISTS, UIDVALIDITY, astring, parse_fetch, parse_search
from inbox.domain import Channel, IncomingMessage, Quarantined
from inbox.errors import AuthError, ConfigError, ConnectorError, PermanentError, TransientError
from inbox.parsers.common import RecordError
from inbox.parsers.email import parse_email_bytes

log = logging.getLogger(__name__)

T = TypeVar("T")

_MAX_IDLE = 29 * 60.0  # servers may end an IDLE after 30 minutes (RFC 2177)


@dataclass(frozen=True, slots=True)
class ImapSettings:
    """Where to read mail. ``ssl``: implicit TLS (port 993); ``starttls``: upgrade a plain connection
    (port 143). Neither is for a server on loopback or a trusted network only. ``ssl_context`` replaces
    the system trust store (a private CA). ``office_addresses``: the office's own addresses, so mail
    from them is stored as outbound."""

    host: str
    port: int = 993
    user: str = ""
    password: str = field(default="", repr=False)
    mailbox: str = "INBOX"
    ssl: bool = True
    starttls: bool = False
    timeout: float = 30.0
    batch_size: int = 200
    use_idle: bool = True
    poll_seconds: float = 30.0
    office_addresses: frozenset[str] = frozenset()
    ssl_context: SSLContext | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ImapCursor:
    """Where a pull got to: the last UID returned, valid only under ``uidvalidity`` in ``mailbox``."""

    mailbox: str
    uidvalidity: int
    uid: int

    def encode(self) -> str:
        return json.dumps({"mailbox": self.mailbox, "uidvalidity": self.uidvalidity, "uid": self.uid},
                          separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> ImapCursor | None:
        """The cursor in ``text``; None for no cursor, or for one that cannot be read (the pull then
        starts from the beginning, which the store's dedup makes harmless)."""
        if not text:
            return None
        try:
            obj = json.loads(text)
            return cls(str(obj["mailbox"]), int(obj["uidvalidity"]), int(obj["uid"]))
        except (ValueError, TypeError, KeyError):
            log.warning("unreadable IMAP cursor; starting from the beginning of the mailbox")
            return None


class _Dropped(Exception):
    """The connection broke or a command timed out: reconnect."""


class _Session:
    """One logged-in connection with the mailbox selected."""

    def __init__(self, imap: Any, lost: asyncio.Event) -> None:
        self.imap = imap
        self.lost = lost
        self.uidvalidity = 0

    @property
    def capabilities(self) -> set[str]:
        caps: set[str] = self.imap.protocol.capabilities
        return caps

    def close(self) -> None:
        task = getattr(self.imap, "_client_task", None)
        if task is not None and not task.done():
            task.cancel()
        waiter = getattr(self.imap, "_idle_waiter", None)  # aioimaplib's IDLE timer
        if waiter is not None:
            waiter.cancel()
        transport = self.imap.protocol.transport
        if transport is not None:
            transport.close()
        self.lost.set()


class ImapConnector(Connector):
    """Reads one IMAP mailbox; see the module docstring. It cannot send (use :class:`EmailConnector`)."""

    name = "email"
    channel = Channel.EMAIL
    can_push = True
    can_send = False

    def __init__(self, settings: ImapSettings) -> None:
        if settings.ssl and settings.starttls:
            raise ConfigError("IMAP ssl and starttls are exclusive: ssl is TLS from the start, starttls "
                              "upgrades a plain connection")
        if settings.batch_size < 1:
            raise ConfigError("IMAP batch_size must be at least 1")
        self.settings = settings
        self._office = frozenset(a.strip().lower() for a in settings.office_addresses)
        self._session: _Session | None = None
        self._lock = asyncio.Lock()
        self._interrupt = asyncio.Event()  # a pull or close wants the connection: stop waiting
        self._returned: tuple[int, int] | None = None  # (uidvalidity, uid) of the last pull
        self.source = f"imap://{settings.host}:{settings.port}/{settings.mailbox}"
        # aioimaplib logs whole server responses (mail text included) at DEBUG: keep it quieter unless
        # the operator configured that logger on purpose.
        lib_log = logging.getLogger("aioimaplib")
        if lib_log.level == logging.NOTSET:
            lib_log.setLevel(logging.WARNING)

    # -- connection -------------------------------------------------------------------------------
    async def _call(self, session: _Session, aw: Awaitable[T], seconds: float | None = None, *,
                    limit: bool = True) -> T:
        """Await one aioimaplib call, giving up when the connection drops or ``seconds`` (default: the
        settings' timeout) passes. ``limit=False``: no overall limit, for a FETCH whose command timer
        already fails it after ``timeout`` seconds without data."""
        task = asyncio.ensure_future(aw)
        lost = asyncio.ensure_future(session.lost.wait())
        try:
            done, _ = await asyncio.wait({task, lost}, timeout=(seconds or self.settings.timeout) if limit else None,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            if not task.done():
                task.cancel()
        if task not in done:
            raise _Dropped("connection lost" if session.lost.is_set() else "timed out")
        try:
            return task.result()
        except ssl.SSLCertVerificationError:
            raise
        except (aioimaplib.AioImapException, OSError, TimeoutError, asyncio.CancelledError) as exc:
            raise _Dropped(type(exc).__name__) from exc

    async def _connect(self) -> _Session:
        s = self.settings
        lost = asyncio.Event()
        if s.ssl:
            ctx = s.ssl_context or ssl.create_default_context()
            imap = aioimaplib.IMAP4_SSL(host=s.host, port=s.port, timeout=s.timeout, ssl_context=ctx)
        else:
            imap = aioimaplib.IMAP4(host=s.host, port=s.port, timeout=s.timeout)
        imap.protocol.conn_lost_cb = lambda _exc: lost.set()
        session = _Session(imap, lost)
        ok = False
        try:
            await self._call(session, imap.wait_hello_from_server())
            if s.starttls:
                await self._starttls(session)
            if "LOGINDISABLED" in session.capabilities:
                raise PermanentError(f"IMAP server {s.host}:{s.port} allows no login without TLS; "
                                     "set ssl or starttls")
            resp = await self._call(session, imap.login(s.user, s.password))
            if resp.result != "OK":
                raise AuthError(f"IMAP server {s.host}:{s.port} refused the login")
            await self._call(session, imap.protocol.capability())  # they may differ after login
            session.uidvalidity = await self._select(session, fresh=True)
            ok = True
            log.info("IMAP connected to %s:%s (%s)", s.host, s.port,
                     "IDLE" if self._can_idle(session) else "polling")
            return session
        except ssl.SSLCertVerificationError as exc:
            raise PermanentError(f"IMAP server {s.host}:{s.port} presented an untrusted certificate") from exc
        except _Dropped as exc:
            raise TransientError(f"IMAP server {s.host}:{s.port} unreachable ({exc})") from exc
        finally:
            if not ok:
                session.close()

    async def _starttls(self, session: _Session) -> None:
        """Upgrade the plain connection (aioimaplib has no STARTTLS of its own)."""
        s = self.settings
        proto = session.imap.protocol
        if "STARTTLS" not in proto.capabilities:
            raise PermanentError(f"IMAP server {s.host}:{s.port} does not offer STARTTLS")
        resp = await self._call(session, proto.execute(aioimaplib.Command("STARTTLS", proto.new_tag(),
                                                                          loop=proto.loop)))
        if resp.result != "OK":
            raise PermanentError(f"IMAP server {s.host}:{s.port} refused STARTTLS")
        ctx = s.ssl_context or ssl.create_default_context()
        loop = asyncio.get_running_loop()
        transport = await self._call(session, loop.start_tls(proto.transport, proto, ctx, server_hostname=s.host))
        proto.transport = transport
        await self._call(session, proto.capability())

    async def _select(self, session: _Session, *, fresh: bool) -> int:
        resp = await self._call(session, session.imap.select(astring(self.settings.mailbox)))
        if resp.result != "OK":
            if not fresh:  # e.g. dovecot's "Mailbox was deleted under us" after a UIDVALIDITY change
                raise _Dropped(f"SELECT answered {resp.result}")
            raise PermanentError(f"IMAP mailbox {self.settings.mailbox!r} cannot be selected")
        for line in resp.lines:
            if isinstance(line, bytes | bytearray) and (m := UIDVALIDITY.search(bytes(line))):
                return int(m.group(1))
        raise PermanentError("IMAP server sent no UIDVALIDITY for the mailbox")

    async def _ensure(self) -> _Session:
        session = self._session
        if session is not None and not session.lost.is_set():
            return session
        if session is not None:
            log.info("IMAP connection to %s:%s lost; reconnecting", self.settings.host, self.settings.port)
            self._drop()
        self._session = await self._connect()
        return self._session

    def _drop(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _can_idle(self, session: _Session) -> bool:
        return self.settings.use_idle and "IDLE" in session.capabilities

    async def _search_after(self, session: _Session, uid: int) -> list[int]:
        resp = await self._call(session, session.imap.uid_search(f"UID {uid + 1}:*", charset=None))
        if resp.result != "OK":
            raise _Dropped(f"UID SEARCH answered {resp.result}")
        # n:* matches the newest mail even when n is past it: keep only what is really after the cursor.
        return [u for u in parse_search(resp.lines) if u > uid]

    # -- pull -------------------------------------------------------------------------------------
    async def pull(self, cursor: str | None) -> PullResult:
        self._interrupt.set()  # a wait_for_new in another task gives way
        async with self._lock:
            for attempt in (1, 2):
                try:
                    return await self._pull(ImapCursor.decode(cursor))
                except _Dropped as exc:
                    self._drop()
                    if attempt == 2:
                        raise TransientError(f"IMAP connection to {self.settings.host} keeps failing "
                                             f"({exc})") from exc
            raise AssertionError("unreachable")

    async def _pull(self, cursor: ImapCursor | None) -> PullResult:
        s = self.settings
        session = await self._ensure()
        # Select again: a fresh view of the mailbox, and the UIDVALIDITY in force now.
        session.uidvalidity = uidvalidity = await self._select(session, fresh=False)
        last = 0
        if cursor is not None and cursor.mailbox != s.mailbox:
            log.info("IMAP cursor is for another mailbox; reading %s from the beginning", self.source)
        elif cursor is not None:
            if cursor.uidvalidity == uidvalidity:
                last = cursor.uid
            else:
                log.warning("IMAP UIDVALIDITY of %s changed (%s -> %s): reading it again from UID 1; "
                            "mails already stored are skipped by Message-ID", self.source,
                            cursor.uidvalidity, uidvalidity)
        uids = await self._search_after(session, last)
        batch = uids[: s.batch_size]
        items: list[IncomingMessage | Quarantined] = []
        if batch:
            resp = await self._call(session, session.imap.uid("fetch", f"{batch[0]}:{batch[-1]}",
                                                              "(UID INTERNALDATE BODY.PEEK[])"), limit=False)
            if resp.result != "OK":
                raise _Dropped(f"UID FETCH answered {resp.result}")
            fetched = parse_fetch(resp.lines)
            wanted = set(batch)
            for uid in sorted(u for u in fetched if u in wanted):  # a UID gone since SEARCH is skipped
                items.append(self._parse(uid, *fetched[uid]))
            last = batch[-1]
        self._returned = (uidvalidity, last)
        more = len(uids) > len(batch)
        if items:
            log.info("IMAP %s: %d mail(s) up to UID %d%s", self.source, len(items), last,
                     ", more waiting" if more else "")
        return PullResult(items, ImapCursor(s.mailbox, uidvalidity, last).encode(), more=more)

    def _parse(self, uid: int, raw: bytes, received_at: datetime | None = None) -> IncomingMessage | Quarantined:
        position = f"uid {uid}"
        try:  # INTERNALDATE: when the office's server received it, for the fair order
            return parse_email_bytes(raw, office_addresses=self._office, received_at=received_at)
        except RecordError as exc:
            reason = str(exc)
        except Exception as exc:  # the stdlib parser is lenient; still, one mail must not stop the rest
            reason = f"unparseable mail ({type(exc).__name__})"
        log.warning("IMAP %s: %s quarantined: %s", self.source, position, reason)
        return Quarantined(self.source, position, reason, raw=raw.decode("utf-8", "replace"),
                           channel=Channel.EMAIL.value)

    # -- push -------------------------------------------------------------------------------------
    async def wait_for_new(self, wait_seconds: float) -> bool:
        """True as soon as the server reports new mail (or the connection dropped, so a pull should look);
        False when ``wait_seconds`` pass, or after ``poll_seconds`` when the server cannot IDLE.
        Connection problems are not raised here: the next pull raises them."""
        wait_seconds = max(0.0, min(wait_seconds, _MAX_IDLE))
        async with self._lock:
            self._interrupt.clear()
            try:
                session = await self._ensure()
                if not self._can_idle(session):
                    await self._pause(min(wait_seconds, self.settings.poll_seconds))
                    return False
                if self._returned is not None:
                    validity, last = self._returned
                    if validity != session.uidvalidity:
                        return True
                    # NOOP first: dovecot, for one, only shows mail that arrived since the last command
                    # after a command that syncs the mailbox, and SEARCH does not.
                    await self._call(session, session.imap.noop())
                    if await self._search_after(session, last):
                        return True  # arrived between the last pull and now
                return await self._idle(session, wait_seconds)
            except _Dropped:
                self._drop()
                return True
            except ConnectorError as exc:
                log.warning("IMAP wait for new mail failed (%s)", type(exc).__name__)
                self._drop()
                await self._pause(min(wait_seconds, 1.0))
                return False

    async def _pause(self, seconds: float) -> None:
        """Sleep, unless a pull or close interrupts."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._interrupt.wait(), seconds)

    async def _idle(self, session: _Session, wait_seconds: float) -> bool:
        imap = session.imap
        queue: asyncio.Queue[Any] = imap.protocol.idle_queue
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        idle_task = await self._call(session, imap.idle_start(timeout=_MAX_IDLE + 60))
        clean = False
        arrived = False
        try:
            while (remaining := deadline - loop.time()) > 0:
                get = asyncio.ensure_future(queue.get())
                lost = asyncio.ensure_future(session.lost.wait())
                interrupt = asyncio.ensure_future(self._interrupt.wait())
                try:
                    done, _ = await asyncio.wait({get, lost, interrupt}, timeout=remaining,
                                                 return_when=asyncio.FIRST_COMPLETED)
                finally:
                    lost.cancel()
                    interrupt.cancel()
                    if not get.done():
                        get.cancel()
                if get not in done:
                    if session.lost.is_set():
                        raise _Dropped("connection lost while idling")
                    break  # time is up, or a pull wants the connection
                lines = get.result()
                if any(isinstance(x, bytes | bytearray) and EXISTS.match(bytes(x)) for x in lines):
                    arrived = True
                    break
                # keep-alives, flag changes, expunges: nothing to pull; keep waiting
            imap.idle_done()
            await self._call(session, idle_task)
            clean = True
        finally:
            while not queue.empty():  # leftovers must not wake the next IDLE
                queue.get_nowait()
            if not clean:  # cancelled or broken mid-IDLE: the session's state is unknown
                self._drop()
        return arrived

    # -- the rest ---------------------------------------------------------------------------------
    async def send(self, reply: OutgoingReply) -> SendResult:
        raise PermanentError("the IMAP connector only reads mail; configure SMTP to send (EmailConnector)")

    async def close(self) -> None:
        self._interrupt.set()
        session, self._session = self._session, None
        if session is None:
            return
        if not session.lost.is_set() and not session.imap.has_pending_idle():
            with contextlib.suppress(_Dropped, ConnectorError):
                await self._call(session, session.imap.logout(), min(self.settings.timeout, 5.0))
        session.close()


class EmailConnector(Connector):
    """The email channel: mail in through IMAP, replies out through SMTP."""

    name = "email"
    channel = Channel.EMAIL
    can_push = True
    can_send = True

    def __init__(self, inbound: ImapConnector, outbound: SmtpSender) -> None:
        self.inbound = inbound
        self.outbound = outbound

    @classmethod
    def from_settings(cls, imap: ImapSettings, smtp: SmtpSettings) -> EmailConnector:
        """Both halves; the SMTP sender address counts as an office address when mail is read."""
        office = imap.office_addresses | {smtp.from_address.lower()}
        return cls(ImapConnector(replace(imap, office_addresses=office)), SmtpSender(smtp))

    async def pull(self, cursor: str | None) -> PullResult:
        return await self.inbound.pull(cursor)

    async def wait_for_new(self, wait_seconds: float) -> bool:
        return await self.inbound.wait_for_new(wait_seconds)

    async def send(self, reply: OutgoingReply) -> SendResult:
        return await self.outbound.send(reply)

    async def close(self) -> None:
        await self.inbound.close()
