"""The activity-plan dialogue connector against a loopback veilarbdialog that follows the published spec."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from connectors.activity_plan import (
    DIALOGER_QUERY,
    ActivityPlanConnector,
    ActivityPlanSettings,
    person_key,
)
from connectors.base import OutgoingReply
from inbox.domain import Channel, Direction, Identity, IdentityKind, IncomingMessage, Quarantined
from inbox.errors import AuthError, PermanentError, RateLimited, TransientError
from tests.connectors.dialog_server import TOKEN, FakeDialog, Schema, selection, unknown_fields
from tests.connectors.twilio_server import LoopbackServer

FNR_A = "27827918518"  # the first person of the demo dialog.json


class _Switch:
    def __init__(self) -> None:
        self.fake = FakeDialog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.fake.app(scope, receive, send)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[LoopbackServer, _Switch]]:
    switch = _Switch()
    with LoopbackServer(switch) as srv:
        yield srv, switch


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema.load()


@pytest.fixture
def fake(server: tuple[LoopbackServer, _Switch], demo_dir: Path) -> FakeDialog:
    server[1].fake = FakeDialog()
    server[1].fake.load(demo_dir / "dialog.json")
    return server[1].fake


@pytest.fixture
def followed(fake: FakeDialog) -> list[str]:
    return list(fake.persons)[:3]


class SpecCheck:
    """An httpx response hook: every DialogDTO the server sends must match schema.graphqls."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.checked = 0
        self.problems: list[str] = []

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        if response.status_code != 200:
            return
        path = response.request.url.path
        data = response.json()
        dialogs: list[Any] = []
        if path.endswith("/graphql"):
            dialogs = (data.get("data") or {}).get("dialoger") or []
        elif path.endswith("/api/dialog") and isinstance(data, list):
            dialogs = data
        elif "/api/dialog" in path and isinstance(data, dict) and "henvendelser" in data:
            dialogs = [data]
        elif path.endswith("/sistOppdatert"):
            assert set(data) == {"sistOppdatert"} and (data["sistOppdatert"] is None
                                                       or isinstance(data["sistOppdatert"], int))
        for d in dialogs:
            self.checked += 1
            self.problems.extend(self.schema.problems(d, "DialogDTO"))


def make(server: tuple[LoopbackServer, _Switch], followed: list[str], schema: Schema, **kw: Any,
         ) -> tuple[ActivityPlanConnector, SpecCheck]:
    base: dict[str, Any] = {"base_url": server[0].url, "token": TOKEN, "followed": followed, "timeout": 5.0}
    base.update(kw)
    conn = ActivityPlanConnector(ActivityPlanSettings(**base))
    check = SpecCheck(schema)
    conn.http.event_hooks["response"].append(check)
    return conn, check


@pytest.fixture
async def conn(server: tuple[LoopbackServer, _Switch], followed: list[str], schema: Schema,
               fake: FakeDialog) -> AsyncIterator[tuple[ActivityPlanConnector, SpecCheck]]:
    c, check = make(server, followed, schema)
    yield c, check
    await c.close()
    assert check.problems == []


def keys(items: list[IncomingMessage | Quarantined]) -> list[str]:
    return [i.provider_key for i in items if isinstance(i, IncomingMessage)]


def henvendelser(fake: FakeDialog, fnrs: list[str]) -> dict[str, dict[str, Any]]:
    return {h["id"]: h for f in fnrs for d in fake.persons[f].dialoger for h in d["henvendelser"]}


def test_the_query_uses_only_fields_of_the_published_schema(schema: Schema) -> None:
    sel = selection(DIALOGER_QUERY, "dialoger")
    assert unknown_fields(schema, sel, "DialogDTO") == []
    assert set(sel["henvendelser"]) == set(schema.types["HenvendelseDTO"])
    assert schema.types["Query"]["dialoger"].name == "DialogDTO"


