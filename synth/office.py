"""The office every export is written to: the development set's name, address and SMS number, so the same
settings read both, and the end of the time window the messages fall in."""

from __future__ import annotations

from datetime import UTC, datetime

OFFICE_NAME = "Nav Grünerløkka"
OFFICE_EMAIL = "nav.grunerlokka@nav.example.no"
OFFICE_PHONE = "+4759446000"
# The window ends 26 November 2026 16:00 Oslo time. Event times are Oslo wall-clock seconds counted as if
# they were UTC ("naive local"), which keeps days and office hours simple; see synth.clock.
WINDOW_END = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
