"""Storing incoming messages: idempotent, batched, and threaded by the configured matcher.

One batch is one transaction: either every message of the batch is stored with its thread, or none
is. A message whose (channel, provider key) is already stored is counted as present and skipped, so
importing the same file twice, or a connector re-reading a page after a crash, stores nothing twice.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    String,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

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
from inbox.matching import CandidateMessage, InboundRows, MatchDecision, Matcher, UnknownInbound
from inbox.storage.convert import utc
from inbox.storage.tables import CursorRow, IdentityRow, MessageRow, PersonRow, QuarantineRow, ReplyRow, ThreadRow
from inbox.text import clean_text, is_acknowledgement

T_MSG = MessageRow.__table__  # type: ignore[attr-defined]
T_THREAD = ThreadRow.__table__  # type: ignore[attr-defined]
T_PERSON = PersonRow.__table__  # type: ignore[attr-defined]
T_IDENT = IdentityRow.__table__  # type: ignore[attr-defined]
T_QUAR = QuarantineRow.__table__  # type: ignore[attr-defined]
T_CURSOR = CursorRow.__table__  # type: ignore[attr-defined]
T_REPLY = ReplyRow.__table__  # type: ignore[attr-defined]

#: Cursor-table entry changed whenever persons' names change other than by new persons (contacts import).
NAMES_VERSION = "person-names/version"

_CHUNK = 400  # bound parameters per IN (...) query, well under SQLite's limit

_THREAD_OF_KEY = select(T_MSG.c.thread_id).where(
    T_MSG.c.channel == bindparam("ch"), T_MSG.c.provider_key == bindparam("pk"))
_THREAD_OF_CONVERSATION = (select(T_MSG.c.thread_id)
                           .where(T_MSG.c.channel == bindparam("ch"), T_MSG.c.conversation == bindparam("conv"))
                           .order_by(T_MSG.c.sent_at.desc()).limit(1))
_IDENTITY_OWNER = select(T_IDENT.c.person_id).where(T_IDENT.c.kind == bindparam("k"), T_IDENT.c.value == bindparam("v"))

# Statements built once: SQLAlchemy then compiles each a single time (hot path of every ingest).
# Many threads in one statement; RETURNING in parameter order gives each its id (SQLite ≥ 3.35, PostgreSQL).
_INSERT_THREADS = insert(T_THREAD).returning(T_THREAD.c.id, sort_by_parameter_order=True)
_INSERT_PERSONS = insert(T_PERSON).returning(T_PERSON.c.id, sort_by_parameter_order=True)
_UPDATE_THREAD = (
    update(T_THREAD)
    .where(T_THREAD.c.id == bindparam("tid"))
    .values(
        first_contact=bindparam("fc"), last_activity=bindparam("la"), last_inbound=bindparam("li"),
        last_outbound=bindparam("lo"), message_count=bindparam("n"), inbound_count=bindparam("n_in"),
        channels=bindparam("ch"), state=bindparam("st"),
    )
)


@dataclass
class IngestSummary:
    """What an ingest did, per channel."""

    new: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    quarantined: Counter[str] = field(default_factory=Counter)
    threads_created: int = 0
    problems: list[Quarantined] = field(default_factory=list)
    stored_keys: list[str] = field(default_factory=list)

    def merge(self, other: IngestSummary) -> None:
        self.new.update(other.new)
        self.present.update(other.present)
        self.quarantined.update(other.quarantined)
        self.threads_created += other.threads_created
        self.problems.extend(other.problems)
        self.stored_keys.extend(other.stored_keys)

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


def _chunks(seq: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _in_chunks(conn: Connection, seq: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """``seq`` in pieces for :func:`_in`: whole on SQLite (it is one parameter there), else in pieces of a
    bounded number of parameters."""
    if conn.dialect.name == "sqlite":
        return [seq] if seq else []
    return _chunks(seq)


def _in(conn: Connection, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values``. On SQLite the values travel as one JSON array read with ``json_each``:
    SQLAlchemy renders and binds an expanded IN list anew for every execution, which cost more than SQLite's
    index lookups (the values are strings and integers, which JSON carries unchanged)."""
    if conn.dialect.name == "sqlite":
        return column.in_(select(literal_column("value")).select_from(func.json_each(json.dumps(list(values)))))
    return column.in_(values)


