"""Reading export files for import: every file parsed, good records sorted by the time they were sent.

Sorting matters: threads form in the order people wrote, whatever the order of the files given.
Big inputs are parsed by several processes (a directory of Twilio pages file by file, a big mbox in
ranges cut at message boundaries); positions in quarantine records stay those of a sequential read.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from inbox.domain import Channel, IncomingMessage, Quarantined
from inbox.parsers import read_any
from inbox.parsers.detect import Format, detect_format, expand
from inbox.parsers.email import MboxSpan, mbox_spans, read_mbox
from inbox.text import clean_text

Item = IncomingMessage | Quarantined
PARALLEL_BYTES = 8 * 1024 * 1024  # below this, starting processes costs more than it saves


def time_order(items: Iterable[Item]) -> list[Item]:
    """Quarantined records first (they carry no time), then messages by (sent time, key)."""
    seq = list(items)
    bad: list[Item] = [i for i in seq if isinstance(i, Quarantined)]
    good = [i for i in seq if isinstance(i, IncomingMessage)]
    good.sort(key=lambda m: (m.sent_at.timestamp(), m.key))
    return [*bad, *good]


def with_clean_body(item: Item) -> Item:
    """The message with its clean text worked out (the store would otherwise do it, on one core)."""
    if isinstance(item, Quarantined) or item.clean_body is not None:
        return item
    return dataclasses.replace(item, clean_body=clean_text(item.body, email=item.channel == Channel.EMAIL))


def _read_unit(unit: tuple[Path, MboxSpan | None, frozenset[str]]) -> list[Item]:
    path, span, office = unit
    items = read_mbox(path, office_addresses=office, span=span) if span is not None else read_any(
        path, office_addresses=office)
    return [with_clean_body(i) for i in items]


def _units(files: Sequence[Path], workers: int, office: frozenset[str]
           ) -> list[tuple[Path, MboxSpan | None, frozenset[str]]]:
    units: list[tuple[Path, MboxSpan | None, frozenset[str]]] = []
    for f in files:
        for p in expand(f):
            if workers > 1 and p.is_file() and p.stat().st_size > PARALLEL_BYTES and detect_format(p) == Format.MBOX:
                units.extend((p, span, office) for span in mbox_spans(p, workers * 2))
            else:
                units.append((p, None, office))
    return units


def read_files(files: Sequence[Path], *, office_addresses: frozenset[str] = frozenset(),
               workers: int | None = None) -> list[Item]:
    """Parse every file (format detected from content) and return its records in time order.

    ``workers`` processes parse in parallel (default: one per CPU when the input is big).
    """
    total = sum(p.stat().st_size for f in files for p in expand(f) if p.is_file())
    if workers is None:
        workers = (os.cpu_count() or 1) if total > PARALLEL_BYTES else 1
    units = _units(files, workers, office_addresses)
    if workers <= 1 or len(units) <= 1:
        return time_order(item for u in units for item in _read_unit(u))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(_read_unit, units, chunksize=1))
    return time_order(item for part in parts for item in part)
