"""Small helpers shared by the readers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from inbox.domain import IncomingMessage, Quarantined

Item = IncomingMessage | Quarantined
Items = Iterator[Item]


class RecordError(ValueError):
    """A record is unusable; the message says why (never the record's text)."""


def require_str(obj: dict[str, Any], key: str, *, allow_empty: bool = False) -> str:
    if key not in obj or obj[key] is None:
        raise RecordError(f"missing field {key!r}")
    val = obj[key]
    if not isinstance(val, str):
        raise RecordError(f"field {key!r} should be a string, got {type(val).__name__}")
    if not allow_empty and not val.strip():
        raise RecordError(f"field {key!r} is empty")
    return val


def opt_str(obj: dict[str, Any], key: str) -> str:
    val = obj.get(key)
    if val is None:
        return ""
    if not isinstance(val, str | int):
        raise RecordError(f"field {key!r} should be a string, got {type(val).__name__}")
    return str(val)


def parse_rfc2822(value: str, field: str) -> datetime:
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise RecordError(f"field {field!r} is not an RFC 2822 date") from exc
    if dt is None:
        raise RecordError(f"field {field!r} is not an RFC 2822 date")
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_iso(value: str, field: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecordError(f"field {field!r} is not an ISO 8601 time") from exc
    if dt.tzinfo is None:
        raise RecordError(f"field {field!r} has no timezone")
    return dt


def dump_raw(obj: Any) -> str:
    """The verbatim record as JSON text, for keeping next to the parsed message."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)


def json_error_position(exc: json.JSONDecodeError) -> str:
    return f"line {exc.lineno} column {exc.colno}"
