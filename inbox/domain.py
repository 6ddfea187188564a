"""Domain objects: plain, immutable data with no storage or IO.

Storage rows live in :mod:`inbox.storage.tables` and are converted in :mod:`inbox.storage.convert`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    """A channel a message can arrive on."""

    SMS = "sms"
    EMAIL = "email"
    DIALOG = "dialog"


class ReplyChannel(StrEnum):
    """A channel a caseworker can answer on: the three written ones plus talk."""

    DIALOG = "dialog"
    SMS = "sms"
    EMAIL = "email"
    PHONE = "phone"
    VIDEO = "video"
    MEETING = "meeting"

    @property
    def is_written(self) -> bool:
        return self in (ReplyChannel.DIALOG, ReplyChannel.SMS, ReplyChannel.EMAIL)


class Direction(StrEnum):
    IN = "in"  # from the citizen
    OUT = "out"  # the office's reply


class ThreadState(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    ANSWERED = "answered"
    CLOSED = "closed"


class IdentityKind(StrEnum):
    PHONE = "phone"  # E.164
    EMAIL = "email"  # lower-cased
    FNR = "fnr"  # national ID number (fødselsnummer / d-nummer)
    AKTOR_ID = "aktor_id"  # Nav's actor id


@dataclass(frozen=True, slots=True)
class Identity:
    kind: IdentityKind
    value: str


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One message as read from a provider or an export, before it is stored.

    ``provider_key`` is the provider's own id (Twilio SID, Message-ID with angle brackets, dialogue
    henvendelse id); together with ``channel`` it is the idempotency key.
    """

    channel: Channel
    provider_key: str
    direction: Direction
    sent_at: datetime
    body: str
    raw: str
    sender: str = ""  # raw address as the provider gave it (phone, email, fnr)
    recipient: str = ""
    sender_name: str = ""
    subject: str = ""
    conversation: str = ""  # dialogue id, or empty
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    identities: tuple[Identity, ...] = ()  # identities the provider vouches for (dialogue fnr/aktørId)
    attachments: tuple[Attachment, ...] = ()
    status: str = ""  # provider delivery status, when known
    #: When the office received it, as the provider or the delivering server says (Twilio's and the dialogue's
    #: own times, IMAP INTERNALDATE, an mbox From_ line, a Maildir file's delivery time, the newest Received
    #: header); None: not known, and the time it is stored counts. The fair order uses this, never what the
    #: sender wrote in a Date header.
    received_at: datetime | None = None
    #: SHA-256 of the canonical message (email: the same whatever the container); with the provider key it
    #: tells a repeat of a stored mail from a different mail that reuses its Message-ID.
    digest: str = ""
    #: Doubts about the record that do not stop it being stored: "date" (an implausible Date header,
    #: replaced by the time it arrived).
    flags: tuple[str, ...] = ()
    #: The matcher's clean text, when the reader already worked it out (parse workers do, in parallel);
    #: None: the store cleans the body itself.
    clean_body: str | None = None

    def __post_init__(self) -> None:
        if self.sent_at.tzinfo is None:
            raise ValueError("sent_at must be timezone-aware")
        if self.received_at is not None and self.received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        # Whatever a sender chose, a message can always be stored: ids that go into unique indexes are
        # bounded, and so is the text kept (see bound_key and bound_text). One cheap look first: nearly
        # every message needs nothing.
        if (len(self.provider_key) > _SHORT_KEY or len(self.conversation) > _SHORT_KEY
                or len(self.in_reply_to) > _SHORT_KEY or self.references or self.identities
                or len(self.body) > MAX_BODY_CHARS or len(self.raw) > MAX_RAW_CHARS
                or (self.clean_body is not None and len(self.clean_body) > MAX_BODY_CHARS)):
            self._bound()

    def _bound(self) -> None:
        for name in ("provider_key", "conversation", "in_reply_to"):
            value = getattr(self, name)
            if len(value) > _SHORT_KEY:
                object.__setattr__(self, name, bound_key(value))
        refs = self.references
        if len(refs) > MAX_REFERENCES or any(len(r) > _SHORT_KEY for r in refs):
            # The newest references are the last ones (RFC 5322 3.6.4): those are kept.
            object.__setattr__(self, "references", tuple(bound_key(r) for r in refs[-MAX_REFERENCES:]))
        if any(len(i.value) > _SHORT_KEY for i in self.identities):
            object.__setattr__(self, "identities", tuple(
                Identity(i.kind, bound_key(i.value)) for i in self.identities))
        if len(self.body) > MAX_BODY_CHARS:
            object.__setattr__(self, "body", bound_text(self.body, MAX_BODY_CHARS))
        if len(self.raw) > MAX_RAW_CHARS:
            object.__setattr__(self, "raw", bound_text(self.raw, MAX_RAW_CHARS))
        if self.clean_body is not None and len(self.clean_body) > MAX_BODY_CHARS:
            object.__setattr__(self, "clean_body", bound_text(self.clean_body, MAX_BODY_CHARS))

    @property
    def key(self) -> str:
        return message_key(self.channel, self.provider_key)


