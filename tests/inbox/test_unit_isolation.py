"""Issue 17 item 4: a caseworker of one office unit can neither read nor change another unit's persons.

Every command that reads or changes a thread or a person is tried by ``ola`` (caseworker, Stovner) on a
person of Grünerløkka: each is refused and changes nothing, while the same command on a Stovner person
works. The TUI gets the same scoped store.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flerkanal.cli import cli
from inbox.access import Role
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.errors import PermissionDenied
from inbox.storage.repository import Store
from tests.osuser import os_account

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def sms(key: str, sender: str, minutes: int, body: str) -> IncomingMessage:
    return IncomingMessage(Channel.SMS, key, Direction.IN, T0 + timedelta(minutes=minutes), body, body, sender=sender)


class Units:
    def __init__(self, url: str, other: int, other_person: int, own: int, own_person: int,
                 other_message: int) -> None:
        self.url, self.other, self.other_person = url, other, other_person
        self.own, self.own_person, self.other_message = own, own_person, other_message


@pytest.fixture
def units(tmp_path: Path) -> Units:
    """Thread ``other`` (two SMS, the oldest in the queue) of a Grünerløkka person; thread ``own`` of a
    Stovner person; users root (admin) and ola (caseworker, Stovner)."""
    url = f"sqlite:///{tmp_path / 'u.db'}"
    store = Store.open(url)
    store.ingest([sms("SM01", "+4791111111", 0, "Hei, jeg har spørsmål om sykepengene mine."),
                  sms("SM02", "+4791111111", 2, "Og diagnosen min er depresjon."),
                  sms("SM03", "+4792222222", 30, "Når kommer utbetalingen?")])
    first, second, own = store.open_threads()
    store.merge(first.thread.id, second.thread.id, "root")  # one inquiry of two messages (to split)
    other = first
    store.update_profile(other.person.id, "root", unit="Grünerløkka", notes="helse: depresjon")
    store.update_profile(own.person.id, "root", unit="Stovner")
    store.add_user("root", Role.ADMIN, by="root")
    store.add_user("ola", Role.CASEWORKER, "Stovner", by="root")
    u = Units(url, other.thread.id, other.person.id, own.thread.id, own.person.id,
              store.thread(other.thread.id).messages[1].id)
    store.close()
    return u


def inbox(u: Units, user: str, *args: str) -> Result:
    with os_account(user):  # run by that person's own OS account
        return CliRunner().invoke(cli, ["--db", u.url, "--user", user, "--matcher", "structural", *args])


def snapshot(u: Units) -> tuple[object, ...]:
    """Everything a refused command could have changed about the other unit's person and thread."""
    store = Store.open(u.url, create=False)
    try:
        view = store.thread(u.other)
        return (view.thread.state, view.thread.claimed_by, tuple(m.thread_id for m in view.messages),
                tuple(sorted(store.profile(u.other_person).items())), len(store.replies(u.other)))
    finally:
        store.close()


REFUSED = [
    ["show", "{other}"], ["show", "{other}", "--json"], ["profile", "{person}"], ["profile", "{person}", "--json"],
    ["profile", "{person}", "--set", "notes=x"], ["suggest", "{other}"], ["suggest", "{other}", "--json"],
    ["claim", "{other}"], ["release", "{other}"], ["close", "{other}"],
    ["reply", "{other}", "--channel", "phone", "--body", "ringer"],
    ["merge", "{own}", "{other}"], ["merge", "{other}", "{own}"], ["split", "{message}"],
]


@pytest.mark.parametrize("args", REFUSED, ids=[" ".join(a) for a in REFUSED])
def test_every_command_on_another_units_person_is_refused(units: Units, args: list[str]) -> None:
    argv = [a.format(other=units.other, own=units.own, person=units.other_person, message=units.other_message)
            for a in args]
    before = snapshot(units)
    r = inbox(units, "ola", *argv)
    assert r.exit_code == 1, (argv, r.output)
    assert "another office unit" in r.output
    assert "depresjon" not in r.output and "sykepenge" not in r.output
    assert snapshot(units) == before


@pytest.mark.parametrize("args", [["show", "{own}"], ["profile", "{person}"], ["suggest", "{own}"],
                                  ["claim", "{own}"], ["close", "{own}"]])
def test_the_same_commands_work_in_the_own_unit(units: Units, args: list[str]) -> None:
    argv = [a.format(own=units.own, person=units.own_person) for a in args]
    r = inbox(units, "ola", *argv)
    assert r.exit_code == 0, (argv, r.output)


def test_claim_next_skips_other_units_and_the_queue_does_not_list_them(units: Units) -> None:
    listed = json.loads(inbox(units, "ola", "queue", "--json").stdout)
    assert [e["thread"] for e in listed] == [units.own]
    r = inbox(units, "ola", "claim", "--next")
    assert r.exit_code == 0 and f"claimed thread {units.own}" in r.output  # not the older Grünerløkka one
    assert inbox(units, "ola", "claim", "--next").output.strip() == "nothing to claim"
    assert snapshot(units)[0].value == "open"  # type: ignore[attr-defined]


