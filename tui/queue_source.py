"""Paging through the queue with the TUI's filters, without loading it all.

The store pages open inquiries in fair order (``Store.open_threads(limit, offset)``, indexed). Scope
and channel filters go to the store; "waiting more than N hours" is a prefix of the fair order (the
oldest first contact comes first), so paging stops at the first younger thread; the incremental search
is matched here, page by page, with a bound on how much one call scans.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from inbox.storage.repository import QueueEntry, Store
from tui.format import one_line, person_label

Scope = Literal["all", "mine", "unclaimed"]
SCOPES: tuple[Scope, ...] = ("all", "mine", "unclaimed")
CHANNELS: tuple[str | None, ...] = (None, "sms", "email", "dialog")
WAITS: tuple[int | None, ...] = (None, 4, 24, 72)

PAGE = 200
SEARCH_BATCH = 1000
SCAN_LIMIT = 20_000


@dataclass(frozen=True)
class QueueQuery:
    """What the caseworker asked to see."""

    scope: Scope = "all"
    channel: str | None = None
    min_wait_hours: int | None = None
    search: str = ""

    def describe(self) -> str:
        parts = [{"all": "all", "mine": "mine", "unclaimed": "unclaimed"}[self.scope]]
        if self.channel:
            parts.append(self.channel)
        if self.min_wait_hours:
            parts.append(f"waiting > {self.min_wait_hours}h")
        if self.search:
            parts.append(f"“{self.search}”")
        return " · ".join(parts)

    def cycled(self, what: Literal["scope", "channel", "wait"]) -> QueueQuery:
        """The next value of one filter (the keys cycle through them)."""
        if what == "scope":
            return replace(self, scope=SCOPES[(SCOPES.index(self.scope) + 1) % len(SCOPES)])
        if what == "channel":
            return replace(self, channel=CHANNELS[(CHANNELS.index(self.channel) + 1) % len(CHANNELS)])
        return replace(self, min_wait_hours=WAITS[(WAITS.index(self.min_wait_hours) + 1) % len(WAITS)])


@dataclass(frozen=True)
class QueuePage:
    """Entries found from ``offset``; ``next_offset`` is where the next page starts in the store's order."""

    entries: list[QueueEntry]
    offset: int
    next_offset: int
    exhausted: bool
    scanned: int


def matches(entry: QueueEntry, needle: str) -> bool:
    """Case-insensitive match on thread id (``#12`` or ``12``), person, claimant, channels and preview."""
    n = needle.strip().lower()
    if not n:
        return True
    t = entry.thread
    if n.lstrip("#").isdigit() and int(n.lstrip("#")) == t.id:
        return True
    hay = " ".join((person_label(entry.person), t.claimed_by, " ".join(c.value for c in t.channels),
                    one_line(entry.preview))).lower()
    return all(word in hay for word in n.split())


def fetch(store: Store, query: QueueQuery, user: str, now: datetime, *, offset: int = 0, want: int = PAGE,
          scan_limit: int = SCAN_LIMIT, unit: str | None = None) -> QueuePage:
    """Up to ``want`` entries (more when a search page holds more matches) starting at store ``offset``."""
    cutoff = now - timedelta(hours=query.min_wait_hours) if query.min_wait_hours else None
    found: list[QueueEntry] = []
    start, scanned = offset, 0
    while len(found) < want:
        size = max(SEARCH_BATCH, want) if query.search else want - len(found)
        rows = store.open_threads(limit=size, offset=offset, claimed_by=user if query.scope == "mine" else None,
                                  unclaimed=query.scope == "unclaimed", channel=query.channel, unit=unit)
        for i, e in enumerate(rows):
            if cutoff is not None and e.thread.first_contact > cutoff:
                return QueuePage(found, start, offset + i, True, scanned + i)
            if matches(e, query.search):
                found.append(e)
        offset += len(rows)
        scanned += len(rows)
        if len(rows) < size:
            return QueuePage(found, start, offset, True, scanned)
        if query.search and scanned >= scan_limit:
            break
    return QueuePage(found, start, offset, False, scanned)