_NOTHING = object()  # "no value seen yet" in _insert_rows

#: SQLite's largest rowid: past it SQLite picks ids at random, and only it may say which.
_MAX_ROWID = 2**63 - 1
_DRIVER_INSERTS: dict[tuple[str, str, frozenset[str]], tuple[str, Callable[[Any], tuple[Any, ...]],
                                                           list[tuple[int, Callable[[Any], Any]]]] | None] = {}


#: SQLAlchemy's text form of a datetime on SQLite (its default storage format).
_SQLITE_DATETIME_FORMAT = sqlite.DATETIME._storage_format  # type: ignore[attr-defined]


def _faster(type_: Any, proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``proc``, or a faster function giving the very same values.

    SQLite's DATETIME processor fills its format from a dict of seven fields; a bulk import converts about
    four datetimes per message (send times, a new thread's times), and that was about 5 % of storing.
    ``isoformat(" ", "microseconds")`` writes the same fields in the same form (a four-digit year, two-digit
    fields, six-digit microseconds); its time-zone suffix, which the processor leaves out, is cut off.
    Anything but a plain datetime goes to ``proc``.
    """
    if not (type(type_) is sqlite.DATETIME and type_._storage_format == _SQLITE_DATETIME_FORMAT):
        return proc
    plain = datetime

    def process(value: Any) -> Any:
        if type(value) is plain:
            return value.isoformat(" ", "microseconds")[:26]
        return proc(value)

    return process


def _driver_insert(conn: Connection, table: Table, keys: frozenset[str]
                   ) -> tuple[str, Callable[[Any], tuple[Any, ...]], list[tuple[int, Callable[[Any], Any]]]] | None:
    """SQLite: the INSERT text for rows with exactly ``keys``, a getter that turns a row into its values in
    the statement's order, and the bind processors SQLAlchemy would apply (by position); None when
    SQLAlchemy would add values of its own (a column default not given), which only its path supplies."""
    cache_key = (conn.dialect.name, table.name, keys)
    if cache_key not in _DRIVER_INSERTS:
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=sorted(keys))
        order = list(compiled.positiontup or ())
        found = None
        if compiled.positional and set(order) == keys and len(order) == len(keys):
            dialect = conn.dialect
            procs: list[tuple[int, Callable[[Any], Any]]] = [
                (i, _faster(dialect.type_descriptor(table.c[name].type), proc)) for i, name in enumerate(order)
                if (proc := dialect.type_descriptor(table.c[name].type).bind_processor(dialect)) is not None]
            getter: Callable[[Any], tuple[Any, ...]] = (
                itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],)))
            found = (str(compiled), getter, procs)
        _DRIVER_INSERTS[cache_key] = found
    return _DRIVER_INSERTS[cache_key]


def _insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT many rows (all with the same keys).

    On SQLite the values go straight to the driver's ``executemany``: SQLAlchemy's own executemany builds
    and bind-processes a parameter set per row, which cost more than SQLite's work of storing it (a bulk
    import spent about 3 of its 19 seconds there). Each value still goes through the very bind processor
    SQLAlchemy would use, so what is stored (e.g. the text form of a datetime) stays the same.
    """
    if not rows:
        return
    fast = _driver_insert(conn, table, frozenset(rows[0])) if conn.dialect.name == "sqlite" else None
    if fast is None:
        conn.execute(insert(table), list(rows))
        return
    sql, getter, procs = fast
    values: list[Any] = [getter(r) for r in rows]
    if procs:
        # Converted column by column (the rows turned into columns and back by zip, in C), rather than
        # each row copied into a list and back into a tuple. A value that is the very object the row before
        # had in that column (the batch's one receive time, False) is converted once: the processors are
        # pure functions of their value.
        columns: list[Any] = list(zip(*values, strict=True))
        for i, proc in procs:
            converted: list[Any] = []
            seen: Any = _NOTHING
            made: Any = None
            for x in columns[i]:
                if x is not seen:
                    seen, made = x, proc(x)
                converted.append(made)
            columns[i] = converted
        values = list(zip(*columns, strict=True))
    conn.exec_driver_sql(sql, values)


def _insert_returning_ids(conn: Connection, table: Table, stmt: Any, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT rows and return their new ids, in the rows' order.

    SQLite cannot promise the order of a multi-row INSERT … RETURNING, so SQLAlchemy sends such rows one
    statement each (80,000 statements for a bulk import). Instead the first row is inserted alone, which
    takes the write lock and gives its id; when no id above it exists, SQLite would give the following rows
    the next ids in turn (its rowid is the largest plus one), so they are inserted together with those ids.
    """
    if conn.dialect.name != "sqlite" or len(rows) < 2:
        return [int(r[0]) for r in conn.execute(stmt, rows)] if rows else []
    first = int(conn.execute(stmt, rows[0]).scalar_one())
    top = conn.execute(select(func.max(table.c.id))).scalar_one()
    if top != first or first + len(rows) > _MAX_ROWID or "id" in rows[0]:
        return [first, *(int(r[0]) for r in conn.execute(stmt, rows[1:]))]
    ids = list(range(first, first + len(rows)))
    for row, new_id in zip(rows[1:], ids[1:], strict=True):
        row["id"] = new_id  # the caller's rows are built for this insert only
    _insert_rows(conn, table, rows[1:])
    return ids


def _insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]], index: list[str]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(table).on_conflict_do_nothing(index_elements=index), rows)
    elif conn.dialect.name == "sqlite":
        conn.execute(sqlite.insert(table).on_conflict_do_nothing(index_elements=index), rows)
    else:  # other dialects: one by one, skipping what is there
        for row in rows:
            cond = and_(*(table.c[k] == row[k] for k in index))
            if conn.execute(select(func.count()).select_from(table).where(cond)).scalar_one() == 0:
                conn.execute(insert(table), [row])


class _BatchContext:
    """The MatchContext for one batch: the database plus what this batch has assigned so far."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.database = conn.engine.url.render_as_string(hide_password=True)  # which store a matcher's indexes are of
        self.key_thread: dict[str, int] = {}
        self.conv_thread: dict[tuple[str, str], int] = {}
        self.pending: dict[int, list[CandidateMessage]] = {}  # person → this batch's messages
        self.thread_state: dict[int, str] = {}
        self._names: dict[int, str] | None = None
        self._registered: dict[int, bool] = {}
        self._no_conv: set[tuple[str, str]] = set()  # prefetched: not stored before this batch
        self._no_key: set[str] = set()
        self._recent_rows: dict[int, list[Row[Any]]] = {}  # prefetched stored messages per person, as read
        self._recent: dict[int, list[CandidateMessage]] = {}  # … and as candidates, once asked for
        self._recent_window: tuple[datetime, datetime] | None = None

    @property
    def store(self) -> _BatchContext:
        """This context reads the database's history itself (:class:`inbox.matching.StoreHistory`)."""
        return self

    @property
    def indexes(self) -> None:
        """No name indexes kept here: the matcher keeps its own across batches, from :attr:`store`."""
        return None

    def prefetch(self, msgs: Sequence[IncomingMessage]) -> None:
        """Look up, in a few queries, the threads of the conversations and replied-to mails of a batch."""
        convs: dict[str, list[str]] = {}
        refs: dict[str, list[str]] = {}
        for m in msgs:
            if m.conversation:
                convs.setdefault(m.channel.value, []).append(m.conversation)
            if m.channel == Channel.EMAIL:
                refs.setdefault("email", []).extend(r for r in (m.in_reply_to, *m.references) if r)
        for channel, values in convs.items():
            latest: dict[str, tuple[datetime, int]] = {}
            for chunk in _chunks(sorted(set(values))):
                for conv, tid, sent in self.conn.execute(
                    select(T_MSG.c.conversation, T_MSG.c.thread_id, T_MSG.c.sent_at)
                    .where(T_MSG.c.channel == channel, T_MSG.c.conversation.in_(chunk))
                ):
                    if conv not in latest or utc(sent) > latest[conv][0]:
                        latest[conv] = (utc(sent), int(tid))
            for conv in set(values):
                if conv in latest:
                    self.conv_thread[(channel, conv)] = latest[conv][1]
                else:
                    self._no_conv.add((channel, conv))
        for channel, keys in refs.items():
            found: set[str] = set()
            for chunk in _chunks(sorted(set(keys))):
                for pk, tid in self.conn.execute(select(T_MSG.c.provider_key, T_MSG.c.thread_id).where(
                        T_MSG.c.channel == channel, T_MSG.c.provider_key.in_(chunk))):
                    self.key_thread[f"{channel}:{pk}"] = int(tid)
                    found.add(pk)
            self._no_key.update(f"{channel}:{k}" for k in set(keys) - found)

    def person_by_identity(self, kind: str, value: str) -> int | None:
        pid = self.conn.execute(_IDENTITY_OWNER, {"k": kind, "v": value}).scalar_one_or_none()
        return int(pid) if pid is not None else None

    def registered(self, person_id: int) -> bool:
        if person_id not in self._registered:
            flag = self.conn.execute(select(T_PERSON.c.in_register).where(T_PERSON.c.id == person_id)).scalar()
            self._registered[person_id] = bool(flag)
        return self._registered[person_id]

    def person_names(self, after_id: int = 0) -> dict[int, str]:
        """Full names (with a space) of persons, or only of those created after person ``after_id``."""
        if after_id:
            return {int(pid): name for pid, name in self.conn.execute(
                select(T_PERSON.c.id, T_PERSON.c.name).where(T_PERSON.c.id > after_id,
                                                            T_PERSON.c.name.contains(" ")))}
        if self._names is None:
            self._names = {int(pid): name for pid, name in self.conn.execute(
                select(T_PERSON.c.id, T_PERSON.c.name).where(T_PERSON.c.name.contains(" ")))}
        return self._names

    def names_stamp(self) -> tuple[str, int]:
        """(version, highest person id): names change only by new persons while the version stays the same,
        so a matcher can keep its name index between batches and add only the persons after that id."""
        version = self.conn.execute(select(T_CURSOR.c.value).where(T_CURSOR.c.name == NAMES_VERSION)
                                    ).scalar_one_or_none()
        top = self.conn.execute(select(func.max(T_PERSON.c.id))).scalar_one_or_none()
        return version or "", int(top or 0)

    def unknown_inbound(self, after_id: int, since: datetime, until: datetime | None = None) -> UnknownInbound:
        """(message id, person, sent time, clean text) of inbound messages from persons not in the register:
        those stored with an id above ``after_id`` sent from ``since`` (up to ``until``), and this batch's
        own, not inserted yet (id 0); and the highest message id this answer covers. A matcher keeps an
        index of the names written in them and asks only for what is stored after that id, so the window
        is read from the database once, not per message."""
        cols = (T_MSG.c.id, T_MSG.c.person_id, T_MSG.c.sent_at, T_MSG.c.clean_body)
        if after_id:  # the few rows stored since, by primary key; the rest is filtered here
            read = [(int(mid), int(pid), utc(sent), body) for mid, pid, sent, body in self.conn.execute(
                select(*cols).where(T_MSG.c.id > after_id, T_MSG.c.direction == "in", T_MSG.c.person_id.is_not(None)))]
            top = max((r[0] for r in read), default=after_id)
            out = [r for r in read if r[2] >= since and (until is None or r[2] < until) and not self.registered(r[1])]
        else:
            top = int(self.conn.execute(select(func.max(T_MSG.c.id))).scalar_one_or_none() or 0)
            cond = [T_MSG.c.direction == "in", T_MSG.c.sent_at >= utc(since), T_PERSON.c.in_register.is_(False),
                    T_MSG.c.id <= top]
            if until is not None:
                cond.append(T_MSG.c.sent_at < utc(until))
            out = [(int(mid), int(pid), utc(sent), body) for mid, pid, sent, body in self.conn.execute(
                select(*cols).join(T_PERSON, T_PERSON.c.id == T_MSG.c.person_id).where(*cond))]
        for pid, pending in self.pending.items():
            out.extend((0, pid, c.sent_at, c.clean_body) for c in pending if c.direction == Direction.IN
                       and c.sent_at >= since and (until is None or c.sent_at < until)
                       and pid > 0 and not self.registered(pid))
        return out, top

    def inbound_messages(self, after_id: int, since: datetime, until: datetime | None = None) -> InboundRows:
        """(key, thread, person, channel, sent time, clean text) of every writer's stored inbound messages
        with an id above ``after_id`` sent from ``since`` (up to ``until``), and the highest message id this
        answer covers: a matcher keeps them in a nearest-neighbour index across batches and asks only for
        what was stored since. This batch's own messages, not inserted yet, are not included."""
        cols = (T_MSG.c.channel, T_MSG.c.provider_key, T_MSG.c.thread_id, T_MSG.c.person_id, T_MSG.c.sent_at,
                T_MSG.c.clean_body)
        top = int(self.conn.execute(select(func.max(T_MSG.c.id))).scalar_one_or_none() or 0)
        cond = [T_MSG.c.direction == "in", T_MSG.c.id > after_id, T_MSG.c.id <= top]
        if not after_id:  # the first read: the window, by time; later ones: the few rows since, by id
            cond.append(T_MSG.c.sent_at >= utc(since))
        if until is not None:
            cond.append(T_MSG.c.sent_at < utc(until))
        out = []
        for ch, pk, tid, pid, sent, body in self.conn.execute(select(*cols).where(*cond)):
            at = utc(sent)
            if at >= since:
                out.append((f"{ch}:{pk}", int(tid), None if pid is None else int(pid), ch, at, body))
        return out, top

    def thread_of_message(self, key: str) -> int | None:
        if key in self.key_thread:
            return self.key_thread[key]
        if key in self._no_key:
            return None
        channel, _, pkey = key.partition(":")
        tid = self.conn.execute(_THREAD_OF_KEY, {"ch": channel, "pk": pkey}).scalar_one_or_none()
        return int(tid) if tid is not None else None

    def thread_of_conversation(self, channel: Channel, conversation: str) -> int | None:
        ck = (channel.value, conversation)
        if ck in self.conv_thread:
            return self.conv_thread[ck]
        if ck in self._no_conv:
            return None
        tid = self.conn.execute(_THREAD_OF_CONVERSATION, {"ch": channel.value, "conv": conversation}
                                ).scalar_one_or_none()
        if tid is not None:
            self.conv_thread[ck] = int(tid)
        return int(tid) if tid is not None else None

    def prefetch_recent(self, person_ids: Iterable[int], since: datetime, until: datetime) -> None:
        """Read the stored messages of many persons between ``since`` and ``until`` in a few queries, so
        :meth:`recent_messages` answers from memory for any window inside that one."""
        wanted = sorted(set(person_ids))
        rows: dict[int, list[Row[Any]]] = {pid: [] for pid in wanted}
        for chunk in _in_chunks(self.conn, wanted):
            for r in self.conn.execute(_candidate_query(_in(self.conn, T_MSG.c.person_id, chunk), since, until)).all():
                rows[r[2] or 0].append(r)
        # Rows become CandidateMessages (and their send times datetimes) only for the persons a matcher asks
        # about: the structural matcher asks for few (an outbound SMS's person), and building them all was
        # a sixth of a bulk import.
        self._recent_rows, self._recent, self._recent_window = rows, {}, (since, until)

    def _candidates(self, who: Any, since: datetime, until: datetime) -> list[CandidateMessage]:
        to_time = self._to_time()
        return [_candidate(r, to_time) for r in self.conn.execute(_candidate_query(who, since, until))]

    def _to_time(self) -> Callable[[Any], Any]:
        """What SQLAlchemy would make of a stored send time read raw (SQLite: text → datetime)."""
        dialect = self.conn.dialect
        if dialect.name not in _TO_TIME:
            _TO_TIME[dialect.name] = (
                dialect.type_descriptor(T_MSG.c.sent_at.type).result_processor(dialect, None) or _same)
        return _TO_TIME[dialect.name]

    def recent_messages(self, person_id: int, since: datetime, until: datetime) -> list[CandidateMessage]:
        window = self._recent_window
        if window is not None and person_id in self._recent_rows and window[0] <= since and until <= window[1]:
            if person_id not in self._recent:
                to_time = self._to_time()
                self._recent[person_id] = [_candidate(r, to_time) for r in self._recent_rows[person_id]]
            stored = [c for c in self._recent[person_id] if since <= c.sent_at <= until]
        else:
            stored = self._candidates(T_MSG.c.person_id == person_id, since, until)
        # A thread's state as this batch left it (the matcher may have reopened one).
        out = [c if c.thread_id not in self.thread_state else dataclasses.replace(
            c, thread_state=self.thread_state[c.thread_id]) for c in stored]
        out.extend(m for m in self.pending.get(person_id, []) if since <= m.sent_at <= until)
        out.sort(key=lambda m: (m.sent_at, m.message_id))
        return out


def _candidate_query(who: Any, since: datetime, until: datetime) -> Any:
    """Stored messages (with their thread's state) matching ``who``, sent in [since, until], oldest first."""
    return (
        select(
            T_MSG.c.id, T_MSG.c.thread_id, T_MSG.c.person_id, T_MSG.c.channel, T_MSG.c.provider_key,
            # The send time as the driver gives it, converted by _to_time for the candidates asked for only.
            T_MSG.c.direction, type_coerce(T_MSG.c.sent_at, String()), T_MSG.c.subject, T_MSG.c.clean_body,
            T_THREAD.c.state,
        )
        .join(T_THREAD, T_THREAD.c.id == T_MSG.c.thread_id)
        .where(who, T_MSG.c.sent_at >= utc(since), T_MSG.c.sent_at <= utc(until))
        .order_by(T_MSG.c.sent_at, T_MSG.c.id)
    )


_TO_TIME: dict[str, Callable[[Any], Any]] = {}


def _same(value: Any) -> Any:
    return value


def _candidate(r: Row[Any], to_time: Callable[[Any], Any]) -> CandidateMessage:
    """A row of :func:`_candidate_query` as the matcher sees it (``to_time``: see ``_to_time``)."""
    mid, tid, pid, channel, pkey, direction, sent, subject, clean, state = tuple(r)
    return CandidateMessage(
        message_id=mid, thread_id=tid, person_id=pid, key=f"{channel}:{pkey}", channel=Channel(channel),
        direction=Direction(direction), sent_at=utc(to_time(sent)), subject=subject, clean_body=clean,
        thread_state=state,
    )


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
        _insert_ignore(self.conn, T_QUAR, rows, ["fingerprint"])
        for q in items:
            summary.quarantined[q.channel or "unknown"] += 1
            summary.problems.append(q)

    # -- persons --------------------------------------------------------------------------------
    def _resolve_persons(self, msgs: Sequence[tuple[str, IncomingMessage]]) -> dict[str, int | None]:
        """Map each message key to a person id, creating persons for unknown addresses."""
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
            for chunk in _in_chunks(self.conn, values):
                for pid, value in self.conn.execute(
                    select(T_IDENT.c.person_id, T_IDENT.c.value).where(
                        T_IDENT.c.kind == kind, _in(self.conn, T_IDENT.c.value, chunk))
                ):
                    known[(kind, value)] = pid
        out: dict[str, int | None] = {}
        new_people: list[dict[str, Any]] = []  # inserted together; until then their ids are -1, -2, …
        new_idents: list[tuple[int, Identity]] = []
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
            out[key] = pid
        if new_people:
            person_ids = _insert_returning_ids(self.conn, T_PERSON, _INSERT_PERSONS, new_people)
            real = {-(n + 1): pid for n, pid in enumerate(person_ids)}
            out = {k: real.get(v, v) if v is not None else None for k, v in out.items()}
            new_idents = [(real.get(pid, pid), i) for pid, i in new_idents]
        _insert_ignore(self.conn, T_IDENT, [{"person_id": pid, "kind": i.kind.value, "value": i.value}
                                            for pid, i in new_idents], ["kind", "value"])
        return out

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
            for chunk in _in_chunks(self.conn, keys):
                for pk, digest in self.conn.execute(
                    select(T_MSG.c.provider_key, T_MSG.c.digest).where(
                        T_MSG.c.channel == channel, _in(self.conn, T_MSG.c.provider_key, chunk))
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
        persons = self._resolve_persons(fresh)
        ctx = _BatchContext(self.conn)
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
                values = _thread_values(_aggregate(-(n + 1), own[-(n + 1)]), "open")
                thread.update({_THREAD_COLUMNS[k]: v for k, v in values.items() if k in _THREAD_COLUMNS})
            ids = _insert_returning_ids(self.conn, T_THREAD, _INSERT_THREADS, new_threads)
            real = {-(i + 1): tid for i, tid in enumerate(ids)}
            for row in rows:
                row["thread_id"] = real.get(row["thread_id"], row["thread_id"])
            touched = {t for t in touched if t > 0}
        _insert_rows(self.conn, T_MSG, rows)
        refresh_threads(self.conn, sorted(touched))

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


def _aggregate(thread_id: int, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What :func:`refresh_threads` asks the database, worked out from message rows in hand."""
    sent = [r["sent_at"] for r in rows]
    inbound = [r["sent_at"] for r in rows if r["direction"] == "in"]
    asks = [r["sent_at"] for r in rows if r["direction"] == "in" and not r["ack"]]
    out = [r["sent_at"] for r in rows if r["direction"] == "out"]
    return {
        "thread_id": thread_id, "first_any": min(r["received_at"] for r in rows), "last_any": max(sent),
        "first_in": min((r["received_at"] for r in rows if r["direction"] == "in"), default=None),
        "last_in": max(inbound, default=None),
        "last_ask": max(asks, default=None), "last_out": max(out, default=None),
        "n": len(rows), "n_in": len(inbound), "channels": {r["channel"] for r in rows},
    }


def _update_threads(conn: Connection, aggregates: Sequence[Mapping[str, Any]], states: Mapping[int, str]) -> None:
    """Write the maintained columns and the state that follow from each thread's aggregate.

    The state moves to answered when the office wrote (a message, or a reply recorded by a caseworker) after
    the last inbound message that asks for something (acknowledgements such as "tusen takk!" don't), back to
    open when the citizen wrote again.
    """
    updates = [_thread_values(a, states.get(a["thread_id"], "open")) for a in aggregates]
    if updates:
        conn.execute(_UPDATE_THREAD, updates)


def _thread_values(a: Mapping[str, Any], state: str) -> dict[str, Any]:
    """The maintained columns of one thread (named as :data:`_UPDATE_THREAD` binds them) from its aggregate."""
    # A bare "takk!" after the office's answer is not waiting for anything.
    last_in = utc(a["last_ask"]) if a["last_ask"] else (a["last_in"] and utc(a["last_in"]))
    # The office's last answer: an outbound message, or a reply recorded in flerkanal (a call, or an answer
    # not sent through a connector leaves no outbound message; without it a refresh reopened the thread).
    answers = [utc(t) for t in (a["last_out"], a.get("last_reply")) if t]
    last_out = max(answers, default=None)
    if last_in is None or (last_out is not None and last_out >= last_in):
        if state in ("open", "claimed"):
            state = "answered"
    elif state in ("answered", "closed"):
        state = "open"
    return {
        "tid": a["thread_id"], "fc": a["first_in"] or a["first_any"], "la": a["last_any"], "li": a["last_in"],
        "lo": a["last_out"], "n": a["n"], "n_in": a["n_in"], "ch": ",".join(sorted(a["channels"])), "st": state,
    }


#: :func:`_thread_values`' names → thread columns.
_THREAD_COLUMNS = {"fc": "first_contact", "la": "last_activity", "li": "last_inbound", "lo": "last_outbound",
                   "n": "message_count", "n_in": "inbound_count", "ch": "channels", "st": "state"}


def bump_names_version(conn: Connection) -> None:
    """Tell matchers that keep a name index that persons' names changed (renamed, merged, imported)."""
    now = datetime.now(UTC)
    value = f"{now.isoformat()}/{uuid.uuid4().hex[:8]}"
    if conn.execute(update(T_CURSOR).where(T_CURSOR.c.name == NAMES_VERSION).values(value=value, updated_at=now)
                    ).rowcount == 0:
        conn.execute(insert(T_CURSOR).values(name=NAMES_VERSION, value=value, updated_at=now))


def refresh_threads(conn: Connection, thread_ids: Sequence[int]) -> None:
    """Recompute the maintained columns of threads from their messages, and their state.

    first_contact is the earliest inbound message (the fair order's key); for the state see
    :func:`_update_threads`.
    """
    for chunk in _in_chunks(conn, list(thread_ids)):
        agg = conn.execute(
            select(
                T_MSG.c.thread_id,
                func.min(T_MSG.c.received_at).label("first_any"),
                func.max(T_MSG.c.sent_at).label("last_any"),
                func.min(T_MSG.c.received_at).filter(T_MSG.c.direction == "in").label("first_in"),
                func.max(T_MSG.c.sent_at).filter(T_MSG.c.direction == "in").label("last_in"),
                func.max(T_MSG.c.sent_at).filter(T_MSG.c.direction == "in", T_MSG.c.ack.is_(False)).label("last_ask"),
                func.max(T_MSG.c.sent_at).filter(T_MSG.c.direction == "out").label("last_out"),
                func.count().label("n"),
                func.count().filter(T_MSG.c.direction == "in").label("n_in"),
            )
            .where(_in(conn, T_MSG.c.thread_id, chunk))
            .group_by(T_MSG.c.thread_id)
        ).mappings().all()
        chans: dict[int, set[str]] = {}
        for tid, ch in conn.execute(
            select(T_MSG.c.thread_id, T_MSG.c.channel).where(_in(conn, T_MSG.c.thread_id, chunk)).distinct()
        ):
            chans.setdefault(tid, set()).add(ch)
        states: dict[int, str] = dict(conn.execute(
            select(T_THREAD.c.id, T_THREAD.c.state).where(_in(conn, T_THREAD.c.id, chunk))).all())
        replied: dict[int, datetime] = dict(conn.execute(
            select(T_REPLY.c.thread_id, func.max(T_REPLY.c.created_at))
            .where(_in(conn, T_REPLY.c.thread_id, chunk)).group_by(T_REPLY.c.thread_id)).all())
        present = {a["thread_id"] for a in agg}
        _update_threads(conn, [{**a, "channels": chans.get(a["thread_id"], set()),
                                "last_reply": replied.get(a["thread_id"])} for a in agg], states)
        # A thread left without messages (all split or merged away) is closed.
        empty = [t for t in chunk if t not in present]
        if empty:
            conn.execute(update(T_THREAD).where(_in(conn, T_THREAD.c.id, empty)).values(
                state="closed", message_count=0, inbound_count=0, channels=""))


__all__ = ["IngestSummary", "MessageWriter", "bump_names_version", "refresh_threads"]
