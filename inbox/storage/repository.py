"""The store: every read and write flerkanal makes, behind one façade.

Callers get domain objects (``inbox.domain``), never rows. Each public method is one transaction. The
methods live with their concern, one module each: :mod:`~inbox.storage.intake` (ingest, quarantine),
:mod:`~inbox.storage.queue` (queue and claims), :mod:`~inbox.storage.threads` (threads, merge, undo,
replies), :mod:`~inbox.storage.persons` (persons and profiles), :mod:`~inbox.storage.users` (users and
audit) and :mod:`~inbox.storage.cursors` (cursors and health).
"""

from __future__ import annotations

from inbox.storage.cursors import CursorRepository
from inbox.storage.database import make_engine
from inbox.storage.intake import IntakeRepository
from inbox.storage.persons import ContactSummary, PersonRepository
from inbox.storage.queue import QueueEntry, QueueRepository, QueueStats
from inbox.storage.threads import ThreadRepository
from inbox.storage.users import UserRepository


class Store(IntakeRepository, QueueRepository, ThreadRepository, PersonRepository, UserRepository,
            CursorRepository):
    """flerkanal's database. Construct with an engine (or :meth:`open` with a URL)."""

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> Store:
        store = cls(make_engine(url))
        if create:
            store.migrate()
        return store


__all__ = ["ContactSummary", "QueueEntry", "QueueStats", "Store"]
