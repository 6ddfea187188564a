"""Servers that close the TCP connection in the middle of an answer (issue 9, "Reliability").

A :class:`~tests.connectors.cutting_proxy.CuttingProxy` sits between each connector and its loopback server
(Twilio's REST JSON, Nav's veilarbdialog, a private dovecot) and drops chosen connections: before any byte
of the HTTP response, halfway through its headers, or after the headers with the body cut short
(``Content-Length`` promised more), with a FIN or a RST; for IMAP, in the middle of a mail inside a FETCH.

First each HTTP connector alone: a cut answer is a ``TransientError`` (retried with backoff, never a
"needs a person" error nor an unexpected exception), and pulling again from the same cursor reads what was
lost. Then the sync daemon with the cuts spread over a backlog: it keeps going, retries, reports healthy,
and every provider message is stored exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.activity_plan import ActivityPlanConnector, ActivityPlanSettings
from connectors.base import Connector
from connectors.email_imap import ImapConnector, ImapSettings
from connectors.sms_twilio import TwilioConnector, TwilioSettings
from connectors.sync import SyncDaemon, SyncOptions
from inbox.domain import IncomingMessage, Quarantined
from inbox.errors import TransientError
from inbox.storage.repository import Store
from inbox.storage.tables import T_MSG
from synth import fnr_for_index
from tests.connectors.cutting_proxy import (
    Cut,
    CuttingProxy,
    Plan,
    before_response,
    http_plan,
    in_headers,
    mid_body,
    mid_literal,
)
from tests.connectors.dialog_server import TOKEN, FakeDialog
from tests.connectors.dovecot import Dovecot, running_dovecot
from tests.connectors.twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    FakeTwilio,
    LoopbackServer,
    message_resource,
    new_sid,
)

T0 = datetime(2026, 4, 13, 9, 0, tzinfo=UTC)
CUTS: dict[str, Cut] = {"before-response": before_response, "in-headers": in_headers, "mid-body": mid_body}
FAST = SyncOptions(poll_seconds=0.2, backoff_initial=0.02, backoff_max=0.2, stop_grace=5.0, record_health=True,
                   snapshot_seconds=None)


# -- servers and connectors ---------------------------------------------------------------------------
def twilio_backlog(fake: FakeTwilio, count: int) -> set[str]:
    sids = set()
    for n in range(count):
        res = message_resource(new_sid(), body=f"melding {n}", from_=f"+4793{n:06d}", sent=T0 + timedelta(seconds=n))
        fake.add(res)
        sids.add(str(res["sid"]))
    return sids


def twilio(url: str, page_size: int) -> TwilioConnector:
    return TwilioConnector(TwilioSettings(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=OUR_NUMBER,
                                          api_base_url=url, page_size=page_size, timeout=5.0))


def dialog_backlog(fake: FakeDialog, persons: int, count: int) -> tuple[list[str], set[str]]:
    followed = [fnr_for_index(i, seed=31) for i in range(persons)]
    for i, fnr in enumerate(followed):
        fake.add_person(fnr, f"31{i:011d}")
    ids: set[str] = set()
    last: dict[str, str] = {}
    for n in range(count):
        fnr = followed[n % persons]
        h = fake.add_henvendelse(fnr, last.get(fnr) if n % 7 else None, f"spørsmål {n}", overskrift="Spørsmål",
                                 sendt=T0 + timedelta(seconds=n))
        last[fnr] = h["dialogId"]
        ids.add(str(h["id"]))
    return followed, ids


def dialog(url: str, followed: list[str]) -> ActivityPlanConnector:
    return ActivityPlanConnector(ActivityPlanSettings(base_url=url, token=TOKEN, followed=followed, timeout=5.0,
                                                      concurrency=2))


def keys(items: list[IncomingMessage | Quarantined]) -> list[str]:
    assert all(isinstance(i, IncomingMessage) for i in items), items
    return [i.provider_key for i in items if isinstance(i, IncomingMessage)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'inbox.db'}")
    yield s
    s.close()


def stored(store: Store) -> Counter[tuple[str, str]]:
    with store.engine.connect() as conn:
        return Counter((str(c), str(k)) for c, k in conn.execute(select(T_MSG.c.channel, T_MSG.c.provider_key)))


async def until(what: str, predicate: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def retries(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    """The daemon's "retrying" warnings for connector ``name``: the error descriptions."""
    rx = re.compile(rf"^sync {name}: (.*); retrying in ")
    return [m.group(1) for r in caplog.records if r.name == "connectors.sync" and (m := rx.match(r.getMessage()))]


