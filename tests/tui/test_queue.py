"""The queue screen, driven by keys against a real SQLite store with the demo data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inbox.domain import Channel, Direction, IncomingMessage, ThreadState
from inbox.storage.repository import Store
from tests.tui.conftest import NOW, AppMaker, settle
from tui.format import badges, waiting
from tui.screens.queue import QueueScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.queue_list import QueueList


def table_ids(app: object) -> list[int]:
    table = app.screen.query_one(QueueList)  # type: ignore[attr-defined]
    return [e.thread.id for e in table.entries]


async def test_one_row_per_open_inquiry_in_fair_order(make_app: AppMaker, demo_store: Store) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        expected = [e.thread.id for e in demo_store.open_threads(limit=1000)]
        assert table_ids(app) == expected
        table = app.screen.query_one(QueueList)
        first = demo_store.open_threads(limit=1)[0]
        row = table.row_cells(0)
        assert row[0].plain == str(first.thread.id)
        assert first.person.name in row[1].plain
        assert row[2].plain == badges(c.value for c in first.thread.channels).plain  # a badge per channel
        assert row[4].plain == waiting((NOW - first.thread.first_contact).total_seconds())


async def test_scope_channel_and_waiting_filters(make_app: AppMaker, demo_store: Store) -> None:
    open_ = demo_store.open_threads(limit=1000)
    demo_store.claim(open_[1].thread.id, "anna")
    demo_store.claim(open_[2].thread.id, "bob")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert table_ids(app) == [open_[1].thread.id]
        await pilot.press("u")
        await settle(pilot)
        assert open_[1].thread.id not in table_ids(app) and open_[2].thread.id not in table_ids(app)
        assert len(table_ids(app)) == len(open_) - 2
        await pilot.press("a", "h")  # all, then the first channel (SMS)
        await settle(pilot)
        sms = [e.thread.id for e in open_ if Channel.SMS in e.thread.channels]
        assert table_ids(app) == sms
        await pilot.press("h", "h", "h", "w", "w")  # back to any channel; waiting > 24 h
        await settle(pilot)
        old = [e.thread.id for e in open_ if NOW - e.thread.first_contact > timedelta(hours=24)]
        assert table_ids(app) == old
        assert "waiting > 24h" in str(app.screen.query_one("#queue-filters").render())
        await pilot.press("escape")
        await settle(pilot)
        assert table_ids(app) == [e.thread.id for e in open_]


async def test_incremental_search(make_app: AppMaker, demo_store: Store) -> None:
    marte = [e.thread.id for e in demo_store.open_threads(limit=1000) if e.person and e.person.name.startswith("Marte")]
    assert marte
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"marte")
        await pilot.pause(0.3)
        await settle(pilot)
        assert table_ids(app) == marte
        await pilot.press(*["backspace"] * 5, *f"#{marte[0]}")
        await pilot.pause(0.3)
        await settle(pilot)
        assert table_ids(app) == [marte[0]]
        await pilot.press("enter", "enter")  # leave the search box, open the match
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen) and app.screen.thread_id == marte[0]


async def test_claim_and_release_by_key(make_app: AppMaker, demo_store: Store) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tid = table_ids(app)[0]
        await pilot.press("c")
        await settle(pilot)
        assert demo_store.thread(tid).thread.claimed_by == "anna"
        assert app.screen.query_one(QueueList).row_cells(0)[5].plain == "you"
        await pilot.press("c")
        await settle(pilot)
        assert demo_store.thread(tid).thread.state == ThreadState.OPEN


async def test_claim_next_claims_in_fair_order_and_opens(make_app: AppMaker, demo_store: Store) -> None:
    first = demo_store.open_threads(limit=1, unclaimed=True)[0].thread.id
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen) and app.screen.thread_id == first
        assert demo_store.thread(first).thread.claimed_by == "anna"


async def test_close_asks_first(make_app: AppMaker, demo_store: Store) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tid = table_ids(app)[0]
        await pilot.press("d", "n")
        await settle(pilot)
        assert demo_store.thread(tid).thread.state == ThreadState.OPEN
        await pilot.press("d", "y")
        await settle(pilot)
        assert demo_store.thread(tid).thread.state == ThreadState.CLOSED
        assert tid not in table_ids(app)


async def test_new_messages_appear_live_and_the_cursor_stays(make_app: AppMaker, demo_store: Store) -> None:
    app = make_app(refresh_seconds=0.1)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down", "down")
        table = app.screen.query_one(QueueList)
        watched = table.current_id()
        # Someone writes, dated before everything else: the new inquiry goes to the top of the fair order.
        demo_store.ingest([IncomingMessage(Channel.SMS, "SMlive1", Direction.IN, NOW - timedelta(days=40),
                                           "Hei, nytt spørsmål", "Hei, nytt spørsmål", sender="+4791112222")])
        demo_store.claim(watched or 0, "bob")  # and a colleague claims the one under the cursor
        for _ in range(20):
            await pilot.pause(0.1)
            if table.entries and table.entries[0].preview.startswith("Hei, nytt"):
                break
        await settle(pilot)
        assert table.entries[0].preview.startswith("Hei, nytt")
        assert table.current_id() == watched
        assert table.cells_for(watched)[5].plain == "bob"


async def test_pages_load_as_the_cursor_nears_the_end(make_app: AppMaker, demo_store: Store,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui.screens.queue.PAGE", 5)
    monkeypatch.setattr("tui.screens.queue.LOAD_MORE_MARGIN", 2)
    total = len(demo_store.open_threads(limit=1000))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert len(table_ids(app)) == 5
        for _ in range(total):
            await pilot.press("down")
            await settle(pilot)
        assert table_ids(app) == [e.thread.id for e in demo_store.open_threads(limit=1000)]
        assert isinstance(app.screen, QueueScreen) and app.screen.exhausted
