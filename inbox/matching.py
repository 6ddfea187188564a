"""The seam where a matcher decides which inquiry (thread) a new message belongs to.

The store calls ``Matcher.assign`` for every new message, in time order, with a
:class:`MatchContext` through which the matcher may look at the person's recent threads and messages.
The default :class:`StructuralMatcher` uses only what the channels say for certain: email
In-Reply-To/References, the dialogue thread id, and for the office's outbound SMS the person's latest
thread. The embedding matcher in ``dedup`` implements the same protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from inbox.domain import Channel, Direction, IncomingMessage


@dataclass(frozen=True, slots=True)
class CandidateMessage:
    """A stored message the matcher may compare a new one with."""

    message_id: int
    thread_id: int
    person_id: int | None
    key: str
    channel: Channel
    direction: Direction
    sent_at: datetime
    subject: str
    clean_body: str
    thread_state: str


@dataclass(frozen=True, slots=True)
class MatchDecision:
    """Attach to ``thread_id`` (None: start a new inquiry), with a score in [0, 1] and the evidence."""

    thread_id: int | None
    score: float | None = None
    reason: str = ""
    evidence: dict[str, object] = field(default_factory=dict)
    person_id: int | None = None  # the person the matcher identified, when the address alone did not


NEW_THREAD = MatchDecision(None, None, "new inquiry")
REPLY_WINDOW = timedelta(days=30)


class NameFinder(Protocol):
    """An index of persons' full names (a matcher's own, or one a context keeps for it)."""

    def find(self, text: str) -> set[int]:
        """The persons whose full name is written in ``text``."""
        ...

    def household(self, pid: int, first: str) -> set[int]:
        """Other persons named ``first`` (folded) with the same last name as person ``pid``."""
        ...


class OwnIndexes(Protocol):
    """What a context that keeps the matcher's name indexes itself (the batch driver's, in memory) lends it."""

    def name_index(self) -> NameFinder:
        """The index of registered persons' names, kept in step with the context's persons."""
        ...

    def persons_mentioning(self, name: str, since: datetime, until: datetime) -> set[int]:
        """Persons not in the register who wrote the full name ``name`` in a message sent in [since, until]."""
        ...


#: Rows a store hands a matcher's incremental index, and the highest message id the answer covers.
UnknownInbound = tuple[list[tuple[int, int, datetime, str]], int]
InboundRows = tuple[list[tuple[str, int, int | None, str, datetime, str]], int]


class StoreHistory(Protocol):
    """What a context backed by a database adds: the store's history, for indexes a matcher keeps across
    batches (read once, then only what was stored since)."""

    @property
    def database(self) -> str:
        """Which store this is (its URL without a password): an index of another store starts afresh."""
        ...

    def names_stamp(self) -> tuple[str, int]:
        """(version, highest person id): names change only by new persons while the version stays the same,
        so a matcher can keep its name index between batches and add only the persons after that id."""
        ...

    def unknown_inbound(self, after_id: int, since: datetime, until: datetime | None = None) -> UnknownInbound:
        """(message id, person, sent time, clean text) of inbound messages from persons not in the register
        stored with an id above ``after_id`` and sent from ``since`` (up to ``until``), plus this batch's own
        (id 0); and the highest message id the answer covers."""
        ...

    def inbound_messages(self, after_id: int, since: datetime, until: datetime | None = None) -> InboundRows:
        """(key, thread, person, channel, sent time, clean text) of every writer's stored inbound messages with
        an id above ``after_id`` sent from ``since`` (up to ``until``); and the highest message id covered."""
        ...


class MatchContext(Protocol):
    """What a matcher may ask while deciding (answers include this batch's messages).

    Two abilities only some contexts have are declared as properties that are None where they are absent:
    :attr:`store` (the database's history: the store's writer) and :attr:`indexes` (name indexes the context
    keeps itself: the batch driver).
    """

    def thread_of_message(self, key: str) -> int | None:
        """The thread holding the message with this key (``email:<id>``, ``sms:SM…``, …)."""
        ...

    def thread_of_conversation(self, channel: Channel, conversation: str) -> int | None:
        """The thread holding the dialogue (or other channel conversation) ``conversation``."""
        ...

    def recent_messages(self, person_id: int, since: datetime, until: datetime) -> list[CandidateMessage]:
        """The person's messages in [since, until], oldest first."""
        ...

    def person_by_identity(self, kind: str, value: str) -> int | None:
        """The person holding an identity (``fnr``, ``phone``, ``email``, ``aktor_id``), if any."""
        ...

    def registered(self, person_id: int) -> bool:
        """Whether the person comes from the contact register (not created for an unknown address)."""
        ...

    def person_names(self, after_id: int = 0) -> dict[int, str]:
        """Names of persons (of those with an id above ``after_id``), to recognise a name written in a message."""
        ...

    @property
    def store(self) -> StoreHistory | None:
        """The database's history behind this context; None for a context without one."""
        ...

    @property
    def indexes(self) -> OwnIndexes | None:
        """Name indexes this context keeps for the matcher; None: the matcher keeps its own."""
        ...


class Matcher(Protocol):
    """Decides which thread a message joins; the store's writer calls every member declared here."""

    name: str

    @property
    def lookback(self) -> timedelta:
        """How far back :meth:`assign` reads a person's history, so the store can read a batch's persons'
        messages in a few queries instead of one per message."""
        ...

    def prepare(self, batch: Sequence[tuple[IncomingMessage, str]]) -> None:
        """See a whole batch (message, clean text) before its messages are assigned one by one (to embed them
        together)."""
        ...

    def assign(self, msg: IncomingMessage, clean_body: str, person_id: int | None,
               ctx: MatchContext) -> MatchDecision:
        """The thread ``msg`` joins."""
        ...

    def forget(self) -> None:
        """Drop what was learnt from a store transaction that did not commit (its person ids may be reused)."""
        ...


def structural_decision(msg: IncomingMessage, ctx: MatchContext) -> MatchDecision | None:
    """What the channels say for certain: a mail reply's references, the same dialogue thread."""
    if msg.channel == Channel.EMAIL:
        for ref in (msg.in_reply_to, *reversed(msg.references)):
            if ref:
                tid = ctx.thread_of_message(f"email:{ref}")
                if tid is not None:
                    return MatchDecision(tid, 1.0, "email reply", {"in_reply_to": ref})
    if msg.conversation:
        tid = ctx.thread_of_conversation(msg.channel, msg.conversation)
        if tid is not None:
            return MatchDecision(tid, 1.0, "same dialogue thread", {"conversation": msg.conversation})
    return None


class StructuralMatcher:
    """Until the embedding matcher is configured: every inbound message is its own inquiry unless the
    channel's own threading says otherwise; the office's outbound SMS joins the person's latest thread."""

    name = "structural"

    @property
    def lookback(self) -> timedelta:
        """The furthest back it reads a person's history (the store prefetches that much)."""
        return REPLY_WINDOW

    def prepare(self, batch: Sequence[tuple[IncomingMessage, str]]) -> None:
        """Nothing to prepare: the channels' own threading needs no look at the batch."""

    def forget(self) -> None:
        """Nothing learnt to drop."""

    def assign(self, msg: IncomingMessage, clean_body: str, person_id: int | None,
               ctx: MatchContext) -> MatchDecision:
        found = structural_decision(msg, ctx)
        if found is not None:
            return found
        if msg.direction == Direction.OUT and person_id is not None:
            recent = ctx.recent_messages(person_id, msg.sent_at - REPLY_WINDOW, msg.sent_at)
            inbound = [m for m in recent if m.direction == Direction.IN]
            if inbound:
                return MatchDecision(inbound[-1].thread_id, None, "office reply to the latest inquiry")
        return NEW_THREAD
