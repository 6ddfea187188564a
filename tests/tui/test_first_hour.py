"""A newcomer's first hour in the TUI (issue 18): merges of two registered persons ask first; the answer
flow shows the suggestion early, puts the cursor where typing goes, quits on q and says all it will do."""

from __future__ import annotations

import json
from typing import Any

from inbox.storage.repository import Store
from tests.tui.conftest import AppMaker, settle
from tests.tui.test_thread import open_thread
from tui.screens.confirm import ConfirmScreen
from tui.screens.merge import MergeScreen
from tui.screens.thread import ThreadScreen


def two_registered_persons(store: Store) -> tuple[int, int]:
    entries = [e for e in store.open_threads(limit=1000) if e.person and e.person.in_register]
    a = entries[0]
    b = next(e for e in entries if e.person.id != a.person.id)
    return a.thread.id, b.thread.id


async def pick_for_merge(pilot: Any, other: int) -> None:
    await pilot.press("m")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MergeScreen)
    await pilot.press(*["backspace"] * 40, *f"#{other}")
    await pilot.pause(0.2)
    await settle(pilot)
    await pilot.press("enter", "y")  # pick it, and the ordinary "merge?" question
    await settle(pilot)


async def test_merging_two_registered_persons_asks_first(make_app: AppMaker, demo_store: Store) -> None:
    into, other = two_registered_persons(demo_store)
    names = {demo_store.thread(t).person.name for t in (into, other)}
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_thread(pilot, into)
        await pick_for_merge(pilot, other)
        assert isinstance(app.screen, ConfirmScreen)
        assert "different registered persons" in app.screen.question
        assert all(n in app.screen.question for n in names)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)
        assert demo_store.thread(other).messages  # not merged
        assert any("not merged" in text for _, text in app.notices)
        await pick_for_merge(pilot, other)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert not demo_store.thread(other).messages
    [merge] = [e for e in demo_store.audit_events(thread_id=into) if e["action"] == "merge"]
    detail = json.loads(merge["detail"])
    assert detail["forced"] is True and "confirmed in the TUI" in detail["reason"]
