"""Benchmarks that print figures: ``inbox bench ingest``. Not run by the test suite."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from inbox.ingest import read_files
from inbox.storage.repository import Store, read_contacts_csv


def _fresh_postgres(url: str) -> str:
    """A new empty database next to the one named in ``url`` (the named one is never touched)."""
    parsed = make_url(url)
    name = f"flerkanal_bench_{int(time.time())}"
    admin = create_engine(parsed.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(drivername="postgresql+psycopg", database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def bench_ingest(n: int, databases: list[str]) -> list[dict[str, Any]]:
    """Generate ``n`` synthetic messages once, then parse and store them into each database."""
    from inbox.synth import generate

    work = Path(tempfile.mkdtemp(prefix="flerkanal-bench-"))
    generate(work / "export", n, seed=1)
    files = sorted(p for p in (work / "export").iterdir() if p.name not in ("contacts.csv", "labels.csv"))
    results = []
    for db in databases or [f"sqlite:///{work / 'bench.db'}"]:
        url = _fresh_postgres(db) if db.startswith("postgresql") else db
        try:
            store = Store.open(url)
            store.import_contacts(read_contacts_csv(work / "export" / "contacts.csv"))
            t0 = time.perf_counter()
            items = read_files(files)
            t1 = time.perf_counter()
            summary = store.ingest(items)
            t2 = time.perf_counter()
            stored = sum(summary.new.values())
            results.append({
                "database": store.dialect, "messages": stored, "parse_seconds": t1 - t0,
                "store_seconds": t2 - t1, "seconds": t2 - t0, "messages_per_second": stored / (t2 - t0),
                "store_messages_per_second": stored / (t2 - t1),
            })
            store.close()
        finally:
            if url != db:
                _drop_postgres(url)
    return results
