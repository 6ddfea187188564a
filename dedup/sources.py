"""Reading the inputs of a batch run as independent tasks, so several processes can parse at once.

Any mix of inputs is accepted, as by :func:`inbox.parsers.read_any`: Twilio ``Messages.json`` pages (or a
folder of them), a Twilio CSV log, mbox, Maildir, single ``.eml`` files, activity-plan dialogue dumps, and
the project's JSONL export (:mod:`inbox.parsers.jsonl`). Reading streams: a large mbox is cut into byte
ranges at message boundaries (one task each), a Maildir into groups of files, and a dialogue dump is read
one person block at a time instead of as one JSON document (a 1M-message dump is ~200 MB of JSON, several
GB as Python objects).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inbox.domain import IncomingMessage, Quarantined
from inbox.parsers import read_any, read_dialog_json
from inbox.parsers.common import RecordError, dump_raw
from inbox.parsers.detect import Format, detect_format, expand
from inbox.parsers.dialog import dialog_person_identities, parse_henvendelse
from inbox.parsers.jsonl import looks_like_jsonl, read_jsonl
from inbox.parsers.mailbox import (
    MboxSpan,
    from_line_time,
    maildir_files,
    maildir_name_time,
    mbox_messages,
    mbox_spans,
    parse_or_quarantine,
)

__all__ = ["ReadTask", "iter_json_array", "plan_reads", "read_dialog_stream", "run_read_task"]

Item = IncomingMessage | Quarantined
CHUNK_BYTES = 24 << 20  # mbox byte range / group of small files per task
MAILDIR_FILES = 2000


@dataclass(frozen=True)
class ReadTask:
    """One unit of reading: whole files, or a byte range of an mbox (``start``/``end``, first line no.)."""

    files: tuple[str, ...]
    size: int
    mbox_range: tuple[int, int, int] | None = None  # (start, end, first line number)
    maildir: str = ""  # when the files are messages of this Maildir
    office: frozenset[str] = field(default_factory=frozenset)


def _mbox_tasks(path: Path, size: int, office: frozenset[str]) -> list[ReadTask]:
    """A big mbox in ranges of about :data:`CHUNK_BYTES`, cut as ``inbox ingest`` cuts it."""
    tasks: list[ReadTask] = []
    for span in mbox_spans(path, -(-size // CHUNK_BYTES)):
        end = size if span.end is None else span.end
        tasks.append(ReadTask((str(path),), end - span.start, (span.start, end, span.first_line), office=office))
    return tasks


def plan_reads(paths: list[Path], *, office: frozenset[str] = frozenset()) -> list[ReadTask]:
    """Cut the inputs into tasks of roughly :data:`CHUNK_BYTES` each, in a stable order."""
    tasks: list[ReadTask] = []
    small: list[str] = []
    small_size = 0

    def flush() -> None:
        nonlocal small, small_size
        if small:
            tasks.append(ReadTask(tuple(small), small_size, office=office))
        small, small_size = [], 0

    for arg in paths:
        for p in expand(arg):
            if p.is_dir():  # a Maildir
                files = [str(f) for f in maildir_files(p)]
                for i in range(0, len(files), MAILDIR_FILES):
                    group = tuple(files[i : i + MAILDIR_FILES])
                    tasks.append(ReadTask(group, sum(os.path.getsize(f) for f in group), maildir=str(p),
                                          office=office))
                continue
            size = p.stat().st_size
            if size > CHUNK_BYTES and detect_format(p) == Format.MBOX:
                flush()
                tasks.extend(_mbox_tasks(p, size, office))
            elif size > CHUNK_BYTES:
                flush()
                tasks.append(ReadTask((str(p),), size, office=office))
            else:
                small.append(str(p))
                small_size += size
                if small_size >= CHUNK_BYTES:
                    flush()
    flush()
    return tasks


def run_read_task(task: ReadTask) -> Iterator[Item]:
    """The records of one task, good and quarantined, in file order."""
    if task.mbox_range is not None:
        yield from _read_mbox_range(Path(task.files[0]), *task.mbox_range, office=task.office)
        return
    if task.maildir:
        for name in task.files:
            yield from _read_maildir_file(Path(task.maildir), Path(name), task.office)
        return
    for name in task.files:
        yield from read_file(Path(name), office=task.office)


def read_file(path: Path, *, office: frozenset[str] = frozenset()) -> Iterator[Item]:
    """One input file, any supported format (the JSONL export and dialogue dumps stream)."""
    if looks_like_jsonl(path):
        yield from read_jsonl(path)
    elif path.is_file() and detect_format(path) == Format.DIALOG_JSON:
        yield from read_dialog_stream(path)
    else:
        yield from read_any(path, office_addresses=office)


def _read_maildir_file(maildir: Path, file: Path, office: frozenset[str]) -> Iterator[Item]:
    yield parse_or_quarantine(str(maildir), f"{file.parent.name}/{file.name}", file.read_bytes(),
                              office_addresses=office, received_at=maildir_name_time(file.name))


def _read_mbox_range(path: Path, start: int, end: int, first_line: int, *, office: frozenset[str]
                     ) -> Iterator[Item]:
    """The messages of ``path[start:end]`` (cut at separators), split by the reader ``inbox ingest`` uses."""
    source = str(path)
    for lineno, data, opened in mbox_messages(path, MboxSpan(start, end, first_line, 1)):
        if data.strip():
            yield parse_or_quarantine(source, f"message at line {lineno}", data, office_addresses=office,
                                      received_at=from_line_time(opened))


# -- dialogue dumps, streamed ------------------------------------------------------------------------


def iter_json_array(path: Path, *, block: int = 1 << 20) -> Iterator[Any]:
    """The elements of a top-level JSON array, decoded one at a time (raises ValueError when the file
    is not an array, json.JSONDecodeError when an element is invalid)."""
    dec = json.JSONDecoder()
    with path.open(encoding="utf-8-sig") as f:
        buf = f.read(block)
        eof = not buf
        pos = 0

        def skip() -> None:
            nonlocal buf, pos, eof
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n":
                    pos += 1
                if pos < len(buf) or eof:
                    return
                more = f.read(block)
                eof = not more
                buf, pos = buf[pos:] + more, 0

        skip()
        if pos >= len(buf) or buf[pos] != "[":
            raise ValueError("not a JSON array")
        pos += 1
        skip()
        if pos < len(buf) and buf[pos] == "]":
            return
        while True:
            skip()
            while True:
                try:
                    obj, end = dec.raw_decode(buf, pos)
                    if end == len(buf) and not eof:  # a number may go on in the next block
                        raise json.JSONDecodeError("incomplete", buf, end)
                    break
                except json.JSONDecodeError:
                    if eof:
                        raise
                    more = f.read(block)
                    eof = not more
                    buf, pos = buf[pos:] + more, 0
            yield obj
            pos = end
            skip()
            if pos >= len(buf):
                raise json.JSONDecodeError("unterminated array", buf, pos)
            if buf[pos] == "]":
                return
            if buf[pos] != ",":
                raise json.JSONDecodeError("expected ',' or ']'", buf, pos)
            pos += 1
            if pos > block:
                buf, pos = buf[pos:], 0


def _dialog_items(source: str, dialoger: Any, pos: str, fnr: str, aktor: str) -> Iterator[Item]:
    """One person's dialogues, exactly as :func:`inbox.parsers.read_dialog_json` reads them."""
    if not isinstance(dialoger, list):
        yield Quarantined(source, pos, "missing or invalid 'dialoger' list", channel="dialog")
        return
    try:
        identities = dialog_person_identities(fnr, aktor)
    except RecordError as exc:
        yield Quarantined(source, pos, str(exc), channel="dialog")
        return
    for j, dialog in enumerate(dialoger):
        dpos = f"{pos}.dialoger[{j}]"
        if not isinstance(dialog, dict) or not isinstance(dialog.get("henvendelser"), list):
            yield Quarantined(source, dpos, "dialog without a 'henvendelser' list", raw=dump_raw(dialog),
                              channel="dialog")
            continue
        for k, h in enumerate(dialog["henvendelser"]):
            try:
                yield parse_henvendelse(h, dialog, identities)
            except RecordError as exc:
                yield Quarantined(source, f"{dpos}.henvendelser[{k}]", str(exc), raw=dump_raw(h), channel="dialog")


