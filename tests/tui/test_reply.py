"""Answering: the suggestion preselected, every channel, overrides, delivery, handled dialogues, failures."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import OptionList

from connectors.base import OutgoingReply, SendResult
from connectors.fake import FakeConnector
from flerkanal.wiring import suggest_for_thread
from inbox.domain import Channel, ThreadState
from inbox.errors import TransientError
from inbox.storage.repository import Store
from tests.tui.conftest import AppMaker, settle
from tests.tui.test_thread import open_thread
from tui.screens.reply import ReplyScreen
from tui.screens.thread import ThreadScreen
from tui.widgets.timeline import Timeline


def thread_on(store: Store, channel: str) -> int:
    return next(e.thread.id for e in store.open_threads(limit=1000)
                if [c.value for c in e.thread.channels] == [channel] and e.person and e.person.in_register)


async def start_answer(pilot: Any, tid: int) -> ReplyScreen:
    await open_thread(pilot, tid)
    await pilot.press("a")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReplyScreen)
    return screen


async def choose(pilot: Any, screen: ReplyScreen, channel: str) -> None:
    options = screen.query_one(OptionList)
    await pilot.press("ctrl+o")  # the text box has the focus: ctrl+o goes to the channels
    assert options.has_focus
    for _ in range(options.option_count):
        if screen.channel == channel:
            break
        await pilot.press("down")
    assert screen.channel == channel
    await pilot.press("enter")  # to the text


async def test_the_suggestion_is_preselected_with_its_reasons(make_app: AppMaker, demo_store: Store) -> None:
    tid = thread_on(demo_store, "sms")
    expected = suggest_for_thread(demo_store, tid, "anna")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_answer(pilot, tid)
        options = screen.query_one(OptionList)
        assert [o.id for o in options.options] == [c.channel.value for c in expected.ranked]
        assert options.highlighted == 0 and screen.channel == expected.best.value
        reasons = str(screen.query_one("#reply-reasons").render())
        assert "suggested" in reasons
        assert expected.ranked[0].reasons[0].text[:20] in " ".join(reasons.split())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)
        assert demo_store.replies(tid) == []


@pytest.mark.parametrize("channel", ["dialog", "sms", "email"])
async def test_answer_on_a_written_channel(make_app: AppMaker, demo_store: Store,
                                           fakes: dict[str, FakeConnector], channel: str) -> None:
    tid = thread_on(demo_store, channel)
    suggested = suggest_for_thread(demo_store, tid, "anna").best.value
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_answer(pilot, tid)
        await choose(pilot, screen, channel)
        await pilot.press(*"Hei, takk")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert fakes[channel].sent == []  # nothing leaves before the confirmation
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ThreadScreen)
        sent = fakes[channel].sent
        assert len(sent) == 1 and sent[0].body == "Hei, takk"
        view = demo_store.thread(tid)
        if channel == "email":
            assert sent[0].to == view.messages[-1].sender and sent[0].subject.startswith("Re:")
            assert sent[0].in_reply_to == view.messages[-1].provider_key
        if channel == "dialog":
            assert sent[0].conversation == view.messages[-1].conversation
            assert fakes["dialog"].handled == [view.messages[-1].conversation]
        [reply] = demo_store.replies(tid)
        assert (reply["channel"], reply["state"], reply["status"]) == (channel, "sent", "sent")
        assert reply["suggested_channel"] == suggested
        assert view.thread.state == ThreadState.ANSWERED
        # the reply shows in the timeline with its delivery status
        timeline = app.screen.query_one(Timeline)
        assert timeline.items[-1].reply is not None
        assert "sent" in timeline.text_of(len(timeline.items) - 1)


@pytest.mark.parametrize("channel", ["phone", "video", "meeting"])
async def test_answer_by_talking_records_the_plan(make_app: AppMaker, demo_store: Store,
                                                  fakes: dict[str, FakeConnector], channel: str) -> None:
    tid = thread_on(demo_store, "sms")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_answer(pilot, tid)
        await choose(pilot, screen, channel)
        await pilot.press(*"ringer fredag kl 10")
        if channel == "phone":  # and a short notice by SMS
            await pilot.press("tab", "space")
        await pilot.press("ctrl+s", "y")
        await settle(pilot)
        replies = demo_store.replies(tid)
        assert replies[0]["channel"] == channel and replies[0]["state"] == "planned"
        assert replies[0]["body"] == "ringer fredag kl 10"
        if channel == "phone":
            assert len(fakes["sms"].sent) == 1 and "ringer" in fakes["sms"].sent[0].body
            assert fakes["sms"].sent[0].to == demo_store.thread(tid).messages[0].sender
            assert replies[1]["channel"] == "sms" and replies[1]["state"] == "sent"
        else:
            assert len(replies) == 1 and all(not f.sent for f in fakes.values())
        assert demo_store.thread(tid).thread.state == ThreadState.ANSWERED


async def test_choosing_another_channel_is_recorded_as_an_override(make_app: AppMaker, demo_store: Store) -> None:
    tid = thread_on(demo_store, "sms")
    s = suggest_for_thread(demo_store, tid, "anna")
    other = next(c.channel.value for c in s.ranked[1:] if c.channel.value in ("sms", "dialog", "email")
                 and c.channel.value != "email")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_answer(pilot, tid)
        await choose(pilot, screen, other)
        assert "overrides the suggestion" in str(screen.query_one("#reply-reasons").render())
        await pilot.press(*"ok", "ctrl+s", "y")
        await settle(pilot)
        assert any("override" in text for _, text in app.notices)
    [reply] = demo_store.replies(tid)
    assert reply["channel"] == other and reply["suggested_channel"] == s.best.value
    report = demo_store.recommend_report()
    assert report["replies"] == 1 and report["agreed"] == 0
    overrides = [e for e in demo_store.audit_events(thread_id=tid) if e["action"] == "reply"]
    assert '"override": true' in overrides[0]["detail"]


async def test_written_reply_needs_text(make_app: AppMaker, demo_store: Store, fakes: dict[str, FakeConnector]) -> None:
    tid = thread_on(demo_store, "sms")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_answer(pilot, tid)
        await choose(pilot, screen, "sms")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        assert any("write the reply first" in text for _, text in app.notices)


class Failing(FakeConnector):
    async def send(self, reply: OutgoingReply) -> SendResult:
        raise TransientError("the SMS gateway timed out")


async def test_a_failed_send_records_nothing(make_app: AppMaker, demo_store: Store) -> None:
    tid = thread_on(demo_store, "sms")
    app = make_app(connectors={"sms": Failing(channel=Channel.SMS)})
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_answer(pilot, tid)
        await choose(pilot, screen, "sms")
        await pilot.press(*"hei", "ctrl+s", "y")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        assert any(sev == "error" and "timed out" in text for sev, text in app.notices)
    assert demo_store.replies(tid) == []
    assert demo_store.thread(tid).thread.state == ThreadState.CLAIMED


async def test_without_a_connector_the_reply_is_recorded_not_sent(make_app: AppMaker, demo_store: Store) -> None:
    tid = thread_on(demo_store, "sms")
    app = make_app(connectors={})
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_answer(pilot, tid)
        await choose(pilot, screen, "sms")
        await pilot.press(*"hei", "ctrl+s", "y")
        await settle(pilot)
        assert any("recorded, not sent" in text for _, text in app.notices)
    [reply] = demo_store.replies(tid)
    assert reply["state"] == "recorded"


async def test_delivery_status_and_a_colleagues_claim_appear_live(make_app: AppMaker, demo_store: Store,
                                                                 fakes: dict[str, FakeConnector]) -> None:
    tid = thread_on(demo_store, "sms")
    other = next(e.thread.id for e in demo_store.open_threads(limit=1000) if e.thread.id != tid)
    app = make_app(refresh_seconds=0.1)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await start_answer(pilot, tid)
        await choose(pilot, screen, "sms")
        await pilot.press(*"hei", "ctrl+s", "y")
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        assert timeline.text_of(len(timeline.items) - 1).count("sent")
        [reply] = demo_store.replies(tid)
        demo_store.set_reply_status(reply["provider_key"], "delivered")  # the SMS gateway's callback
        for _ in range(30):
            await pilot.pause(0.05)
            if "delivered" in timeline.text_of(len(timeline.items) - 1):
                break
        assert "delivered" in timeline.text_of(len(timeline.items) - 1)
        # a colleague claims another thread: opening it shows their claim, and it updates while open
        await pilot.press("escape")
        await settle(pilot)
        await open_thread(pilot, other)
        demo_store.claim(other, "bob")
        for _ in range(30):
            await pilot.pause(0.05)
            if "claimed by bob" in str(app.screen.query_one("#thread-banner").render()):
                break
        assert "claimed by bob" in str(app.screen.query_one("#thread-banner").render())
