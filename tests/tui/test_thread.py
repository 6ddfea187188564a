"""The thread screen: timeline, why grouped, raw toggle, split / merge / undo, profile, read audit."""

from __future__ import annotations

from typing import Any

from inbox.storage.repository import Store
from tests.tui.conftest import AppMaker, settle
from tui.screens.merge import MergeScreen
from tui.screens.profile import ProfileScreen
from tui.screens.queue import QueueScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.grouping import GroupingPanel
from tui.widgets.queue_list import QueueList
from tui.widgets.timeline import Timeline


def busiest(store: Store) -> int:
    """The open thread with the most messages."""
    return max(store.open_threads(limit=1000), key=lambda e: (e.thread.message_count, -e.thread.id)).thread.id


async def open_thread(pilot: Any, tid: int) -> ThreadScreen:
    await settle(pilot)
    table = pilot.app.screen.query_one(QueueList)
    row = next(i for i, e in enumerate(table.entries) if e.thread.id == tid)
    table.move_cursor(row=row)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ThreadScreen) and screen.thread_id == tid
    return screen


def rendered(widget: Any) -> str:
    return str(widget.render())


async def test_timeline_in_time_order_with_why_grouped(make_app: AppMaker, demo_store: Store) -> None:
    tid = busiest(demo_store)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_thread(pilot, tid)
        timeline = screen.query_one(Timeline)
        msgs = demo_store.thread(tid).messages
        assert [e.message_id for e in timeline.items] == [m.id for m in msgs]
        assert [e.at for e in timeline.items] == sorted(e.at for e in timeline.items)
        why = rendered(screen.query_one(GroupingPanel))
        assert "Why grouped" in why and "shared identity" in why
        await pilot.press("j")
        await settle(pilot)
        why = rendered(screen.query_one(GroupingPanel))
        assert f"message #{msgs[1].id}" in why and "time gap" in why
        reason = demo_store.match_reasons(tid)[msgs[1].id]["reason"]
        assert reason in why


async def test_every_open_writes_a_read_audit_event(make_app: AppMaker, demo_store: Store) -> None:
    tid = busiest(demo_store)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_thread(pilot, tid)
        await pilot.press("escape")
        await open_thread(pilot, tid)
    reads = [e for e in demo_store.audit_events(thread_id=tid, user="anna") if e["action"] == "read"]
    assert len(reads) == 2
    assert all('"via": "tui"' in e["detail"] for e in reads)


async def test_raw_toggle_shows_the_message_as_received(make_app: AppMaker, demo_store: Store) -> None:
    email = next(e.thread.id for e in demo_store.open_threads(limit=1000) if e.thread.channels[0].value == "email")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_thread(pilot, email)
        timeline = screen.query_one(Timeline)
        assert "From:" not in timeline.text_of(0)
        await pilot.press("r")
        await settle(pilot)
        assert "From:" in timeline.text_of(0) and "Subject:" in timeline.text_of(0)
        await pilot.press("r")
        await settle(pilot)
        assert "From:" not in timeline.text_of(0)


async def test_split_then_undo(make_app: AppMaker, demo_store: Store) -> None:
    tid = busiest(demo_store)
    msgs = demo_store.thread(tid).messages
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_thread(pilot, tid)
        await pilot.press("down", "s", "y")
        await settle(pilot)
        moved = demo_store.thread(tid).messages
        assert [m.id for m in moved] == [m.id for m in msgs if m.id != msgs[1].id]
        assert any("is now inquiry" in text for _, text in app.notices)
        await pilot.press("u")
        await settle(pilot)
        assert [m.id for m in demo_store.thread(tid).messages] == [m.id for m in msgs]
        assert len(app.screen.query_one(Timeline).items) == len(msgs)


