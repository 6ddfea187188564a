"""The parts without Textual: paging and filters, formatting, answering, the demo feed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from connectors.fake import FakeConnector
from flerkanal.demo.feed import DemoFeed, demo_connectors
from inbox.domain import Person
from inbox.storage.repository import Store
from tests.tui.conftest import NOW, fixed_clock
from tui.answer import Draft, answer, problems, target_for
from tui.format import badges, mask_ids, one_line, person_label, waiting
from tui.queue_source import QueueQuery, fetch, matches
from tui.services import Services

T = TypeVar("T")


def run_now(fn: Callable[[], Awaitable[T]]) -> T:
    async def go() -> T:
        return await fn()

    return asyncio.run(go())


def test_waiting_and_labels() -> None:
    assert waiting(59) == "0m"
    assert waiting(3 * 3600 + 5 * 60) == "3h 05m"
    assert waiting(2 * 86400 + 7200) == "2d 2h"
    assert badges(["email", "sms"]).plain == "sms eml"
    assert person_label(None) == "? unknown sender"
    assert person_label(Person(1, "+4791234567")) == "? +4791234567"
    assert person_label(Person(2, "Kari", in_register=True)) == "Kari"
    assert mask_ids("fnr 12848811147 her") == "fnr •••••••••47 her"
    assert one_line("a\n\n b   c", 4) == "a b…"


def test_fetch_pages_filters_and_searches(demo_store: Store) -> None:
    everything = demo_store.open_threads(limit=1000)
    first = fetch(demo_store, QueueQuery(), "anna", NOW, want=5)
    assert [e.thread.id for e in first.entries] == [e.thread.id for e in everything[:5]]
    assert not first.exhausted and first.next_offset == 5
    rest = fetch(demo_store, QueueQuery(), "anna", NOW, offset=first.next_offset, want=1000)
    assert rest.exhausted and len(first.entries) + len(rest.entries) == len(everything)
    # waiting > N hours is a prefix of the fair order
    old = fetch(demo_store, QueueQuery(min_wait_hours=72), "anna", NOW, want=1000)
    assert old.exhausted
    assert [e.thread.id for e in old.entries] == [e.thread.id for e in everything
                                                   if NOW - e.thread.first_contact > timedelta(hours=72)]
    # search keeps scanning, a bounded stretch per call
    name = everything[-1].person.name if everything[-1].person else "+47"
    found = fetch(demo_store, QueueQuery(search=name.lower()), "anna", NOW, want=1000)
    assert everything[-1].thread.id in [e.thread.id for e in found.entries]
    assert all(matches(e, name) for e in found.entries)
    partial = fetch(demo_store, QueueQuery(search="zzz-nothing"), "anna", NOW, want=10, scan_limit=1)
    assert partial.entries == [] and partial.scanned >= 1


def test_answer_sends_records_and_marks_dialogue_handled(demo_store: Store) -> None:
    dialog = next(e.thread.id for e in demo_store.open_threads(limit=1000) if e.thread.channels[0].value == "dialog")
    view = demo_store.thread(dialog)
    conns = demo_connectors()
    services = Services(demo_store, "anna", conns, clock=fixed_clock)
    target = target_for(view, "dialog")
    assert target.conversation == view.messages[-1].conversation
    assert view.person is not None and view.person.fnr not in target.shown  # the ID number is never shown
    assert problems(view, Draft("dialog")) == ["write the reply first"]
    out = answer(services, view, Draft("dialog", "Hei!"), suggested="sms", factors=["f1"], run=run_now)
    assert out.state == "sent" and out.override
    assert conns["dialog"].sent[0].conversation == target.conversation
    assert conns["dialog"].handled == [target.conversation]
    [reply] = demo_store.replies(dialog)
    assert reply["suggested_channel"] == "sms" and reply["factors"] == '["f1"]'


def test_demo_feed_goes_through_the_connectors_and_the_sync_daemon(demo_store: Store) -> None:
    conns: dict[str, FakeConnector] = demo_connectors()
    feed = DemoFeed(conns, clock=fixed_clock, seed=3)
    n = feed.deliver()
    assert 2 <= n <= 3 and sum(len(c._messages) for c in conns.values()) == n
    before = demo_store.counts()["messages"]
    assert run_now(lambda: feed.sync(demo_store)) == n
    assert demo_store.counts()["messages"] == before + n
    assert run_now(lambda: feed.sync(demo_store)) == 0  # each message is stored once: the cursors moved
    assert demo_store.counts()["messages"] == before + n
    cursors = {name: demo_store.get_cursor(name) for name in conns}
    assert any(cursors.values())  # saved in the store, as `inbox sync` saves them
    assert not any(c.closed for c in conns.values())  # still open: they send the replies
    assert 20 <= feed.next_delay() <= 40

