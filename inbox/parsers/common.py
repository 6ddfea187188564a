"""Small helpers shared by the readers."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from inbox.domain import IncomingMessage, Quarantined

Item = IncomingMessage | Quarantined
Items = Iterator[Item]


class RecordError(ValueError):
    """A record is unusable; the message says why (never the record's text)."""


# Lone surrogates (JSON ``\ud800`` escapes, UTF-7, escape codecs) cannot be encoded as UTF-8, and NUL cannot be
# stored in a PostgreSQL text column: either would make the whole batch fail when it is stored.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def safe_text(value: str) -> str:
    """``value`` with lone surrogates and NUL characters replaced by U+FFFD, so it can always be stored.

    ASCII text (most header values and bodies; telling is free) holds no surrogate, so only NUL is looked
    for there: called for nearly every field read, the regex was a noticeable part of parsing.
    """
    if value.isascii() and "\x00" not in value:
        return value
    return _UNSTORABLE.sub("\ufffd", value)


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Text from bytes, never raising: the declared charset when the bytes fit it, else UTF-8 (also when only a
    few bytes are broken), else Windows-1252/Latin-1 (mislabelled or unlabelled 8-bit mail)."""
    for name in (charset, "utf-8"):
        if not name:
            continue
        try:
            info = codecs.lookup(name)
        except LookupError:
            continue
        # Codecs such as base64 or unicode_escape are not charsets: never let a sender pick them.
        if not getattr(info, "_is_text_encoding", True) or "escape" in info.name:
            continue
        try:
            return safe_text(data.decode(info.name))
        except Exception:  # UnicodeError, or whatever an exotic codec raises on bad input
            continue
    text = data.decode("utf-8", "replace")
    broken = text.count("\ufffd") - data.count("\ufffd".encode())
    decoded = len(text) - len(text.encode("ascii", "ignore")) - broken  # well-formed non-ASCII characters
    if decoded >= broken:
        return safe_text(text)
    try:
        return safe_text(data.decode("cp1252"))
    except UnicodeDecodeError:
        return safe_text(data.decode("latin-1"))


def require_str(obj: dict[str, Any], key: str, *, allow_empty: bool = False) -> str:
    if key not in obj or obj[key] is None:
        raise RecordError(f"missing field {key!r}")
    val = obj[key]
    if not isinstance(val, str):
        raise RecordError(f"field {key!r} should be a string, got {type(val).__name__}")
    if not allow_empty and not val.strip():
        raise RecordError(f"field {key!r} is empty")
    return safe_text(val)


def opt_str(obj: dict[str, Any], key: str) -> str:
    val = obj.get(key)
    if val is None:
        return ""
    if not isinstance(val, str | int):
        raise RecordError(f"field {key!r} should be a string, got {type(val).__name__}")
    return safe_text(str(val))


def storable_time(dt: datetime, field: str) -> datetime:
    """``dt`` unchanged, unless it cannot be stored: times are kept in UTC, which must not leave year 1…9999."""
    try:
        dt.astimezone(UTC)
    except (OverflowError, ValueError):
        raise RecordError(f"field {field!r} is out of range") from None
    return dt


def parse_rfc2822(value: str, field: str) -> datetime:
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise RecordError(f"field {field!r} is not an RFC 2822 date") from exc
    if dt is None:
        raise RecordError(f"field {field!r} is not an RFC 2822 date")
    return storable_time(dt if dt.tzinfo else dt.replace(tzinfo=UTC), field)


def parse_iso(value: str, field: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecordError(f"field {field!r} is not an ISO 8601 time") from exc
    if dt.tzinfo is None:
        raise RecordError(f"field {field!r} has no timezone")
    return storable_time(dt, field)


def iso_time(value: object, *, strict: bool = False) -> datetime | None:
    """A time the product wrote itself (a cursor, a health record) read back: ISO 8601 text, a time with no
    offset taken as UTC. None when ``value`` is missing, empty or not text; text that is no ISO 8601 time gives
    None as well, or ``ValueError`` when ``strict`` (a cursor that must not silently start over).

    The readers of export records use :func:`parse_iso`, which demands an offset and names the field.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        if strict:
            raise
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def dump_raw(obj: Any) -> str:
    """The verbatim record as JSON text, for keeping next to the parsed message."""
    try:
        text = json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)
    except TypeError:  # keys that cannot be sorted together (a CSV row's extra cells sit under None)
        text = json.dumps(obj, ensure_ascii=False, default=str)
    return safe_text(text)


def json_error_position(exc: json.JSONDecodeError) -> str:
    return f"line {exc.lineno} column {exc.colno}"
