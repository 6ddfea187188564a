"""The seam where a matcher decides which inquiry (thread) a new message belongs to.

The store calls ``Matcher.assign`` for every new message, in time order, with a
:class:`MatchContext` through which the matcher may look at the person's recent threads and messages.
The default :class:`StructuralMatcher` uses only what the channels say for certain: email
In-Reply-To/References, the dialogue thread id, and for the office's outbound SMS the person's latest
thread. The embedding matcher in ``dedup`` implements the same protocol.
"""

from __future__ import annotations

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


class MatchContext(Protocol):
    """What a matcher may ask the store while deciding (answers include this batch's messages)."""

    def thread_of_message(self, key: str) -> int | None:
        """The thread holding the message with this key (``email:<id>``, ``sms:SM…``, …)."""

    def thread_of_conversation(self, channel: Channel, conversation: str) -> int | None:
        """The thread holding the dialogue (or other channel conversation) ``conversation``."""

    def recent_messages(self, person_id: int, since: datetime, until: datetime) -> list[CandidateMessage]:
        """The person's messages in [since, until], oldest first."""

    def person_by_identity(self, kind: str, value: str) -> int | None:
        """The person holding an identity (``fnr``, ``phone``, ``email``, ``aktor_id``), if any."""

    def registered(self, person_id: int) -> bool:
        """Whether the person comes from the contact register (not created for an unknown address)."""

    def person_names(self, after_id: int = 0) -> dict[int, str]:
        """Names of persons (of those with an id above ``after_id``), to recognise a name written in a message.

        A context may also offer ``names_stamp() -> (version, highest person id)``: the matcher then keeps
        its name index between contexts, adding persons created since and rebuilding when the version
        changes; or ``name_index()``, an index it keeps itself.
        """


class Matcher(Protocol):
    """Decides which thread a message joins.

    Optional: ``prepare(batch)`` sees a whole batch before its messages are assigned one by one (to embed
    them together), and ``lookback`` (a timedelta) says how far back ``assign`` reads a person's history,
    so the store can read the batch's persons' messages in a few queries instead of one per message.
    """

    name: str

    def assign(self, msg: IncomingMessage, clean_body: str, person_id: int | None,
               ctx: MatchContext) -> MatchDecision: ...


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
    lookback = REPLY_WINDOW  # the furthest back it reads a person's history (the store prefetches that much)

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
