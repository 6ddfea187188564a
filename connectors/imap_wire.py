"""Reading what an IMAP server answers (no IO): FETCH and SEARCH responses, INTERNALDATE, mailbox names.

:mod:`connectors.email_imap` speaks the protocol through aioimaplib and hands the response lines here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

__all__ = ["EXISTS", "UIDVALIDITY", "astring", "internaldate", "parse_fetch", "parse_search"]

UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]", re.IGNORECASE)
_FETCH_START = re.compile(rb"^\d+ FETCH \(", re.IGNORECASE)
_FETCH_UID = re.compile(rb"\bUID (\d+)", re.IGNORECASE)
_FETCH_DATE = re.compile(rb'\bINTERNALDATE "([^"]{1,40})"', re.IGNORECASE)
EXISTS = re.compile(rb"^\d+ EXISTS", re.IGNORECASE)


def astring(name: str) -> str:
    """A mailbox name as an IMAP astring (quoted when it has spaces or specials)."""
    if name and re.fullmatch(r"[A-Za-z0-9_.\-/&]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_fetch(lines: list[Any]) -> dict[int, tuple[bytes, datetime | None]]:
    """UID → (raw message, INTERNALDATE) from a ``UID FETCH (UID INTERNALDATE BODY.PEEK[])`` response (the
    items in any order, before or after the body); the date is None when the server gave none we can read."""
    out: dict[int, tuple[bytes, datetime | None]] = {}
    uid: int | None = None
    body: bytes | None = None
    when: datetime | None = None

    def flush() -> None:
        if uid is not None and body is not None:
            out[uid] = (body, when)

    for line in lines:
        if isinstance(line, bytearray):
            body = bytes(line)
            continue
        if not isinstance(line, bytes):
            continue
        if _FETCH_START.match(line):
            flush()
            uid, body, when = None, None, None
        m = _FETCH_UID.search(line)
        if m and uid is None:
            uid = int(m.group(1))
        d = _FETCH_DATE.search(line)
        if d and when is None:
            when = internaldate(d.group(1))
    flush()
    return out


def internaldate(value: bytes) -> datetime | None:
    """An IMAP INTERNALDATE (``02-Nov-2026 09:30:00 +0100``, the day maybe space-padded): when the server
    received the mail. None when unreadable."""
    try:
        return datetime.strptime(value.decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
    except (UnicodeDecodeError, ValueError):
        return None


def parse_search(lines: list[Any]) -> list[int]:
    """UIDs from a ``UID SEARCH`` response; the last line is the tagged completion text."""
    uids: set[int] = set()
    for line in lines[:-1]:
        if isinstance(line, bytes | bytearray):
            uids.update(int(tok) for tok in bytes(line).split() if tok.isdigit())
    return sorted(uids)
