"""A newcomer's first hour in the TUI (issue 18): merges of two registered persons ask first; the answer
flow shows the suggestion early, puts the cursor where typing goes, quits on q and says all it will do."""

from __future__ import annotations

import json
from typing import Any

from textual.widgets import Checkbox, Static, TextArea

from connectors.fake import FakeConnector
from flerkanal.wiring import suggest_for_thread
from inbox.storage.repository import Store
from tests.tui.conftest import AppMaker, settle
from tests.tui.test_reply import choose, start_answer, thread_on
from tests.tui.test_thread import open_thread
from tui.answer import NOTICE_DEFAULTS
from tui.format import channel_name
from tui.screens.confirm import ConfirmScreen
from tui.screens.merge import MergeScreen
from tui.screens.queue import QueueScreen
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
    await pilot.press("home", "ctrl+k", *f"#{other}")  # empty the box (it holds the name), then search by id
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


async def test_the_thread_view_shows_the_suggested_channel_and_its_deciding_reason(make_app: AppMaker,
                                                                                  demo_store: Store) -> None:
    tid = thread_on(demo_store, "sms")
    expected = suggest_for_thread(demo_store, tid, "anna")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_thread(pilot, tid)
        shown = " ".join(str(screen.query_one("#thread-suggestion", Static).render()).split())
        assert "Suggested answer" in shown
        assert channel_name(expected.best.value) in shown
        assert " ".join(expected.ranked[0].reasons[0].text.split()) in shown
        assert isinstance(app.screen, ThreadScreen)  # all of it before pressing a


async def test_typing_on_the_answer_screen_goes_into_the_text_box(make_app: AppMaker, demo_store: Store) -> None:
    tid = thread_on(demo_store, "sms")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_answer(pilot, tid)
        body = screen.query_one("#reply-body", TextArea)
        assert body.has_focus
        await pilot.press(*"Hei")
        assert body.text == "Hei"


async def test_q_quits_from_the_queue(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("q")
        await pilot.pause()
        assert app._exit  # asked to exit, nothing to lose


async def test_q_asks_first_when_an_answer_is_unsent_and_the_draft_comes_back(make_app: AppMaker,
                                                                               demo_store: Store) -> None:
    tid = thread_on(demo_store, "sms")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await start_answer(pilot, tid)
        await pilot.press(*"Vi ringer deg", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and f"#{tid}" in app.screen.question
        await pilot.press("n")
        await settle(pilot)
        assert not app._exit and isinstance(app.screen, QueueScreen)
        screen = await start_answer(pilot, tid)
        assert screen.query_one("#reply-body", TextArea).text == "Vi ringer deg"  # the draft is back
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert app._exit


async def test_the_confirmation_states_everything_that_will_happen(make_app: AppMaker, demo_store: Store,
                                                                   fakes: dict[str, FakeConnector]) -> None:
    tid = thread_on(demo_store, "sms")
    suggested = suggest_for_thread(demo_store, tid, "anna").best.value
    app = make_app(connectors={"sms": fakes["sms"]})
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_answer(pilot, tid)
        await choose(pilot, screen, "phone")
        await pilot.press(*"ringer fredag kl 10")
        screen.query_one("#reply-notice", Checkbox).value = True
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        question = " ".join(app.screen.question.split())
        assert "record the planned phone call" in question
        assert "send the written notice by SMS" in question and NOTICE_DEFAULTS["phone"] in question
        assert f"mark inquiry #{tid} answered" in question
        if suggested != "phone":
            assert "over the suggested" in question
        await pilot.press("n", "ctrl+o")
        await choose(pilot, screen, "email")  # no email connector here: it says so
        await pilot.press(*"Hei", "ctrl+s")
        await settle(pilot)
        question = " ".join(app.screen.question.split())
        assert "NOT send it: no email connector is configured" in question
        assert fakes["sms"].sent == []  # nothing left before a yes
