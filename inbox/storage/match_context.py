"""The context the writer hands the matcher for one batch: the database plus what the batch assigned so far.

It implements :class:`inbox.matching.MatchContext` and, for a matcher's indexes kept across batches,
:class:`inbox.matching.StoreHistory`.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, String, bindparam, func, insert, select, type_coerce, update

from inbox.domain import Channel, Direction, IncomingMessage
from inbox.matching import CandidateMessage, InboundRows, UnknownInbound
from inbox.storage.bulk import chunks, in_chunks, in_values
from inbox.storage.convert import utc
from inbox.storage.tables import T_CURSOR, T_IDENT, T_MSG, T_PERSON, T_THREAD

#: Cursor-table entry changed whenever persons' names change other than by new persons (contacts import).
NAMES_VERSION = "person-names/version"

_THREAD_OF_KEY = select(T_MSG.c.thread_id).where(
    T_MSG.c.channel == bindparam("ch"), T_MSG.c.provider_key == bindparam("pk"))
_THREAD_OF_CONVERSATION = (select(T_MSG.c.thread_id)
                           .where(T_MSG.c.channel == bindparam("ch"), T_MSG.c.conversation == bindparam("conv"))
                           .order_by(T_MSG.c.sent_at.desc()).limit(1))
_IDENTITY_OWNER = select(T_IDENT.c.person_id).where(T_IDENT.c.kind == bindparam("k"), T_IDENT.c.value == bindparam("v"))


class BatchContext:
    """The MatchContext for one batch: the database plus what this batch has assigned so far.

    It answers as of the message being matched, as the batch driver's context does: the persons and
    identities this batch created become known only when their first message is reached (:meth:`reach`), so
    a later message's person (an address named by its display name, an ID number a dialogue carries) never
    identifies the writer of an earlier message of the same batch (issue 15: one code path, one answer).
    """

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
        self._ahead: set[int] = set()  # persons created by this batch whose first message is not reached yet
        self._ahead_ids: set[tuple[str, str]] = set()  # identities (kind, value) this batch added, likewise

    def hold_back(self, persons: Iterable[int], identities: Iterable[tuple[str, str]]) -> None:
        """Persons and identities this batch created: unknown to the matcher until :meth:`reach`."""
        self._ahead.update(persons)
        self._ahead_ids.update(identities)

    def reach(self, person_id: int | None, identities: Iterable[tuple[str, str]]) -> None:
        """The next message (of ``person_id``, bringing ``identities``) is matched now: they are known."""
        self._ahead.discard(person_id or 0)
        self._ahead_ids.difference_update(identities)

    @property
    def store(self) -> BatchContext:
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
            for chunk in chunks(sorted(set(values))):
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
            for chunk in chunks(sorted(set(keys))):
                for pk, tid in self.conn.execute(select(T_MSG.c.provider_key, T_MSG.c.thread_id).where(
                        T_MSG.c.channel == channel, T_MSG.c.provider_key.in_(chunk))):
                    self.key_thread[f"{channel}:{pk}"] = int(tid)
                    found.add(pk)
            self._no_key.update(f"{channel}:{k}" for k in set(keys) - found)

    def person_by_identity(self, kind: str, value: str) -> int | None:
        if (kind, value) in self._ahead_ids:
            return None
        pid = self.conn.execute(_IDENTITY_OWNER, {"k": kind, "v": value}).scalar_one_or_none()
        return int(pid) if pid is not None else None

    def registered(self, person_id: int) -> bool:
        if person_id not in self._registered:
            flag = self.conn.execute(select(T_PERSON.c.in_register).where(T_PERSON.c.id == person_id)).scalar()
            self._registered[person_id] = bool(flag)
        return self._registered[person_id]

    def person_names(self, after_id: int = 0) -> dict[int, str]:
        """Full names (with a space) of the known persons (up to :meth:`names_stamp`'s highest id), or only of
        those created after person ``after_id``."""
        if after_id:
            found = {int(pid): name for pid, name in self.conn.execute(
                select(T_PERSON.c.id, T_PERSON.c.name).where(T_PERSON.c.id > after_id,
                                                            T_PERSON.c.name.contains(" ")))}
        else:
            if self._names is None:
                self._names = {int(pid): name for pid, name in self.conn.execute(
                    select(T_PERSON.c.id, T_PERSON.c.name).where(T_PERSON.c.name.contains(" ")))}
            found = self._names
        if not self._ahead:
            return found
        top = min(self._ahead)  # persons are created in the order of their first message
        return {pid: name for pid, name in found.items() if pid < top}

    def names_stamp(self) -> tuple[str, int]:
        """(version, highest known person id): names change only by new persons while the version stays the
        same, so a matcher can keep its name index between batches and add only the persons after that id.
        Persons this batch created count from their first message on (:meth:`reach`)."""
        version = self.conn.execute(select(T_CURSOR.c.value).where(T_CURSOR.c.name == NAMES_VERSION)
                                    ).scalar_one_or_none()
        if self._ahead:
            return version or "", min(self._ahead) - 1
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
        for chunk in in_chunks(self.conn, wanted):
            who = in_values(self.conn, T_MSG.c.person_id, chunk)
            for r in self.conn.execute(_candidate_query(who, since, until)).all():
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


def bump_names_version(conn: Connection) -> None:
    """Tell matchers that keep a name index that persons' names changed (renamed, merged, imported)."""
    now = datetime.now(UTC)
    value = f"{now.isoformat()}/{uuid.uuid4().hex[:8]}"
    if conn.execute(update(T_CURSOR).where(T_CURSOR.c.name == NAMES_VERSION).values(value=value, updated_at=now)
                    ).rowcount == 0:
        conn.execute(insert(T_CURSOR).values(name=NAMES_VERSION, value=value, updated_at=now))


__all__ = ["NAMES_VERSION", "BatchContext", "bump_names_version"]
