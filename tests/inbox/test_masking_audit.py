"""Issue 17 item 6: ID numbers are masked wherever person data is shown, and every read of it is audited.

``queue`` (preview and name), ``show`` (subject too, text and JSON), ``profile`` (notes) and ``suggest``
(its quotes) mask national ID numbers unless ``--include-ids`` is given by a role that may see them; each
of these reads, and the TUI's queue, writes an audit event that ``inbox audit --thread/--person`` finds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flerkanal.cli import cli
from inbox.access import Role
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.storage.repository import Store
from tests.hostile import FNR, FNR_SPACED, Hostile, add_hostile
from tests.osuser import os_account

ASKS = f"Mitt fnr er {FNR}, kan dere ringe meg? Jeg forstår ikke brevet."


class Db:
    def __init__(self, url: str, h: Hostile, asks: int, asks_person: int) -> None:
        self.url, self.h, self.asks, self.asks_person = url, h, asks, asks_person


@pytest.fixture
def db(tmp_path: Path) -> Db:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    store = Store.open(url)
    h = add_hostile(store)
    store.ingest([IncomingMessage(Channel.SMS, "SMasks", Direction.IN, datetime(2026, 11, 21, tzinfo=UTC), ASKS,
                                  ASKS, sender="+4793333333")])
    asks = next(e for e in store.open_threads() if e.thread.id not in (h.mail_thread, h.sms_thread))
    store.update_profile(asks.person.id, "ada", notes=f"Helse: angst. Fnr {FNR_SPACED}.")
    store.add_user("ada", Role.ADMIN, by="ada")
    store.add_user("kari", Role.CASEWORKER, by="ada")
    store.add_user("sjef", Role.SUPERVISOR, by="ada")
    store.close()
    return Db(url, h, asks.thread.id, asks.person.id)


def inbox(db: Db, user: str, *args: str) -> Result:
    with os_account(user):
        return CliRunner().invoke(cli, ["--db", db.url, "--matcher", "structural", *args])


def has_id(text: str) -> bool:
    return FNR in text or FNR_SPACED in text


def events(db: Db, **filters: object) -> list[dict[str, object]]:
    store = Store.open(db.url, create=False)
    try:
        return store.audit_events(**filters)  # type: ignore[arg-type]
    finally:
        store.close()


@pytest.mark.parametrize("args", [
    ["queue"], ["queue", "--json"], ["show", "{mail}"], ["show", "{mail}", "--json"], ["show", "{mail}", "--raw"],
    ["show", "{asks}", "--json", "--raw"], ["profile", "{person}"], ["profile", "{person}", "--json"],
    ["suggest", "{asks}", "--json"], ["suggest", "{asks}"],
])
def test_id_numbers_are_masked_unless_asked(db: Db, args: list[str]) -> None:
    argv = [a.format(mail=db.h.mail_thread, asks=db.asks, person=db.asks_person) for a in args]
    r = inbox(db, "kari", *argv)
    assert r.exit_code == 0, r.output
    assert not has_id(r.output), argv
    if args not in (["queue", "--json"], ["suggest", "{asks}"]):  # these two show no text that held one
        assert "<fnr>" in r.output, argv


@pytest.mark.parametrize("args", [["queue"], ["show", "{mail}", "--json"], ["profile", "{person}"]])
def test_include_ids_shows_them_to_a_caseworker_and_says_so_in_the_audit(db: Db, args: list[str]) -> None:
    argv = [a.format(mail=db.h.mail_thread, person=db.asks_person) for a in args]
    r = inbox(db, "kari", *argv, "--include-ids")
    assert r.exit_code == 0, r.output
    assert has_id(r.output)
    mine = events(db, user="kari")
    assert mine and all(json.loads(str(e["detail"]))["include_ids"] is True for e in mine)


def test_the_show_json_subject_is_masked(db: Db) -> None:
    data = json.loads(inbox(db, "kari", "show", str(db.h.mail_thread), "--json").stdout)
    assert data["messages"][0]["subject"].startswith("Søknad <fnr> ")


def test_every_read_of_person_data_is_audited(db: Db) -> None:
    listed = json.loads(inbox(db, "kari", "queue", "--json").stdout)
    ids = sorted(e["thread"] for e in listed)
    assert inbox(db, "kari", "profile", str(db.asks_person)).exit_code == 0
    assert inbox(db, "kari", "suggest", str(db.asks)).exit_code == 0
    assert inbox(db, "kari", "show", str(db.asks)).exit_code == 0
    mine = events(db, user="kari")
    assert sorted(int(str(e["thread_id"])) for e in mine if e["action"] == "list") == ids
    assert [e["person_id"] for e in mine if e["action"] == "read-profile"] == [db.asks_person]
    assert [e["thread_id"] for e in mine if e["action"] == "suggest"] == [db.asks]
    # the admin's questions find them: everything kari saw of this person
    about = [e["action"] for e in events(db, person_id=db.asks_person) if e["user"] == "kari"]
    assert about == ["list", "read-profile", "suggest", "read"]
    r = inbox(db, "ada", "audit", "--person", str(db.asks_person), "--json")
    assert r.exit_code == 0
    assert {"list", "read-profile", "suggest", "read"} <= {e["action"] for e in json.loads(r.stdout)}


def test_a_supervisor_may_not_ask_for_id_numbers(db: Db) -> None:
    for args in (["queue", "--include-ids"], ["profile", str(db.asks_person), "--include-ids"]):
        r = inbox(db, "sjef", *args)
        assert r.exit_code == 1 and "may not" in r.output
        assert not has_id(r.output)


async def test_the_tui_masks_previews_and_audits_each_listed_thread_once(db: Db) -> None:
    from tests.tui.conftest import settle
    from tui.factory import build_app
    from tui.screens.queue import QueueScreen
    from tui.widgets.queue_list import QueueList

    store = Store.open(db.url, create=False)
    app = build_app(store, "kari", refresh_seconds=None)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        shown = "".join(seg.text for i in range(queue.row_count) for seg in queue._row_strip(i, 140))
        assert shown and not has_id(shown) and "•••••••••46" in shown
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        screen.load("refresh")
        await settle(pilot)
    listed = [e["thread_id"] for e in store.audit_events(user="kari") if e["action"] == "list"]
    assert sorted(listed) == sorted(e.thread.id for e in store.open_threads())  # once each, refresh added none
    assert all(json.loads(e["detail"])["via"] == "tui" for e in store.audit_events(user="kari"))
    store.close()
