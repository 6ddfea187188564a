"""The queue and claims: open inquiries in fair order, the figures over them, claiming and releasing."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from inbox.domain import ThreadState
from inbox.errors import ConflictError, NotFoundError
from inbox.storage.base import StoreBase, audit_event
from inbox.storage.convert import person_from_row, thread_from_row, utc
from inbox.storage.tables import T_MSG, T_PERSON, T_REPLY, T_SNAPSHOT, T_THREAD

OPEN_STATES = ("open", "claimed")


@dataclass(frozen=True)
class QueueStats:
    """Queue figures over unique inquiries (threads), not raw messages."""

    open_inquiries: int
    open_messages: int
    claimed: int
    oldest_waiting_seconds: float | None
    waiting_p50_seconds: float | None
    waiting_p90_seconds: float | None
    by_channel: dict[str, int] = field(default_factory=dict)
    by_channel_count: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "open_inquiries": self.open_inquiries,
            "open_messages": self.open_messages,
            "claimed": self.claimed,
            "oldest_waiting_seconds": self.oldest_waiting_seconds,
            "waiting_p50_seconds": self.waiting_p50_seconds,
            "waiting_p90_seconds": self.waiting_p90_seconds,
            "by_channel": self.by_channel,
            "by_channel_count": self.by_channel_count,
            "by_state": self.by_state,
        }


@dataclass(frozen=True)
class QueueEntry:
    thread: Any
    person: Any
    preview: str


class QueueRepository(StoreBase):
    """The queue, its figures and history, and claims."""

    def open_threads(self, *, limit: int = 100, offset: int = 0, claimed_by: str | None = None,
                     unclaimed: bool = False, channel: str | None = None, unit: str | None = None) -> list[Any]:
        """Open inquiries in fair order: oldest first contact on any channel first, ties by arrival.

        ``unit`` limits the list to persons of that office unit and persons not assigned to any.
        """
        q = _open_filter(select(T_THREAD), claimed_by=claimed_by, unclaimed=unclaimed, channel=channel,
                         unit=self._unit(unit))
        q = q.order_by(T_THREAD.c.first_contact, T_THREAD.c.id).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            threads = [thread_from_row(r) for r in conn.execute(q).mappings()]
            pids = {t.person_id for t in threads if t.person_id is not None}
            persons = {r["id"]: person_from_row(r) for r in conn.execute(
                select(T_PERSON).where(T_PERSON.c.id.in_(pids))).mappings()} if pids else {}
            previews: dict[int, str] = {}
            tids = [t.id for t in threads]
            if tids:
                for r in conn.execute(
                    select(T_MSG.c.thread_id, T_MSG.c.clean_body, T_MSG.c.subject, T_MSG.c.sender)
                    .where(T_MSG.c.thread_id.in_(tids), T_MSG.c.direction == "in")
                    .order_by(T_MSG.c.sent_at.desc())
                ).mappings():
                    previews.setdefault(r["thread_id"], r["clean_body"] or r["subject"])
        return [QueueEntry(t, persons.get(t.person_id) if t.person_id else None, previews.get(t.id, ""))
                for t in threads]

    def count_open_threads(self, *, claimed_by: str | None = None, unclaimed: bool = False,
                           channel: str | None = None, unit: str | None = None) -> int:
        """How many inquiries :meth:`open_threads` with the same filters lists in all (for "50 of 81 shown")."""
        q = _open_filter(select(func.count()).select_from(T_THREAD), claimed_by=claimed_by, unclaimed=unclaimed,
                         channel=channel, unit=self._unit(unit))
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def stats(self, now: datetime | None = None) -> QueueStats:
        now = now or datetime.now(UTC)
        with self.engine.connect() as conn:
            by_state: dict[str, int] = dict(conn.execute(
                select(T_THREAD.c.state, func.count()).group_by(T_THREAD.c.state)).all())
            open_q = select(T_THREAD).where(T_THREAD.c.state.in_(OPEN_STATES))
            agg = conn.execute(
                select(func.count(), func.coalesce(func.sum(T_THREAD.c.inbound_count), 0),
                       func.min(T_THREAD.c.first_contact)).where(T_THREAD.c.state.in_(OPEN_STATES))
            ).one()
            n, n_msgs, oldest = int(agg[0]), int(agg[1]), agg[2]
            by_channels: dict[str, int] = dict(conn.execute(
                select(T_THREAD.c.channels, func.count()).where(T_THREAD.c.state.in_(OPEN_STATES))
                .group_by(T_THREAD.c.channels)).all())

            def pct(p: float) -> float | None:
                if n == 0:
                    return None
                # waiting time percentile p: the first_contact p of the way down from the newest (the
                # 90th percentile waits longer than the median)
                k = min(n - 1, int(p * n))
                fc = conn.execute(open_q.with_only_columns(T_THREAD.c.first_contact)
                                  .order_by(T_THREAD.c.first_contact.desc()).offset(k).limit(1)).scalar_one()
                return (now - utc(fc)).total_seconds()

            p50, p90 = pct(0.5), pct(0.9)
        by_channel: Counter[str] = Counter()
        by_count: Counter[str] = Counter()
        for chans, count in by_channels.items():
            parts = [c for c in (chans or "").split(",") if c]
            for c in parts:
                by_channel[c] += count
            by_count[str(len(parts))] += count
        return QueueStats(
            open_inquiries=n,
            open_messages=n_msgs,
            claimed=int(by_state.get("claimed", 0)),
            oldest_waiting_seconds=(now - utc(oldest)).total_seconds() if oldest is not None else None,
            waiting_p50_seconds=p50,
            waiting_p90_seconds=p90,
            by_channel=dict(sorted(by_channel.items())),
            by_channel_count=dict(sorted(by_count.items())),
            by_state={k: int(v) for k, v in sorted(by_state.items())},
        )

    def waiting_beyond(self, seconds: float, now: datetime | None = None) -> int:
        """Open inquiries whose first contact is more than ``seconds`` before ``now`` (supervisor's target;
        a range on the state+first_contact index)."""
        now = now or datetime.now(UTC)
        cutoff = now - timedelta(seconds=seconds)
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(T_THREAD).where(
                T_THREAD.c.state.in_(OPEN_STATES), T_THREAD.c.first_contact < cutoff)).scalar_one())

    def claim(self, thread_id: int, user: str) -> bool:
        """Claim an open thread for ``user``. Exactly one of two concurrent claims wins.

        True when claimed now; False when ``user`` already held it (nothing changes, nothing is audited)."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            self._check_thread(conn, thread_id)
            res = conn.execute(
                update(T_THREAD)
                .where(T_THREAD.c.id == thread_id, T_THREAD.c.state == "open")
                .values(state="claimed", claimed_by=user, claimed_at=now)
            )
            if res.rowcount != 1:
                row = conn.execute(select(T_THREAD.c.state, T_THREAD.c.claimed_by)
                                   .where(T_THREAD.c.id == thread_id)).first()
                if row is None:
                    raise NotFoundError(f"no thread {thread_id}")
                if row.state == "claimed" and row.claimed_by == user:
                    return False
                if row.state == "claimed":
                    raise ConflictError(f"thread {thread_id} is already claimed by {row.claimed_by}")
                raise ConflictError(f"thread {thread_id} is {row.state}, not open")
            audit_event(conn, user, "claim", thread_id)
        return True

    def claim_next(self, user: str) -> int | None:
        """Claim the first open thread in fair order; on PostgreSQL with FOR UPDATE SKIP LOCKED."""
        now = datetime.now(UTC)
        for _attempt in range(50):
            with self.engine.begin() as conn:
                q = (select(T_THREAD.c.id).where(T_THREAD.c.state == "open")
                     .order_by(T_THREAD.c.first_contact, T_THREAD.c.id).limit(1))
                if self.unit is not None:  # only what the caseworker's unit may see
                    in_unit = select(T_PERSON.c.id).where(T_PERSON.c.unit.in_([self.unit, ""]))
                    q = q.where(T_THREAD.c.person_id.in_(in_unit) | T_THREAD.c.person_id.is_(None))
                if conn.dialect.name == "postgresql":
                    q = q.with_for_update(skip_locked=True)
                tid = conn.execute(q).scalar_one_or_none()
                if tid is None:
                    return None
                res = conn.execute(update(T_THREAD).where(T_THREAD.c.id == tid, T_THREAD.c.state == "open")
                                   .values(state="claimed", claimed_by=user, claimed_at=now))
                if res.rowcount == 1:
                    audit_event(conn, user, "claim", tid)
                    return int(tid)
        raise ConflictError("could not claim a thread: every attempt lost a race")

    def release(self, thread_id: int, user: str) -> None:
        with self.engine.begin() as conn:
            self._check_thread(conn, thread_id)
            res = conn.execute(update(T_THREAD).where(
                T_THREAD.c.id == thread_id, T_THREAD.c.state == "claimed", T_THREAD.c.claimed_by == user,
            ).values(state="open", claimed_by="", claimed_at=None))
            if res.rowcount != 1:
                raise ConflictError(f"thread {thread_id} is not claimed by {user}")
            audit_event(conn, user, "release", thread_id)

    def set_state(self, thread_id: int, state: ThreadState, user: str) -> None:
        with self.engine.begin() as conn:
            self._check_thread(conn, thread_id)
            res = conn.execute(update(T_THREAD).where(T_THREAD.c.id == thread_id).values(state=state.value))
            if res.rowcount != 1:
                raise NotFoundError(f"no thread {thread_id}")
            audit_event(conn, user, state.value, thread_id)

    def snapshot(self, now: datetime | None = None) -> QueueStats:
        """Record the queue's length now (the daemon calls this periodically)."""
        now = now or datetime.now(UTC)
        s = self.stats(now)
        with self.engine.begin() as conn:
            conn.execute(insert(T_SNAPSHOT).values(
                at=now, open_inquiries=s.open_inquiries, open_messages=s.open_messages,
                oldest_waiting_seconds=s.oldest_waiting_seconds, by_channel=json.dumps(s.by_channel)))
        return s

    def history(self, since: datetime) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(T_SNAPSHOT).where(T_SNAPSHOT.c.at >= since).order_by(T_SNAPSHOT.c.at)
                                ).mappings().all()
        return [{"at": utc(r["at"]), "open_inquiries": r["open_inquiries"], "open_messages": r["open_messages"],
                 "oldest_waiting_seconds": r["oldest_waiting_seconds"],
                 "by_channel": json.loads(r["by_channel"] or "{}")} for r in rows]

    def caseworker_load(self, now: datetime | None = None) -> dict[str, dict[str, int]]:
        """Per caseworker: threads claimed now, replies recorded today (UTC day)."""
        now = now or datetime.now(UTC)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        with self.engine.connect() as conn:
            claimed: dict[str, int] = dict(conn.execute(select(T_THREAD.c.claimed_by, func.count())
                                        .where(T_THREAD.c.state == "claimed").group_by(T_THREAD.c.claimed_by)).all())
            answered: dict[str, int] = dict(conn.execute(select(T_REPLY.c.by_user, func.count())
                                         .where(T_REPLY.c.created_at >= start).group_by(T_REPLY.c.by_user)).all())
        return {u: {"claimed": int(claimed.get(u, 0)), "answered_today": int(answered.get(u, 0))}
                for u in sorted(set(claimed) | set(answered)) if u}


def _open_filter(q: Any, *, claimed_by: str | None, unclaimed: bool, channel: str | None, unit: str | None) -> Any:
    """``q`` limited to open threads with the queue's filters."""
    q = q.where(T_THREAD.c.state.in_(OPEN_STATES))
    if unit is not None:
        in_unit = select(T_PERSON.c.id).where(T_PERSON.c.unit.in_([unit, ""]))
        q = q.where(T_THREAD.c.person_id.in_(in_unit) | T_THREAD.c.person_id.is_(None))
    if claimed_by is not None:
        q = q.where(T_THREAD.c.claimed_by == claimed_by)
    if unclaimed:
        q = q.where(T_THREAD.c.state == "open")
    if channel:
        q = q.where(T_THREAD.c.channels.contains(channel))
    return q


__all__ = ["OPEN_STATES", "QueueEntry", "QueueRepository", "QueueStats"]
