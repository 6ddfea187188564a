"""Persons and profiles: the contact register's import, profiles and a caseworker's caseload."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from inbox.domain import Contact, IdentityKind, Quarantined
from inbox.errors import NotFoundError, PermissionDenied
from inbox.identity import normalise_email, normalise_phone
from inbox.storage.base import StoreBase
from inbox.storage.match_context import bump_names_version
from inbox.storage.tables import T_AUDIT, T_IDENT, T_MSG, T_PERSON, T_REPLY, T_THREAD


@dataclass(frozen=True)
class ContactSummary:
    added: int = 0
    updated: int = 0
    merged: int = 0
    problems: tuple[Quarantined, ...] = ()
    unchanged: int = 0  # rows identical to what was stored (a re-import)


class PersonRepository(StoreBase):
    """Registered persons and their profiles."""

    def import_contacts(self, contacts: Iterable[Contact | Quarantined]) -> ContactSummary:
        """Add or update registered persons; a row identical to what is stored counts as unchanged."""
        added = updated = merged = unchanged = 0
        problems: list[Quarantined] = []
        with self.engine.begin() as conn:
            for c in contacts:
                if isinstance(c, Quarantined):
                    problems.append(c)
                    continue
                idents: list[tuple[str, str]] = []
                if c.fnr:
                    idents.append((IdentityKind.FNR.value, c.fnr))
                if c.aktor_id:
                    idents.append((IdentityKind.AKTOR_ID.value, c.aktor_id))
                phone = normalise_phone(c.phone) if c.phone else None
                if phone:
                    idents.append((IdentityKind.PHONE.value, phone))
                email = normalise_email(c.email) if c.email else None
                if email:
                    idents.append((IdentityKind.EMAIL.value, email))
                pid = None
                if c.fnr:
                    pid = conn.execute(select(T_PERSON.c.id).where(T_PERSON.c.fnr == c.fnr)).scalar_one_or_none()
                if pid is None:
                    # An address seen before the register was loaded: that auto-created person is this one.
                    for kind, value in idents:
                        row = conn.execute(
                            select(T_PERSON.c.id, T_PERSON.c.in_register)
                            .join(T_IDENT, T_IDENT.c.person_id == T_PERSON.c.id)
                            .where(T_IDENT.c.kind == kind, T_IDENT.c.value == value)
                        ).first()
                        if row is not None and not row.in_register:
                            pid = row.id
                            break
                values = {"name": c.name, "fnr": c.fnr or None, "aktor_id": c.aktor_id or None,
                          "in_register": True}
                new = pid is None
                changed = False
                if pid is None:
                    pid = int(conn.execute(insert(T_PERSON).values(
                        **values, age_group="", language="", interpreter=False, digital_skills="",
                        preferred_channel="", notes="", meetings_held=0, open_conflict=False,
                    )).inserted_primary_key[0])  # type: ignore[index]
                else:
                    now = conn.execute(select(*(T_PERSON.c[k] for k in values)).where(T_PERSON.c.id == pid)).one()
                    if dict(now._mapping) != values:
                        conn.execute(update(T_PERSON).where(T_PERSON.c.id == pid).values(**values))
                        changed = True
                for kind, value in idents:
                    owner = conn.execute(
                        select(T_IDENT.c.person_id).where(T_IDENT.c.kind == kind, T_IDENT.c.value == value)
                    ).scalar_one_or_none()
                    if owner is None:
                        conn.execute(insert(T_IDENT).values(person_id=pid, kind=kind, value=value))
                        changed = True
                    elif owner != pid:
                        owner_in_register = conn.execute(
                            select(T_PERSON.c.in_register).where(T_PERSON.c.id == owner)).scalar_one()
                        if owner_in_register:
                            problems.append(Quarantined(
                                c.source or "contacts", c.position or "row",
                                f"{kind} already belongs to another registered person: not given to this one"))
                            continue
                        _merge_person(conn, owner, pid)
                        merged += 1
                        changed = True
                if new:
                    added += 1
                elif changed:
                    updated += 1
                else:
                    unchanged += 1
            if added or updated or merged:
                bump_names_version(conn)
        return ContactSummary(added, updated, merged, tuple(problems), unchanged)

    PROFILE_FIELDS = ("age_group", "language", "interpreter", "digital_skills", "preferred_channel", "notes",
                      "meetings_held", "open_conflict", "unit")

    def profile(self, person_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(T_PERSON).where(T_PERSON.c.id == person_id)).mappings().first()
            if row is None:
                raise NotFoundError(f"no person {person_id}")
            self._check_person(conn, person_id)
        return {k: row[k] for k in ("id", "name", "in_register", *self.PROFILE_FIELDS)}

    def update_profile(self, person_id: int, user: str, **fields: Any) -> dict[str, Any]:
        unknown = set(fields) - set(self.PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"unknown profile field(s): {', '.join(sorted(unknown))} "
                             f"(editable: {', '.join(self.PROFILE_FIELDS)})")
        if self.unit is not None and fields.get("unit", self.unit) not in ("", self.unit):
            raise PermissionDenied("a caseworker may move a person only into their own office unit or none")
        with self.engine.begin() as conn:
            self._check_person(conn, person_id)
            res = conn.execute(update(T_PERSON).where(T_PERSON.c.id == person_id).values(**fields))
            if res.rowcount != 1:
                raise NotFoundError(f"no person {person_id}")
            conn.execute(insert(T_AUDIT).values(at=datetime.now(UTC), user=user, action="profile",
                                                thread_id=None, person_id=person_id,
                                                detail=json.dumps({"fields": sorted(fields)})))
        return self.profile(person_id)

    def person_thread_count(self, person_id: int) -> int:
        with self.engine.connect() as conn:
            self._check_person(conn, person_id)
            return int(conn.execute(select(func.count()).select_from(T_THREAD)
                                    .where(T_THREAD.c.person_id == person_id)).scalar_one())

    def caseload(self, user: str) -> int:
        """How many persons the caseworker has threads with (claimed or answered by them)."""
        with self.engine.connect() as conn:
            claimed = set(conn.execute(select(T_THREAD.c.person_id).where(T_THREAD.c.claimed_by == user)).scalars())
            replied = set(conn.execute(select(T_THREAD.c.person_id).join(T_REPLY, T_REPLY.c.thread_id == T_THREAD.c.id)
                                       .where(T_REPLY.c.by_user == user)).scalars())
        return len((claimed | replied) - {None})


def _merge_person(conn: Any, old: int, new: int) -> None:
    """Move everything of an auto-created person onto a registered one."""
    conn.execute(update(T_MSG).where(T_MSG.c.person_id == old).values(person_id=new))
    conn.execute(update(T_THREAD).where(T_THREAD.c.person_id == old).values(person_id=new))
    conn.execute(update(T_IDENT).where(T_IDENT.c.person_id == old).values(person_id=new))
    conn.execute(delete(T_PERSON).where(T_PERSON.c.id == old))


__all__ = ["ContactSummary", "PersonRepository"]
