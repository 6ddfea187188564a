"""Cursors and health: named positions (a connector's cursor), the connectors' health records, and whether the
database answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import OperationalError

from inbox.errors import StorageError
from inbox.health import HEALTH_PREFIX, ConnectorHealth
from inbox.storage.base import StoreBase
from inbox.storage.tables import T_CURSOR, T_MSG, T_PERSON, T_QUAR, T_THREAD


class CursorRepository(StoreBase):
    """Cursors, connector health, counts and the reachability check."""

    def get_cursor(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(T_CURSOR.c.value).where(T_CURSOR.c.name == name)).scalar_one_or_none()

    def cursors(self, prefix: str) -> dict[str, str]:
        """Every cursor whose name starts with ``prefix`` (e.g. the sync daemon's ``sync-health/``), by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(T_CURSOR.c.name, T_CURSOR.c.value)
                                .where(T_CURSOR.c.name.startswith(prefix, autoescape=True))
                                .order_by(T_CURSOR.c.name)).all()
        return {str(n): str(v) for n, v in rows}

    def set_cursor(self, name: str, value: str) -> None:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            res = conn.execute(update(T_CURSOR).where(T_CURSOR.c.name == name).values(value=value, updated_at=now))
            if res.rowcount == 0:
                conn.execute(insert(T_CURSOR).values(name=name, value=value, updated_at=now))

    def save_health(self, health: ConnectorHealth) -> None:
        """Record a connector's health (replacing the one before)."""
        self.set_cursor(HEALTH_PREFIX + health.name, json.dumps(health.as_dict(), separators=(",", ":")))

    def load_health(self, name: str) -> ConnectorHealth | None:
        """The health record last saved for connector ``name``; None: never synced, or unreadable."""
        return _health(name, self.get_cursor(HEALTH_PREFIX + name))

    def health_records(self) -> list[ConnectorHealth]:
        """Every connector's health record, by name; unreadable ones are left out."""
        records = (_health(key[len(HEALTH_PREFIX):], raw) for key, raw in self.cursors(HEALTH_PREFIX).items())
        return [h for h in records if h is not None]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                "messages": conn.execute(select(func.count()).select_from(T_MSG)).scalar_one(),
                "threads": conn.execute(select(func.count()).select_from(T_THREAD)).scalar_one(),
                "persons": conn.execute(select(func.count()).select_from(T_PERSON)).scalar_one(),
                "quarantined": conn.execute(select(func.count()).select_from(T_QUAR)).scalar_one(),
            }

    def check(self) -> None:
        """Raise StorageError with a helpful message when the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except OperationalError as exc:
            raise StorageError(f"cannot reach the database {self.engine.url.render_as_string(hide_password=True)}"
                               f" ({type(exc.orig).__name__})") from exc


def _health(name: str, raw: str | None) -> ConnectorHealth | None:
    """A stored health record read back, named by where it is stored."""
    if not raw:
        return None
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return None
    return ConnectorHealth.from_dict({**data, "name": name}) if isinstance(data, dict) else None



__all__ = ["CursorRepository"]
