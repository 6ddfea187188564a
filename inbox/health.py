"""The health record of a connector: what the sync daemon (:mod:`connectors.sync`) writes after every error
and every caught-up pull, and what ``inbox connectors``, the supervisor's figures and the TUI read back,
through the store (``Store.save_health``, ``load_health``, ``health_records``).

Records live in the store's cursor table under ``sync-health/<name>`` (:data:`HEALTH_PREFIX`), so another
process, or another machine sharing the database, sees them. Error texts in them are flerkanal's own messages
(never message text, ID numbers or secrets).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inbox.parsers.common import iso_time

__all__ = ["HEALTH_PREFIX", "ConnectorHealth", "summarise"]

#: Where the health records live in the store's cursor table: ``sync-health/<connector name>``.
HEALTH_PREFIX = "sync-health/"


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


@dataclass
class ConnectorHealth:
    """How one connector is doing. ``status``: starting, ok, retrying (transient trouble), failing (needs a
    person: credentials or configuration), stopped."""

    name: str
    channel: str
    status: str = "starting"
    last_success: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    errors_in_a_row: int = 0
    retry_at: datetime | None = None
    cursor: str | None = None
    pulls: int = 0
    new: int = 0
    duplicates: int = 0
    quarantined: int = 0
    mode: str = "daemon"
    pid: int = field(default_factory=os.getpid)
    updated_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "channel": self.channel, "status": self.status,
            "last_success": _iso(self.last_success), "last_error": self.last_error,
            "last_error_at": _iso(self.last_error_at), "errors_in_a_row": self.errors_in_a_row,
            "retry_at": _iso(self.retry_at), "cursor": self.cursor, "pulls": self.pulls, "new": self.new,
            "duplicates": self.duplicates, "quarantined": self.quarantined, "mode": self.mode, "pid": self.pid,
            "updated_at": _iso(self.updated_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConnectorHealth:
        def num(key: str) -> int:
            value = data.get(key)
            return value if isinstance(value, int) else 0

        cursor = data.get("cursor")
        return cls(
            name=str(data.get("name") or ""), channel=str(data.get("channel") or ""),
            status=str(data.get("status") or "unknown"), last_success=iso_time(data.get("last_success")),
            last_error=str(data.get("last_error") or ""), last_error_at=iso_time(data.get("last_error_at")),
            errors_in_a_row=num("errors_in_a_row"), retry_at=iso_time(data.get("retry_at")),
            cursor=cursor if isinstance(cursor, str) else None, pulls=num("pulls"), new=num("new"),
            duplicates=num("duplicates"), quarantined=num("quarantined"), mode=str(data.get("mode") or ""),
            pid=num("pid"), updated_at=iso_time(data.get("updated_at")),
        )


def summarise(health: Iterable[ConnectorHealth]) -> dict[str, dict[str, Any]]:
    """Health records as plain dicts keyed by name (for JSON output)."""
    return {h.name: h.as_dict() for h in health}
