"""Batch dedup over exported logs, without a database: the same matcher as the live inbox.

:class:`MemoryContext` implements :class:`inbox.matching.MatchContext` in memory (persons from the
contact register, messages blocked by person and time), so the scoring code path is the matcher's own.
"""

from __future__ import annotations

import bisect
import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from inbox.domain import Channel, Direction, IncomingMessage, Quarantined
from inbox.identity import normalise_email, normalise_phone
from inbox.matching import CandidateMessage, Matcher
from inbox.storage.repository import read_contacts_csv
from inbox.storage.writer import person_identity
from inbox.text import clean_text


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

    def person_names(self) -> dict[int, str]:
        return self.names

    # building ------------------------------------------------------------------------------------
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
                self.names[pid] = c.name
            for kind, value in (("fnr", c.fnr), ("aktor_id", c.aktor_id),
                                ("phone", normalise_phone(c.phone) if c.phone else None),
                                ("email", normalise_email(c.email) if c.email else None)):
                if value:
                    self.identities.setdefault((kind, value), pid)
        return problems

    def resolve(self, msg: IncomingMessage) -> int | None:
        ids = person_identity(msg)
        pid = next((self.identities[(i.kind.value, i.value)] for i in ids
                    if (i.kind.value, i.value) in self.identities), None)
        if pid is None and ids:
            pid = self.next_person
            self.next_person += 1
            if msg.direction == Direction.IN and " " in msg.sender_name.strip():
                self.names[pid] = msg.sender_name.strip()
        if pid is not None:
            for i in ids:
                self.identities.setdefault((i.kind.value, i.value), pid)
        return pid

    def add(self, cand: CandidateMessage, conversation: str) -> None:
        self.key_thread[cand.key] = cand.thread_id
        if conversation:
            self.conv_thread[(cand.channel.value, conversation)] = cand.thread_id
        if cand.person_id is not None:
            lst = self.by_person.setdefault(cand.person_id, [])
            if not lst or lst[-1].sent_at <= cand.sent_at:
                lst.append(cand)
            else:
                bisect.insort(lst, cand, key=lambda m: m.sent_at)


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
    rows: list[GroupRow] = []
    next_thread = 1
    prepare = getattr(matcher, "prepare", None)
    for start in range(0, len(ordered), batch_size):
        chunk = ordered[start : start + batch_size]
        cleans = [clean_text(m.body, email=m.channel == Channel.EMAIL) for m in chunk]
        if prepare is not None:
            prepare(list(zip(chunk, cleans, strict=True)))
        for m, clean in zip(chunk, cleans, strict=True):
            pid = ctx.resolve(m)
            d = matcher.assign(m, clean, pid, ctx)
            if d.person_id is not None:
                pid = d.person_id
            tid = d.thread_id
            if tid is None:
                tid = next_thread
                next_thread += 1
            ctx.add(CandidateMessage(
                message_id=len(rows) + 1, thread_id=tid, person_id=pid, key=m.key, channel=m.channel,
                direction=m.direction, sent_at=m.sent_at, subject=m.subject, clean_body=clean, thread_state="open",
            ), m.conversation)
            rows.append(GroupRow(m.key, f"g{tid}", f"p{pid}" if pid is not None else "", m.channel.value,
                                 m.sent_at.isoformat(), d.score, d.reason,
                                 "in" if m.direction == Direction.IN else "out"))
        if progress:
            progress(len(chunk))
    return rows


def write_groups(rows: Sequence[GroupRow], out: Path, *, inbound_only: bool = True) -> None:
    """Write ``key,group,person,channel,sent,score,reason`` atomically (temp file, then rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["key", "group", "person", "channel", "sent", "score", "reason"])
            for r in rows:
                if inbound_only and r.direction != "in":
                    continue
                w.writerow([r.key, r.group, r.person, r.channel, r.sent,
                            "" if r.score is None else f"{r.score:.3f}", r.reason])
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
