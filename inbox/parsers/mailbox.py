"""Mail containers: an mbox file (read whole, or cut into ranges at message boundaries so several processes
can read one big file) and a Maildir. Each mail in them is read by :func:`inbox.parsers.email.parse_email_bytes`.

``inbox ingest`` and the batch grouping (:mod:`dedup.sources`) both cut and read mailboxes with these.
"""

from __future__ import annotations

import mmap
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from inbox.domain import IncomingMessage, Quarantined
from inbox.parsers.common import Items, RecordError, safe_text
from inbox.parsers.email import DATE_AFTER_ARRIVAL, parse_email_bytes

__all__ = [
    "MboxSpan",
    "from_line_time",
    "maildir_files",
    "maildir_name_time",
    "mbox_messages",
    "mbox_spans",
    "parse_or_quarantine",
    "read_maildir",
    "read_mbox",
]


def parse_or_quarantine(source: str, position: str, data: bytes, *, office_addresses: frozenset[str] = frozenset(),
                        received_at: datetime | None = None) -> IncomingMessage | Quarantined:
    """One mail of a container, or its quarantine record saying why it could not be read (never its text)."""
    try:
        return parse_email_bytes(data, office_addresses=office_addresses, received_at=received_at)
    except RecordError as exc:
        reason = str(exc)
    except Exception as exc:  # the stdlib parser is lenient, but never let one mail stop the rest
        reason = f"unparseable mail ({type(exc).__name__})"
    return Quarantined(source, position, reason, raw=safe_text(data.decode("utf-8", "replace")), channel="email")


@dataclass(frozen=True, slots=True)
class MboxSpan:
    """A byte range of an mbox that starts at a message boundary (for reading a big mbox in parallel)."""

    start: int
    end: int | None
    first_line: int
    first_index: int


_MBOX_BOUNDARY = re.compile(rb"(?:\A|\n[ \t\r\f\v]*\n)(?=From )")


def mbox_spans(path: Path, parts: int) -> list[MboxSpan]:
    """Cut an mbox into about ``parts`` ranges at message boundaries (``From `` after a blank line), each
    holding about as many messages, with their first line and message numbers, so each range can be read on
    its own and positions stay those of a sequential read. Too few messages for ``parts``: one range.

    The file is mapped, not read into memory."""
    size = path.stat().st_size
    if parts <= 1 or size == 0:
        return [MboxSpan(0, None, 1, 1)]
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        bounds = [m.end() for m in _MBOX_BOUNDARY.finditer(data)]
        if data[:8] == b"\xef\xbb\xbfFrom ":  # the sequential reader drops a leading BOM
            bounds.insert(0, 0)
        if len(bounds) < 2 * parts:
            return [MboxSpan(0, None, 1, 1)]
        step = len(bounds) // parts
        cuts = [bounds[i] for i in range(step, len(bounds), step)][: parts - 1]
        spans: list[MboxSpan] = []
        prev, line, index = 0, 1, 1
        lead = 0 if bounds[0] == 0 else 1  # text before the first From_ line reads as one message
        for cut in [*cuts, None]:
            spans.append(MboxSpan(prev, cut, line, index))
            if cut is not None:
                line += data[prev:cut].count(b"\n")
                index += bisect_left(bounds, cut) - bisect_left(bounds, prev) + (lead if prev == 0 else 0)
                prev = cut
    return spans


def mbox_messages(path: Path, span: MboxSpan | None = None) -> Iterator[tuple[int, bytes, bytes]]:
    """Split an mbox into (first line number, raw bytes, the ``From_`` line that opened it or b""), streaming;
    ``>From`` escapes are undone. A ``From_`` line with nothing after it still counts as a (empty) message."""
    buf: list[bytes] = []
    start = 0
    opened = b""
    prev_blank = True
    span = span or MboxSpan(0, None, 1, 1)
    with path.open("rb") as f:
        f.seek(span.start)
        remaining = None if span.end is None else span.end - span.start
        for lineno, line in enumerate(f, start=span.first_line):
            if remaining is not None:
                if remaining <= 0:
                    break
                remaining -= len(line)
            if lineno == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM before the first From_ line
            if line.startswith(b"From ") and prev_blank:
                if buf or opened:
                    yield start, b"".join(buf), opened
                buf = []
                start = lineno
                opened = line
            else:
                if start == 0:
                    start = lineno
                if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                    line = line[1:]
                buf.append(line)
            prev_blank = not line.strip()
    if buf or opened:
        yield start, b"".join(buf), opened


def from_line_time(line: bytes) -> datetime | None:
    """The delivery time on an mbox ``From_`` line (``From addr Mon Nov  9 13:20:00 2026``, UTC), or None."""
    words = line.split()
    if len(words) < 7 or words[3] not in _MONTHS:
        return None
    try:  # read by hand: strptime was a noticeable part of reading a big mbox
        hour, minute, second = (int(x) for x in words[5].split(b":"))
        return datetime(int(words[6]), _MONTHS[words[3]], int(words[4]), hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


_MONTHS = {m: n for n, m in enumerate((b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep",
                                       b"Oct", b"Nov", b"Dec"), start=1)}


#: A Maildir file's name starts with the time it was delivered (``1762694400.M1P2.host:2,S``).
_MAILDIR_TIME = re.compile(r"(\d{9,11})\.")


def maildir_name_time(name: str) -> datetime | None:
    """The delivery time a Maildir file's name starts with, or None."""
    found = _MAILDIR_TIME.match(name)
    if found is None:
        return None
    when = datetime.fromtimestamp(int(found.group(1)), UTC)
    return when if when <= datetime.now(UTC) + DATE_AFTER_ARRIVAL else None


def maildir_files(path: Path) -> list[Path]:
    """The mails of a Maildir in reading order: the files of ``cur/``, then of ``new/``, each sorted by name."""
    return [file for sub in ("cur", "new") if (path / sub).is_dir()
            for file in sorted((path / sub).iterdir()) if file.is_file()]


def read_mbox(path: Path, *, office_addresses: frozenset[str] = frozenset(), span: MboxSpan | None = None) -> Items:
    source = str(path)
    for n, (lineno, data, opened) in enumerate(mbox_messages(path, span), start=span.first_index if span else 1):
        if not opened and not data.strip():
            continue  # blank lines before the first From_ line
        yield parse_or_quarantine(source, f"message {n} (line {lineno})", data, office_addresses=office_addresses,
                                  received_at=from_line_time(opened))


def read_maildir(path: Path, *, office_addresses: frozenset[str] = frozenset()) -> Items:
    source = str(path)
    for file in maildir_files(path):
        yield parse_or_quarantine(source, f"{file.parent.name}/{file.name}", file.read_bytes(),
                                  office_addresses=office_addresses, received_at=maildir_name_time(file.name))
