"""Faults around the database: another process holding SQLite's lock; many caseworker processes at once;
PostgreSQL restarted (cleanly or crashed) under a running sync daemon."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from flerkanal.cli import cli
from inbox.storage.repository import Store
from inbox.storage.tables import T_MSG
from synth import fnr_for_index
from tests.connectors.dialog_server import TOKEN as DIALOG_TOKEN
from tests.connectors.dialog_server import FakeDialog
from tests.connectors.test_kill import LAUNCH
from tests.connectors.twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    FakeTwilio,
    LoopbackServer,
    message_resource,
    new_sid,
)
from tests.inbox.test_storage import sms
from tests.pg_private import PrivatePostgres


def _cli(db: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flerkanal.cli", "--db", db, "--matcher", "structural", *args],
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


# -- PostgreSQL restarted under the sync daemon (issue 9) --------------------------------------------------------
RESTART_T0 = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)


class DaemonRun:
    """`inbox sync` (the daemon, as a user starts it) pulling from the loopback Twilio and veilarbdialog into
    the database at ``url``. Its log (``-v``) is kept in ``sync.log`` and in :attr:`lines`, as it comes."""

    def __init__(self, root: Path, url: str, *, sms: int, dialog: int, persons: int = 8) -> None:
        self.root = root
        self.url = url
        self.twilio = FakeTwilio()
        self.dialog = FakeDialog()
        self.followed = [fnr_for_index(i, seed=29) for i in range(persons)]
        for i, fnr in enumerate(self.followed):
            self.dialog.add_person(fnr, f"29{i:011d}")
        self.keys: dict[str, set[str]] = {"sms": set(), "dialog": set()}
        self._n = {"sms": 0, "dialog": 0}
        self._dialog_ids: dict[str, str] = {}
        self.lines: list[str] = []
        self.log = root / "sync.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._servers = [LoopbackServer(self.twilio.app), LoopbackServer(self.dialog.app)]
        self._pump: threading.Thread | None = None
        self.add(sms=sms, dialog=dialog)

    def add(self, *, sms: int = 0, dialog: int = 0) -> None:
        """New messages on both services, each newer than the last."""
        first = self._n["sms"]
        self._n["sms"] += sms
        for n in range(first, first + sms):
            res = message_resource(new_sid(), body=f"Hei {n}", from_=f"+4792{n % 5000:06d}",
                                   sent=RESTART_T0 + timedelta(seconds=n))
            self.twilio.add(res)
            self.keys["sms"].add(str(res["sid"]))
        first = self._n["dialog"]
        self._n["dialog"] += dialog
        for n in range(first, first + dialog):
            fnr = self.followed[n % len(self.followed)]
            h = self.dialog.add_henvendelse(fnr, self._dialog_ids.get(fnr) if n % 10 else None, f"Spørsmål {n}",
                                            overskrift="Spørsmål", sendt=RESTART_T0 + timedelta(seconds=n))
            self._dialog_ids[fnr] = h["dialogId"]
            self.keys["dialog"].add(str(h["id"]))

    @property
    def expected(self) -> int:
        return sum(len(k) for k in self.keys.values())

    def __enter__(self) -> DaemonRun:
        try:
            return self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _start(self) -> DaemonRun:
        twilio, dialog = (s.start() for s in self._servers)
        (self.root / "followed.txt").write_text("\n".join(self.followed) + "\n")
        config = self.root / "config.toml"
        # Small pages so the backlog takes many store transactions; quick backoff so the test is short.
        config.write_text(f"""\
[sync]
poll_seconds = 0.3
backoff_initial = 0.05
backoff_max = 0.5

[sms]
account_sid = "{ACCOUNT_SID}"
from_number = "{OUR_NUMBER}"
api_base_url = "{twilio.url}"
page_size = 50
timeout = 10

