"""Every figure of the supervisor view in one call: the TUI's supervisor screen, ``inbox stats`` and the
benchmark all use :func:`gather`, so they show the same numbers.

Aggregates only: counts, waiting times, caseworkers' load and connector health. Nothing here reads
message text, citizens' names or ID numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.health import HEALTH_PREFIX
from inbox.parsers.common import iso_time
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
    """The sync daemon's health records (cursor ``sync-health/<name>``); unreadable ones are skipped."""
    out: list[ConnectorStatus] = []
    for key, raw in store.cursors(HEALTH_PREFIX).items():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        last = iso_time(data.get("last_success"))
        errors = data.get("errors_in_a_row")
        error = str(data.get("last_error") or "").split(":", 1)[0]  # the kind, never a foreign text
        out.append(ConnectorStatus(
            name=key[len(HEALTH_PREFIX):], channel=str(data.get("channel") or ""),
            status=str(data.get("status") or "unknown"), last_success=last,
            lag_seconds=max(0.0, (now - last).total_seconds()) if last else None,
            errors_in_a_row=errors if isinstance(errors, int) else 0, error=error if errors else ""))
    return out


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
