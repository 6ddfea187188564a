"""Two caseworkers, two TUIs, one PostgreSQL database: only one of them gets the thread."""

from __future__ import annotations

import pytest

from inbox.domain import ThreadState
from inbox.storage.repository import Store
from tests.tui.conftest import fixed_clock, load_demo, settle
from tui.factory import build_app
from tui.screens.thread import ThreadScreen
from tui.widgets.queue_list import QueueList


@pytest.mark.postgres
async def test_two_apps_cannot_claim_the_same_thread(pg_url: str) -> None:
    seed = load_demo(Store.open(pg_url))
    first = seed.open_threads(limit=1)[0].thread.id
    anna_store, bob_store = Store.open(pg_url, create=False), Store.open(pg_url, create=False)
    anna = build_app(anna_store, "anna", {}, clock=fixed_clock, refresh_seconds=None)
    bob = build_app(bob_store, "bob", {}, clock=fixed_clock, refresh_seconds=None)
    try:
        async with anna.run_test(size=(100, 30)) as pa, bob.run_test(size=(100, 30)) as pb:
            await settle(pa)
            await settle(pb)
            # Both press "c" on the same first row before either result is in.
            await pa.press("c")
            await pb.press("c")
            await settle(pa)
            await settle(pb)
            winner = seed.thread(first).thread.claimed_by
            assert winner in ("anna", "bob")
            loser_app, loser_pilot = (bob, pb) if winner == "anna" else (anna, pa)
            errors = [text for sev, text in loser_app.notices if sev == "error"]
            assert errors == [f"Already taken: thread {first} is already claimed by {winner}"]
            # The loser's queue shows who has it, at once.
            table = loser_app.screen.query_one(QueueList)
            assert table.cells_for(first)[5].plain == winner
            # Opening it there is read only: answering is refused, the claim stays.
            await loser_pilot.press("enter")
            await settle(loser_pilot)
            assert isinstance(loser_app.screen, ThreadScreen)
            await loser_pilot.press("a")
            await settle(loser_pilot)
            assert isinstance(loser_app.screen, ThreadScreen)
            assert seed.thread(first).thread.claimed_by == winner
            assert seed.thread(first).thread.state == ThreadState.CLAIMED
    finally:
        anna_store.close()
        bob_store.close()
        seed.close()
