"""Undo puts back exactly what a split or merge changed (issue 18): which thread each message is in, and
each thread's state: open, claimed and by whom, answered, closed; replies stay where they were recorded.

A hypothesis property test runs random sequences of merge, split, undo, claim and reply on a small store.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from inbox.domain import Channel, Direction, IncomingMessage
from inbox.errors import InboxError
from inbox.storage.repository import Store
from inbox.storage.tables import T_MSG, T_REPLY, T_THREAD

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _sms(key: str, sender: str, minutes: int, *, out: bool = False) -> IncomingMessage:
    office = "+4722000000"
    return IncomingMessage(Channel.SMS, key, Direction.OUT if out else Direction.IN, T0 + timedelta(minutes=minutes),
                           "Hei, hva skjer med saken min?", "", sender=office if out else sender,
                           recipient=sender if out else office)


def _dialog(key: str, conv: str, minutes: int) -> IncomingMessage:
    return IncomingMessage(Channel.DIALOG, key, Direction.IN, T0 + timedelta(minutes=minutes), "Spørsmål om meldekort",
                           "", sender="12345678901", conversation=conv)


MESSAGES = [
    _sms("s1", "+4791000001", 0), _sms("s2", "+4791000001", 60), _sms("o1", "+4791000001", 90, out=True),
    _sms("s3", "+4791000002", 10), _sms("s4", "+4791000002", 200),
    _dialog("d1", "c1", 20), _dialog("d2", "c1", 30), _dialog("d3", "c2", 300),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated store with a few threads (one answered by an office SMS, one of two dialogue messages)."""
    path = tmp_path_factory.mktemp("undo") / "template.db"
    store = Store.open(f"sqlite:///{path}")
    store.ingest(MESSAGES)
    store.close()
    return path


def snapshot(store: Store) -> dict[str, Any]:
    """What a caseworker can tell apart: each message's thread, each non-empty thread's state, claim and
    counters, every reply. Empty threads (a split undone) must be closed and are otherwise left out."""
    with store.engine.connect() as conn:
        msgs = dict(conn.execute(select(T_MSG.c.id, T_MSG.c.thread_id)).all())
        threads = {r.id: (r.state, r.claimed_by, r.claimed_at and r.claimed_at.replace(tzinfo=None),
                          r.message_count, r.inbound_count, r.channels, r.first_contact.replace(tzinfo=None))
                   for r in conn.execute(select(T_THREAD))}
        replies = sorted(conn.execute(select(T_REPLY.c.id, T_REPLY.c.thread_id, T_REPLY.c.channel, T_REPLY.c.state)
                                      ).all())
    for tid, t in threads.items():
        if t[3] == 0:
            assert t[0] == "closed", f"empty thread {tid} is {t[0]}"
    return {"messages": msgs, "threads": {k: v for k, v in threads.items() if v[3]}, "replies": replies}


def check_invariants(store: Store) -> None:
    with store.engine.connect() as conn:
        counts: dict[int, int] = {}
        for (tid,) in conn.execute(select(T_MSG.c.thread_id)):
            counts[tid] = counts.get(tid, 0) + 1
        for r in conn.execute(select(T_THREAD)):
            assert r.message_count == counts.get(r.id, 0), f"thread {r.id}'s count is stale"
            if r.state == "claimed":
                assert r.claimed_by, f"thread {r.id} is claimed by nobody"


@dataclass
class Done:
    """A split or merge on the undo stack: the snapshot before it, and whether anything else changed since."""

    before: dict[str, Any]
    clean: bool = True


Op = tuple[Any, ...]
ops = st.lists(st.one_of(
    st.tuples(st.just("merge"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("split"), st.integers(0, 9)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("claim"), st.integers(0, 9), st.sampled_from(["ola", "kari"])),
    st.tuples(st.just("reply"), st.integers(0, 9), st.sampled_from(["sms", "phone"])),
), max_size=14)


def _pick(ids: list[int], i: int) -> int:
    return ids[i % len(ids)]


def apply(store: Store, op: Op) -> None:
    with store.engine.connect() as conn:
        tids = sorted(conn.execute(select(T_THREAD.c.id)).scalars())
        mids = sorted(conn.execute(select(T_MSG.c.id)).scalars())
    name = op[0]
    if name == "merge":
        store.merge(_pick(tids, op[1]), _pick(tids, op[2]), "ola")
    elif name == "split":
        store.split(_pick(mids, op[1]), "ola")
    elif name == "undo":
        store.undo("ola")
    elif name == "claim":
        store.claim(_pick(tids, op[1]), op[2])
    else:
        store.record_reply(_pick(tids, op[1]), channel=op[2], user="kari", body="svar",
                           state="planned" if op[2] == "phone" else "recorded")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=ops)
def test_undo_restores_exactly_the_state_before_the_split_or_merge(template: Path, tmp_path: Path,
                                                                    sequence: list[Op]) -> None:
    path = tmp_path / f"run-{abs(hash(tuple(sequence)))}.db"
    shutil.copy(template, path)
    store = Store.open(f"sqlite:///{path}", create=False)
    try:
        stack: list[Done] = []
        for op in sequence:
            before = snapshot(store)
            try:
                apply(store, op)
            except InboxError:
                assert snapshot(store) == before, f"a refused {op[0]} changed something"
                continue
            check_invariants(store)
            if op[0] in ("merge", "split"):
                stack.append(Done(before))
            elif op[0] == "undo":
                done = stack.pop()
                after = snapshot(store)
                if done.clean:
                    assert after == done.before, f"undo did not restore the state before ({sequence})"
                else:  # claims or replies since: the messages are back, and no answer or claim is lost
                    assert after["messages"] == done.before["messages"]
                    assert after["replies"] == before["replies"]
                    for tid, t in after["threads"].items():
                        first, last = done.before["threads"].get(tid), before["threads"].get(tid)
                        if first and last and first[0] == last[0] == "answered":
                            assert t[0] == "answered", f"undo reopened answered thread {tid} ({sequence})"
                        if first and last and first[:2] == last[:2] and first[0] == "claimed":
                            assert t[:2] == first[:2], f"undo lost the claim on thread {tid} ({sequence})"
            else:
                for d in stack:
                    d.clean = False
        if not stack:
            with pytest.raises(InboxError, match="no split or merge to undo"):
                store.undo("ola")
    finally:
        store.close()
        path.unlink()


def test_the_reported_case_a_thread_answered_twice_stays_answered_after_merge_and_undo(template: Path,
                                                                                       tmp_path: Path) -> None:
    shutil.copy(template, tmp_path / "x.db")
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}", create=False)
    a, b = (e.thread.id for e in store.open_threads()[:2])
    store.claim(a, "ola")
    store.record_reply(a, channel="phone", user="ola", state="planned")
    store.record_reply(a, channel="sms", user="ola", state="recorded")
    store.claim(b, "kari")
    before = snapshot(store)
    assert before["threads"][a][0] == "answered" and before["threads"][b][:2] == ("claimed", "kari")
    store.merge(b, a, "ola")
    store.undo("ola")
    assert snapshot(store) == before
    assert a not in {e.thread.id for e in store.open_threads()}
    store.close()
