"""Faults around the database: another process holding SQLite's lock; many caseworker processes at once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from inbox.cli import cli
from inbox.storage.repository import Store
from tests.inbox.test_storage import sms


def _cli(db: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inbox.cli", "--db", db, "--matcher", "structural", *args],
                          capture_output=True, text=True, check=False, env={**os.environ, **(env or {})})


@pytest.fixture
def sqlite_db(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "locked.db"
    store = Store.open(f"sqlite:///{path}")
    store.ingest([sms(f"SM{i}", f"+4791000{i:03d}", i) for i in range(5)])
    store.close()
    return f"sqlite:///{path}", path


def test_sqlite_locked_by_another_process_waits_then_proceeds(sqlite_db: tuple[str, Path]) -> None:
    url, path = sqlite_db
    holder = sqlite3.connect(path, timeout=1, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    threading.Timer(1.5, holder.rollback).start()  # the other process lets go after 1.5 s
    t = time.monotonic()
    res = _cli(url, "claim", "--next", env={"INBOX_SQLITE_BUSY_SECONDS": "20"})
    holder.close()
    assert res.returncode == 0, res.stderr
    assert "claimed thread" in res.stdout
    assert time.monotonic() - t >= 1.0  # it waited for the lock instead of failing


def test_sqlite_locked_past_the_wait_gives_a_clear_error(sqlite_db: tuple[str, Path]) -> None:
    url, path = sqlite_db
    holder = sqlite3.connect(path, timeout=1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        res = _cli(url, "claim", "--next", env={"INBOX_SQLITE_BUSY_SECONDS": "1"})
    finally:
        holder.rollback()
        holder.close()
    assert res.returncode == 1
    assert "locked by another process" in res.stderr
    assert "Traceback" not in res.stderr
    store = Store.open(url, create=False)
    assert store.stats().claimed == 0  # nothing half-done
    store.close()


@pytest.mark.postgres
def test_caseworker_processes_claim_each_thread_at_most_once(pg_url: str) -> None:
    store = Store.open(pg_url)
    store.ingest([sms(f"SM{i}", f"+4792000{i:03d}", i) for i in range(12)])
    store.close()
    script = ("import sys, json\nfrom inbox.storage.repository import Store\n"
              "s = Store.open(sys.argv[1], create=False)\n"
              "print(json.dumps([s.claim_next(sys.argv[2]) for _ in range(5)]))\ns.close()\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, pg_url, f"veileder{i}"], stdout=subprocess.PIPE,
                              text=True) for i in range(4)]
    got: list[int] = []
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        got.extend(t for t in json.loads(out) if t is not None)
    assert len(got) == 12  # 20 attempts for 12 threads: all handed out
    assert len(set(got)) == 12  # none twice


def test_cli_reports_an_unreachable_database_without_a_traceback() -> None:
    r = CliRunner().invoke(cli, ["--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "stats"])
    assert r.exit_code == 1
    assert "cannot reach the database" in r.output or "could not be reached" in r.output
