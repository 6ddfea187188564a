"""Batch dedup over exported logs, without a database: the same matcher as the live inbox.

:class:`MemoryContext` implements :class:`inbox.matching.MatchContext` in memory (persons from the
contact register, messages blocked by person and time), so the scoring code path is the matcher's own.
Its memory stays bounded on long runs: a person's history older than :data:`HISTORY` (the furthest the
matcher ever looks back) is dropped as time advances.

:class:`Grouper` is the driver loop shared by :func:`group_messages` (a list in memory) and the streaming
pipeline in :mod:`dedup.pipeline` (sorted spill files, several workers).
"""

from __future__ import annotations

import bisect
import csv
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dedup.names import MentionIndex, NameIndex
from inbox.contacts import read_contacts_csv
from inbox.domain import Channel, Direction, IncomingMessage, Quarantined
from inbox.identity import normalise_email, normalise_phone, person_identity
from inbox.matching import CandidateMessage, MatchDecision, Matcher
from inbox.text import clean_text

#: How far back a person's history is kept. The matcher compares within its window (10 days), checks
#: whether the office answered in a thread over the last 60 days and attaches office replies to an
#: inquiry of the last 30 days: nothing older is ever asked for.
HISTORY = timedelta(days=60)


@dataclass
class GroupRow:
    key: str
    group: str
    person: str
    channel: str
    sent: str
    score: float | None
    reason: str
    direction: str = "in"


