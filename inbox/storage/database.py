"""Engines and migrations. Nothing here runs at import time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from inbox.errors import StorageError
from inbox.paths import private_sqlite_file

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000  # how long a command waits for another process's write lock


def _busy_ms() -> int:
    """``INBOX_SQLITE_BUSY_SECONDS`` overrides the wait for a locked SQLite database."""
    raw = os.environ.get("INBOX_SQLITE_BUSY_SECONDS")
    try:
        return int(float(raw) * 1000) if raw else SQLITE_BUSY_TIMEOUT_MS
    except ValueError:
        return SQLITE_BUSY_TIMEOUT_MS


PG_CONNECT_TIMEOUT_S = 10


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for any SQLAlchemy URL, with flerkanal's settings per dialect.

    SQLite gets WAL, foreign keys and a busy timeout so a second process waits instead of failing;
    ``sqlite://`` (in memory) shares one connection so every session sees the same database.
    PostgreSQL URLs without a driver use psycopg 3.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": _busy_ms() / 1000}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            private_sqlite_file(Path(parsed.database))
    else:
        kwargs["pool_pre_ping"] = True
        if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
            # An unreachable server (a partition, not a restart) must fail fast into the sync daemon's
            # backoff instead of blocking its write lock for minutes; ?connect_timeout= in the URL wins.
            kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA cache_size=-65536")  # 64 MB of pages (the default is 2 MB)
                # Checkpoint the WAL every ~80 MB instead of every 4 MB: index pages changed by many
                # batches are copied into the database once, not once per batch (bulk imports ~12 % faster).
                cur.execute("PRAGMA wal_autocheckpoint=20000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={_busy_ms()}")
            cur.close()

    return engine


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic)."""
    try:
        command.upgrade(_alembic_config(engine), revision)
    except Exception as exc:  # alembic raises many types; report one
        raise StorageError(f"migration failed on {engine.url.render_as_string(hide_password=True)}: "
                           f"{type(exc).__name__}: {exc}") from exc


def schema_is_current(engine: Engine) -> bool:
    script = ScriptDirectory.from_config(_alembic_config(engine))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    return set(current) == set(script.get_heads())
