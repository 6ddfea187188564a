"""Reading export files for import: every file parsed, good records sorted by the time they were sent.

Sorting matters: threads form in the order people wrote, whatever the order of the files given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from inbox.domain import IncomingMessage, Quarantined
from inbox.parsers import read_any


def time_order(items: Iterable[IncomingMessage | Quarantined]) -> list[IncomingMessage | Quarantined]:
    """Quarantined records first (they carry no time), then messages by (sent time, key)."""
    seq = list(items)
    bad: list[IncomingMessage | Quarantined] = [i for i in seq if isinstance(i, Quarantined)]
    good = [i for i in seq if isinstance(i, IncomingMessage)]
    good.sort(key=lambda m: (m.sent_at.timestamp(), m.key))
    return [*bad, *good]


def read_files(files: Sequence[Path], *, office_addresses: frozenset[str] = frozenset()
               ) -> list[IncomingMessage | Quarantined]:
    """Parse every file (format detected from content) and return its records in time order."""
    return time_order([item for f in files for item in read_any(f, office_addresses=office_addresses)])