def test_undo_is_refused_once_the_person_moved_to_another_unit(units: Units) -> None:
    store = Store.open(units.url, create=False)
    store.update_profile(units.other_person, "root", unit="")  # unassigned: every caseworker may work it
    store.close()
    assert inbox(units, "ola", "merge", str(units.own), str(units.other)).exit_code == 0
    store = Store.open(units.url, create=False)
    store.update_profile(units.other_person, "root", unit="Grünerløkka")
    store.close()
    r = inbox(units, "ola", "undo")
    assert r.exit_code == 1 and "another office unit" in r.output


def test_a_caseworker_cannot_move_a_person_into_another_unit_or_read_the_audit_log(units: Units) -> None:
    r = inbox(units, "ola", "profile", str(units.own_person), "--set", "unit=Grünerløkka")
    assert r.exit_code == 1 and "own office unit" in r.output
    r = inbox(units, "ola", "audit", "--person", str(units.other_person))
    assert r.exit_code == 1 and "may not" in r.output
    assert inbox(units, "root", "profile", str(units.other_person)).exit_code == 0  # an admin sees every unit


def test_the_scoped_store_refuses_every_method(units: Units) -> None:
    store = Store.open(units.url, create=False).scoped("Stovner")
    calls = [lambda: store.thread(units.other), lambda: store.match_reasons(units.other),
             lambda: store.replies(units.other), lambda: store.profile(units.other_person),
             lambda: store.person_thread_count(units.other_person),
             lambda: store.update_profile(units.other_person, "ola", notes="x"),
             lambda: store.claim(units.other, "ola"), lambda: store.release(units.other, "ola"),
             lambda: store.set_state(units.other, __import__("inbox.domain").domain.ThreadState.CLOSED, "ola"),
             lambda: store.record_reply(units.other, channel="phone", user="ola"),
             lambda: store.split(units.other_message, "ola"), lambda: store.merge(units.own, units.other, "ola")]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert [e.thread.id for e in store.open_threads()] == [units.own]
    assert store.count_open_threads(unit="Grünerløkka") == 1  # a caller cannot widen the scope
    store.close()


async def test_the_tui_opens_claims_and_searches_only_within_the_unit(units: Units) -> None:
    from tests.tui.conftest import settle
    from tui.factory import build_app
    from tui.screens.merge import MergeScreen
    from tui.screens.thread import load_thread
    from tui.widgets.queue_list import QueueList

    store = Store.open(units.url, create=False)
    app = build_app(store, "ola", unit="Stovner", refresh_seconds=None)
    with pytest.raises(PermissionDenied):
        load_thread(app.services, units.other, opened=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert [e.thread.id for e in app.screen.query_one(QueueList).entries] == [units.own]
        app.open_thread(units.other)  # e.g. a stale row: refused with a notice, nothing shown
        await settle(pilot)
        assert any("another office unit" in text for _, text in app.notices)
        await pilot.press("n")  # claim the next in line
        await settle(pilot)
        merge = MergeScreen(app.services, units.own)
        await app.push_screen(merge)
        merge.search(f"#{units.other}")
        await settle(pilot)
        from textual.widgets import OptionList

        assert merge.query_one(OptionList).option_count == 0
    assert store.thread(units.own).thread.claimed_by == "ola"
    assert Store.open(units.url, create=False).thread(units.other).thread.state.value == "open"
    assert not [e for e in store.audit_events(user="ola") if e["thread_id"] == units.other]
    store.close()


def test_scope_and_list_audit_on_both_databases(store: Store) -> None:
    """The scoped store's checks and ``claim_next`` filter, and the per-thread list audit, on SQLite and
    PostgreSQL (SKIP LOCKED path)."""
    store.ingest([sms("SM01", "+4791111111", 0, "Hei, spørsmål om sykepenger."),
                  sms("SM03", "+4792222222", 30, "Når kommer utbetalingen?")])
    other, own = store.open_threads()
    store.update_profile(other.person.id, "root", unit="Grünerløkka")
    scoped = store.scoped("Stovner")
    with pytest.raises(PermissionDenied):
        scoped.thread(other.thread.id)
    with pytest.raises(PermissionDenied):
        scoped.claim(other.thread.id, "ola")
    assert scoped.claim_next("ola") == own.thread.id
    assert scoped.claim_next("ola") is None
    assert store.thread(other.thread.id).thread.state.value == "open"
    scoped.audit_threads("ola", "list", [own.thread.id, other.thread.id], via="test")
    listed = [e for e in store.audit_events(user="ola") if e["action"] == "list"]
    assert sorted(e["thread_id"] for e in listed) == sorted([own.thread.id, other.thread.id])
    assert [e["thread_id"] for e in store.audit_events(person_id=other.person.id) if e["action"] == "list"] \
        == [other.thread.id]
