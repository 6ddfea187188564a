"""Storing incoming items: batches, one transaction each, and the faults that quarantine a single item.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable

from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError

from inbox.domain import IncomingMessage, Quarantined
from inbox.errors import InboxError
from inbox.matching import Matcher, StructuralMatcher
from inbox.parsers.common import safe_text
from inbox.storage.base import StoreBase
from inbox.storage.tables import T_MSG, T_QUAR
from inbox.storage.writer import IngestSummary, MessageWriter

log = logging.getLogger(__name__)


#: SQLSTATE classes of errors caused by the values written (data exception, integrity constraint, a value
#: over a limit such as an index row's size), not by the state of the server.
_DATA_SQLSTATE_CLASSES = ("22", "23", "54")
#: SQLite's errors caused by the values written.
_DATA_SQLITE_ERRORS = ("SQLITE_CONSTRAINT", "SQLITE_TOOBIG", "SQLITE_MISMATCH", "SQLITE_RANGE")


def item_fault(exc: BaseException) -> bool:
    """Whether a failed write failed because of what was written (it would fail again, whatever the retry),
    rather than because the database is unreachable, locked or restarting (worth retrying as it is)."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return False
        state = getattr(exc.orig, "sqlstate", None)  # psycopg
        if isinstance(state, str) and state:
            return state[:2] in _DATA_SQLSTATE_CLASSES
        if isinstance(exc, DataError | IntegrityError):  # refused by the driver before it was sent
            return True
        return str(getattr(exc.orig, "sqlite_errorname", "")).startswith(_DATA_SQLITE_ERRORS)
    if isinstance(exc, StatementError):  # a value SQLAlchemy could not convert for the driver
        return True
    if isinstance(exc, SQLAlchemyError | InboxError | OSError | MemoryError | RecursionError):
        return False  # the database, the configuration, the model or the machine: not this item
    return isinstance(exc, Exception)  # an error this item's content causes in the code that reads it


def fault_name(exc: BaseException) -> str:
    """An error as a reason may name it: its type, and the database's error code (never its message, which
    can quote the values written)."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    name = type(orig).__name__ if isinstance(exc, DBAPIError) and orig is not None else type(exc).__name__
    return f"{name} {code}" if code else name


def unstorable(item: IncomingMessage | Quarantined, source: str, exc: BaseException) -> Quarantined:
    """The quarantine record for an item that could not be stored."""
    reason = f"could not be stored ({fault_name(exc)})"
    if isinstance(item, Quarantined):
        return Quarantined(item.source, item.position, f"{item.reason}; {reason}", raw=safe_text(item.raw),
                           channel=item.channel)
    return Quarantined(source or f"{item.channel.value} input", f"message {item.key}", reason,
                       raw=safe_text(item.raw), channel=item.channel.value)


class IntakeRepository(StoreBase):
    """Ingest and quarantine."""

    def ingest(
        self,
        items: Iterable[IncomingMessage | Quarantined],
        *,
        matcher: Matcher | None = None,
        source: str = "",
        batch_size: int = 2000,
        progress: Callable[[int], None] | None = None,
        clean: Callable[[IncomingMessage], str] | None = None,
    ) -> IngestSummary:
        """Store items in batches, each batch one transaction; returns what happened per channel.

        A batch that fails because of what one of its items holds (a value the database refuses, an error
        the item causes in the matcher) is stored again item by item, and the items that still fail are
        quarantined with the error's type as the reason: one hostile message never stops the rest, nor a
        connector's sync. Failures of the database itself (unreachable, locked, restarted) are raised, so the
        caller retries the whole batch later.
        """
        summary = IngestSummary()
        matcher = matcher or StructuralMatcher()
        batch: list[IncomingMessage | Quarantined] = []

        def write(items: list[IncomingMessage | Quarantined], part: IngestSummary) -> None:
            try:
                with self.engine.begin() as conn:
                    MessageWriter(conn, matcher, source=source, clean=clean).write(items, part)
            except BaseException:
                # Rolled back: what the matcher learnt from this transaction (person ids) may not hold.
                matcher.forget()
                raise

        def flush() -> None:
            if not batch:
                return
            part = IngestSummary()
            try:
                write(batch, part)
            except Exception as exc:
                if not item_fault(exc):
                    raise
                log.warning("a batch of %d items failed (%s): storing its items one by one", len(batch),
                            fault_name(exc))
                part = IngestSummary()
                for item in batch:
                    one = IngestSummary()
                    try:
                        write([item], one)
                    except Exception as item_exc:
                        if not item_fault(item_exc):
                            raise
                        one = IngestSummary()
                        record = unstorable(item, source, item_exc)
                        try:
                            write([record], one)
                        except Exception as raw_exc:  # its raw form is what the database refuses
                            if not item_fault(raw_exc):
                                raise
                            one = IngestSummary()
                            write([dataclasses.replace(record, raw="")], one)
                    part.merge(one)
            summary.merge(part)
            self._keep_statistics_fresh(sum(part.new.values()))
            if progress:
                progress(len(batch))
            batch.clear()

        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
        flush()
        return summary

    def _keep_statistics_fresh(self, stored: int) -> None:
        """PostgreSQL: ANALYZE the growing tables whenever a bulk import has doubled them.

        Autovacuum's statistics lag a big import; with a fresh database's defaults the planner scans the
        message table for the batch's key and history lookups, and each batch gets slower than the last
        (measured: 100k messages took 222 s to store instead of about 60 s).
        """
        if self.dialect != "postgresql" or not stored:
            return
        self._stored_since_analyze += stored
        if self._stored_since_analyze < max(5_000, self._analyzed_at):
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE message, thread, person, identity"))
            self._analyzed_at = int(conn.execute(select(func.count()).select_from(T_MSG)).scalar_one())
        self._stored_since_analyze = 0

    def quarantined(self, limit: int = 1000) -> list[Quarantined]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(T_QUAR).order_by(T_QUAR.c.id).limit(limit)).mappings().all()
        return [Quarantined(r["source"], r["position"], r["reason"], r["raw"], r["channel"]) for r in rows]


__all__ = ["IntakeRepository", "fault_name", "item_fault", "unstorable"]