@dataclass
class MemoryContext:
    """Persons and messages held in memory, indexed by person (and time) for blocking."""

    identities: dict[tuple[str, str], int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    register: set[int] = field(default_factory=set)
    by_person: dict[int, list[CandidateMessage]] = field(default_factory=dict)
    key_thread: dict[str, int] = field(default_factory=dict)
    conv_thread: dict[tuple[str, str], int] = field(default_factory=dict)
    next_person: int = 1
    #: History older than this (before the newest message seen) is dropped by :meth:`evict`.
    history: timedelta | None = HISTORY
    _arrivals: deque[tuple[datetime, int]] = field(default_factory=deque, repr=False)
    _name_index: NameIndex | None = field(default=None, repr=False)
    mentions: MentionIndex = field(default_factory=MentionIndex, repr=False)
    _seen: set[int] = field(default_factory=set, repr=False)

    # MatchContext --------------------------------------------------------------------------------
    def thread_of_message(self, key: str) -> int | None:
        return self.key_thread.get(key)

    def thread_of_conversation(self, channel: Channel, conversation: str) -> int | None:
        return self.conv_thread.get((channel.value, conversation))

    def recent_messages(self, person_id: int, since: datetime, until: datetime) -> list[CandidateMessage]:
        msgs = self.by_person.get(person_id, [])
        times = [m.sent_at for m in msgs]
        lo, hi = bisect.bisect_left(times, since), bisect.bisect_right(times, until)
        return msgs[lo:hi]

    def person_by_identity(self, kind: str, value: str) -> int | None:
        return self.identities.get((kind, value))

    def registered(self, person_id: int) -> bool:
        return person_id in self.register

    def person_names(self, after_id: int = 0) -> dict[int, str]:
        return {pid: n for pid, n in self.names.items() if pid > after_id} if after_id else self.names

    def persons_mentioning(self, name: str, since: datetime, until: datetime) -> set[int]:
        """Unknown senders who wrote the full name ``name`` in a message sent in [since, until]."""
        return self.mentions.find(name, since, until)

    @property
    def store(self) -> None:
        """No database behind this context."""
        return None

    @property
    def indexes(self) -> MemoryContext:
        """This context keeps the name indexes itself (:class:`inbox.matching.OwnIndexes`)."""
        return self

    # building ------------------------------------------------------------------------------------
    def name_index(self) -> NameIndex:
        """The name index kept in step with :attr:`names` (built once, grown by :meth:`set_name`)."""
        if self._name_index is None:
            self._name_index = NameIndex(self.names)
        return self._name_index

    def set_name(self, pid: int, name: str) -> None:
        self.names[pid] = name
        if self._name_index is not None:
            self._name_index.add(pid, name)

    def load_contacts(self, path: Path) -> list[Quarantined]:
        problems: list[Quarantined] = []
        for c in read_contacts_csv(path):
            if isinstance(c, Quarantined):
                problems.append(c)
                continue
            pid = self.next_person
            self.next_person += 1
            self.register.add(pid)
            if c.name:
                self.set_name(pid, c.name)
            for kind, value in (("fnr", c.fnr), ("aktor_id", c.aktor_id),
                                ("phone", normalise_phone(c.phone) if c.phone else None),
                                ("email", normalise_email(c.email) if c.email else None)):
                if value:
                    self.identities.setdefault((kind, value), pid)
        return problems

    def add_contact(self, pid: int, name: str, identities: Iterable[tuple[str, str]]) -> None:
        """One registered person, as :meth:`load_contacts` made it (used to hand a worker its persons)."""
        self.register.add(pid)
        if name:
            self.set_name(pid, name)
        for kind, value in identities:
            self.identities.setdefault((kind, value), pid)
        self.next_person = max(self.next_person, pid + 1)

    def resolve(self, msg: IncomingMessage) -> int | None:
        ids = person_identity(msg)
        pid = next((self.identities[(i.kind.value, i.value)] for i in ids
                    if (i.kind.value, i.value) in self.identities), None)
        if pid is None and ids:
            pid = self.next_person
            self.next_person += 1
            if msg.direction == Direction.IN and " " in msg.sender_name.strip():
                self.set_name(pid, msg.sender_name.strip())
        if pid is not None:
            for i in ids:
                self.identities.setdefault((i.kind.value, i.value), pid)
        return pid

    def adopt(self, msg: IncomingMessage, pid: int | None) -> int | None:
        """Like :meth:`resolve`, with the person already known (resolved over the whole input first).

        The person's name and identities are recorded exactly as :meth:`resolve` would have recorded
        them when it met this person's first message.
        """
        if pid is None:
            return None
        if pid not in self.register and pid not in self._seen:
            self._seen.add(pid)
            if msg.direction == Direction.IN and " " in msg.sender_name.strip():
                self.set_name(pid, msg.sender_name.strip())
        for i in person_identity(msg):
            self.identities.setdefault((i.kind.value, i.value), pid)
        return pid

    def add(self, cand: CandidateMessage, conversation: str) -> None:
        self.key_thread[cand.key] = cand.thread_id
        if conversation:
            self.conv_thread[(cand.channel.value, conversation)] = cand.thread_id
        if cand.person_id is not None:
            if cand.direction == Direction.IN and cand.person_id not in self.register:
                self.mentions.add(cand.person_id, cand.sent_at, cand.clean_body)
            lst = self.by_person.setdefault(cand.person_id, [])
            if not lst or lst[-1].sent_at <= cand.sent_at:
                lst.append(cand)
            else:
                bisect.insort(lst, cand, key=lambda m: m.sent_at)
            if self.history is not None:
                self._arrivals.append((cand.sent_at, cand.person_id))

    def evict(self, now: datetime) -> int:
        """Drop history older than :attr:`history` before ``now``; returns how many messages went."""
        if self.history is None:
            return 0
        cutoff = now - self.history
        self.mentions.evict(cutoff)
        dropped = 0
        while self._arrivals and self._arrivals[0][0] < cutoff:
            _, pid = self._arrivals.popleft()
            lst = self.by_person.get(pid)
            if not lst:
                continue
            cut = bisect.bisect_left([m.sent_at for m in lst], cutoff)
            if cut:
                dropped += cut
                if cut == len(lst):
                    del self.by_person[pid]
                else:
                    del lst[:cut]
        return dropped

    def held(self) -> int:
        """Messages currently held as history."""
        return sum(len(v) for v in self.by_person.values())


@dataclass(frozen=True, slots=True)
class Assignment:
    """One message's place: its inquiry (thread id), person and the matcher's decision."""

    msg: IncomingMessage
    thread_id: int
    person_id: int | None
    decision: MatchDecision
    clean: str = ""


class Grouper:
    """Assigns messages, in time order, to inquiries: the loop both batch drivers share.

    Messages come in chunks of ``batch_size``; the matcher's ``prepare`` embeds a
    chunk's texts in one call before they are matched one by one, and the context's history older
    than its horizon is dropped as time advances.
    """

    def __init__(self, matcher: Matcher, ctx: MemoryContext, *, batch_size: int = 256) -> None:
        self.matcher = matcher
        self.ctx = ctx
        self.batch_size = batch_size
        self.next_thread = 1
        self.count = 0
        if ctx.history is not None and matcher.lookback > ctx.history:  # keep all the matcher may ask for
            ctx.history = matcher.lookback

    def run(self, items: Iterable[tuple[IncomingMessage, str, int | None]], *, preset: bool = False
            ) -> Iterator[Assignment]:
        """``items`` are (message, clean body, person) in time order; the person is used only when
        ``preset`` (resolved beforehand over all input), else the context resolves it."""
        chunk: list[tuple[IncomingMessage, str, int | None]] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= self.batch_size:
                yield from self._chunk(chunk, preset)
                chunk = []
        if chunk:
            yield from self._chunk(chunk, preset)

    def _chunk(self, chunk: list[tuple[IncomingMessage, str, int | None]], preset: bool) -> Iterator[Assignment]:
        ctx = self.ctx
        ctx.evict(chunk[0][0].sent_at)
        self.matcher.prepare([(m, clean) for m, clean, _ in chunk])
        for m, clean, known in chunk:
            pid = ctx.adopt(m, known) if preset else ctx.resolve(m)
            d = self.matcher.assign(m, clean, pid, ctx)
            if d.person_id is not None:
                pid = d.person_id
            tid = d.thread_id
            if tid is None:
                tid = self.next_thread
                self.next_thread += 1
            self.count += 1
            ctx.add(CandidateMessage(
                message_id=self.count, thread_id=tid, person_id=pid, key=m.key, channel=m.channel,
                direction=m.direction, sent_at=m.sent_at, subject=m.subject, clean_body=clean, thread_state="open",
            ), m.conversation)
            yield Assignment(m, tid, pid, d, clean)


def group_messages(
    messages: Iterable[IncomingMessage],
    matcher: Matcher,
    ctx: MemoryContext,
    *,
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
) -> list[GroupRow]:
    """Assign every message (in time order) to an inquiry; returns one row per message."""
    ordered = sorted(messages, key=lambda m: (m.sent_at, m.key))

    def cleaned() -> Iterator[tuple[IncomingMessage, str, int | None]]:
        for m in ordered:
            yield m, clean_text(m.body, email=m.channel == Channel.EMAIL), None

    rows: list[GroupRow] = []
    for a in Grouper(matcher, ctx, batch_size=batch_size).run(cleaned()):
        m, d = a.msg, a.decision
        rows.append(GroupRow(m.key, f"g{a.thread_id}", f"p{a.person_id}" if a.person_id is not None else "",
                             m.channel.value, m.sent_at.isoformat(), d.score, d.reason,
                             "in" if m.direction == Direction.IN else "out"))
        if progress and len(rows) % batch_size == 0:
            progress(batch_size)
    if progress and len(rows) % batch_size:
        progress(len(rows) % batch_size)
    return rows


def write_groups(rows: Sequence[GroupRow], out: Path, *, inbound_only: bool = True) -> None:
    """Write ``key,group,person,channel,sent,score,reason`` atomically (temp file, then rename)."""
    with atomic_writer(out, newline="") as f:
        w = csv.writer(f)
        w.writerow(GROUP_COLUMNS)
        for r in rows:
            if inbound_only and r.direction != "in":
                continue
            w.writerow([r.key, r.group, r.person, r.channel, r.sent,
                        "" if r.score is None else f"{r.score:.3f}", r.reason])


GROUP_COLUMNS = ("key", "group", "person", "channel", "sent", "score", "reason")


class atomic_writer:  # noqa: N801 - used like open()
    """``with atomic_writer(path) as f``: a text file written beside ``path`` and renamed onto it only when
    the block ends without an exception (Ctrl-C included), so ``path`` is never half-written."""

    def __init__(self, path: Path, *, newline: str | None = None) -> None:
        self.path = path
        self.newline = newline
        self._tmp: str | None = None

    def __enter__(self) -> Any:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            self._file = os.fdopen(fd, "w", newline=self.newline, encoding="utf-8")
        except BaseException:
            os.close(fd)
            Path(self._tmp).unlink(missing_ok=True)
            raise
        return self._file

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self._tmp is not None
        try:
            self._file.close()
            if exc_type is None:
                os.replace(self._tmp, self.path)
        finally:
            Path(self._tmp).unlink(missing_ok=True)
