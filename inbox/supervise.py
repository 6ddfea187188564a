"""Every figure of the supervisor view in one call: the TUI's supervisor screen, ``inbox stats`` and the
benchmark all use :func:`gather`, so they show the same numbers.

Aggregates only: counts, waiting times, caseworkers' load and connector health. Nothing here reads
message text, citizens' names or ID numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.storage.repository import QueueStats, Store
from inbox.workdays import DEFAULT_TARGET_HOURS, working_target_seconds

HISTORY_DAYS = 7


@dataclass(frozen=True)
class ConnectorStatus:
    """One connector as the sync daemon last recorded it. ``error`` is the error's kind only."""

    name: str
    channel: str
    status: str
    last_success: datetime | None
    lag_seconds: float | None  # since the last successful pull
    errors_in_a_row: int
    error: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "channel": self.channel, "status": self.status,
                "last_success": self.last_success.isoformat() if self.last_success else None,
                "lag_seconds": self.lag_seconds, "errors_in_a_row": self.errors_in_a_row, "error": self.error}


@dataclass(frozen=True)
class Figures:
    """One refresh of the supervisor view."""

    at: datetime
    stats: QueueStats
    target_hours: float
    waiting_beyond_target: int
    caseworkers: dict[str, dict[str, int]]
    connectors: list[ConnectorStatus] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """What ``inbox stats --json`` prints (the history is left out)."""
        return {**self.stats.as_dict(), "target_hours": self.target_hours,
                "waiting_beyond_target": self.waiting_beyond_target, "caseworkers": self.caseworkers,
                "connectors": [c.as_dict() for c in self.connectors]}


def connector_health(store: Store, now: datetime) -> list[ConnectorStatus]:
    """The sync daemon's health records as the supervisor sees them; unreadable ones are skipped."""
    return [ConnectorStatus(
        name=h.name, channel=h.channel, status=h.status, last_success=h.last_success,
        lag_seconds=max(0.0, (now - h.last_success).total_seconds()) if h.last_success else None,
        errors_in_a_row=h.errors_in_a_row,
        error=h.last_error.split(":", 1)[0] if h.errors_in_a_row else "",  # the kind, never a foreign text
    ) for h in store.health_records()]


def gather(store: Store, now: datetime | None = None, *, target_hours: float = DEFAULT_TARGET_HOURS,
           history_since: datetime | None = None) -> Figures:
    """Every supervisor figure at ``now``. ``history_since``: also the stored queue snapshots since then."""
    now = now or datetime.now(UTC)
    stats = store.stats(now)
    beyond = store.waiting_beyond(working_target_seconds(now, target_hours), now)
    return Figures(at=now, stats=stats, target_hours=target_hours, waiting_beyond_target=beyond,
                   caseworkers=store.caseworker_load(now), connectors=connector_health(store, now),
                   history=store.history(history_since) if history_since is not None else [])


def default_history_since(now: datetime) -> datetime:
    return now - timedelta(days=HISTORY_DAYS)
