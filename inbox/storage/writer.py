"""Storing incoming messages: idempotent, batched, and threaded by the configured matcher.

One batch is one transaction: either every message of the batch is stored with its thread, or none
is. A message whose (channel, provider key) is already stored is counted as present and skipped, so
importing the same file twice, or a connector re-reading a page after a crash, stores nothing twice.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from inbox.domain import (
    Channel,
    Direction,
    Identity,
    IdentityKind,
    IncomingMessage,
    Quarantined,
    bound_key,
    content_hash,
)
from inbox.identity import person_identity
from inbox.matching import CandidateMessage, MatchDecision, Matcher
from inbox.storage.bulk import in_chunks, in_values, insert_ignore, insert_returning_ids, insert_rows
from inbox.storage.convert import utc
from inbox.storage.match_context import BatchContext
from inbox.storage.tables import T_IDENT, T_MSG, T_PERSON, T_QUAR, T_THREAD
from inbox.storage.thread_columns import THREAD_COLUMNS, aggregate_rows, refresh_threads, thread_values
from inbox.text import clean_text, is_acknowledgement

# Statements built once: SQLAlchemy then compiles each a single time (hot path of every ingest).
# Many threads in one statement; RETURNING in parameter order gives each its id (SQLite ≥ 3.35, PostgreSQL).
_INSERT_THREADS = insert(T_THREAD).returning(T_THREAD.c.id, sort_by_parameter_order=True)
_INSERT_PERSONS = insert(T_PERSON).returning(T_PERSON.c.id, sort_by_parameter_order=True)


@dataclass
class IngestSummary:
    """What an ingest did, per channel."""

    new: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    quarantined: Counter[str] = field(default_factory=Counter)
    threads_created: int = 0
    problems: list[Quarantined] = field(default_factory=list)
    stored_keys: list[str] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)
    """The threads that got new messages (what the store's readers may want to prepare for)."""

    def merge(self, other: IngestSummary) -> None:
        self.new.update(other.new)
        self.present.update(other.present)
        self.quarantined.update(other.quarantined)
        self.threads_created += other.threads_created
        self.problems.extend(other.problems)
        self.stored_keys.extend(other.stored_keys)
        self.threads |= other.threads

    def as_dict(self) -> dict[str, Any]:
        channels = sorted(set(self.new) | set(self.present) | set(self.quarantined))
        return {
            "new": sum(self.new.values()),
            "already_present": sum(self.present.values()),
            "quarantined": sum(self.quarantined.values()),
            "threads_created": self.threads_created,
            "by_channel": {
                c: {"new": self.new[c], "already_present": self.present[c], "quarantined": self.quarantined[c]}
                for c in channels
            },
        }


@dataclass(frozen=True, slots=True)
class Resolved:
    """A batch's persons: each message key's person, the persons created (in order) and, per message key, the
    identities (kind, value) its message added to the store."""

    persons: dict[str, int | None]
    created: list[int]
    brought: dict[str, list[tuple[str, str]]]


class MessageWriter:
    """Writes batches of parsed items into the store."""

    def __init__(self, conn: Connection, matcher: Matcher, *, source: str = "",
                 clean: Callable[[IncomingMessage], str] | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self.conn = conn
        self.matcher = matcher
        self.source = source
        self.clean = clean or (lambda m: m.clean_body if m.clean_body is not None
                               else clean_text(m.body, email=m.channel == Channel.EMAIL))
        self.now = now or (lambda: datetime.now(UTC))

    # -- quarantine ---------------------------------------------------------------------------
    def quarantine(self, items: Sequence[Quarantined], summary: IngestSummary) -> None:
        now = self.now()
        rows = [
            {
                "fingerprint": content_hash(q.source, q.position, q.reason, q.raw),
                "source": q.source, "position": q.position, "reason": q.reason,
                "channel": q.channel, "raw": q.raw, "created_at": now,
            }
            for q in items
        ]
        insert_ignore(self.conn, T_QUAR, rows, ["fingerprint"])
        for q in items:
            summary.quarantined[q.channel or "unknown"] += 1
            summary.problems.append(q)

    # -- persons --------------------------------------------------------------------------------
    def _resolve_persons(self, msgs: Sequence[tuple[str, IncomingMessage]]) -> Resolved:
        """Map each message key to a person id, creating persons for unknown addresses (in the messages'
        order, so a person's id follows the time of its first message)."""
        wanted: dict[tuple[str, str], None] = {}
        per_msg: dict[str, tuple[list[Identity], list[tuple[str, str]]]] = {}
        for key, m in msgs:
            ids = person_identity(m)
            pairs = [(i.kind.value, i.value) for i in ids]  # (kind, value) worked out once per identity
            per_msg[key] = (ids, pairs)
            for pair in pairs:
                wanted[pair] = None
        known: dict[tuple[str, str], int] = {}
        for kind in {k for k, _ in wanted}:
            values = [v for k, v in wanted if k == kind]
            for chunk in in_chunks(self.conn, values):
                for pid, value in self.conn.execute(
                    select(T_IDENT.c.person_id, T_IDENT.c.value).where(
                        T_IDENT.c.kind == kind, in_values(self.conn, T_IDENT.c.value, chunk))
                ):
                    known[(kind, value)] = pid
        out: dict[str, int | None] = {}
        new_people: list[dict[str, Any]] = []  # inserted together; until then their ids are -1, -2, …
        new_idents: list[tuple[int, Identity]] = []
        brought: dict[str, list[tuple[str, str]]] = {}  # key → the identities its message added
        for key, m in msgs:
            ids, pairs = per_msg[key]
            pid = next((known[pair] for pair in pairs if pair in known), None)
            if pid is None and ids:
                new_people.append(self._person_row(m, ids))
                pid = -len(new_people)
            if pid is not None:
                for i, pair in zip(ids, pairs, strict=True):
                    if pair not in known:
                        known[pair] = pid
                        new_idents.append((pid, i))
                        brought.setdefault(key, []).append(pair)
            out[key] = pid
        person_ids: list[int] = []
        if new_people:
            person_ids = insert_returning_ids(self.conn, T_PERSON, _INSERT_PERSONS, new_people)
            real = {-(n + 1): pid for n, pid in enumerate(person_ids)}
            out = {k: real.get(v, v) if v is not None else None for k, v in out.items()}
            new_idents = [(real.get(pid, pid), i) for pid, i in new_idents]
        insert_ignore(self.conn, T_IDENT, [{"person_id": pid, "kind": i.kind.value, "value": i.value}
                                            for pid, i in new_idents], ["kind", "value"])
        return Resolved(out, person_ids, brought)

    @staticmethod
    def _person_row(m: IncomingMessage, ids: list[Identity]) -> dict[str, Any]:
        """A person for an address not seen before."""
        fnr = next((i.value for i in ids if i.kind == IdentityKind.FNR), None)
        aktor = next((i.value for i in ids if i.kind == IdentityKind.AKTOR_ID), None)
        # Shown in the queue: the display name, else the phone or address (never an ID number).
        shown = next((i.value for i in ids if i.kind in (IdentityKind.PHONE, IdentityKind.EMAIL)), "")
        name = (m.sender_name if m.direction == Direction.IN else "") or shown
        return {"name": name, "fnr": fnr, "aktor_id": aktor, "in_register": False, "age_group": "", "language": "",
                "interpreter": False, "digital_skills": "", "preferred_channel": "", "notes": "",
                "meetings_held": 0, "open_conflict": False, "unit": ""}

    # -- messages -------------------------------------------------------------------------------
    def _existing_keys(self, msgs: Iterable[IncomingMessage]) -> dict[str, str]:
        """The stored keys among the messages' keys (and their alternate keys), each with its stored digest."""
        found: dict[str, str] = {}
        by_channel: dict[str, list[str]] = {}
        for m in msgs:
            keys = by_channel.setdefault(m.channel.value, [])
            keys.append(m.provider_key)
            if m.digest:
                keys.append(alternate_key(m))
        for channel, keys in by_channel.items():
            for chunk in in_chunks(self.conn, keys):
                for pk, digest in self.conn.execute(
                    select(T_MSG.c.provider_key, T_MSG.c.digest).where(
                        T_MSG.c.channel == channel, in_values(self.conn, T_MSG.c.provider_key, chunk))
                ):
                    found[f"{channel}:{pk}"] = digest or ""
        return found

    def write(self, items: Sequence[IncomingMessage | Quarantined], summary: IngestSummary) -> None:
        """Store one batch (the caller holds the transaction)."""
        bad = [i for i in items if isinstance(i, Quarantined)]
        if bad:
            self.quarantine(bad, summary)
        msgs = [i for i in items if isinstance(i, IncomingMessage)]
        if not msgs:
            return
        known = self._existing_keys(msgs)  # key → digest, of the stored messages and of this batch's so far
        fresh: list[tuple[str, IncomingMessage]] = []  # (key, message): a key is built once per message
        for m in msgs:
            key = m.key
            digest = known.get(key)
            if digest and m.digest and digest != m.digest:
                # Another mail under a stored mail's Message-ID (a sender chooses it): not a repeat of that
                # mail, so it is kept under its own key. Without a digest (other channels, whose ids the
                # provider assigns, and rows stored before digests) the key alone decides.
                m = dataclasses.replace(m, provider_key=alternate_key(m))
                key = m.key
                digest = known.get(key)
            if digest is not None:
                summary.present[m.channel.value] += 1
            else:
                known[key] = m.digest
                fresh.append((key, m))
        if not fresh:
            return
        fresh.sort(key=lambda km: (km[1].sent_at, km[0]))
        resolved = self._resolve_persons(fresh)
        persons = resolved.persons
        ctx = BatchContext(self.conn)
        ctx.hold_back(resolved.created, (pair for pairs in resolved.brought.values() for pair in pairs))
        ctx.prefetch([m for _, m in fresh])
        if len(fresh) > 1:  # one message: one query either way
            ctx.prefetch_recent((p for p in persons.values() if p is not None),
                                fresh[0][1].sent_at - self.matcher.lookback, fresh[-1][1].sent_at)
        cleans = {key: self.clean(m) for key, m in fresh}
        self.matcher.prepare([(m, cleans[key]) for key, m in fresh])
        now = self.now()
        rows: list[dict[str, Any]] = []
        touched: set[int] = set()
        new_threads: list[dict[str, Any]] = []  # inserted together after the loop; until then ids are -1, -2, …
        for seq, (key, m) in enumerate(fresh):
            clean = cleans[key]
            pid = persons[key]
            sent = utc(m.sent_at)  # once per message: most senders' times are not in UTC (a conversion each)
            ctx.reach(pid, resolved.brought.get(key, ()))
            decision = self.matcher.assign(m, clean, pid, ctx)
            if decision.person_id is not None:
                pid = decision.person_id
            tid = decision.thread_id
            if tid is None:
                new_threads.append(self._new_thread(pid, m, sent))
                tid = -len(new_threads)
                summary.threads_created += 1
            touched.add(tid)
            ctx.key_thread[key] = tid
            if m.conversation:
                ctx.conv_thread[(m.channel.value, m.conversation)] = tid
            row = self._row(m, clean, tid, pid, decision, now, sent)
            rows.append(row)
            if pid is not None:
                ctx.pending.setdefault(pid, []).append(CandidateMessage(
                    message_id=-(seq + 1), thread_id=tid, person_id=pid, key=key, channel=m.channel,
                    direction=m.direction, sent_at=sent, subject=m.subject, clean_body=clean,
                    thread_state=ctx.thread_state.get(tid, "open"),
                ))
            summary.new[m.channel.value] += 1
            summary.stored_keys.append(key)
        if new_threads:
            # A thread this batch created holds only this batch's rows: its maintained columns are worked
            # out here and inserted with it, instead of being updated from the database afterwards.
            own: dict[int, list[dict[str, Any]]] = {}
            for row in rows:
                if row["thread_id"] < 0:
                    own.setdefault(row["thread_id"], []).append(row)
            for n, thread in enumerate(new_threads):
                values = thread_values(aggregate_rows(-(n + 1), own[-(n + 1)]), "open")
                thread.update({THREAD_COLUMNS[k]: v for k, v in values.items() if k in THREAD_COLUMNS})
            ids = insert_returning_ids(self.conn, T_THREAD, _INSERT_THREADS, new_threads)
            real = {-(i + 1): tid for i, tid in enumerate(ids)}
            for row in rows:
                row["thread_id"] = real.get(row["thread_id"], row["thread_id"])
            touched = {t for t in touched if t > 0}
        insert_rows(self.conn, T_MSG, rows)
        refresh_threads(self.conn, sorted(touched))
        summary.threads.update(row["thread_id"] for row in rows)

    @staticmethod
    def _new_thread(person_id: int | None, m: IncomingMessage, sent: datetime) -> dict[str, Any]:
        """A new thread's row (``sent``: the message's send time in UTC)."""
        return {"person_id": person_id, "state": "open", "first_contact": sent, "last_activity": sent,
                "claimed_by": "", "channels": m.channel.value, "message_count": 0, "inbound_count": 0,
                "created_seq": 0}

    def _row(self, m: IncomingMessage, clean: str, tid: int, pid: int | None, d: MatchDecision,
             now: datetime, sent: datetime) -> dict[str, Any]:
        """The message's row (``sent``: its send time in UTC)."""
        return {
            "thread_id": tid, "person_id": pid, "channel": m.channel.value, "provider_key": m.provider_key,
            "direction": m.direction.value, "sent_at": sent, "received_at": arrived_at(m, sent, now),
            "sender": m.sender,
            "recipient": m.recipient, "sender_name": m.sender_name, "subject": m.subject,
            "conversation": m.conversation, "in_reply_to": m.in_reply_to,
            "references": " ".join(m.references), "body": m.body, "clean_body": clean, "raw": m.raw,
            "attachments": json.dumps([{"name": a.name, "type": a.content_type, "size": a.size}
                                       for a in m.attachments]) if m.attachments else "",
            "status": m.status, "source": self.source, "match_score": d.score,
            "ack": m.direction == Direction.IN and is_acknowledgement(clean),
            "match_reason": _reason_json(d), "digest": m.digest, "flags": ",".join(m.flags),
        }


def alternate_key(m: IncomingMessage) -> str:
    """The provider key of a mail that reuses a stored mail's Message-ID with other content: the Message-ID
    with the start of the mail's digest (``<id@host#d-0123456789abcdef>``)."""
    tag = f"#d-{m.digest[:16]}"
    pk = m.provider_key
    return bound_key(f"{pk[:-1]}{tag}>" if pk.endswith(">") else f"{pk}{tag}")


def arrived_at(m: IncomingMessage, sent: datetime, now: datetime) -> datetime:
    """When the office received a message, for the fair order: the time the provider or mailbox gives; for
    SMS and dialogue their send time (the provider's own clock); for a mail that says nothing else, the time
    it is stored. Never a mail's Date header, which its sender writes (``sent``: the send time in UTC)."""
    if m.received_at is not None:
        return utc(m.received_at)
    return sent if m.channel != Channel.EMAIL else now


_REASONS: dict[str, str] = {}  # a reason without evidence → its JSON (a few distinct ones; most decisions)


def _reason_json(d: MatchDecision) -> str:
    """The stored ``match_reason``: the decision's reason and evidence as JSON (written once per reason
    when there is no evidence, as for every new inquiry)."""
    if not d.evidence and type(d.evidence) is dict and type(d.reason) is str:
        found = _REASONS.get(d.reason)
        if found is None:
            if len(_REASONS) > 1000:
                _REASONS.clear()
            found = _REASONS[d.reason] = json.dumps({"reason": d.reason, "evidence": {}}, default=str,
                                                    ensure_ascii=False)
        return found
    return json.dumps({"reason": d.reason, "evidence": d.evidence}, default=str, ensure_ascii=False)


__all__ = ["IngestSummary", "MessageWriter", "alternate_key", "arrived_at"]
