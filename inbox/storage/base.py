"""The store's shared ground: the engine, the office-unit scope, the audit-log row every change writes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import Engine, insert, select

from inbox.errors import PermissionDenied
from inbox.storage.database import migrate
from inbox.storage.tables import T_AUDIT, T_PERSON, T_THREAD


class StoreBase:
    """What every part of the store shares: the engine, the office-unit scope and its checks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.unit: str | None = None
        """The office unit this store is limited to (:meth:`scoped`); None: every unit."""
        self._stored_since_analyze = 0  # PostgreSQL: messages stored since the last ANALYZE
        self._analyzed_at = 0  # and how many the message table held then

    def migrate(self) -> None:
        migrate(self.engine)

    def scoped(self, unit: str | None) -> Self:
        """This store (same engine) limited to one office unit: a caseworker's view.

        Every method that reads or changes a thread, a message or a person then refuses with
        :class:`PermissionDenied` when the person belongs to another unit; persons of no unit and threads
        of no person stay visible. The queue lists only what the unit may see, and ``claim_next`` claims
        only from it. ``None`` (or the store as opened) is every unit.
        """
        other = copy.copy(self)
        other.unit = unit
        return other

    def _check_person(self, conn: Any, person_id: int | None) -> None:
        if self.unit is None or person_id is None:
            return
        unit = conn.execute(select(T_PERSON.c.unit).where(T_PERSON.c.id == person_id)).scalar_one_or_none()
        if unit not in (None, "", self.unit):
            raise PermissionDenied(f"person {person_id} belongs to another office unit")

    def _check_thread(self, conn: Any, thread_id: int) -> None:
        if self.unit is None:
            return
        pid = conn.execute(select(T_THREAD.c.person_id).where(T_THREAD.c.id == thread_id)).scalar_one_or_none()
        if pid is not None:
            unit = conn.execute(select(T_PERSON.c.unit).where(T_PERSON.c.id == pid)).scalar_one_or_none()
            if unit not in (None, "", self.unit):
                raise PermissionDenied(f"thread {thread_id} belongs to another office unit")

    def _unit(self, unit: str | None) -> str | None:
        """The unit a query is limited to: the store's scope always wins over a caller's wider wish."""
        return self.unit if self.unit is not None else unit

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def audit_event(conn: Any, user: str, action: str, thread_id: int | None = None, **detail: Any) -> None:
    """One audit-log row, in the caller's transaction."""
    audit_row(conn, user, action, thread_id, None, detail)


def audit_row(conn: Any, user: str, action: str, thread_id: int | None, person_id: int | None,
              detail: dict[str, Any]) -> None:
    conn.execute(insert(T_AUDIT).values(at=datetime.now(UTC), user=user, action=action, thread_id=thread_id,
                                        person_id=person_id, detail=json.dumps(detail, default=str) if detail else ""))


__all__ = ["StoreBase", "audit_event", "audit_row"]
