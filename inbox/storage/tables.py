"""Database tables (sqlmodel). Only these classes carry ``table=True``.

Times are stored in UTC; :mod:`inbox.storage.convert` turns rows into domain objects and attaches the
timezone again (SQLite drops it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))


class PersonRow(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    fnr: str | None = Field(default=None, unique=True)
    aktor_id: str | None = Field(default=None, unique=True)
    in_register: bool = False
    # Profile (editable by caseworkers; used by the reply-channel recommender).
    age_group: str = ""
    language: str = ""
    interpreter: bool = False
    digital_skills: str = ""
    preferred_channel: str = ""
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Relationship with the office.
    meetings_held: int = 0
    open_conflict: bool = False
    unit: str = ""  # office unit following the person ("" = not assigned)


class IdentityRow(SQLModel, table=True):
    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_identity_kind_value"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str
    value: str


class ThreadRow(SQLModel, table=True):
    __tablename__ = "thread"
    __table_args__ = (
        Index("ix_thread_state_first_contact", "state", "first_contact", "id"),
        Index("ix_thread_person_last", "person_id", "last_activity"),
        # Covers every supervisor figure over open threads (counts, sums, channels, oldest) without the table.
        Index("ix_thread_queue_cover", "state", "channels", "first_contact", "inbound_count"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    state: str = "open"
    first_contact: datetime = _ts()
    last_activity: datetime = _ts()
    last_inbound: datetime | None = _ts(nullable=True)
    last_outbound: datetime | None = _ts(nullable=True)
    claimed_by: str = ""
    claimed_at: datetime | None = _ts(nullable=True)
    channels: str = ""  # comma-separated, sorted: "dialog,sms"
    message_count: int = 0
    inbound_count: int = 0
    created_seq: int = 0  # arrival order, for ties in the fair order


class MessageRow(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("channel", "provider_key", name="uq_message_channel_key"),
        Index("ix_message_thread_sent", "thread_id", "sent_at"),
        Index("ix_message_person_sent", "person_id", "sent_at"),
        Index("ix_message_conversation", "channel", "conversation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int | None = Field(default=None, foreign_key="thread.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    channel: str
    provider_key: str
    direction: str
    sent_at: datetime = _ts()  # as the sender's side says (a mail's Date header)
    received_at: datetime = _ts()  # when the office received it (a provider's time, else when it was stored)
    sender: str = ""
    recipient: str = ""
    sender_name: str = ""
    subject: str = ""
    conversation: str = ""
    in_reply_to: str = ""
    references: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    clean_body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    raw: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    attachments: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = ""
    ack: bool = False  # a bare thank-you/ok: does not put the thread back in the queue
    source: str = ""  # file or connector it came from
    match_score: float | None = None
    match_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # SHA-256 of the canonical mail (email only): a mail sharing a stored mail's Message-ID is a different mail
    # when this differs. Empty for other channels, whose ids the provider assigns.
    digest: str = Field(default="", sa_column=Column(String, nullable=False, server_default=""))
    flags: str = Field(default="", sa_column=Column(String, nullable=False, server_default=""))  # e.g. "date"


class ReplyRow(SQLModel, table=True):
    __tablename__ = "reply"

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    channel: str
    state: str = "planned"  # planned | sent | failed
    by_user: str = ""
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    suggested_channel: str = ""
    provider_key: str = ""
    status: str = ""
    created_at: datetime = _ts()
    # The suggestion's research factors (JSON list), so agreement can be reported by factor.
    factors: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class AuditRow(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_thread_at", "thread_id", "at"), Index("ix_audit_user_at", "user", "at"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts()
    user: str
    action: str
    thread_id: int | None = None
    person_id: int | None = None
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class CursorRow(SQLModel, table=True):
    __tablename__ = "connector_cursor"

    name: str = Field(primary_key=True)
    value: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    updated_at: datetime = _ts()


class QuarantineRow(SQLModel, table=True):
    __tablename__ = "quarantine"

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(unique=True)  # hash of source + position + raw: re-imports add nothing
    source: str
    position: str
    reason: str
    channel: str = ""
    raw: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = _ts()


class UserRow(SQLModel, table=True):
    __tablename__ = "app_user"

    name: str = Field(primary_key=True)
    role: str  # caseworker | supervisor | admin
    unit: str = ""  # office unit; a caseworker sees the threads of persons in this unit (and unassigned ones)
    created_at: datetime = _ts()


class SnapshotRow(SQLModel, table=True):
    """Queue length over time, so a freshly started dashboard shows the past too."""

    __tablename__ = "queue_snapshot"

    at: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    open_inquiries: int
    open_messages: int
    oldest_waiting_seconds: float | None = None
    by_channel: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


# The tables as SQLAlchemy Core sees them: the storage modules query through these.
T_PERSON = PersonRow.__table__  # type: ignore[attr-defined]
T_IDENT = IdentityRow.__table__  # type: ignore[attr-defined]
T_THREAD = ThreadRow.__table__  # type: ignore[attr-defined]
T_MSG = MessageRow.__table__  # type: ignore[attr-defined]
T_REPLY = ReplyRow.__table__  # type: ignore[attr-defined]
T_AUDIT = AuditRow.__table__  # type: ignore[attr-defined]
T_CURSOR = CursorRow.__table__  # type: ignore[attr-defined]
T_QUAR = QuarantineRow.__table__  # type: ignore[attr-defined]
T_USER = UserRow.__table__  # type: ignore[attr-defined]
T_SNAPSHOT = SnapshotRow.__table__  # type: ignore[attr-defined]
