"""Rows ⇄ domain objects, in one place. SQLite returns naive datetimes: they are UTC."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from inbox.domain import Channel, Direction, Message, Person, Thread, ThreadState


def utc(dt: datetime) -> datetime:
    """As stored: aware and in UTC (one already in UTC as it is: converting it would only copy it)."""
    if dt.tzinfo is UTC:
        return dt
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def opt_utc(dt: datetime | None) -> datetime | None:
    return None if dt is None else utc(dt)


def channels_of(text: str) -> tuple[Channel, ...]:
    return tuple(Channel(c) for c in text.split(",") if c)


def thread_from_row(r: Mapping[Any, Any]) -> Thread:
    return Thread(
        id=r["id"],
        person_id=r["person_id"],
        state=ThreadState(r["state"]),
        first_contact=utc(r["first_contact"]),
        last_activity=utc(r["last_activity"]),
        claimed_by=r["claimed_by"] or "",
        channels=channels_of(r["channels"] or ""),
        message_count=r["message_count"],
        inbound_count=r["inbound_count"],
    )


def message_from_row(r: Mapping[Any, Any]) -> Message:
    return Message(
        id=r["id"],
        thread_id=r["thread_id"],
        person_id=r["person_id"],
        channel=Channel(r["channel"]),
        provider_key=r["provider_key"],
        direction=Direction(r["direction"]),
        sent_at=utc(r["sent_at"]),
        received_at=utc(r["received_at"]),
        sender=r["sender"],
        sender_name=r["sender_name"],
        subject=r["subject"],
        body=r["body"],
        clean_body=r["clean_body"],
        conversation=r["conversation"],
        status=r["status"] or "",
    )


def person_from_row(r: Mapping[Any, Any]) -> Person:
    return Person(
        id=r["id"],
        name=r["name"],
        fnr=r["fnr"] or "",
        aktor_id=r["aktor_id"] or "",
        in_register=bool(r["in_register"]),
    )
