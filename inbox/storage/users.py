"""Users and audit: who may use the inbox in which role, and the audit log."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from inbox.access import Role, User
from inbox.errors import ConflictError, NotFoundError, PermissionDenied
from inbox.storage.base import StoreBase, audit_event, audit_row
from inbox.storage.convert import utc
from inbox.storage.tables import T_AUDIT, T_THREAD, T_USER

#: A user is bound to the OS account of the same name (see flerkanal.settings.os_user).
_USER_NAME = re.compile(r"[\w.@$][\w.@$-]*")


class UserRepository(StoreBase):
    """Users, roles and the audit log."""

    def user(self, name: str) -> User:
        """The user ``name`` with their role; in set-up mode (no users yet) everyone is admin."""
        with self.engine.connect() as conn:
            row = conn.execute(select(T_USER).where(T_USER.c.name == name)).mappings().first()
            if row is not None:
                return User(row["name"], Role(row["role"]), row["unit"] or "")
            anyone = conn.execute(select(T_USER.c.name).limit(1)).first()
        if anyone is None:
            return User(name, Role.ADMIN, "", setup_mode=True)
        raise PermissionDenied(f"{name} is not a user of this inbox (an admin adds users with `inbox users add`)")

    def add_user(self, name: str, role: Role, unit: str = "", *, by: str) -> None:
        """Add a user or change their role. The inbox always keeps an admin: the first user must be one,
        and the last admin cannot be demoted (:class:`ConflictError` with the command that helps)."""
        if not _USER_NAME.fullmatch(name):
            raise ValueError("a user name is the person's OS account name: letters, digits, '.', '_', '-', '@' "
                             "and '$', not starting with '-'")
        with self.engine.begin() as conn:
            admins = _admins(conn)
            if role != Role.ADMIN:
                if not admins and conn.execute(select(T_USER.c.name).limit(1)).first() is None:
                    raise ConflictError(
                        f"the first user must be an admin, or nobody could add users or read the audit log "
                        f"afterwards: add one first (`inbox users add {by} --role admin`), then {name}")
                if admins == [name]:
                    raise ConflictError(f"{name} is the last admin: make another user admin first "
                                        f"(`inbox users add NAME --role admin`)")
            exists = conn.execute(select(T_USER.c.name).where(T_USER.c.name == name)).first()
            if exists:
                conn.execute(update(T_USER).where(T_USER.c.name == name).values(role=role.value, unit=unit))
            else:
                conn.execute(insert(T_USER).values(name=name, role=role.value, unit=unit,
                                                   created_at=datetime.now(UTC)))
            audit_event(conn, by, "user", None, name=name, role=role.value, unit=unit)

    def remove_user(self, name: str, *, by: str) -> None:
        """Remove a user (their claims and audit trail stay). The last admin cannot be removed."""
        with self.engine.begin() as conn:
            row = conn.execute(select(T_USER.c.role).where(T_USER.c.name == name)).first()
            if row is None:
                raise NotFoundError(f"no user {name}")
            if _admins(conn) == [name]:
                raise ConflictError(f"{name} is the last admin: make another user admin first "
                                    f"(`inbox users add NAME --role admin`)")
            conn.execute(delete(T_USER).where(T_USER.c.name == name))
            audit_event(conn, by, "user", None, name=name, removed=True)

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [User(r.name, Role(r.role), r.unit) for r in conn.execute(select(T_USER).order_by(T_USER.c.name))]

    def audit(self, user: str, action: str, thread_id: int | None = None, *, person_id: int | None = None,
              **detail: Any) -> None:
        with self.engine.begin() as conn:
            audit_row(conn, user, action, thread_id, person_id, detail)

    def audit_threads(self, user: str, action: str, thread_ids: Iterable[int], **detail: Any) -> None:
        """One event per thread (so ``inbox audit --thread`` and ``--person`` find each), in one transaction:
        for a list of inquiries shown at once, with names and previews."""
        now = datetime.now(UTC)
        text = json.dumps(detail, default=str) if detail else ""
        rows = [{"at": now, "user": user, "action": action, "thread_id": int(t), "person_id": None, "detail": text}
                for t in thread_ids]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(T_AUDIT), rows)

    def audit_events(self, *, thread_id: int | None = None, user: str | None = None, person_id: int | None = None,
                     since: datetime | None = None, until: datetime | None = None,
                     limit: int = 1000) -> list[dict[str, Any]]:
        q = select(T_AUDIT).order_by(T_AUDIT.c.at, T_AUDIT.c.id).limit(limit)
        if thread_id is not None:
            q = q.where(T_AUDIT.c.thread_id == thread_id)
        if user is not None:
            q = q.where(T_AUDIT.c.user == user)
        if person_id is not None:
            threads = select(T_THREAD.c.id).where(T_THREAD.c.person_id == person_id)
            q = q.where((T_AUDIT.c.person_id == person_id) | T_AUDIT.c.thread_id.in_(threads))
        if since is not None:
            q = q.where(T_AUDIT.c.at >= since)
        if until is not None:
            q = q.where(T_AUDIT.c.at <= until)
        with self.engine.connect() as conn:
            return [dict(r) | {"at": utc(r["at"])} for r in conn.execute(q).mappings()]


def _admins(conn: Any) -> list[str]:
    """The admins' names, locked on PostgreSQL until the transaction ends: two admins demoting each other at
    once cannot both pass the last-admin check."""
    q = select(T_USER.c.name).where(T_USER.c.role == Role.ADMIN.value).order_by(T_USER.c.name)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    return [str(n) for n in conn.execute(q).scalars()]


__all__ = ["UserRepository"]
