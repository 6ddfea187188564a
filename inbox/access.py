"""Who may do what. Roles, not people, carry permissions; every CLI command and TUI screen asks here.

- caseworker: works threads (read, claim, reply, split/merge, profiles) of their own unit;
- supervisor: aggregates only (queue length, waiting times, load): no message text, names or ID numbers;
- admin: configuration, connectors, imports, users, the audit log.

Until the first user is added, the database is in *set-up mode*: whoever runs a command acts as admin
(a single-user install, the demo). `inbox users add` ends set-up mode; from then on unknown users are
refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from inbox.errors import PermissionDenied


class Role(StrEnum):
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(StrEnum):
    READ_THREADS = "read threads"  # message text, names, identities
    WORK_THREADS = "work threads"  # claim, reply, split, merge, profiles
    VIEW_STATS = "view stats"  # aggregates only
    IMPORT = "import"  # ingest, contacts, sync
    ADMINISTER = "administer"  # users, connectors, audit log, quarantine
    INCLUDE_IDS = "include ID numbers in exports"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CASEWORKER: frozenset({Permission.READ_THREADS, Permission.WORK_THREADS, Permission.VIEW_STATS,
                                Permission.INCLUDE_IDS}),
    Role.SUPERVISOR: frozenset({Permission.VIEW_STATS}),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    unit: str = ""
    setup_mode: bool = False

    def can(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"{self.name} ({self.role.value}) may not {permission.value}")
