"""The store: every read and write flerkanal makes, behind one small class.

Callers get domain objects (``inbox.domain``), never rows. Each public method is one transaction.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError, StatementError

from inbox.access import Role, User
from inbox.domain import Contact, IdentityKind, IncomingMessage, Quarantined, ThreadState, ThreadView
from inbox.errors import ConflictError, DifferentPersons, InboxError, NotFoundError, PermissionDenied, StorageError
from inbox.identity import normalise_email, normalise_phone
from inbox.matching import Matcher, StructuralMatcher
from inbox.parsers.common import safe_text
from inbox.storage.convert import message_from_row, person_from_row, thread_from_row, utc
from inbox.storage.database import make_engine, migrate
from inbox.storage.tables import AuditRow, CursorRow, ReplyRow, SnapshotRow, UserRow
from inbox.storage.writer import (
    T_IDENT,
    T_MSG,
    T_PERSON,
    T_QUAR,
    T_THREAD,
    IngestSummary,
    MessageWriter,
    bump_names_version,
    refresh_threads,
)

log = logging.getLogger(__name__)

T_AUDIT = AuditRow.__table__  # type: ignore[attr-defined]
T_REPLY = ReplyRow.__table__  # type: ignore[attr-defined]
T_USER = UserRow.__table__  # type: ignore[attr-defined]
T_SNAPSHOT = SnapshotRow.__table__  # type: ignore[attr-defined]
T_CURSOR = CursorRow.__table__  # type: ignore[attr-defined]

OPEN_STATES = ("open", "claimed")
#: A user is bound to the OS account of the same name (see flerkanal.settings.os_user).
_USER_NAME = re.compile(r"[\w.@$][\w.@$-]*")


@dataclass(frozen=True)
class ContactSummary:
    added: int = 0
    updated: int = 0
    merged: int = 0
    problems: tuple[Quarantined, ...] = ()
    unchanged: int = 0  # rows identical to what was stored (a re-import)


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


#: SQLSTATE classes of errors caused by the values written (data exception, integrity constraint, a value
#: over a limit such as an index row's size), not by the state of the server.
_DATA_SQLSTATE_CLASSES = ("22", "23", "54")
#: SQLite's errors caused by the values written.
_DATA_SQLITE_ERRORS = ("SQLITE_CONSTRAINT", "SQLITE_TOOBIG", "SQLITE_MISMATCH", "SQLITE_RANGE")


def item_fault(exc: BaseException) -> bool:
    """Whether a failed write failed because of what was written (it would fail again, whatever the retry),
    rather than because the database is unreachable, locked or restarting (worth retrying as it is)."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return False
        state = getattr(exc.orig, "sqlstate", None)  # psycopg
        if isinstance(state, str) and state:
            return state[:2] in _DATA_SQLSTATE_CLASSES
        if isinstance(exc, DataError | IntegrityError):  # refused by the driver before it was sent
            return True
        return str(getattr(exc.orig, "sqlite_errorname", "")).startswith(_DATA_SQLITE_ERRORS)
    if isinstance(exc, StatementError):  # a value SQLAlchemy could not convert for the driver
        return True
    if isinstance(exc, SQLAlchemyError | InboxError | OSError | MemoryError | RecursionError):
        return False  # the database, the configuration, the model or the machine: not this item
    return isinstance(exc, Exception)  # an error this item's content causes in the code that reads it


