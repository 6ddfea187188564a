"""The Twilio SMS connector against a loopback server speaking Twilio's REST JSON, through the real SDK."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from connectors.base import OutgoingReply, parse_retry_after
from connectors.sms_twilio import TwilioConnector, TwilioSettings
from inbox.domain import Channel, Direction, IncomingMessage, Quarantined
from inbox.errors import AuthError, PermanentError, RateLimited, TransientError
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

T0 = datetime(2026, 10, 28, 12, 0, tzinfo=UTC)


class _Switch:
    """An ASGI app forwarding to whichever fake the current test installed (one server per module)."""

    def __init__(self) -> None:
        self.fake = FakeTwilio()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.fake.app(scope, receive, send)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[LoopbackServer, _Switch]]:
    switch = _Switch()
    with LoopbackServer(switch) as srv:
        yield srv, switch


@pytest.fixture
def fake(server: tuple[LoopbackServer, _Switch]) -> FakeTwilio:
    server[1].fake = FakeTwilio()
    return server[1].fake


def settings(server: tuple[LoopbackServer, _Switch], **kw: Any) -> TwilioSettings:
    base: dict[str, Any] = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": OUR_NUMBER,
                            "api_base_url": server[0].url, "status_callback_url": "https://inbox.example.no/twilio/status",
                            "timeout": 5.0}
    base.update(kw)
    return TwilioSettings(**base)


@pytest.fixture
async def conn(server: tuple[LoopbackServer, _Switch], fake: FakeTwilio) -> AsyncIterator[TwilioConnector]:
    c = TwilioConnector(settings(server, page_size=20))
    yield c
    await c.close()


def inbound(i: int, sent: datetime) -> dict[str, Any]:
    return message_resource(new_sid(), body=f"melding {i}", from_=f"+4791{i:06d}", sent=sent)


async def drain(c: TwilioConnector, cursor: str | None) -> tuple[list[IncomingMessage | Quarantined], str | None, int]:
    items: list[IncomingMessage | Quarantined] = []
    pulls = 0
    while True:
        res = await c.pull(cursor)
        pulls += 1
        items.extend(res.items)
        cursor = res.cursor
        if not res.more:
            return items, cursor, pulls
        assert pulls < 100


async def test_backfill_walks_every_page_of_the_real_sample(server: tuple[LoopbackServer, _Switch], fake: FakeTwilio,
                                                            demo_dir: Path) -> None:
    sample = json.loads((demo_dir / "sms.json").read_text(encoding="utf-8"))["messages"]
    fake.add(*sample)
    conn = TwilioConnector(settings(server, page_size=5))
    try:
        items, cursor, pulls = await drain(conn, None)
        assert pulls == 5  # 23 inbound messages (and 5 replies, not listed), 5 a page
        msgs = [i for i in items if isinstance(i, IncomingMessage)]
        assert sorted(m.provider_key for m in msgs) == sorted(m["sid"] for m in sample if m["to"] == OUR_NUMBER)
        assert all(m.channel is Channel.SMS and m.direction is Direction.IN for m in msgs)
        # later pages were fetched by the SDK following next_page_uri (with its PageToken)
        pages = fake.list_requests()
        assert len(pages) == 5 and all(dict(r.query).get("PageToken", "").startswith("PA") for r in pages[1:])
        assert all(dict(r.query)["To"] == OUR_NUMBER for r in pages)
        assert all(r.headers["user-agent"].startswith("twilio-python/") for r in pages)
        state = json.loads(cursor or "")
        newest = max(m.sent_at for m in msgs)
        assert datetime.fromisoformat(state["after"]) == newest and "sweep" not in state
        # nothing new: one request, nothing returned, filtered by date on the server
        again = await conn.pull(cursor)
        assert again.items == [] and not again.more
        assert "DateSent>" in dict(fake.list_requests()[-1].query)
    finally:
        await conn.close()


async def test_the_whole_account_when_not_inbound_only(server: tuple[LoopbackServer, _Switch], fake: FakeTwilio,
                                                       demo_dir: Path) -> None:
    sample = json.loads((demo_dir / "sms.json").read_text(encoding="utf-8"))["messages"]
    fake.add(*sample)
    c = TwilioConnector(settings(server, inbound_only=False, page_size=15))
    try:
        items, _, pulls = await drain(c, None)
    finally:
        await c.close()
    assert pulls == 2 and len(items) == 28
    assert sum(1 for i in items if isinstance(i, IncomingMessage) and i.direction is Direction.OUT) == 5
    assert "To" not in dict(fake.list_requests()[0].query)


async def test_new_messages_after_the_watermark_including_the_same_second(conn: TwilioConnector,
                                                                           fake: FakeTwilio) -> None:
    fake.add(*(inbound(i, T0 + timedelta(minutes=i)) for i in range(3)))
    items, cursor, _ = await drain(conn, None)
    assert len(items) == 3
    same_second = inbound(10, T0 + timedelta(minutes=2))
    later = inbound(11, T0 + timedelta(minutes=5))
    older = inbound(12, T0 - timedelta(days=1))  # at or before the watermark: already delivered time
    fake.add(same_second, later, older)
    items, cursor, _ = await drain(conn, cursor)
    assert {i.provider_key for i in items if isinstance(i, IncomingMessage)} == {same_second["sid"], later["sid"]}
    items, _, _ = await drain(conn, cursor)
    assert items == []


async def test_many_messages_sharing_a_timestamp_across_pages(server: tuple[LoopbackServer, _Switch],
                                                              fake: FakeTwilio) -> None:
    c = TwilioConnector(settings(server, page_size=2))
    try:
        batch = [inbound(i, T0) for i in range(5)]
        fake.add(*batch)
        items, cursor, pulls = await drain(c, None)
        assert pulls == 3
        assert sorted(i.provider_key for i in items if isinstance(i, IncomingMessage)) == sorted(
            m["sid"] for m in batch)
        sixth = inbound(6, T0)
        fake.add(sixth)
        items, cursor, _ = await drain(c, cursor)
        assert [i.provider_key for i in items if isinstance(i, IncomingMessage)] == [sixth["sid"]]
    finally:
        await c.close()


async def test_a_message_arriving_during_a_sweep_is_not_lost(conn: TwilioConnector, fake: FakeTwilio) -> None:
    fake.add(*(inbound(i, T0 + timedelta(seconds=i)) for i in range(30)))
    first = await conn.pull(None)
    assert first.more and len(first.items) == 20
    newcomer = inbound(99, T0 + timedelta(hours=1))
    fake.add(newcomer)
    second = await conn.pull(first.cursor)  # the rest of this sweep: the older ten, by PageToken
    assert not second.more and len(second.items) == 10
    seen = {i.provider_key for i in [*first.items, *second.items] if isinstance(i, IncomingMessage)}
    assert len(seen) == 30 and newcomer["sid"] not in seen
    third, _, _ = await drain(conn, second.cursor)
    assert [i.provider_key for i in third if isinstance(i, IncomingMessage)] == [newcomer["sid"]]


async def test_unreadable_entries_are_quarantined_once(conn: TwilioConnector, fake: FakeTwilio) -> None:
    good = inbound(1, T0)
    broken = inbound(2, T0 + timedelta(minutes=1))
    broken["from"] = None
    not_a_message = inbound(3, T0 + timedelta(minutes=2))
    not_a_message["sid"] = "XX" + "1" * 32
    fake.add(good, broken, not_a_message)
    items, cursor, _ = await drain(conn, None)
    bad = [i for i in items if isinstance(i, Quarantined)]
    assert [i.provider_key for i in items if isinstance(i, IncomingMessage)] == [good["sid"]]
    assert len(bad) == 2 and all(q.channel == "sms" and q.raw for q in bad)
    assert {q.reason for q in bad} == {"missing field 'from'", "field 'sid' is not a message SID (SM… or MM…)"}
    assert all("+4791" not in q.reason and "melding" not in q.reason for q in bad)
    items, _, _ = await drain(conn, cursor)
    assert items == []


async def test_outbound_messages_are_not_listed_as_inbound(conn: TwilioConnector, fake: FakeTwilio) -> None:
    fake.add(inbound(1, T0), message_resource(new_sid(), body="svar", from_=OUR_NUMBER, to="+4791000001", sent=T0,
                                              direction="outbound-api", status="delivered"))
    items, _, _ = await drain(conn, None)
    assert len(items) == 1 and isinstance(items[0], IncomingMessage) and items[0].direction is Direction.IN


async def test_send_creates_a_message_and_records_the_sid(conn: TwilioConnector, fake: FakeTwilio) -> None:
    res = await conn.send(OutgoingReply(to="+4791485037", body="Hei! Utbetalingen kommer fredag.",
                                        conversation="thread-7"))
    assert res.provider_key.startswith("SM") and len(res.provider_key) == 34
    assert res.status == "queued" and res.conversation == "thread-7"
    assert fake.created == [{"To": "+4791485037", "From": OUR_NUMBER, "Body": "Hei! Utbetalingen kommer fredag.",
                             "StatusCallback": "https://inbox.example.no/twilio/status"}]
    # the created resource is what a later fetch of that SID returns
    assert any(m["sid"] == res.provider_key and m["direction"] == "outbound-api" for m in fake.messages)


async def test_send_refuses_an_empty_reply_without_calling_twilio(conn: TwilioConnector, fake: FakeTwilio) -> None:
    with pytest.raises(PermanentError):
        await conn.send(OutgoingReply(to="", body="hei"))
    with pytest.raises(PermanentError):
        await conn.send(OutgoingReply(to="+4791485037", body="  "))
    assert fake.requests == []


@pytest.mark.parametrize(("canned", "error", "retry_after"), [
    (Canned(429, twilio_error(429, 20429, "Too Many Requests"), {"Retry-After": "7"}), RateLimited, 7.0),
    (Canned(429, twilio_error(429, 20429, "Too Many Requests")), RateLimited, None),
    (Canned(500, twilio_error(500, 20500, "Internal Server Error")), TransientError, None),
    (Canned(503, "<html>Service Unavailable</html>"), TransientError, None),
    (Canned(403, twilio_error(403, 20403, "Forbidden")), AuthError, None),
    (Canned(400, twilio_error(400, 21211, "The 'To' number +4791485037 is not a valid phone number.")),
     PermanentError, None),
    (Canned(404, twilio_error(404, 20404, "Not found")), PermanentError, None),
])
@pytest.mark.parametrize("action", ["pull", "send"])
async def test_errors_are_mapped(conn: TwilioConnector, fake: FakeTwilio, canned: Canned, error: type[Exception],
                                 retry_after: float | None, action: str) -> None:
    fake.fail_next.append(canned)
    call = conn.pull(None) if action == "pull" else conn.send(OutgoingReply(to="+4791485037", body="hemmelig tekst"))
    with pytest.raises(error) as info:
        await call
    assert str(canned.status) in str(info.value)
    assert "+4791485037" not in str(info.value) and "hemmelig" not in str(info.value)
    if isinstance(info.value, RateLimited):
        assert info.value.retry_after == retry_after


async def test_wrong_credentials_are_an_auth_error(server: tuple[LoopbackServer, _Switch], fake: FakeTwilio) -> None:
    c = TwilioConnector(settings(server, auth_token="wrong"))
    try:
        with pytest.raises(AuthError):
            await c.pull(None)
        with pytest.raises(AuthError):
            await c.send(OutgoingReply(to="+4791485037", body="hei"))
    finally:
        await c.close()


async def test_connection_failures_and_timeouts_are_transient(server: tuple[LoopbackServer, _Switch],
                                                              fake: FakeTwilio) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = TwilioConnector(settings(server, api_base_url=f"http://127.0.0.1:{port}"))
    try:
        with pytest.raises(TransientError):
            await c.pull(None)
        with pytest.raises(TransientError):
            await c.send(OutgoingReply(to="+4791485037", body="hei"))
    finally:
        await c.close()
    slow = TwilioConnector(settings(server, timeout=0.1))
    fake.fail_next.append(Canned(200, {"messages": []}, delay=0.5))
    try:
        with pytest.raises(TransientError, match="timed out"):
            await slow.pull(None)
    finally:
        await slow.close()


async def test_an_unreadable_cursor_is_a_permanent_error(conn: TwilioConnector) -> None:
    with pytest.raises(PermanentError):
        await conn.pull("{not json")


def test_settings_hide_the_token() -> None:
    s = TwilioSettings(account_sid=ACCOUNT_SID, auth_token="s3cret", from_number=OUR_NUMBER)
    assert "s3cret" not in repr(s)


def test_retry_after_parsing() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
