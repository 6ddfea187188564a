"""Reading a store's rows a window at a time, once (:class:`StoreWindow`): the indexes a matcher keeps across
batches (signed names, neighbours) read the window once, then only the rows stored since."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class StoreWindow:
    """How far a matcher-held index has read a store's rows (a ``rows(after_id, since, until=None)`` answer
    of rows and the highest id it covers, as :class:`inbox.storage.match_context.BatchContext` gives them): the
    window once, then only the rows stored since (by id), and earlier days when an older message needs
    them. Which store (``source``) it read, so that another store starts afresh."""

    def __init__(self) -> None:
        self.source: Any = None
        self.top = 0  # highest message id read
        self.start: datetime | None = None  # earliest sent time read

    def reset(self, source: Any) -> None:
        self.source, self.top, self.start = source, 0, None

    def read(self, rows: Any, since: datetime) -> tuple[list[Any], list[Any]]:
        """(the rows not read yet from ``start`` on, the rows of the days from ``since`` to ``start``
        when ``since`` is earlier); the first read is the window from ``since``."""
        earlier: list[Any] = []
        if self.start is None:
            fetched, top = rows(0, since)
            self.start = since
        else:
            fetched, top = rows(self.top, self.start)
            if since < self.start:  # an older message than any before: read the earlier days too
                earlier, _ = rows(0, since, self.start)
                self.start = since
        self.top = max(self.top, top)  # read up to here, whether the caller keeps any row or not
        return fetched, earlier
