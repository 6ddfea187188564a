"""The email connector against real servers: a private dovecot (IMAP) and aiosmtpd (SMTP).

dovecot must be installed (`apt-get install -y dovecot-imapd`; .ci/run does it): without it these tests
fail, they never skip. Each test gets a user of its own on one dovecot per module.
"""

from __future__ import annotations

import asyncio
import email
import json
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from connectors.base import OutgoingReply
from connectors.email_imap import EmailConnector, ImapConnector, ImapCursor, ImapSettings
from connectors.email_smtp import SmtpSender, SmtpSettings
from inbox.domain import Direction, IncomingMessage, Quarantined
from inbox.errors import AuthError, PermanentError, TransientError
from inbox.parsers.email import parse_email_bytes
from inbox.storage.repository import Store
from tests.connectors.dovecot import Dovecot, MailUser, client_ssl_context, free_port, make_certificate, running_dovecot

# aiosmtpd's TLS test server sometimes leaves its side of a closed connection to the garbage collector;
# the ResourceWarning then surfaces in whichever test runs next. It is the test server's socket, not ours
# (our SMTP client closes in a finally block), so it is not turned into an error in this module.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def mail(n: int, *, message_id: bool = True, body: str = "", sender: str = "ola.nordmann@example.com",
         extra: str = "") -> bytes:
    """A plain citizen mail, CRLF line ends, UTF-8 body."""
    headers = [
        f"From: Ola Nordmann <{sender}>",
        "To: nav.grunerlokka@nav.no",
        f"Subject: =?utf-8?q?S=C3=B8knad_{n}?=",
        f"Date: Mon, 1 Jan 2024 10:{n % 60:02d}:00 +0100",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if message_id:
        headers.append(f"Message-ID: <melding-{n}@example.com>")
    if extra:
        headers.append(extra)
    text = body or f"Hei, dette er melding nummer {n}. Blåbærsyltetøy på Ærø."
    return ("\r\n".join(headers) + "\r\n\r\n" + text + "\r\n").encode()


async def until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# -- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


@pytest.fixture
def mailuser(dovecot: Dovecot) -> Iterator[MailUser]:
    if not dovecot.running:  # a test that stopped it failed half-way
        dovecot.start()
    yield dovecot.add_user()
    if not dovecot.running:
        dovecot.start()


@pytest.fixture
def settings(dovecot: Dovecot, mailuser: MailUser) -> ImapSettings:
    return ImapSettings(host="127.0.0.1", port=dovecot.port, user=mailuser.name, password=mailuser.password,
                        ssl=False, timeout=5.0, poll_seconds=0.2)


@pytest.fixture
async def imap(settings: ImapSettings) -> AsyncIterator[ImapConnector]:
    connector = ImapConnector(settings)
    yield connector
    await connector.close()


async def deliver(user: MailUser, *raws: bytes) -> list[int]:
    return await asyncio.to_thread(user.deliver, *raws)


def messages(items: list[IncomingMessage | Quarantined]) -> list[IncomingMessage]:
    assert all(isinstance(i, IncomingMessage) for i in items), items
    return [i for i in items if isinstance(i, IncomingMessage)]


# -- IMAP: pulling ----------------------------------------------------------------------------------
async def test_pull_from_empty_mailbox(imap: ImapConnector, mailuser: MailUser) -> None:
    result = await imap.pull(None)
    assert result.items == []
    assert not result.more
    cursor = ImapCursor.decode(result.cursor)
    assert cursor == ImapCursor("INBOX", mailuser.uidvalidity(), 0)


async def test_pull_three_then_nothing_new(imap: ImapConnector, mailuser: MailUser) -> None:
    first = await imap.pull(None)
    uids = await deliver(mailuser, mail(1), mail(2), mail(3))

    result = await imap.pull(first.cursor)
    got = messages(result.items)
    assert [m.provider_key for m in got] == ["<melding-1@example.com>", "<melding-2@example.com>",
                                             "<melding-3@example.com>"]
    m = got[0]
    assert m.sender == "ola.nordmann@example.com" and m.sender_name == "Ola Nordmann"
    assert m.subject == "Søknad 1"
    assert "Blåbærsyltetøy på Ærø" in m.body
    assert m.direction is Direction.IN
    assert m.raw.startswith("From: Ola Nordmann")
    cursor = ImapCursor.decode(result.cursor)
    assert cursor is not None and cursor.uid == uids[-1] == 3
    assert not result.more

    # UID SEARCH 4:* still matches UID 3 (n:* always includes the newest mail): nothing comes back.
    again = await imap.pull(result.cursor)
    assert again.items == []
    assert again.cursor == result.cursor


async def test_cursor_past_the_end_returns_nothing(imap: ImapConnector, mailuser: MailUser) -> None:
    await deliver(mailuser, mail(1), mail(2))
    ahead = ImapCursor("INBOX", mailuser.uidvalidity(), 50).encode()
    result = await imap.pull(ahead)
    assert result.items == []
    assert ImapCursor.decode(result.cursor) == ImapCursor("INBOX", mailuser.uidvalidity(), 50)


async def test_pulls_in_batches(settings: ImapSettings, mailuser: MailUser) -> None:
    await deliver(mailuser, *(mail(n) for n in range(1, 6)))
    connector = ImapConnector(replace(settings, batch_size=2))
    try:
        sizes, mores, cursor = [], [], None
        for _ in range(3):
            result = await connector.pull(cursor)
            sizes.append(len(result.items))
            mores.append(result.more)
            cursor = result.cursor
        assert sizes == [2, 2, 1]
        assert mores == [True, True, False]
    finally:
        await connector.close()


async def test_reading_does_not_mark_mail_seen(imap: ImapConnector, mailuser: MailUser) -> None:
    await deliver(mailuser, mail(1))
    assert len((await imap.pull(None)).items) == 1
    conn = mailuser.connect()
    try:
        conn.select("INBOX", readonly=True)
        typ, data = conn.search(None, "UNSEEN")
        assert typ == "OK" and data[0].split() == [b"1"]
    finally:
        conn.logout()


async def test_html_attachment_and_threading_headers(dovecot: Dovecot, mailuser: MailUser) -> None:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = "Kari <kari@example.com>"
    msg["To"] = "nav.grunerlokka@nav.no"
    msg["Subject"] = "Re: Møte"
    msg["Date"] = "Tue, 2 Jan 2024 09:00:00 +0100"
    msg["Message-ID"] = "<svar-1@example.com>"
    msg["In-Reply-To"] = "<nav-1@nav.no>"
    msg["References"] = "<start@nav.no> <nav-1@nav.no>"
    msg.set_content("<html><body><p>Jeg kommer på <b>møtet</b>.</p><script>x()</script></body></html>",
                    subtype="html")
    msg.add_attachment(b"%PDF-1.4 " + b"x" * 1000, maintype="application", subtype="pdf", filename="lønn.pdf")
    nav_mail = mail(2, sender="veileder@nav.no")
    bad_charset = mail(3).replace(b"charset=utf-8", b"charset=finnes-ikke").replace(
        "Blåbærsyltetøy".encode(), "Blåbærsyltetøy".encode("latin-1"))
    await deliver(mailuser, msg.as_bytes(), nav_mail, bad_charset)
    connector = ImapConnector(ImapSettings(
        host="127.0.0.1", port=dovecot.port, user=mailuser.name, password=mailuser.password, ssl=False,
        office_addresses=frozenset({"Veileder@nav.no"})))
    try:
        first, second, third = messages((await connector.pull(None)).items)
    finally:
        await connector.close()
    assert "Jeg kommer på møtet." in first.body and "x()" not in first.body
    assert [(a.name, a.content_type, a.size) for a in first.attachments] == [("lønn.pdf", "application/pdf", 1009)]
    assert "JVBERi0xLjQ" in first.raw  # the raw mail is kept, attachment included (base64)
    assert first.in_reply_to == "<nav-1@nav.no>"
    assert first.references == ("<start@nav.no>", "<nav-1@nav.no>")
    assert second.direction is Direction.OUT  # from an office address
    assert "dette er melding nummer 3" in third.body  # unknown charset: read anyway, not quarantined


async def test_malformed_mail_is_quarantined_and_the_rest_goes_through(imap: ImapConnector, mailuser: MailUser,
                                                                       tmp_path: Path) -> None:
    garbage = b"this is not a mail at all\r\njust two lines\r\n"
    await deliver(mailuser, mail(1), garbage, mail(3))
    result = await imap.pull(None)
    assert len(result.items) == 3
    ok1, bad, ok3 = result.items
    assert isinstance(ok1, IncomingMessage) and isinstance(ok3, IncomingMessage)
    assert isinstance(bad, Quarantined)
    assert bad.position == "uid 2"
    assert bad.reason and "not a mail" not in bad.reason  # a reason, never the text
    assert bad.raw.startswith("this is not a mail")
    assert bad.channel == "email" and bad.source == imap.source
    assert ImapCursor.decode(result.cursor) == ImapCursor("INBOX", mailuser.uidvalidity(), 3)

    store = Store.open(f"sqlite:///{tmp_path}/inbox.db")
    try:
        summary = store.ingest(result.items)
        assert sum(summary.new.values()) == 2
        assert sum(summary.quarantined.values()) == 1
    finally:
        store.close()


# -- IMAP: waiting ----------------------------------------------------------------------------------
async def test_idle_wakes_on_arrival(imap: ImapConnector, mailuser: MailUser) -> None:
    cursor = (await imap.pull(None)).cursor

    async def arrive_later() -> None:
        await asyncio.sleep(0.3)
        await deliver(mailuser, mail(7))

    arrival = asyncio.create_task(arrive_later())
    start = time.monotonic()
    woke = await imap.wait_for_new(15)
    elapsed = time.monotonic() - start
    await arrival
    assert woke is True
    assert elapsed < 5
    result = await imap.pull(cursor)
    assert [m.provider_key for m in messages(result.items)] == ["<melding-7@example.com>"]


async def test_idle_times_out_without_mail(imap: ImapConnector) -> None:
    await imap.pull(None)
    start = time.monotonic()
    assert await imap.wait_for_new(0.4) is False
    assert 0.3 < time.monotonic() - start < 3


async def test_mail_between_pull_and_wait_is_not_missed(imap: ImapConnector, mailuser: MailUser) -> None:
    await imap.pull(None)
    await deliver(mailuser, mail(1))
    start = time.monotonic()
    assert await imap.wait_for_new(15) is True
    assert time.monotonic() - start < 2


async def test_polling_when_idle_is_off(settings: ImapSettings, mailuser: MailUser) -> None:
    connector = ImapConnector(replace(settings, use_idle=False, poll_seconds=0.2))
    try:
        cursor = (await connector.pull(None)).cursor
        await deliver(mailuser, mail(1))
        start = time.monotonic()
        assert await connector.wait_for_new(15) is False  # no push: sleeps poll_seconds
        assert time.monotonic() - start < 2
        assert len((await connector.pull(cursor)).items) == 1
    finally:
        await connector.close()


async def test_pull_or_close_interrupts_a_wait(imap: ImapConnector, mailuser: MailUser) -> None:
    cursor = (await imap.pull(None)).cursor
    await deliver(mailuser, mail(1))
    await imap.pull(cursor)  # now the wait has nothing to report at once and IDLEs
    waiting = asyncio.create_task(imap.wait_for_new(30))
    await asyncio.sleep(0.3)
    start = time.monotonic()
    assert (await imap.pull(cursor)).items  # does not queue behind the 30 s IDLE
    assert await asyncio.wait_for(waiting, 5) is False
    assert time.monotonic() - start < 3

    waiting = asyncio.create_task(imap.wait_for_new(30))
    await asyncio.sleep(0.3)
    await imap.close()
    await asyncio.wait_for(waiting, 5)


# -- IMAP: failures and recovery -----------------------------------------------------------------------
async def test_reconnects_after_server_restart(imap: ImapConnector, dovecot: Dovecot, mailuser: MailUser) -> None:
    await deliver(mailuser, mail(1))
    first = await imap.pull(None)
    assert len(first.items) == 1

    await asyncio.to_thread(dovecot.restart)
    await deliver(mailuser, mail(2))
    second = await imap.pull(first.cursor)
    assert [m.provider_key for m in messages(second.items)] == ["<melding-2@example.com>"]

    # A restart while IDLE ends the wait at once (True: look now), and the next pull reconnects.
    waiting = asyncio.create_task(imap.wait_for_new(30))
    await asyncio.sleep(0.2)
    start = time.monotonic()
    await asyncio.to_thread(dovecot.restart)
    assert await asyncio.wait_for(waiting, 10) is True
    assert time.monotonic() - start < 5
    await deliver(mailuser, mail(3))
    third = await imap.pull(second.cursor)
    assert [m.provider_key for m in messages(third.items)] == ["<melding-3@example.com>"]


async def test_server_down_is_transient_then_recovers(imap: ImapConnector, dovecot: Dovecot,
                                                      mailuser: MailUser) -> None:
    cursor = (await imap.pull(None)).cursor
    await asyncio.to_thread(dovecot.stop)
    try:
        with pytest.raises(TransientError):
            await imap.pull(cursor)
        assert await imap.wait_for_new(0.2) is False  # never raises; the pull reports the problem
    finally:
        await asyncio.to_thread(dovecot.start)
    await deliver(mailuser, mail(1))
    assert len((await imap.pull(cursor)).items) == 1


async def test_uidvalidity_change_rescans_and_store_keeps_one_copy(imap: ImapConnector, mailuser: MailUser,
                                                                   tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    try:
        # One mail has no Message-ID: it is deduplicated by a hash of its content.
        await deliver(mailuser, mail(1), mail(2, message_id=False), mail(3))
        first = await imap.pull(None)
        assert sum(store.ingest(first.items).new.values()) == 3
        before = mailuser.uidvalidity()

        mailuser.force_uidvalidity_change()
        await deliver(mailuser, mail(4))
        after = mailuser.uidvalidity()
        assert after != before

        result = await imap.pull(first.cursor)
        cursor = ImapCursor.decode(result.cursor)
        assert cursor is not None and cursor.uidvalidity == after and cursor.uid == 4
        assert len(result.items) == 4  # read again from UID 1
        summary = store.ingest(result.items)
        assert sum(summary.new.values()) == 1
        assert sum(summary.present.values()) == 3
        assert store.counts()["messages"] == 4
    finally:
        store.close()


async def test_wrong_password_is_auth_error(settings: ImapSettings) -> None:
    connector = ImapConnector(replace(settings, password="feil"))
    try:
        with pytest.raises(AuthError):
            await connector.pull(None)
    finally:
        await connector.close()


async def test_missing_mailbox_is_permanent(settings: ImapSettings) -> None:
    connector = ImapConnector(replace(settings, mailbox="Finnes ikke"))
    try:
        with pytest.raises(PermanentError):
            await connector.pull(None)
    finally:
        await connector.close()


async def test_cursor_for_another_mailbox_or_unreadable_starts_over(imap: ImapConnector,
                                                                    mailuser: MailUser) -> None:
    await deliver(mailuser, mail(1))
    other = json.dumps({"mailbox": "Arkiv", "uidvalidity": mailuser.uidvalidity(), "uid": 99})
    assert len((await imap.pull(other)).items) == 1
    assert len((await imap.pull("not json")).items) == 1


async def test_imap_connector_cannot_send(imap: ImapConnector) -> None:
    with pytest.raises(PermanentError):
        await imap.send(OutgoingReply(to="ola@example.com", body="hei"))


# -- IMAP over TLS ----------------------------------------------------------------------------------
async def test_implicit_tls_and_starttls(settings: ImapSettings, dovecot: Dovecot, mailuser: MailUser) -> None:
    await deliver(mailuser, mail(1))
    trusted = client_ssl_context(dovecot.cert)
    for variant in (replace(settings, port=dovecot.tls_port, ssl=True, ssl_context=trusted),
                    replace(settings, ssl=False, starttls=True, ssl_context=trusted)):
        connector = ImapConnector(variant)
        try:
            assert len((await connector.pull(None)).items) == 1
            transport = connector._session.imap.protocol.transport if connector._session else None
            assert transport is not None and transport.get_extra_info("ssl_object") is not None
        finally:
            await connector.close()
    untrusted = ImapConnector(replace(settings, port=dovecot.tls_port, ssl=True))  # system trust store
    try:
        with pytest.raises(PermanentError):
            await untrusted.pull(None)
    finally:
        await untrusted.close()


# -- SMTP against aiosmtpd --------------------------------------------------------------------------
@dataclass
class Collector:
    """An aiosmtpd handler: keeps what it is sent, refuses recipients starting with refuse4/refuse5."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.startswith("refuse5"):
            return "550 5.1.1 Mailbox unavailable"
        if address.startswith("refuse4"):
            return "450 4.2.1 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"nav-kontor", b"riktig")
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    port: int
    collector: Collector
    tls: str


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("cert"))


def _server_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return ctx


@pytest.fixture(params=["none", "starttls", "tls"])
def smtp_server(request: pytest.FixtureRequest, certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    collector = Collector()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if request.param == "starttls":
        kwargs = {"tls_context": _server_context(certificate), "require_starttls": True}
    elif request.param == "tls":
        kwargs = {"ssl_context": _server_context(certificate)}
    controller = Controller(collector, hostname="127.0.0.1", port=port, server_hostname="smtp.test",
                            authenticator=_authenticator, auth_require_tls=False, **kwargs)
    controller.start()
    try:
        yield SmtpServer(port, collector, request.param)
    finally:
        controller.stop()


def smtp_settings(server: SmtpServer, certificate: tuple[Path, Path], **over: Any) -> SmtpSettings:
    base = SmtpSettings(host="127.0.0.1", port=server.port, user="nav-kontor", password="riktig",
                        from_address="nav.grunerlokka@nav.no", from_name="Nav Grünerløkka",
                        tls=server.tls,  # type: ignore[arg-type]
                        timeout=5.0, message_id_domain="flerkanal.nav.no",
                        ssl_context=client_ssl_context(certificate[0]))
    return replace(base, **over)


REPLY = OutgoingReply(
    to="ola.nordmann@example.com",
    body="Hei Ola,\n\nvi har fått søknaden din om støtte. Blåbærsyltetøy: æøå ÆØÅ.\n",
    subject="Re: Søknad",
    in_reply_to="<melding-1@example.com>",
    references=("<start@example.com>",),
    conversation="tråd-1",
)


async def test_smtp_sends_threaded_utf8_mail(smtp_server: SmtpServer,
                                             certificate: tuple[Path, Path]) -> None:
    sender = SmtpSender(smtp_settings(smtp_server, certificate))
    result = await sender.send(REPLY)
    await until(lambda: len(smtp_server.collector.received) == 1)
    mail_from, rcpt_tos, raw = smtp_server.collector.received[0]
    assert mail_from == "nav.grunerlokka@nav.no"
    assert rcpt_tos == ["ola.nordmann@example.com"]
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["Message-ID"] == result.provider_key
    assert result.provider_key.startswith("<") and result.provider_key.endswith("@flerkanal.nav.no>")
    assert result.conversation == "tråd-1"
    assert msg["In-Reply-To"] == "<melding-1@example.com>"
    assert msg["References"] == "<start@example.com> <melding-1@example.com>"
    assert msg["From"].addresses[0].display_name == "Nav Grünerløkka"
    assert msg["From"].addresses[0].addr_spec == "nav.grunerlokka@nav.no"
    assert msg["To"] == "ola.nordmann@example.com"
    assert msg["Subject"] == "Re: Søknad"
    body = msg.get_body(("plain",))
    assert body is not None and body.get_content_charset() == "utf-8"
    assert body.get_content().replace("\r\n", "\n") == REPLY.body
    assert raw.isascii()  # 7-bit clean on the wire
    # Read back by our own parser, the sent mail is ours (outbound) and threads under the citizen's mail.
    parsed = parse_email_bytes(raw)
    assert parsed.direction is Direction.OUT
    assert parsed.in_reply_to == "<melding-1@example.com>"
    assert parsed.provider_key == result.provider_key


@pytest.mark.parametrize("smtp_server", ["none"], indirect=True)
async def test_smtp_errors_map_onto_inbox_errors(smtp_server: SmtpServer,
                                                 certificate: tuple[Path, Path]) -> None:
    good = smtp_settings(smtp_server, certificate)
    with pytest.raises(AuthError):
        await SmtpSender(replace(good, password="feil")).send(REPLY)
    with pytest.raises(PermanentError):
        await SmtpSender(good).send(replace(REPLY, to="refuse5@example.com"))
    with pytest.raises(TransientError):
        await SmtpSender(good).send(replace(REPLY, to="refuse4@example.com"))
    with pytest.raises(TransientError):
        await SmtpSender(replace(good, port=free_port())).send(REPLY)  # nothing listens there
    with pytest.raises(PermanentError):
        await SmtpSender(replace(good, tls="starttls")).send(REPLY)  # the server offers no STARTTLS
    with pytest.raises(PermanentError):
        await SmtpSender(good).send(replace(REPLY, to="not-an-address"))
    with pytest.raises(PermanentError):
        await SmtpSender(good).send(replace(REPLY, in_reply_to="<a@b>\r\nBcc: x@example.com"))
    assert smtp_server.collector.received == []


@pytest.mark.parametrize("smtp_server", ["tls"], indirect=True)
async def test_smtp_untrusted_certificate_is_permanent(smtp_server: SmtpServer,
                                                       certificate: tuple[Path, Path]) -> None:
    untrusted = replace(smtp_settings(smtp_server, certificate), ssl_context=None)
    with pytest.raises(PermanentError):
        await SmtpSender(untrusted).send(REPLY)


# -- both halves ------------------------------------------------------------------------------------
@pytest.mark.parametrize("smtp_server", ["none"], indirect=True)
async def test_email_connector_sends_and_recognises_its_own_mail(
        smtp_server: SmtpServer, certificate: tuple[Path, Path],
        settings: ImapSettings, mailuser: MailUser) -> None:
    smtp = smtp_settings(smtp_server, certificate, from_address="kontor@nav.example.org")
    connector = EmailConnector.from_settings(settings, smtp)
    assert connector.can_send and connector.can_push
    try:
        sent = await connector.send(REPLY)
        await until(lambda: len(smtp_server.collector.received) == 1)
        # The copy that lands in the mailbox (Sent folder, Bcc) comes back as our own outbound mail.
        await deliver(mailuser, smtp_server.collector.received[0][2])
        (item,) = messages((await connector.pull(None)).items)
        assert item.provider_key == sent.provider_key
        assert item.direction is Direction.OUT
        assert item.sender == "kontor@nav.example.org"
    finally:
        await connector.close()