def read_dialog_stream(path: Path) -> Iterator[Item]:
    """A dialogue dump, one person block at a time (other shapes: :func:`read_dialog_json`)."""
    source = str(path)
    with path.open("rb") as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"["):
        yield from read_dialog_json(path)
        return
    elements = iter_json_array(path)
    end = object()
    try:
        first = next(elements, end)
        if first is end:
            return
        if isinstance(first, dict) and "henvendelser" in first:
            # a bare list of dialogues: no person block around them
            bare = [first]

            def rest() -> Iterator[Any]:
                yield from bare
                yield from elements

            yield from _dialog_items(source, list(rest()), "top level", "", "")
            return
        i = 0
        block: Any = first
        while True:
            pos = f"[{i}]"
            if not isinstance(block, dict):
                yield Quarantined(source, pos, "missing or invalid 'dialoger' list", channel="dialog")
            else:
                yield from _dialog_items(source, block.get("dialoger"), pos, str(block.get("fnr") or ""),
                                         str(block.get("aktorId") or block.get("aktor_id") or ""))
            nxt = next(elements, end)
            if nxt is end:
                return
            block, i = nxt, i + 1
    except UnicodeDecodeError as exc:
        yield Quarantined(source, f"byte {exc.start}", "file is not valid UTF-8 JSON", channel="dialog")
    except json.JSONDecodeError as exc:
        yield Quarantined(source, "top level", f"invalid JSON: {exc.msg}", channel="dialog")
    except ValueError as exc:
        yield Quarantined(source, "top level", str(exc), channel="dialog")