#: The longest id stored as written, in bytes of UTF-8. Longer ones are stored as a hash (:func:`bound_key`):
#: PostgreSQL refuses a unique-index entry over 2704 bytes, and one such id must never stop a channel.
MAX_KEY_BYTES = 255
_SHORT_KEY = MAX_KEY_BYTES // 4  # at most 4 bytes a character: no id this short needs measuring
#: References kept per message (a reply's thread is found from the newest ones).
MAX_REFERENCES = 100
#: The most of a message's body that is stored, in characters (a little over 1 MiB, so that a message of
#: 1 MB is kept whole); the rest is left out with a note that says so.
MAX_BODY_CHARS = 1_100_000
#: The most of a record's raw form that is stored (a mail with its attachments, a provider's JSON).
MAX_RAW_CHARS = 8_000_000


def bound_key(value: str) -> str:
    """``value`` unchanged when it is at most :data:`MAX_KEY_BYTES` bytes long, else a fixed-length hash of it.

    Short ids (every real Twilio SID, dialogue id and nearly every Message-ID) stay readable and unchanged, so
    keys stored or labelled before stay the same. A long Message-ID keeps the form of one.
    """
    if len(value) <= _SHORT_KEY:
        return value
    data = value.encode("utf-8", "surrogatepass")
    if len(data) <= MAX_KEY_BYTES:
        return value
    digest = hashlib.sha256(data).hexdigest()
    if value.startswith("<") and value.endswith(">"):
        return f"<long-id-sha256-{digest}@flerkanal.invalid>"
    return f"long-id-sha256:{digest}"


def bound_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with a note at the end saying how much was left out."""
    if len(text) <= limit:
        return text
    note = f"\n\n[flerkanal: {{}} more characters were not stored (at most {limit:,} are kept)]"
    kept = text[: limit - len(note) - 12]
    return kept + note.format(len(text) - len(kept))


def message_key(channel: Channel | str, provider_key: str) -> str:
    """The cross-system key of a message: ``sms:<sid>``, ``email:<Message-ID>``, ``dialog:<id>``."""
    value = channel.value if isinstance(channel, Channel) else Channel(channel).value
    return f"{value}:{provider_key}"


def content_hash(*parts: str) -> str:
    """A stable hash used when a provider gives no id (for example a mail without Message-ID)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Quarantined:
    """An input record that could not be read: kept with where it came from and why."""

    source: str
    position: str
    reason: str
    raw: str = ""
    channel: str = ""

    def __post_init__(self) -> None:
        if len(self.raw) > MAX_RAW_CHARS:  # kept as far as a message's raw form is
            object.__setattr__(self, "raw", bound_text(self.raw, MAX_RAW_CHARS))


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    fnr: str = ""
    aktor_id: str = ""
    in_register: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    thread_id: int | None
    person_id: int | None
    channel: Channel
    provider_key: str
    direction: Direction
    sent_at: datetime
    received_at: datetime
    sender: str
    sender_name: str
    subject: str
    body: str
    clean_body: str
    conversation: str
    status: str = ""

    @property
    def key(self) -> str:
        return message_key(self.channel, self.provider_key)


@dataclass(frozen=True, slots=True)
class Thread:
    id: int
    person_id: int | None
    state: ThreadState
    first_contact: datetime
    last_activity: datetime
    claimed_by: str = ""
    channels: tuple[Channel, ...] = ()
    message_count: int = 0
    inbound_count: int = 0


@dataclass(frozen=True, slots=True)
class ThreadView:
    """A thread with its messages and person, for display."""

    thread: Thread
    person: Person | None
    messages: tuple[Message, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Contact:
    """One row of the contact register (KRR-like)."""

    fnr: str
    aktor_id: str
    name: str
    phone: str
    email: str
    source: str = ""  # the register file, and the row's line in it (for reporting problems by line)
    position: str = ""