async def test_first_pull_reads_every_followed_persons_dialogues(conn: tuple[ActivityPlanConnector, SpecCheck],
                                                                 fake: FakeDialog, followed: list[str]) -> None:
    c, check = conn
    res = await c.pull(None)
    expected = henvendelser(fake, followed)
    msgs = [i for i in res.items if isinstance(i, IncomingMessage)]
    assert sorted(m.provider_key for m in msgs) == sorted(expected)
    for m in msgs:
        h = expected[m.provider_key]
        assert m.channel is Channel.DIALOG and m.conversation == h["dialogId"] and m.body == h["tekst"]
        assert m.direction is (Direction.IN if h["avsender"] == "BRUKER" else Direction.OUT)
        [ident] = m.identities
        assert ident.kind is IdentityKind.FNR and fake.persons[ident.value]
    assert fake.count("POST", "/sistOppdatert") == 3 and fake.count("POST", "/graphql") == 3
    assert check.checked == sum(len(fake.persons[f].dialoger) for f in followed) and check.problems == []
    # the cursor holds no ID numbers
    assert res.cursor is not None and not any(f in res.cursor for f in followed)
    assert set(json.loads(res.cursor)["persons"]) == {person_key(f) for f in followed}


async def test_nothing_is_fetched_while_sistoppdatert_is_unchanged(conn: tuple[ActivityPlanConnector, SpecCheck],
                                                                   fake: FakeDialog, followed: list[str]) -> None:
    c, _ = conn
    first = await c.pull(None)
    second = await c.pull(first.cursor)
    assert second.items == [] and not second.more
    assert fake.count("POST", "/sistOppdatert") == 6 and fake.count("POST", "/graphql") == 3
    # one new message for one person: one more fetch, one new item
    h = fake.add_henvendelse(followed[1], fake.persons[followed[1]].dialoger[0]["id"], "Hei, har dere sett på saken?")
    third = await c.pull(second.cursor)
    assert fake.count("POST", "/graphql") == 4
    assert keys(third.items) == [h["id"]]
    [msg] = third.items
    assert isinstance(msg, IncomingMessage) and msg.identities == (Identity(IdentityKind.FNR, followed[1]),)
    # a change that adds no message (read marks): fetched, nothing new
    fake.touch(followed[0])
    fourth = await c.pull(third.cursor)
    assert fourth.items == [] and fake.count("POST", "/graphql") == 5


async def test_the_rest_list_instead_of_graphql(server: tuple[LoopbackServer, _Switch], fake: FakeDialog,
                                                followed: list[str], schema: Schema) -> None:
    c, check = make(server, followed, schema, use_graphql=False)
    try:
        res = await c.pull(None)
        again = await c.pull(res.cursor)
    finally:
        await c.close()
    assert len(res.items) == len(henvendelser(fake, followed)) and again.items == []
    assert fake.count("GET", "/veilarbdialog/api/dialog") == 3 and fake.count("POST", "/graphql") == 0
    assert check.checked > 0 and check.problems == []


async def test_messages_sharing_a_second_are_neither_lost_nor_doubled(
        conn: tuple[ActivityPlanConnector, SpecCheck], fake: FakeDialog, followed: list[str]) -> None:
    c, _ = conn
    cursor = (await c.pull(None)).cursor
    fnr = followed[0]
    dialog_id = fake.persons[fnr].dialoger[0]["id"]
    at = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    first = fake.add_henvendelse(fnr, dialog_id, "første", sendt=at)
    res = await c.pull(cursor)
    assert keys(res.items) == [first["id"]]
    second = fake.add_henvendelse(fnr, dialog_id, "andre", sendt=at)
    # and one that arrives late, stamped a little before the newest seen (within the overlap)
    late = fake.add_henvendelse(fnr, dialog_id, "sen", sendt=at - timedelta(minutes=5))
    res = await c.pull(res.cursor)
    assert sorted(keys(res.items)) == sorted([second["id"], late["id"]])
    res = await c.pull(res.cursor)
    assert res.items == []