async def test_merge_by_search_then_undo(make_app: AppMaker, demo_store: Store) -> None:
    entries = demo_store.open_threads(limit=1000)
    by_person: dict[int, list[int]] = {}
    for e in entries:
        if e.person and e.person.in_register:
            by_person.setdefault(e.person.id, []).append(e.thread.id)
    into, other = next(tids for tids in by_person.values() if len(tids) >= 2)[:2]
    before = {m.id for m in demo_store.thread(into).messages} | {m.id for m in demo_store.thread(other).messages}
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_thread(pilot, into)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MergeScreen)
        await pilot.press("home", "ctrl+k", *f"#{other}")  # empty the box (it holds the name), search by id
        await pilot.pause(0.2)
        await settle(pilot)
        await pilot.press("enter", "y")
        await settle(pilot)
        assert {m.id for m in demo_store.thread(into).messages} == before
        assert isinstance(app.screen, ThreadScreen)
        assert len(app.screen.query_one(Timeline).items) == len(before)
        await pilot.press("u")
        await settle(pilot)
        assert {m.id for m in demo_store.thread(other).messages}
        assert len(app.screen.query_one(Timeline).items) == len(before) - len(demo_store.thread(other).messages)


async def test_merge_search_defaults_to_the_same_person(make_app: AppMaker, demo_store: Store) -> None:
    entries = demo_store.open_threads(limit=1000)
    e = next(e for e in entries if e.person and e.person.in_register and
             sum(1 for x in entries if x.person and x.person.id == e.person.id) >= 2)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_thread(pilot, e.thread.id)
        await pilot.press("m")
        await settle(pilot)
        from textual.widgets import OptionList

        ids = [int(o.id or 0) for o in app.screen.query_one(OptionList).options]
        assert ids and e.thread.id not in ids
        same = {x.thread.id for x in entries if x.person and x.person.id == e.person.id} - {e.thread.id}
        assert same <= set(ids)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)


async def test_edit_profile(make_app: AppMaker, demo_store: Store) -> None:
    e = next(e for e in demo_store.open_threads(limit=1000) if e.person and e.person.in_register)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_thread(pilot, e.thread.id)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        await pilot.press("enter", "down", "down", "enter")  # prefers: dialogue → SMS
        await pilot.press("tab", "enter", "down", "enter")  # digital skills: low
        await pilot.press("tab", *"en", "tab", "space", "tab", *"bruker tolk")
        await pilot.press("ctrl+s")
        await settle(pilot)
        profile = demo_store.profile(e.person.id)
        assert profile["preferred_channel"] == "sms"
        assert profile["digital_skills"] == "low"
        assert profile["language"] == "en"
        assert profile["interpreter"] is True
        assert profile["notes"] == "bruker tolk"
        side = rendered(app.screen.query_one("#profile"))
        assert "prefers: SMS" in side and "interpreter: yes" in side


async def test_claimed_by_someone_else_is_read_only(make_app: AppMaker, demo_store: Store) -> None:
    tid = busiest(demo_store)
    demo_store.claim(tid, "bob")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_thread(pilot, tid)
        assert "claimed by bob" in rendered(app.screen.query_one("#thread-banner"))
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)
        await pilot.press("c")
        await settle(pilot)
        assert any(sev == "error" and "already claimed by bob" in text for sev, text in app.notices)
        assert demo_store.thread(tid).thread.claimed_by == "bob"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


def test_why_grouped_points_out_a_hint_to_another_writers_inquiry(demo_store: Store) -> None:
    from tui.widgets.grouping import explain

    tid = busiest(demo_store)
    view = demo_store.thread(tid)
    first = view.messages[0]
    hint = {"reason": "new inquiry", "evidence": {"identity": "same unknown address", "similar": "email:<a@x>",
                                                   "similar_thread": tid + 1000, "probability": 0.97}}
    text = str(explain(view, {first.id: hint}, first))
    assert f"looks like #{tid + 1000}" in text and "probability 0.97" in text and "(m," in text
    plain = str(explain(view, {first.id: {"reason": "new inquiry", "evidence": {}}}, first))
    assert "looks like" not in plain