[dialog]
base_url = "{dialog.url}"
followed_file = "followed.txt"
timeout = 10
""")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INBOX_", "TWILIO_"))}
        env.update({"INBOX_MATCHER": "structural", "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "INBOX_DIALOG_TOKEN": DIALOG_TOKEN,
                    "PYTHONUNBUFFERED": "1"})
        self.proc = subprocess.Popen([sys.executable, "-c", LAUNCH, "-v", "--db", self.url, "sync", "--config",
                                      str(config)], cwd=self.root, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._pump = threading.Thread(target=self._read_log, daemon=True)
        self._pump.start()
        return self

    def _read_log(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        with self.log.open("w") as f:
            for raw in self.proc.stderr:
                line = raw.decode(errors="replace").rstrip("\n")
                f.write(line + "\n")
                f.flush()
                self.lines.append(line)

    def wait_for(self, what: str, predicate: Callable[[], bool], seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while not predicate():
            assert self.proc is not None and self.proc.poll() is None, \
                f"the daemon exited ({self.proc and self.proc.returncode}) while waiting for {what}:\n{self.tail()}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{self.tail()}"
            time.sleep(0.05)

    def logged(self, pattern: str, since: int = 0) -> int:
        """How many log lines from line ``since`` on match ``pattern``."""
        rx = re.compile(pattern)
        return sum(1 for line in self.lines[since:] if rx.search(line))

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit status."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.lines[-n:])

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(timeout=30)
            if self._pump is not None:
                self._pump.join(timeout=10)
            assert self.proc.stderr is not None
            self.proc.stderr.close()
        for s in self._servers:
            if s.server.started:
                s.stop()


def stored_keys(store: Store) -> Counter[tuple[str, str]]:
    with store.engine.connect() as conn:
        return Counter((str(c), str(k)) for c, k in conn.execute(select(T_MSG.c.channel, T_MSG.c.provider_key)))


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_restarted_during_sync_the_daemon_reconnects_and_loses_nothing(
        private_pg: PrivatePostgres, tmp_path: Path, mode: str) -> None:
    """PostgreSQL stops in the middle of a backlog (``fast``: a clean shutdown that ends every session and
    rolls back open transactions; ``immediate``: every server process killed, crash recovery on the next
    start), new messages arrive while it is down, and it comes back: the daemon keeps running, retries by
    itself, reports healthy again, and every provider message is stored exactly once."""
    Store.open(private_pg.url).close()  # the schema, as `inbox init` makes it
    store = Store.open(private_pg.url, create=False)
    try:
        with DaemonRun(tmp_path, private_pg.url, sms=1200, dialog=200) as run:
            # Stop the server mid-backlog: after the second stored SMS page (of 50), with ~45 still to go.
            run.wait_for("the first SMS pages to be stored",
                         lambda: run.logged(r"connectors\.sync: sync sms: \d+ new") >= 2)
            mark = len(run.lines)
            went_down = datetime.now(UTC)
            private_pg.stop(mode)
            run.add(sms=120, dialog=40)  # arrivals while the database is down
            # Stay down until both connectors have met the outage (a failed store, retried with backoff).
            run.wait_for("both connectors to fail on the stopped database",
                         lambda: all(run.logged(rf"sync {name}: .*; retrying in", mark) for name in ("sms", "dialog")))
            private_pg.start()
            came_back = datetime.now(UTC)
            run.wait_for("every message to be stored", lambda: store.counts()["messages"] >= run.expected)

            def healthy(name: str) -> bool:
                h = store.load_health(name)
                return (h is not None and h.status == "ok" and h.errors_in_a_row == 0 and h.last_success is not None
                        and h.last_success > came_back)

            run.wait_for("both connectors to report healthy", lambda: healthy("sms") and healthy("dialog"))
            for name in ("sms", "dialog"):
                h = store.load_health(name)
                assert h is not None and h.last_error_at is not None and h.last_error_at >= went_down, \
                    (name, h)  # the outage was seen and recorded (then recovered from: healthy above)
            assert run.proc is not None and run.proc.poll() is None  # it never stopped
            assert store.counts()["messages"] == run.expected
            code = run.stop()
        log = run.log.read_text(errors="replace")  # complete now: the log reader has finished
        assert code == 0, log[-3000:]
        stored = stored_keys(store)
        duplicates = {k: n for k, n in stored.items() if n > 1}
        assert not duplicates
        for channel, keys in run.keys.items():
            mine = {k for c, k in stored if c == channel}
            assert mine == keys, f"{channel}: {len(keys - mine)} missing, {len(mine - keys)} unexpected"
        assert store.counts()["quarantined"] == 0
        assert "Traceback" not in log
        for never in (AUTH_TOKEN, DIALOG_TOKEN, "Spørsmål", "Hei ", *run.followed):
            assert never not in log  # no secrets, message text or ID numbers in the daemon's log
    finally:
        store.close()
