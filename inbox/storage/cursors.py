"""Cursors and health: named positions (a connector's cursor) and whether the database answers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import OperationalError

from inbox.errors import StorageError
from inbox.storage.base import StoreBase
from inbox.storage.tables import T_CURSOR, T_MSG, T_PERSON, T_QUAR, T_THREAD


class CursorRepository(StoreBase):
    """Cursors, counts and the reachability check."""

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


__all__ = ["CursorRepository"]