# -- each HTTP connector alone ------------------------------------------------------------------------
@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
@pytest.mark.parametrize("where", list(CUTS))
async def test_twilio_answer_cut_short_is_transient_and_the_page_is_read_again(where: str, reset: bool) -> None:
    fake = FakeTwilio()
    sids = twilio_backlog(fake, 30)
    with LoopbackServer(fake.app) as server, CuttingProxy(server.port, http_plan({2: CUTS[where]}),
                                                          reset=reset) as proxy:
        conn = twilio(proxy.url, page_size=20)
        try:
            first = await conn.pull(None)
            assert first.more
            with pytest.raises(TransientError, match=r"^Twilio list messages: connection failed \(\w+\)$"):
                await conn.pull(first.cursor)  # the second page's answer is cut
            second = await conn.pull(first.cursor)  # the same cursor again: the page comes whole
        finally:
            await conn.close()
    assert [d.number for d in proxy.dropped] == [2]
    got = keys(first.items) + keys(second.items)
    assert len(got) == len(set(got)) and set(got) == sids and not second.more


def first_answer_to(path: bytes, cut: Cut) -> Plan:
    """Cut the answer to the first request for ``path``; forward everything else."""
    done = False

    def plan(_number: int, request: bytes) -> Cut | None:
        nonlocal done
        if done or path not in request.split(b"\r\n", 1)[0]:
            return None
        done = True
        return cut

    return plan


@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
@pytest.mark.parametrize("where", list(CUTS))
async def test_dialog_answer_cut_short_is_transient_and_the_pull_is_repeated(where: str, reset: bool) -> None:
    fake = FakeDialog()
    followed, ids = dialog_backlog(fake, persons=3, count=40)
    for path, action in ((b"/sistOppdatert", "sistOppdatert"), (b"/graphql", "dialoger")):
        with LoopbackServer(fake.app) as server, CuttingProxy(server.port, first_answer_to(path, CUTS[where]),
                                                              reset=reset) as proxy:
            conn = dialog(proxy.url, followed)
            try:
                with pytest.raises(TransientError, match=rf"^dialogue {action}: connection failed \(\w+\)$"):
                    await conn.pull(None)
                again = await conn.pull(None)  # nothing was handed over, so the cursor did not move
            finally:
                await conn.close()
        assert len(proxy.dropped) == 1 and path.decode() in proxy.dropped[0].request
        got = keys(again.items)
        assert len(got) == len(set(got)) and set(got) == ids


# -- the daemon over a backlog ------------------------------------------------------------------------
async def run_daemon(store: Store, connectors: dict[str, Connector], done: Callable[[], bool]) -> SyncDaemon:
    daemon = SyncDaemon(store, connectors, options=FAST)
    task = asyncio.create_task(daemon.run())
    try:
        await until("the backlog and every planned cut", lambda: done() or task.done())
        if task.done():
            task.result()  # the daemon stopped on its own: show why
            raise AssertionError("the daemon stopped on its own")
        # A success that starts after this moment comes after the pull the last cut failed (one pull at a
        # time per connector), so the health seen then has taken every cut into account.
        settled = datetime.now(UTC)
        await until("every connector to report healthy", lambda: all(
            h.status == "ok" and h.errors_in_a_row == 0 and h.last_success is not None and h.last_success > settled
            for h in daemon.health.values()))
    finally:
        daemon.request_stop()
        await asyncio.wait_for(task, 15)
    return daemon


