"""The one interface every channel implements.

A connector pulls what is new since a cursor and sends replies; it knows nothing of the store or the UI.
The sync loop (``connectors.sync``) stores what a pull returned and only then saves the returned cursor,
so a crash between the two re-reads a page whose messages are already stored (and skipped by key):
nothing is lost, nothing is doubled.

Errors follow ``inbox.errors``: AuthError and PermanentError are not retried; RateLimited carries
retry_after; TransientError is retried with backoff.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import ClassVar

from inbox.domain import Channel, IncomingMessage, Quarantined


@dataclass(frozen=True, slots=True)
class PullResult:
    """What one pull found, and the cursor to save once those items are stored."""

    items: list[IncomingMessage | Quarantined]
    cursor: str | None
    more: bool = False  # True when the connector has another page ready right away


@dataclass(frozen=True, slots=True)
class OutgoingReply:
    """A reply to send on a written channel."""

    to: str  # phone (E.164), email address, or the citizen's fnr/aktørId for the dialogue
    body: str
    subject: str = ""
    in_reply_to: str = ""  # email Message-ID being answered
    references: tuple[str, ...] = ()
    conversation: str = ""  # dialogue id to answer in; empty starts a new dialogue
    sender_name: str = ""


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_key: str  # Twilio SID, our Message-ID, henvendelse id
    status: str = "sent"
    conversation: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class Connector(ABC):
    """One channel. Subclasses set ``name``, ``channel`` and the capability flags."""

    name: ClassVar[str]
    channel: ClassVar[Channel]
    can_push: ClassVar[bool] = False  # delivers new messages by itself (IMAP IDLE, webhooks)
    can_send: ClassVar[bool] = True
    can_mark_handled: ClassVar[bool] = False

    @abstractmethod
    async def pull(self, cursor: str | None) -> PullResult:
        """New messages since ``cursor`` (None: from the beginning or the configured start)."""

    @abstractmethod
    async def send(self, reply: OutgoingReply) -> SendResult:
        """Send a reply; raises a ConnectorError subclass on failure."""

    async def wait_for_new(self, wait_seconds: float) -> bool:
        """Block until the server says something new arrived (push connectors), or ``wait_seconds`` pass → False."""
        return False

    async def mark_handled(self, conversation: str) -> None:  # noqa: B027 - optional ability
        """Tell the channel a conversation is handled (the dialogue's ferdigbehandlet)."""

    async def close(self) -> None:  # noqa: B027 - nothing to close by default
        """Release connections."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
