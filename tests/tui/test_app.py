"""App-wide: help lists every key, the command palette, sizes, themes, the mouse, the demo feed."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from connectors.fake import FakeConnector
from flerkanal.demo.feed import DemoFeed
from inbox.storage.repository import Store
from tests.tui.conftest import AppMaker, fixed_clock, settle
from tui.screens.help import HelpScreen, bindings_text, key_names
from tui.screens.queue import QueueScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.queue_list import QueueList


async def test_help_lists_every_key_of_every_screen(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = bindings_text(app.help_sections())
        assert app.screen.query_one("#help-keys").visual is not None
        for _, bindings in app.help_sections():
            for b in bindings:
                assert isinstance(b, Binding)
                assert key_names(b.key) in text
                assert (b.tooltip or b.description) in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_command_palette_runs_screen_actions(make_app: AppMaker, demo_store: Store) -> None:
    demo_store.claim(demo_store.open_threads(limit=1)[0].thread.id, "anna")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Mine")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_state.scope == "mine"
        assert len(app.screen.query_one(QueueList).entries) == 1


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (200, 60)])
async def test_fits_the_terminal(make_app: AppMaker, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueList)
        assert table.virtual_size.width <= size[0]  # no sideways scrolling
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)
        side, timeline = app.screen.query_one("#thread-side"), app.screen.query_one("#timeline")
        assert side.region.right <= size[0] and timeline.region.width >= 40


async def test_light_and_dark(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        dark = app.theme
        await pilot.press("ctrl+t")
        assert app.theme != dark
        await pilot.press("ctrl+t")
        assert app.theme == dark


async def test_mouse_click_opens_a_row(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueList)
        second = table.entries[1].thread.id
        await pilot.click(QueueList, offset=(10, 1))  # the second row
        await pilot.click(QueueList, offset=(10, 1))  # clicking the highlighted row opens it
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen) and app.screen.thread_id == second


async def test_demo_feed_delivers_new_messages_while_you_watch(make_app: AppMaker, demo_store: Store,
                                                               fakes: dict[str, FakeConnector]) -> None:
    before = demo_store.counts()["messages"]
    feed = DemoFeed(fakes, clock=fixed_clock)
    feed.every = (0.05, 0.1)
    app = make_app(feed=feed)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(40):
            await pilot.pause(0.1)
            if demo_store.counts()["messages"] > before:
                break
        await settle(pilot)
        added = demo_store.counts()["messages"] - before
        assert added >= 2
        assert any("new message" in text for _, text in app.notices)


async def test_an_unexpected_worker_error_is_shown_not_raised(make_app: AppMaker, demo_store: Store,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> object:
        raise RuntimeError("boom 12848811147")

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(demo_store, "thread", broken)
        await pilot.press("enter")  # the open worker fails
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert any(sev == "error" and "RuntimeError" in text for sev, text in app.notices)
        assert all("boom" not in text for _, text in app.notices)


async def test_without_a_suggestion_every_channel_can_still_be_chosen(make_app: AppMaker) -> None:
    def broken(*_: object) -> object:
        raise RuntimeError("boom")

    app = make_app(recommend=broken)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "a")
        await settle(pilot)
        from textual.widgets import OptionList

        assert [o.id for o in app.screen.query_one(OptionList).options] == [
            "dialog", "sms", "email", "phone", "video", "meeting"]
        assert any("no suggestion" in text and "RuntimeError" in text for _, text in app.notices)