async def test_unreadable_henvendelser_are_quarantined_once(conn: tuple[ActivityPlanConnector, SpecCheck],
                                                            fake: FakeDialog, followed: list[str]) -> None:
    c, check = conn
    fnr = followed[0]
    bad = fake.add_henvendelse(fnr, fake.persons[fnr].dialoger[0]["id"], "hei")
    bad["sendt"] = "i går"
    res = await c.pull(None)
    problems = [i for i in res.items if isinstance(i, Quarantined)]
    assert len(problems) == 1 and problems[0].channel == "dialog" and bad["id"] in problems[0].position
    assert "hei" not in problems[0].reason
    fake.touch(fnr)
    again = await c.pull(res.cursor)
    assert again.items == []
    check.problems = [p for p in check.problems if ".sendt" not in p]  # the broken date is the point here


async def test_send_in_an_existing_dialogue_and_mark_it_handled(conn: tuple[ActivityPlanConnector, SpecCheck],
                                                                fake: FakeDialog, followed: list[str]) -> None:
    c, _ = conn
    fnr = followed[1]
    dialog = fake.persons[fnr].dialoger[0]
    res = await c.send(OutgoingReply(to=fnr, body="Hei! Vi har sett på saken din.", conversation=dialog["id"]))
    assert fake.posted == [{"dialogId": dialog["id"], "overskrift": None, "tekst": "Hei! Vi har sett på saken din."}]
    assert res.conversation == dialog["id"]
    assert res.provider_key == dialog["henvendelser"][-1]["id"]
    assert ("POST", "/veilarbdialog/api/dialog") in fake.calls
    await c.mark_handled(dialog["id"])
    assert ("PUT", f"/veilarbdialog/api/dialog/{dialog['id']}/ferdigbehandlet/true") in fake.calls
    assert dialog["ferdigBehandlet"] is True
    # the reply comes back on the next pull under the key send returned (so the store keeps it once)
    first = await c.pull(None)
    assert res.provider_key in set(keys(first.items))


async def test_send_without_a_dialogue_starts_a_new_one(conn: tuple[ActivityPlanConnector, SpecCheck],
                                                        fake: FakeDialog, followed: list[str]) -> None:
    c, _ = conn
    fnr = followed[2]
    before = len(fake.persons[fnr].dialoger)
    res = await c.send(OutgoingReply(to=fnr, body="Husk møtet tirsdag kl 10.", subject="Møte tirsdag"))
    assert fake.posted[-1] == {"dialogId": None, "overskrift": "Møte tirsdag", "tekst": "Husk møtet tirsdag kl 10."}
    assert len(fake.persons[fnr].dialoger) == before + 1
    new = fake.persons[fnr].dialoger[-1]
    assert res.conversation == new["id"] and res.provider_key == new["henvendelser"][0]["id"]
    await c.send(OutgoingReply(to=fnr, body="Uten emne."))
    assert fake.posted[-1]["overskrift"] == "Melding fra Nav"


async def test_send_and_mark_refuse_bad_input(conn: tuple[ActivityPlanConnector, SpecCheck],
                                              fake: FakeDialog) -> None:
    c, _ = conn
    with pytest.raises(PermanentError):
        await c.send(OutgoingReply(to="+4791485037", body="hei"))
    with pytest.raises(PermanentError):
        await c.send(OutgoingReply(to=FNR_A, body=" "))
    with pytest.raises(PermanentError):
        await c.mark_handled("../admin")
    assert fake.calls == []


