"""Threads, merge and undo: reading a thread, caseworkers' corrections (split, merge, undo) and replies."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from inbox.domain import ThreadView
from inbox.errors import ConflictError, DifferentPersons, NotFoundError
from inbox.storage.base import StoreBase, audit_event
from inbox.storage.convert import message_from_row, person_from_row, thread_from_row, utc
from inbox.storage.tables import T_AUDIT, T_MSG, T_PERSON, T_REPLY, T_THREAD
from inbox.storage.thread_columns import refresh_threads


class ThreadRepository(StoreBase):
    """Threads, their corrections and their replies."""

    def thread(self, thread_id: int) -> ThreadView:
        with self.engine.connect() as conn:
            row = conn.execute(select(T_THREAD).where(T_THREAD.c.id == thread_id)).mappings().first()
            if row is None:
                raise NotFoundError(f"no thread {thread_id}")
            self._check_thread(conn, thread_id)
            t = thread_from_row(row)
            person = None
            if t.person_id is not None:
                prow = conn.execute(select(T_PERSON).where(T_PERSON.c.id == t.person_id)).mappings().first()
                person = person_from_row(prow) if prow else None
            msgs = tuple(message_from_row(r) for r in conn.execute(
                select(T_MSG).where(T_MSG.c.thread_id == thread_id).order_by(T_MSG.c.sent_at, T_MSG.c.id)
            ).mappings())
        return ThreadView(t, person, msgs)

    def match_reasons(self, thread_id: int) -> dict[int, dict[str, Any]]:
        with self.engine.connect() as conn:
            self._check_thread(conn, thread_id)
            rows = conn.execute(select(T_MSG.c.id, T_MSG.c.match_score, T_MSG.c.match_reason)
                                .where(T_MSG.c.thread_id == thread_id)).all()
        out: dict[int, dict[str, Any]] = {}
        for mid, score, reason in rows:
            try:
                parsed = json.loads(reason) if reason else {}
            except json.JSONDecodeError:
                parsed = {"reason": reason}
            out[mid] = {"score": score, **parsed}
        return out

    def split(self, message_id: int, user: str) -> int:
        """Move one message out of its thread into a new inquiry of its own; returns the new thread id."""
        with self.engine.begin() as conn:
            row = conn.execute(select(T_MSG.c.thread_id, T_MSG.c.person_id, T_MSG.c.sent_at, T_MSG.c.channel)
                               .where(T_MSG.c.id == message_id)).first()
            if row is None:
                raise NotFoundError(f"no message {message_id}")
            self._check_thread(conn, row.thread_id)
            self._check_person(conn, row.person_id)
            others = conn.execute(select(func.count()).select_from(T_MSG).where(
                T_MSG.c.thread_id == row.thread_id, T_MSG.c.id != message_id)).scalar_one()
            if others == 0:
                raise ConflictError(f"message {message_id} is alone in thread {row.thread_id}: nothing to split")
            before = _thread_states(conn, [row.thread_id])
            new_tid = int(conn.execute(insert(T_THREAD).values(
                person_id=row.person_id, state="open", first_contact=row.sent_at, last_activity=row.sent_at,
                claimed_by="", channels=row.channel, message_count=0, inbound_count=0, created_seq=0,
            )).inserted_primary_key[0])  # type: ignore[index]
            conn.execute(update(T_MSG).where(T_MSG.c.id == message_id).values(
                thread_id=new_tid, match_score=None,
                match_reason=json.dumps({"reason": f"split out by {user}", "evidence": {}})))
            refresh_threads(conn, [row.thread_id, new_tid])
            audit_event(conn, user, "split", row.thread_id, message=message_id, source=row.thread_id, target=new_tid,
                   before=before, after=_thread_states(conn, [row.thread_id, new_tid]))
        return new_tid

    def merge(self, into: int, other: int, user: str, *, force_reason: str = "") -> list[int]:
        """Move every message of thread ``other`` into thread ``into``; returns the moved message ids.

        When ``other`` holds a registered person that ``into`` does not, while ``into`` holds one too, the
        merge would join two different registered persons: :class:`DifferentPersons` unless ``force_reason``
        says why it is right (recorded in the audit log with the merge).
        """
        if into == other:
            raise ConflictError("a thread cannot be merged with itself")
        with self.engine.begin() as conn:
            found = set(conn.execute(select(T_THREAD.c.id).where(T_THREAD.c.id.in_([into, other]))).scalars())
            missing = {into, other} - found
            if missing:
                raise NotFoundError(f"no thread {min(missing)}")
            self._check_thread(conn, into)
            self._check_thread(conn, other)
            ours, theirs = _registered_persons(conn, into), _registered_persons(conn, other)
            forced = bool(ours and theirs and set(theirs) - set(ours))
            if forced and not force_reason.strip():
                names = tuple(sorted({*ours.values(), *theirs.values()}))
                raise DifferentPersons(
                    f"thread {into} and thread {other} are from different registered persons: merging says they "
                    f"are one inquiry. If that is right, merge with --force --reason TEXT (recorded in the audit "
                    f"log)", names)
            before = _thread_states(conn, [into, other])
            moved = [int(i) for i in conn.execute(select(T_MSG.c.id).where(T_MSG.c.thread_id == other)).scalars()]
            conn.execute(update(T_MSG).where(T_MSG.c.thread_id == other).values(
                thread_id=into, match_reason=json.dumps({"reason": f"merged by {user}", "evidence": {}})))
            refresh_threads(conn, [into, other])
            extra = {"forced": True, "reason": force_reason.strip(),
                     "persons": sorted({*ours, *theirs})} if forced else {}
            audit_event(conn, user, "merge", into, messages=moved, source=other, target=into, before=before,
                   after=_thread_states(conn, [into, other]), **extra)
        return moved

    def undo(self, user: str) -> dict[str, Any]:
        """Reverse ``user``'s most recent split or merge that is not undone yet.

        The messages go back to their thread, and each thread the split or merge touched gets back the state it
        had before (open, claimed and by whom, answered, closed) unless someone changed that since: a thread
        answered or claimed after the merge keeps that. Replies stay on the thread they answered.
        """
        with self.engine.begin() as conn:
            rows = conn.execute(select(T_AUDIT).where(
                T_AUDIT.c.user == user, T_AUDIT.c.action.in_(["split", "merge", "undo"]))
                .order_by(T_AUDIT.c.id.desc())).mappings().all()
            undone = {json.loads(r["detail"]).get("undoes") for r in rows if r["action"] == "undo"}
            last = next((r for r in rows if r["action"] != "undo" and r["id"] not in undone), None)
            if last is None:
                raise NotFoundError(f"{user} has no split or merge to undo")
            d = json.loads(last["detail"])
            self._check_thread(conn, d["source"])  # a person moved to another unit since: not yours to undo
            self._check_thread(conn, d["target"])
            ids = [d["message"]] if last["action"] == "split" else d["messages"]
            touched = {d["source"], d["target"]}
            now = _thread_states(conn, touched)
            # where the messages are now (another user's later merge may have moved them on)
            touched |= {int(t) for t in conn.execute(select(T_MSG.c.thread_id).where(T_MSG.c.id.in_(ids))
                                                     .distinct()).scalars() if t is not None}
            conn.execute(update(T_MSG).where(T_MSG.c.id.in_(ids)).values(
                thread_id=d["source"], match_reason=json.dumps({"reason": f"{last['action']} undone by {user}",
                                                                "evidence": {}})))
            refresh_threads(conn, sorted(touched))
            after = d.get("after", {})
            for tid, was in d.get("before", {}).items():
                if now.get(tid) == after.get(tid):  # nobody claimed, answered or closed it since
                    state, claimed_by, claimed_at = was
                    conn.execute(update(T_THREAD).where(T_THREAD.c.id == int(tid)).values(
                        state=state, claimed_by=claimed_by,
                        claimed_at=datetime.fromisoformat(claimed_at) if claimed_at else None))
            audit_event(conn, user, "undo", d["source"], undoes=last["id"], reverted=last["action"])
        return {"undid": last["action"], "thread": d["source"], "messages": ids}

    def corrections(self) -> list[tuple[str, str, bool]]:
        """Caseworkers' corrections as labelled pairs (key, key, same inquiry?) for refitting the scorer."""
        with self.engine.connect() as conn:
            events = conn.execute(select(T_AUDIT).where(T_AUDIT.c.action.in_(["split", "merge", "undo"]))
                                  .order_by(T_AUDIT.c.id)).mappings().all()
            undone = {json.loads(e["detail"]).get("undoes") for e in events if e["action"] == "undo"}
            keys = {int(i): f"{c}:{k}" for i, c, k in conn.execute(
                select(T_MSG.c.id, T_MSG.c.channel, T_MSG.c.provider_key))}
            out: list[tuple[str, str, bool]] = []
            for e in events:
                if e["action"] == "undo" or e["id"] in undone:
                    continue
                d = json.loads(e["detail"])
                if e["action"] == "split":
                    members = conn.execute(select(T_MSG.c.id).where(T_MSG.c.thread_id == d["source"])).scalars()
                    out.extend((keys[d["message"]], keys[int(m)], False) for m in members)
                else:
                    rest = conn.execute(select(T_MSG.c.id).where(T_MSG.c.thread_id == d["target"],
                                                                 T_MSG.c.id.not_in(d["messages"]))).scalars()
                    rest_ids = list(rest)
                    out.extend((keys[a], keys[int(b)], True) for a in d["messages"] for b in rest_ids)
        return out

    def messages_by_key(self, keys: Iterable[str]) -> dict[str, tuple[str, datetime, str]]:
        """(channel, sent time, the writer's own words) of the stored messages with these ``channel:id`` keys."""
        wanted: dict[str, set[str]] = {}
        for key in keys:
            channel, _, provider_key = key.partition(":")
            wanted.setdefault(channel, set()).add(provider_key)
        out: dict[str, tuple[str, datetime, str]] = {}
        with self.engine.connect() as conn:
            for channel, ids in wanted.items():
                for ch, pk, sent, clean in conn.execute(select(
                        T_MSG.c.channel, T_MSG.c.provider_key, T_MSG.c.sent_at, T_MSG.c.clean_body).where(
                        T_MSG.c.channel == channel, T_MSG.c.provider_key.in_(sorted(ids)))):
                    out[f"{ch}:{pk}"] = (ch, sent if sent.tzinfo else sent.replace(tzinfo=UTC), clean)
        return out

    def record_reply(self, thread_id: int, *, channel: str, user: str, body: str = "", state: str = "planned",
                     suggested: str = "", factors: Iterable[str] = (), provider_key: str = "",
                     status: str = "") -> int:
        """Record a reply (sent on a written channel, or planned: phone, video, meeting).

        The thread counts as answered; choosing another channel than the suggestion is an override.
        """
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            found = conn.execute(select(T_THREAD.c.message_count).where(T_THREAD.c.id == thread_id)).first()
            if found is None:
                raise NotFoundError(f"no thread {thread_id}")
            self._check_thread(conn, thread_id)
            if not found.message_count:
                raise ConflictError(f"thread {thread_id} has no messages left (merged into another thread or split "
                                    "apart): answer the thread they are in")
            rid = int(conn.execute(insert(T_REPLY).values(
                thread_id=thread_id, channel=channel, state=state, by_user=user, body=body,
                suggested_channel=suggested, provider_key=provider_key, status=status, created_at=now,
                factors=json.dumps(sorted(factors)),
            )).inserted_primary_key[0])  # type: ignore[index]
            conn.execute(update(T_THREAD).where(T_THREAD.c.id == thread_id).values(
                state="answered", claimed_by="", claimed_at=None))
            audit_event(conn, user, "reply", thread_id, channel=channel, suggested=suggested,
                   override=bool(suggested and suggested != channel))
        return rid

    def replies(self, thread_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            self._check_thread(conn, thread_id)
            rows = conn.execute(select(T_REPLY).where(T_REPLY.c.thread_id == thread_id)
                                .order_by(T_REPLY.c.created_at, T_REPLY.c.id)).mappings().all()
        return [dict(r) | {"created_at": utc(r["created_at"])} for r in rows]

    def set_reply_status(self, provider_key: str, status: str) -> bool:
        """A delivery status callback (for example Twilio's MessageStatus) for a sent reply."""
        with self.engine.begin() as conn:
            res = conn.execute(update(T_REPLY).where(T_REPLY.c.provider_key == provider_key).values(status=status))
        return bool(res.rowcount)

    def recommend_report(self) -> dict[str, Any]:
        """How often caseworkers chose the suggested channel, overall and by research factor."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(T_REPLY.c.channel, T_REPLY.c.suggested_channel, T_REPLY.c.factors)
                                .where(T_REPLY.c.suggested_channel != "")).all()
        by_factor: dict[str, list[int]] = {}
        agreed = 0
        for channel, suggested, factors in rows:
            ok = int(channel == suggested)
            agreed += ok
            for f in json.loads(factors or "[]") or ["(none)"]:
                by_factor.setdefault(f, [0, 0])
                by_factor[f][0] += ok
                by_factor[f][1] += 1
        return {
            "replies": len(rows),
            "agreed": agreed,
            "agreement": round(agreed / len(rows), 4) if rows else None,
            "by_factor": {f: {"replies": n, "agreed": a, "agreement": round(a / n, 4)}
                          for f, (a, n) in sorted(by_factor.items())},
        }


def _registered_persons(conn: Any, thread_id: int) -> dict[int, str]:
    """The registered persons (id → name) of a thread: its own person and those of its messages."""
    of_messages = select(T_MSG.c.person_id).where(T_MSG.c.thread_id == thread_id)
    of_thread = select(T_THREAD.c.person_id).where(T_THREAD.c.id == thread_id)
    rows = conn.execute(select(T_PERSON.c.id, T_PERSON.c.name).where(
        T_PERSON.c.in_register.is_(True), T_PERSON.c.id.in_(of_messages) | T_PERSON.c.id.in_(of_thread))).all()
    return {int(r.id): str(r.name) for r in rows}


def _thread_states(conn: Any, thread_ids: Iterable[int]) -> dict[str, list[Any]]:
    """Each thread's [state, claimed_by, claimed_at] (JSON-ready, keyed by the id as text), as a split or merge
    records them so that undo can put them back."""
    rows = conn.execute(select(T_THREAD.c.id, T_THREAD.c.state, T_THREAD.c.claimed_by, T_THREAD.c.claimed_at)
                        .where(T_THREAD.c.id.in_(list(thread_ids)))).all()
    return {str(r.id): [r.state, r.claimed_by or "", utc(r.claimed_at).isoformat() if r.claimed_at else None]
            for r in rows}


__all__ = ["ThreadRepository"]
