"""The Connector contract, held against every implementation.

One parametrised fixture yields each connector against a seeded scenario of the same kind (12 inbound
messages from citizens, served in pages of 5 where the connector pages):

* ``fake``: :class:`connectors.fake.FakeConnector`, in memory;
* ``email``: :class:`connectors.email_imap.EmailConnector`, IMAP against a private dovecot (which must be
  installed: the test fails, never skips, without it) and SMTP against aiosmtpd;
* ``sms``: :class:`connectors.sms_twilio.TwilioConnector`, through the real SDK against the loopback
  Twilio REST server;
* ``dialog``: :class:`connectors.activity_plan.ActivityPlanConnector` against the loopback veilarbdialog.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.types import Receive, Scope, Send

from connectors.activity_plan import ActivityPlanConnector, ActivityPlanSettings
from connectors.base import Connector, OutgoingReply, PullResult, SendResult
from connectors.email_imap import EmailConnector, ImapConnector, ImapSettings
from connectors.email_smtp import SmtpSettings
from connectors.fake import FakeConnector
from connectors.sms_twilio import TwilioConnector, TwilioSettings
from connectors.sync import SyncDaemon, SyncOptions
from inbox.domain import Channel, Direction, IncomingMessage, Quarantined
from inbox.errors import AuthError, ConnectorError, PermanentError, RateLimited, TransientError
from inbox.storage.repository import Store
from synth import fnr_for_index
from tests.connectors.dialog_server import TOKEN as DIALOG_TOKEN
from tests.connectors.dialog_server import FakeDialog
from tests.connectors.dovecot import Dovecot, MailUser, free_port, running_dovecot
from tests.connectors.twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    Canned,
    FakeTwilio,
    LoopbackServer,
    message_resource,
    new_sid,
    twilio_error,
)

# aiosmtpd's test server can leave a closed connection's socket to the garbage collector (see test_email.py).
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


SEEDED = 12
PAGE = 5
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICE = "nav.grunerlokka@nav.no"
CONNECTORS = ["fake", "email", "sms", "dialog"]


# -- scenario data ----------------------------------------------------------------------------------
def citizen_mail(n: int, *, tag: str = "k") -> bytes:
    return (
        f"From: Innbygger {n} <innbygger{n}@example.com>\r\n"
        f"To: {OFFICE}\r\n"
        f"Subject: Spørsmål {n}\r\n"
        f"Date: Mon, 2 Mar 2026 10:{n % 60:02d}:00 +0100\r\n"
        f"Message-ID: <{tag}-{n}@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"Hei, dette er henvendelse {n}. Hilsen Ærlige Øystein.\r\n"
    ).encode()


def citizen_sms(n: int, sent: datetime) -> dict[str, Any]:
    return message_resource(new_sid(), body=f"Hei, melding {n}", from_=f"+4791{n:06d}", sent=sent)


def fake_message(n: int) -> IncomingMessage:
    return IncomingMessage(Channel.SMS, f"FAKE{n:06d}", Direction.IN, T0 + timedelta(minutes=n), f"melding {n}",
                           raw=f'{{"n": {n}}}', sender=f"+4791{n:06d}", recipient=OUR_NUMBER)


class _Switch:
    """An ASGI app forwarding to the fake the current test installed (one server per module)."""

    def __init__(self, app: Any = None) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class SmtpCollector:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


@dataclass
class Scenario:
    """One connector with ``keys`` seeded; ``add`` brings one more message and returns its key."""

    name: str
    connector: Connector
    keys: set[str]
    channel: Channel
    reply: OutgoingReply
    add: Callable[[int], Awaitable[str]]
    broken: list[tuple[str, Callable[[], Awaitable[object]]]] = field(default_factory=list)
    pages: bool = True
    cleanup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


# -- servers (one per module, started only when a test needs them) ----------------------------------
@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, SmtpCollector]]:
    collector = SmtpCollector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, collector
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def twilio_server() -> Iterator[tuple[LoopbackServer, _Switch]]:
    switch = _Switch(FakeTwilio().app)
    with LoopbackServer(switch) as srv:
        yield srv, switch


@pytest.fixture(scope="module")
def dialog_server() -> Iterator[tuple[LoopbackServer, _Switch]]:
    switch = _Switch()
    with LoopbackServer(switch) as srv:
        yield srv, switch


# -- the scenarios ----------------------------------------------------------------------------------
async def _fake_scenario() -> Scenario:
    conn = FakeConnector([fake_message(n) for n in range(SEEDED)], page_size=PAGE)

    async def add(n: int) -> str:
        msg = fake_message(n)
        conn.add(msg)
        return msg.provider_key

    async def empty_recipient() -> object:
        return await conn.send(OutgoingReply(to="", body="hei"))

    return Scenario("fake", conn, {fake_message(n).provider_key for n in range(SEEDED)}, Channel.SMS,
                    OutgoingReply(to="+4791000001", body="Hei, vi har mottatt meldingen."), add,
                    broken=[("no recipient", empty_recipient)])


def _imap_settings(dovecot: Dovecot, user: MailUser, **over: Any) -> ImapSettings:
    base: dict[str, Any] = {"host": "127.0.0.1", "port": dovecot.port, "user": user.name, "password": user.password,
                            "ssl": False, "timeout": 5.0, "batch_size": PAGE, "poll_seconds": 0.2}
    base.update(over)
    return ImapSettings(**base)


async def _email_scenario(request: pytest.FixtureRequest) -> Scenario:
    dovecot: Dovecot = request.getfixturevalue("dovecot")
    smtp_port, _ = request.getfixturevalue("smtp")
    user = dovecot.add_user()
    await asyncio.to_thread(user.deliver, *(citizen_mail(n) for n in range(SEEDED)))
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_port, from_address=OFFICE, tls="none", timeout=5.0)
    conn = EmailConnector.from_settings(_imap_settings(dovecot, user), smtp)

    async def add(n: int) -> str:
        await asyncio.to_thread(user.deliver, citizen_mail(n))
        return f"<k-{n}@example.com>"

    async def wrong_password() -> object:
        other = ImapConnector(_imap_settings(dovecot, user, password="feil"))
        try:
            return await other.pull(None)
        finally:
            await other.close()

    async def nobody_listening() -> object:
        other = ImapConnector(_imap_settings(dovecot, user, port=free_port(), timeout=2.0))
        try:
            return await other.pull(None)
        finally:
            await other.close()

    async def empty_recipient() -> object:
        return await conn.send(OutgoingReply(to="", body="hei"))

    return Scenario("email", conn, {f"<k-{n}@example.com>" for n in range(SEEDED)}, Channel.EMAIL,
                    OutgoingReply(to="innbygger1@example.com", body="Hei, vi har mottatt meldingen.",
                                  subject="Sv: Spørsmål 1", in_reply_to="<k-1@example.com>"), add,
                    broken=[("wrong password", wrong_password), ("nobody listening", nobody_listening),
                            ("no recipient", empty_recipient)])


async def _sms_scenario(request: pytest.FixtureRequest) -> Scenario:
    server, switch = request.getfixturevalue("twilio_server")
    fake = FakeTwilio()
    fake.add(*(citizen_sms(n, T0 + timedelta(minutes=n)) for n in range(SEEDED)))
    switch.app = fake.app

    def settings(**over: Any) -> TwilioSettings:
        base: dict[str, Any] = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": OUR_NUMBER,
                                "api_base_url": server.url, "page_size": PAGE, "timeout": 5.0}
        base.update(over)
        return TwilioSettings(**base)

    conn = TwilioConnector(settings())

    async def add(n: int) -> str:
        res = citizen_sms(n, datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1))
        fake.add(res)
        return str(res["sid"])

    async def wrong_token() -> object:
        other = TwilioConnector(settings(auth_token="feil"))
        try:
            return await other.pull(None)
        finally:
            await other.close()

    async def server_error() -> object:
        fake.fail_next.append(Canned(503, twilio_error(503, 20500, "Service unavailable")))
        return await conn.pull(None)

    async def too_many() -> object:
        fake.fail_next.append(Canned(429, twilio_error(429, 20429, "Too Many Requests"), {"Retry-After": "7"}))
        return await conn.pull(None)

    async def empty_recipient() -> object:
        return await conn.send(OutgoingReply(to="", body="hei"))

    keys = {str(m["sid"]) for m in fake.messages}
    return Scenario("sms", conn, keys, Channel.SMS, OutgoingReply(to="+4791000001", body="Hei, vi har mottatt den."),
                    add, broken=[("wrong token", wrong_token), ("5xx", server_error), ("429", too_many),
                                 ("no recipient", empty_recipient)])


async def _dialog_scenario(request: pytest.FixtureRequest) -> Scenario:
    server, switch = request.getfixturevalue("dialog_server")
    fake = FakeDialog()
    switch.app = fake.app
    persons = [fnr_for_index(i, seed=7) for i in range(3)]
    keys: set[str] = set()
    dialogs: dict[str, str] = {}
    for n in range(SEEDED):
        fnr = persons[n % 3]
        if fnr not in fake.persons:
            fake.add_person(fnr, f"27{n:011d}")
        h = fake.add_henvendelse(fnr, dialogs.get(fnr), f"Hei, spørsmål {n}", overskrift="Spørsmål",
                                 sendt=T0 + timedelta(minutes=n))
        dialogs[fnr] = h["dialogId"]
        keys.add(h["id"])

    def make(**over: Any) -> ActivityPlanConnector:
        base: dict[str, Any] = {"base_url": server.url, "token": DIALOG_TOKEN, "followed": persons, "timeout": 5.0}
        base.update(over)
        return ActivityPlanConnector(ActivityPlanSettings(**base))

    conn = make()

    async def add(n: int) -> str:
        h = fake.add_henvendelse(persons[0], dialogs[persons[0]], f"Hei igjen {n}",
                                 sendt=datetime.now(UTC).replace(microsecond=0))
        return str(h["id"])

    async def wrong_token() -> object:
        other = make(token="feil")
        try:
            return await other.pull(None)
        finally:
            await other.close()

    async def server_error() -> object:
        fake.fail_next.append((503, {}))
        return await conn.pull(None)

    async def empty_recipient() -> object:
        return await conn.send(OutgoingReply(to="", body="hei"))

    return Scenario("dialog", conn, keys, Channel.DIALOG,
                    OutgoingReply(to=persons[0], body="Hei, vi ser på saken.", conversation=dialogs[persons[0]]), add,
                    broken=[("wrong token", wrong_token), ("5xx", server_error), ("no recipient", empty_recipient)],
                    pages=False)


@pytest.fixture(params=CONNECTORS)
async def scenario(request: pytest.FixtureRequest) -> AsyncIterator[Scenario]:
    makers = {"fake": lambda: _fake_scenario(), "email": lambda: _email_scenario(request),
              "sms": lambda: _sms_scenario(request), "dialog": lambda: _dialog_scenario(request)}
    sc: Scenario = await makers[request.param]()
    try:
        yield sc
    finally:
        await sc.connector.close()


# -- helpers ----------------------------------------------------------------------------------------
def keys_of(items: list[IncomingMessage | Quarantined]) -> list[str]:
    assert not any(isinstance(i, Quarantined) for i in items), items
    return [i.provider_key for i in items if isinstance(i, IncomingMessage)]


async def drain(conn: Connector, cursor: str | None, limit: int = 50) -> tuple[list[PullResult], str | None]:
    pages: list[PullResult] = []
    while True:
        res = await conn.pull(cursor)
        pages.append(res)
        if res.cursor is not None:
            cursor = res.cursor
        if not res.more:
            return pages, cursor
        assert len(pages) < limit, "paging did not terminate"


# -- the contract -----------------------------------------------------------------------------------
async def test_pull_from_none_returns_items_and_a_cursor(scenario: Scenario) -> None:
    res = await scenario.connector.pull(None)
    got = keys_of(res.items)
    assert got and set(got) <= scenario.keys
    assert isinstance(res.cursor, str) and res.cursor
    assert all(isinstance(i, IncomingMessage) and i.channel is scenario.channel for i in res.items)


async def test_pulling_from_the_returned_cursor_returns_no_item_twice(scenario: Scenario) -> None:
    conn = scenario.connector
    first = await conn.pull(None)
    second = await conn.pull(first.cursor)
    assert not set(keys_of(first.items)) & set(keys_of(second.items))
    pages, cursor = await drain(conn, second.cursor)
    seen = keys_of(first.items) + keys_of(second.items) + [k for p in pages for k in keys_of(p.items)]
    assert len(seen) == len(set(seen))
    again = await conn.pull(cursor)
    assert again.items == [] and not again.more


async def test_paging_terminates_and_yields_every_message_exactly_once(scenario: Scenario) -> None:
    pages, _ = await drain(scenario.connector, None)
    seen = [k for p in pages for k in keys_of(p.items)]
    assert sorted(seen) == sorted(scenario.keys)
    if scenario.pages:
        assert len(pages) >= SEEDED // PAGE
        assert all(len(p.items) <= PAGE for p in pages)
        assert [p.more for p in pages] == [True] * (len(pages) - 1) + [False]
    else:
        assert len(pages) == 1 and not pages[0].more


async def test_a_message_arriving_later_is_returned_exactly_once(scenario: Scenario) -> None:
    _, cursor = await drain(scenario.connector, None)
    key = await scenario.add(SEEDED + 1)
    pages, cursor = await drain(scenario.connector, cursor)
    assert [k for p in pages for k in keys_of(p.items)] == [key]
    again = await scenario.connector.pull(cursor)
    assert again.items == []


async def test_an_unreadable_cursor_restarts_or_fails_as_a_connector_error(scenario: Scenario) -> None:
    for garbage in ("not a cursor {", '{"v": 1, "persons": 7, "after": 12}'):
        try:
            res = await scenario.connector.pull(garbage)
        except PermanentError:
            continue  # refused as permanent: the sync loop then restarts from the beginning
        pages, _ = await drain(scenario.connector, res.cursor) if res.more else ([], None)
        seen = keys_of(res.items) + [k for p in pages for k in keys_of(p.items)]
        assert sorted(seen) == sorted(scenario.keys)  # restarted from the beginning


async def test_an_unreadable_saved_cursor_restarts_safely_under_the_sync_loop(scenario: Scenario,
                                                                               tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'inbox.db'}")
    try:
        name = scenario.name
        store.set_cursor(name, "not a cursor {")
        daemon = SyncDaemon(store, {name: scenario.connector},
                            options=SyncOptions(backoff_initial=0.01, backoff_max=0.05, record_health=False))
        health = await daemon.run_once()
        assert health[name].status == "ok", health[name]
        assert store.counts()["messages"] == SEEDED
        assert store.get_cursor(name) != "not a cursor {"
    finally:
        store.close()


async def test_send_returns_a_provider_key(scenario: Scenario) -> None:
    conn = scenario.connector
    if not conn.can_send:
        with pytest.raises(PermanentError):
            await conn.send(scenario.reply)
        return
    if scenario.name == "dialog":
        await conn.pull(None)
    result = await conn.send(scenario.reply)
    assert isinstance(result, SendResult)
    assert isinstance(result.provider_key, str) and result.provider_key


async def test_send_is_refused_as_permanent_where_the_connector_cannot_send() -> None:
    conn = ImapConnector(ImapSettings(host="127.0.0.1", port=free_port(), ssl=False, timeout=1.0))
    assert not conn.can_send
    with pytest.raises(PermanentError):
        await conn.send(OutgoingReply(to="innbygger@example.com", body="hei"))
    await conn.close()


async def test_close_is_idempotent(scenario: Scenario) -> None:
    await scenario.connector.pull(None)
    await scenario.connector.close()
    await scenario.connector.close()


async def test_errors_are_connector_errors(scenario: Scenario) -> None:
    assert scenario.broken
    for what, call in scenario.broken:
        with pytest.raises(ConnectorError) as info:
            await call()
        exc = info.value
        assert isinstance(exc, AuthError | RateLimited | TransientError | PermanentError), (what, exc)
        if what.startswith("wrong"):
            assert isinstance(exc, AuthError), what
        elif what == "429":
            assert isinstance(exc, RateLimited) and exc.retry_after == 7.0
        elif what in ("5xx", "nobody listening"):
            assert isinstance(exc, TransientError), what
        elif what == "no recipient":
            assert isinstance(exc, PermanentError), what


async def test_items_stored_twice_are_stored_once(scenario: Scenario, tmp_path: Path) -> None:
    pages, _ = await drain(scenario.connector, None)
    items = [i for p in pages for i in p.items]
    store = Store.open(f"sqlite:///{tmp_path / 'inbox.db'}")
    try:
        first = await asyncio.to_thread(store.ingest, items)
        second = await asyncio.to_thread(store.ingest, items)
        assert sum(first.new.values()) == SEEDED and sum(first.present.values()) == 0
        assert sum(second.new.values()) == 0 and sum(second.present.values()) == SEEDED
        assert store.counts()["messages"] == SEEDED
    finally:
        store.close()