@pytest.mark.parametrize(("status", "headers", "error", "retry_after"), [
    (429, {"Retry-After": "30"}, RateLimited, 30.0),
    (429, {}, RateLimited, None),
    (500, {}, TransientError, None),
    (503, {}, TransientError, None),
    (401, {}, AuthError, None),
    (403, {}, AuthError, None),
    (400, {}, PermanentError, None),
])
@pytest.mark.parametrize("action", ["pull", "send", "mark"])
async def test_errors_are_mapped(conn: tuple[ActivityPlanConnector, SpecCheck], fake: FakeDialog, followed: list[str],
                                 status: int, headers: dict[str, str], error: type[Exception],
                                 retry_after: float | None, action: str) -> None:
    c, _ = conn
    fake.fail_next.append((status, headers))
    call: Coroutine[Any, Any, object]
    if action == "pull":
        call = c.pull(None)
    elif action == "send":
        call = c.send(OutgoingReply(to=followed[0], body="hemmelig", conversation="100007"))
    else:
        call = c.mark_handled("100007")
    with pytest.raises(error) as info:
        await call
    assert str(status) in str(info.value)
    assert not any(f in str(info.value) for f in followed) and "hemmelig" not in str(info.value)
    if isinstance(info.value, RateLimited):
        assert info.value.retry_after == retry_after


async def test_a_wrong_token_and_a_person_without_access(server: tuple[LoopbackServer, _Switch], fake: FakeDialog,
                                                         followed: list[str], schema: Schema) -> None:
    c, _ = make(server, followed, schema, token="expired")
    try:
        with pytest.raises(AuthError):
            await c.pull(None)
    finally:
        await c.close()
    c, _ = make(server, followed, schema)
    fake.access = set(followed[:2])
    try:
        with pytest.raises(AuthError):  # REST sistOppdatert answers 403 for the third
            await c.pull(None)
        # GraphQL answers 200 with errors: [{"message": "Ikke tilgang"}]
        data = (await c.http.post("/graphql", json={"query": DIALOGER_QUERY, "variables": {"fnr": followed[2]}})).json()
        assert data["errors"][0]["message"] == "Ikke tilgang"
        with pytest.raises(AuthError):
            await c.dialoger(followed[2])
    finally:
        await c.close()


async def test_connection_failures_are_transient(followed: list[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = ActivityPlanConnector(ActivityPlanSettings(base_url=f"http://127.0.0.1:{port}", token=TOKEN,
                                                   followed=followed))
    try:
        with pytest.raises(TransientError):
            await c.pull(None)
    finally:
        await c.close()


async def test_no_id_number_or_text_reaches_the_logs(conn: tuple[ActivityPlanConnector, SpecCheck], fake: FakeDialog,
                                                     followed: list[str], caplog: pytest.LogCaptureFixture) -> None:
    c, _ = conn
    caplog.set_level(logging.DEBUG)
    res = await c.pull(None)
    await c.send(OutgoingReply(to=followed[0], body="Svar med hemmelig innhold", conversation=""))
    fake.fail_next.append((500, {}))
    with pytest.raises(TransientError):
        await c.pull(res.cursor)
    assert "HTTP Request" in caplog.text  # httpx did log its request lines...
    assert not any(f in caplog.text for f in followed)  # ...without the fnr query
    assert "hemmelig" not in caplog.text


def test_invalid_followed_numbers_are_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError, match="1 followed") as info:
        ActivityPlanConnector(ActivityPlanSettings(base_url="http://x", token="t", followed=[FNR_A, "12345678901"]))
    assert "12345678901" not in str(info.value)
    assert "s3cret" not in repr(ActivityPlanSettings(base_url="", token="s3cret", followed=[FNR_A]))
    assert FNR_A not in repr(ActivityPlanSettings(base_url="", token="s3cret", followed=[FNR_A]))


async def test_a_person_no_longer_followed_leaves_the_cursor(server: tuple[LoopbackServer, _Switch],
                                                             fake: FakeDialog, followed: list[str],
                                                             schema: Schema) -> None:
    c, _ = make(server, followed, schema)
    try:
        cursor = (await c.pull(None)).cursor
    finally:
        await c.close()
    c, _ = make(server, followed[:2], schema)
    try:
        res = await c.pull(cursor)
    finally:
        await c.close()
    assert res.items == [] and fake.count("POST", "/graphql") == 3  # the two still followed were unchanged
    assert set(json.loads(res.cursor or "")["persons"]) == {person_key(f) for f in followed[:2]}