def fault_name(exc: BaseException) -> str:
    """An error as a reason may name it: its type, and the database's error code (never its message, which
    can quote the values written)."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    name = type(orig).__name__ if isinstance(exc, DBAPIError) and orig is not None else type(exc).__name__
    return f"{name} {code}" if code else name


def unstorable(item: IncomingMessage | Quarantined, source: str, exc: BaseException) -> Quarantined:
    """The quarantine record for an item that could not be stored."""
    reason = f"could not be stored ({fault_name(exc)})"
    if isinstance(item, Quarantined):
        return Quarantined(item.source, item.position, f"{item.reason}; {reason}", raw=safe_text(item.raw),
                           channel=item.channel)
    return Quarantined(source or f"{item.channel.value} input", f"message {item.key}", reason,
                       raw=safe_text(item.raw), channel=item.channel.value)


class Store:
    """flerkanal's database. Construct with an engine (or :meth:`open` with a URL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.unit: str | None = None
        """The office unit this store is limited to (:meth:`scoped`); None: every unit."""
        self._stored_since_analyze = 0  # PostgreSQL: messages stored since the last ANALYZE
        self._analyzed_at = 0  # and how many the message table held then

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> Store:
        store = cls(make_engine(url))
        if create:
            store.migrate()
        return store

    def migrate(self) -> None:
        migrate(self.engine)

    # -- office-unit scope ----------------------------------------------------------------------------
    def scoped(self, unit: str | None) -> Store:
        """This store (same engine) limited to one office unit: a caseworker's view.

        Every method that reads or changes a thread, a message or a person then refuses with
        :class:`PermissionDenied` when the person belongs to another unit; persons of no unit and threads
        of no person stay visible. The queue lists only what the unit may see, and ``claim_next`` claims
        only from it. ``None`` (or the store as opened) is every unit.
        """
        other = copy.copy(self)
        other.unit = unit
        return other

    def _check_person(self, conn: Any, person_id: int | None) -> None:
        if self.unit is None or person_id is None:
            return
        unit = conn.execute(select(T_PERSON.c.unit).where(T_PERSON.c.id == person_id)).scalar_one_or_none()
        if unit not in (None, "", self.unit):
            raise PermissionDenied(f"person {person_id} belongs to another office unit")

    def _check_thread(self, conn: Any, thread_id: int) -> None:
        if self.unit is None:
            return
        pid = conn.execute(select(T_THREAD.c.person_id).where(T_THREAD.c.id == thread_id)).scalar_one_or_none()
        if pid is not None:
            unit = conn.execute(select(T_PERSON.c.unit).where(T_PERSON.c.id == pid)).scalar_one_or_none()
            if unit not in (None, "", self.unit):
                raise PermissionDenied(f"thread {thread_id} belongs to another office unit")

    def _unit(self, unit: str | None) -> str | None:
        """The unit a query is limited to: the store's scope always wins over a caller's wider wish."""
        return self.unit if self.unit is not None else unit

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- ingest ---------------------------------------------------------------------------------
    def ingest(
        self,
        items: Iterable[IncomingMessage | Quarantined],
        *,
        matcher: Matcher | None = None,
        source: str = "",
        batch_size: int = 2000,
        progress: Callable[[int], None] | None = None,
        clean: Callable[[IncomingMessage], str] | None = None,
    ) -> IngestSummary:
        """Store items in batches, each batch one transaction; returns what happened per channel.

        A batch that fails because of what one of its items holds (a value the database refuses, an error
        the item causes in the matcher) is stored again item by item, and the items that still fail are
        quarantined with the error's type as the reason: one hostile message never stops the rest, nor a
        connector's sync. Failures of the database itself (unreachable, locked, restarted) are raised, so the
        caller retries the whole batch later.
        """
        summary = IngestSummary()
        matcher = matcher or StructuralMatcher()
        batch: list[IncomingMessage | Quarantined] = []

        def write(items: list[IncomingMessage | Quarantined], part: IngestSummary) -> None:
            try:
                with self.engine.begin() as conn:
                    MessageWriter(conn, matcher, source=source, clean=clean).write(items, part)
            except BaseException:
                # Rolled back: what the matcher learnt from this transaction (person ids) may not hold.
                matcher.forget()
                raise

        def flush() -> None:
            if not batch:
                return
            part = IngestSummary()
            try:
                write(batch, part)
            except Exception as exc:
                if not item_fault(exc):
                    raise
                log.warning("a batch of %d items failed (%s): storing its items one by one", len(batch),
                            fault_name(exc))
                part = IngestSummary()
                for item in batch:
                    one = IngestSummary()
                    try:
                        write([item], one)
                    except Exception as item_exc:
                        if not item_fault(item_exc):
                            raise
                        one = IngestSummary()
                        record = unstorable(item, source, item_exc)
                        try:
                            write([record], one)
                        except Exception as raw_exc:  # its raw form is what the database refuses
                            if not item_fault(raw_exc):
                                raise
                            one = IngestSummary()
                            write([dataclasses.replace(record, raw="")], one)
                    part.merge(one)
            summary.merge(part)
            self._keep_statistics_fresh(sum(part.new.values()))
            if progress:
                progress(len(batch))
            batch.clear()

        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
        flush()
        return summary

    def _keep_statistics_fresh(self, stored: int) -> None:
        """PostgreSQL: ANALYZE the growing tables whenever a bulk import has doubled them.

        Autovacuum's statistics lag a big import; with a fresh database's defaults the planner scans the
        message table for the batch's key and history lookups, and each batch gets slower than the last
        (measured: 100k messages took 222 s to store instead of about 60 s).
        """
        if self.dialect != "postgresql" or not stored:
            return
        self._stored_since_analyze += stored
        if self._stored_since_analyze < max(5_000, self._analyzed_at):
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE message, thread, person, identity"))
            self._analyzed_at = int(conn.execute(select(func.count()).select_from(T_MSG)).scalar_one())
        self._stored_since_analyze = 0

    # -- contacts -------------------------------------------------------------------------------
    def import_contacts(self, contacts: Iterable[Contact | Quarantined]) -> ContactSummary:
        """Add or update registered persons; a row identical to what is stored counts as unchanged."""
        added = updated = merged = unchanged = 0
        problems: list[Quarantined] = []
        with self.engine.begin() as conn:
            for c in contacts:
                if isinstance(c, Quarantined):
                    problems.append(c)
                    continue
                idents: list[tuple[str, str]] = []
                if c.fnr:
                    idents.append((IdentityKind.FNR.value, c.fnr))
                if c.aktor_id:
                    idents.append((IdentityKind.AKTOR_ID.value, c.aktor_id))
                phone = normalise_phone(c.phone) if c.phone else None
                if phone:
                    idents.append((IdentityKind.PHONE.value, phone))
                email = normalise_email(c.email) if c.email else None
                if email:
                    idents.append((IdentityKind.EMAIL.value, email))
                pid = None
                if c.fnr:
                    pid = conn.execute(select(T_PERSON.c.id).where(T_PERSON.c.fnr == c.fnr)).scalar_one_or_none()
                if pid is None:
                    # An address seen before the register was loaded: that auto-created person is this one.
                    for kind, value in idents:
                        row = conn.execute(
                            select(T_PERSON.c.id, T_PERSON.c.in_register)
                            .join(T_IDENT, T_IDENT.c.person_id == T_PERSON.c.id)
                            .where(T_IDENT.c.kind == kind, T_IDENT.c.value == value)
                        ).first()
                        if row is not None and not row.in_register:
                            pid = row.id
                            break
                values = {"name": c.name, "fnr": c.fnr or None, "aktor_id": c.aktor_id or None,
                          "in_register": True}
                new = pid is None
                changed = False
                if pid is None:
                    pid = int(conn.execute(insert(T_PERSON).values(
                        **values, age_group="", language="", interpreter=False, digital_skills="",
                        preferred_channel="", notes="", meetings_held=0, open_conflict=False,
                    )).inserted_primary_key[0])  # type: ignore[index]
                else:
                    now = conn.execute(select(*(T_PERSON.c[k] for k in values)).where(T_PERSON.c.id == pid)).one()
                    if dict(now._mapping) != values:
                        conn.execute(update(T_PERSON).where(T_PERSON.c.id == pid).values(**values))
                        changed = True
                for kind, value in idents:
                    owner = conn.execute(
                        select(T_IDENT.c.person_id).where(T_IDENT.c.kind == kind, T_IDENT.c.value == value)
                    ).scalar_one_or_none()
                    if owner is None:
                        conn.execute(insert(T_IDENT).values(person_id=pid, kind=kind, value=value))
                        changed = True
                    elif owner != pid:
                        owner_in_register = conn.execute(
                            select(T_PERSON.c.in_register).where(T_PERSON.c.id == owner)).scalar_one()
                        if owner_in_register:
                            problems.append(Quarantined(
                                c.source or "contacts", c.position or "row",
                                f"{kind} already belongs to another registered person: not given to this one"))
                            continue
                        _merge_person(conn, owner, pid)
                        merged += 1
                        changed = True
                if new:
                    added += 1
                elif changed:
                    updated += 1
                else:
                    unchanged += 1
            if added or updated or merged:
                bump_names_version(conn)
        return ContactSummary(added, updated, merged, tuple(problems), unchanged)

    # -- queue ----------------------------------------------------------------------------------
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

    # -- claims -----------------------------------------------------------------------------------
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
            _audit(conn, user, "claim", thread_id)
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
                    _audit(conn, user, "claim", tid)
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
            _audit(conn, user, "release", thread_id)

    def set_state(self, thread_id: int, state: ThreadState, user: str) -> None:
        with self.engine.begin() as conn:
            self._check_thread(conn, thread_id)
            res = conn.execute(update(T_THREAD).where(T_THREAD.c.id == thread_id).values(state=state.value))
            if res.rowcount != 1:
                raise NotFoundError(f"no thread {thread_id}")
            _audit(conn, user, state.value, thread_id)

    # -- person profile and replies -----------------------------------------------------------------------
    PROFILE_FIELDS = ("age_group", "language", "interpreter", "digital_skills", "preferred_channel", "notes",
                      "meetings_held", "open_conflict", "unit")

    def profile(self, person_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(T_PERSON).where(T_PERSON.c.id == person_id)).mappings().first()
            if row is None:
                raise NotFoundError(f"no person {person_id}")
            self._check_person(conn, person_id)
        return {k: row[k] for k in ("id", "name", "in_register", *self.PROFILE_FIELDS)}

    def update_profile(self, person_id: int, user: str, **fields: Any) -> dict[str, Any]:
        unknown = set(fields) - set(self.PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"unknown profile field(s): {', '.join(sorted(unknown))} "
                             f"(editable: {', '.join(self.PROFILE_FIELDS)})")
        if self.unit is not None and fields.get("unit", self.unit) not in ("", self.unit):
            raise PermissionDenied("a caseworker may move a person only into their own office unit or none")
        with self.engine.begin() as conn:
            self._check_person(conn, person_id)
            res = conn.execute(update(T_PERSON).where(T_PERSON.c.id == person_id).values(**fields))
            if res.rowcount != 1:
                raise NotFoundError(f"no person {person_id}")
            conn.execute(insert(T_AUDIT).values(at=datetime.now(UTC), user=user, action="profile",
                                                thread_id=None, person_id=person_id,
                                                detail=json.dumps({"fields": sorted(fields)})))
        return self.profile(person_id)

    def person_thread_count(self, person_id: int) -> int:
        with self.engine.connect() as conn:
            self._check_person(conn, person_id)
            return int(conn.execute(select(func.count()).select_from(T_THREAD)
                                    .where(T_THREAD.c.person_id == person_id)).scalar_one())

    def caseload(self, user: str) -> int:
        """How many persons the caseworker has threads with (claimed or answered by them)."""
        with self.engine.connect() as conn:
            claimed = set(conn.execute(select(T_THREAD.c.person_id).where(T_THREAD.c.claimed_by == user)).scalars())
            replied = set(conn.execute(select(T_THREAD.c.person_id).join(T_REPLY, T_REPLY.c.thread_id == T_THREAD.c.id)
                                       .where(T_REPLY.c.by_user == user)).scalars())
        return len((claimed | replied) - {None})

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
            _audit(conn, user, "reply", thread_id, channel=channel, suggested=suggested,
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

    # -- users and roles ----------------------------------------------------------------------------------
    def user(self, name: str) -> User:
        """The user ``name`` with their role; in set-up mode (no users yet) everyone is admin."""
        with self.engine.connect() as conn:
            row = conn.execute(select(T_USER).where(T_USER.c.name == name)).mappings().first()
            if row is not None:
                return User(row["name"], Role(row["role"]), row["unit"] or "")
            anyone = conn.execute(select(T_USER.c.name).limit(1)).first()
        if anyone is None:
            return User(name, Role.ADMIN, "", setup_mode=True)
        raise PermissionDenied(f"{name} is not a user of this inbox (an admin adds users with `inbox users add`)")

    def add_user(self, name: str, role: Role, unit: str = "", *, by: str) -> None:
        """Add a user or change their role. The inbox always keeps an admin: the first user must be one,
        and the last admin cannot be demoted (:class:`ConflictError` with the command that helps)."""
        if not _USER_NAME.fullmatch(name):
            raise ValueError("a user name is the person's OS account name: letters, digits, '.', '_', '-', '@' "
                             "and '$', not starting with '-'")
        with self.engine.begin() as conn:
            admins = _admins(conn)
            if role != Role.ADMIN:
                if not admins and conn.execute(select(T_USER.c.name).limit(1)).first() is None:
                    raise ConflictError(
                        f"the first user must be an admin, or nobody could add users or read the audit log "
                        f"afterwards: add one first (`inbox users add {by} --role admin`), then {name}")
                if admins == [name]:
                    raise ConflictError(f"{name} is the last admin: make another user admin first "
                                        f"(`inbox users add NAME --role admin`)")
            exists = conn.execute(select(T_USER.c.name).where(T_USER.c.name == name)).first()
            if exists:
                conn.execute(update(T_USER).where(T_USER.c.name == name).values(role=role.value, unit=unit))
            else:
                conn.execute(insert(T_USER).values(name=name, role=role.value, unit=unit,
                                                   created_at=datetime.now(UTC)))
            _audit(conn, by, "user", None, name=name, role=role.value, unit=unit)

    def remove_user(self, name: str, *, by: str) -> None:
        """Remove a user (their claims and audit trail stay). The last admin cannot be removed."""
        with self.engine.begin() as conn:
            row = conn.execute(select(T_USER.c.role).where(T_USER.c.name == name)).first()
            if row is None:
                raise NotFoundError(f"no user {name}")
            if _admins(conn) == [name]:
                raise ConflictError(f"{name} is the last admin: make another user admin first "
                                    f"(`inbox users add NAME --role admin`)")
            conn.execute(delete(T_USER).where(T_USER.c.name == name))
            _audit(conn, by, "user", None, name=name, removed=True)

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [User(r.name, Role(r.role), r.unit) for r in conn.execute(select(T_USER).order_by(T_USER.c.name))]

    # -- queue history and load ------------------------------------------------------------------------
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

    # -- caseworker corrections: split, merge, undo ------------------------------------------------
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
            _audit(conn, user, "split", row.thread_id, message=message_id, source=row.thread_id, target=new_tid,
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
            _audit(conn, user, "merge", into, messages=moved, source=other, target=into, before=before,
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
            _audit(conn, user, "undo", d["source"], undoes=last["id"], reverted=last["action"])
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

    # -- audit, quarantine, cursors ---------------------------------------------------------------------
    def audit(self, user: str, action: str, thread_id: int | None = None, *, person_id: int | None = None,
              **detail: Any) -> None:
        with self.engine.begin() as conn:
            _audit_row(conn, user, action, thread_id, person_id, detail)

    def audit_threads(self, user: str, action: str, thread_ids: Iterable[int], **detail: Any) -> None:
        """One event per thread (so ``inbox audit --thread`` and ``--person`` find each), in one transaction:
        for a list of inquiries shown at once, with names and previews."""
        now = datetime.now(UTC)
        text = json.dumps(detail, default=str) if detail else ""
        rows = [{"at": now, "user": user, "action": action, "thread_id": int(t), "person_id": None, "detail": text}
                for t in thread_ids]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(T_AUDIT), rows)

    def audit_events(self, *, thread_id: int | None = None, user: str | None = None, person_id: int | None = None,
                     since: datetime | None = None, until: datetime | None = None,
                     limit: int = 1000) -> list[dict[str, Any]]:
        q = select(T_AUDIT).order_by(T_AUDIT.c.at, T_AUDIT.c.id).limit(limit)
        if thread_id is not None:
            q = q.where(T_AUDIT.c.thread_id == thread_id)
        if user is not None:
            q = q.where(T_AUDIT.c.user == user)
        if person_id is not None:
            threads = select(T_THREAD.c.id).where(T_THREAD.c.person_id == person_id)
            q = q.where((T_AUDIT.c.person_id == person_id) | T_AUDIT.c.thread_id.in_(threads))
        if since is not None:
            q = q.where(T_AUDIT.c.at >= since)
        if until is not None:
            q = q.where(T_AUDIT.c.at <= until)
        with self.engine.connect() as conn:
            return [dict(r) | {"at": utc(r["at"])} for r in conn.execute(q).mappings()]

    def quarantined(self, limit: int = 1000) -> list[Quarantined]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(T_QUAR).order_by(T_QUAR.c.id).limit(limit)).mappings().all()
        return [Quarantined(r["source"], r["position"], r["reason"], r["raw"], r["channel"]) for r in rows]

    def get_cursor(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(T_CURSOR.c.value).where(T_CURSOR.c.name == name)).scalar_one_or_none()

    def cursors(self, prefix: str) -> dict[str, str]:
        """Every cursor whose name starts with ``prefix`` (e.g. the sync daemon's ``sync-health/``), by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(T_CURSOR.c.name, T_CURSOR.c.value)
                                .where(T_CURSOR.c.name.startswith(prefix, autoescape=True))
                                .order_by(T_CURSOR.c.name)).all()
        return {str(n): str(v) for n, v in rows}

    def set_cursor(self, name: str, value: str) -> None:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            res = conn.execute(update(T_CURSOR).where(T_CURSOR.c.name == name).values(value=value, updated_at=now))
            if res.rowcount == 0:
                conn.execute(insert(T_CURSOR).values(name=name, value=value, updated_at=now))

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                "messages": conn.execute(select(func.count()).select_from(T_MSG)).scalar_one(),
                "threads": conn.execute(select(func.count()).select_from(T_THREAD)).scalar_one(),
                "persons": conn.execute(select(func.count()).select_from(T_PERSON)).scalar_one(),
                "quarantined": conn.execute(select(func.count()).select_from(T_QUAR)).scalar_one(),
            }

    def check(self) -> None:
        """Raise StorageError with a helpful message when the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except OperationalError as exc:
            raise StorageError(f"cannot reach the database {self.engine.url.render_as_string(hide_password=True)}"
                               f" ({type(exc.orig).__name__})") from exc


@dataclass(frozen=True)
class QueueEntry:
    thread: Any
    person: Any
    preview: str


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


def _audit(conn: Any, user: str, action: str, thread_id: int | None = None, **detail: Any) -> None:
    _audit_row(conn, user, action, thread_id, None, detail)


def _audit_row(conn: Any, user: str, action: str, thread_id: int | None, person_id: int | None,
               detail: dict[str, Any]) -> None:
    conn.execute(insert(T_AUDIT).values(at=datetime.now(UTC), user=user, action=action, thread_id=thread_id,
                                        person_id=person_id, detail=json.dumps(detail, default=str) if detail else ""))


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


def _admins(conn: Any) -> list[str]:
    """The admins' names, locked on PostgreSQL until the transaction ends: two admins demoting each other at
    once cannot both pass the last-admin check."""
    q = select(T_USER.c.name).where(T_USER.c.role == Role.ADMIN.value).order_by(T_USER.c.name)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    return [str(n) for n in conn.execute(q).scalars()]


def _merge_person(conn: Any, old: int, new: int) -> None:
    """Move everything of an auto-created person onto a registered one."""
    conn.execute(update(T_MSG).where(T_MSG.c.person_id == old).values(person_id=new))
    conn.execute(update(T_THREAD).where(T_THREAD.c.person_id == old).values(person_id=new))
    conn.execute(update(T_IDENT).where(T_IDENT.c.person_id == old).values(person_id=new))
    conn.execute(delete(T_PERSON).where(T_PERSON.c.id == old))


__all__ = ["ContactSummary", "QueueEntry", "QueueStats", "Store", "refresh_threads"]
