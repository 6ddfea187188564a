"""Booking a screen's next refresh only after the last one finished, so refreshes never overlap."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.timer import Timer


class BookedRefresh(Screen[Any]):
    """A screen that refreshes every ``services.refresh_seconds`` (0: never), one refresh at a time.

    Subclasses set ``services`` and ``_timer = None`` and implement ``_tick``; after a refresh's result
    is shown they call :meth:`_book_refresh` to book the next one.
    """

    services: Any
    _timer: Timer | None

    def _tick(self) -> None:
        raise NotImplementedError

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _book_refresh(self) -> None:
        self._stop_timer()
        if self.services.refresh_seconds:
            self._timer = self.set_timer(self.services.refresh_seconds, self._tick)