async def test_the_daemon_stores_everything_once_through_http_connections_cut_mid_response(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="connectors.sync")
    sms_fake, dialog_fake = FakeTwilio(), FakeDialog()
    sids = twilio_backlog(sms_fake, 240)
    followed, ids = dialog_backlog(dialog_fake, persons=5, count=150)
    # Twilio pages are one request each, in order: 4 of the ~16 answers cut, every kind once.
    sms_cuts = {2: before_response, 5: in_headers, 6: mid_body, 11: mid_body}
    # A dialogue pull asks 10 questions (sistOppdatert and GraphQL per person) and fails whole when one is
    # cut; later cuts land in the pulls that repeat it, and in the polls after it caught up.
    dialog_cuts = {3: mid_body, 14: before_response, 26: in_headers, 45: mid_body}
    with LoopbackServer(sms_fake.app) as sms_server, LoopbackServer(dialog_fake.app) as dialog_server, \
            CuttingProxy(sms_server.port, http_plan(sms_cuts)) as sms_proxy, \
            CuttingProxy(dialog_server.port, http_plan(dialog_cuts), reset=True) as dialog_proxy:
        connectors: dict[str, Connector] = {"sms": twilio(sms_proxy.url, page_size=15),
                                            "dialog": dialog(dialog_proxy.url, followed)}
        daemon = await run_daemon(store, connectors, lambda: (
            store.counts()["messages"] >= len(sids) + len(ids)
            and len(sms_proxy.dropped) == len(sms_cuts) and len(dialog_proxy.dropped) == len(dialog_cuts)))
    assert sorted(d.number for d in sms_proxy.dropped) == sorted(sms_cuts)
    assert sorted(d.number for d in dialog_proxy.dropped) == sorted(dialog_cuts)
    counted = stored(store)
    assert not [k for k, n in counted.items() if n > 1]  # nothing twice
    assert {k for c, k in counted if c == "sms"} == sids  # nothing lost, nothing else
    assert {k for c, k in counted if c == "dialog"} == ids
    assert store.counts()["quarantined"] == 0
    # Each cut Twilio answer failed one pull, as a transient error; no cursor was thrown away.
    sms_errors = retries(caplog, "sms")
    assert len(sms_errors) == len(sms_cuts), sms_errors
    assert all(re.fullmatch(r"TransientError: Twilio list messages: connection failed \(\w+\)", e) for e in sms_errors)
    dialog_errors = retries(caplog, "dialog")
    assert 1 <= len(dialog_errors) <= len(dialog_cuts), dialog_errors
    assert all(re.fullmatch(r"TransientError: dialogue \w+: connection failed \(\w+\)", e) for e in dialog_errors)
    assert not [r for r in caplog.records if "could not be used" in r.getMessage()]
    for name in ("sms", "dialog"):
        h = daemon.health[name]  # run_daemon saw both "ok" after the last cut, before stopping them
        assert h.last_error.startswith("TransientError") and h.last_success is not None
        assert h.last_error_at is not None and h.last_success > h.last_error_at
    assert store.get_cursor("sms") is not None and store.get_cursor("dialog") is not None


# -- IMAP: a connection dropped in the middle of a FETCH --------------------------------------------------
def kill_mail(n: int) -> bytes:
    body = "".join(f"Linje {i} av henvendelse {n}.\r\n" for i in range(60))  # a few KiB: the cut is mid-mail
    return (f"From: Innbygger {n} <innbygger{n}@example.com>\r\nTo: nav.kontor@nav.no\r\nSubject: Sak {n}\r\n"
            f"Date: Mon, 13 Apr 2026 09:{n % 60:02d}:00 +0200\r\nMessage-ID: <cut-{n}@example.com>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server


async def test_the_daemon_stores_every_mail_once_when_imap_drops_mid_fetch(
        dovecot: Dovecot, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="connectors.sync")
    user = dovecot.add_user()
    await asyncio.to_thread(user.deliver, *(kill_mail(n) for n in range(30)))
    fetches = 0
    # FETCH answers 1, 3 and 4 are cut in the middle of a mail. The connector reconnects once within a
    # pull, so the first cut costs nothing; 3 and 4 hit the same pull twice, which then fails (transient)
    # and the daemon pulls again from the same cursor.
    cut_fetches = {1, 3, 4}

    def plan(_number: int, request: bytes) -> Cut | None:
        nonlocal fetches
        if not re.search(rb"(?i)\bUID FETCH\b", request):
            return None
        fetches += 1
        return mid_literal if fetches in cut_fetches else None

    with CuttingProxy(dovecot.port, plan) as proxy:
        imap = ImapConnector(ImapSettings(host="127.0.0.1", port=proxy.port, user=user.name, password=user.password,
                                          ssl=False, timeout=5.0, batch_size=10, use_idle=False, poll_seconds=0.2))
        mids = {f"<cut-{n}@example.com>" for n in range(30)}
        daemon = await run_daemon(store, {"email": imap}, lambda: (
            store.counts()["messages"] >= len(mids) and len(proxy.dropped) == len(cut_fetches)))
    assert len(proxy.dropped) == 3 and all("FETCH" in d.request.upper() for d in proxy.dropped)
    assert all(d.passed > 0 for d in proxy.dropped)  # each cut came after part of a mail had arrived
    counted = stored(store)
    assert not [k for k, n in counted.items() if n > 1]
    assert {k for c, k in counted if c == "email"} == mids
    assert store.counts()["quarantined"] == 0  # no mail stored half-read
    errors = retries(caplog, "email")
    assert len(errors) == 1 and errors[0].startswith("TransientError: IMAP connection to 127.0.0.1 keeps failing")
    h = daemon.health["email"]  # run_daemon saw it "ok" before stopping it
    assert h.last_error_at is not None and h.last_success is not None and h.last_success > h.last_error_at
