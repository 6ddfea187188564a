"""Killing `inbox sync --once` with SIGKILL at any moment loses nothing and stores nothing twice.

The harness seeds the loopback Twilio REST server and the loopback veilarbdialog (a couple of thousand
messages each, in this process) and a private dovecot (a couple of hundred mails), writes a config
pointing at them, and runs the real command in a subprocess against a SQLite file, killing it with
SIGKILL at random moments: half the rounds at a random time after start (startup included), half a
random few milliseconds after a random progress line (so the kill lands between a store and the next
cursor save, or inside a transaction). Before every round after the first, new messages arrive on every
service, so each round has work to be interrupted in. Then undisturbed runs until everything is stored
or a run finds nothing new (usually two: see :meth:`KillHarness.run`), and every provider message must
be in the database exactly once. ``bench/kill_bench.py`` runs the same harness with more kills.

dovecot must be installed (`apt-get install -y dovecot-imapd`): without it this test fails, never skips.
"""

from __future__ import annotations

import contextlib
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from inbox.storage.repository import Store
from inbox.storage.tables import T_MSG, T_QUAR
from synth import fnr_for_index
from tests.connectors.dialog_server import TOKEN as DIALOG_TOKEN
from tests.connectors.dialog_server import FakeDialog
from tests.connectors.dovecot import Dovecot, running_dovecot
from tests.connectors.twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    FakeTwilio,
    LoopbackServer,
    message_resource,
    new_sid,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PER_DIALOG_PERSON = 50

# Runs `inbox` (registering sync/connectors first should flerkanal/cli/ not do so yet).
LAUNCH = (
    "import sys\n"
    "from flerkanal.cli import cli, main\n"
    "if 'sync' not in cli.commands:\n"
    "    from flerkanal.cli.sync import connectors, sync\n"
    "    cli.add_command(sync)\n"
    "    cli.add_command(connectors)\n"
    "main(sys.argv[1:])\n"
)


def kill_mail(n: int) -> bytes:
    return (
        f"From: Innbygger {n} <innbygger{n}@example.com>\r\n"
        "To: nav.kontor@nav.no\r\n"
        f"Subject: Sak {n}\r\n"
        f"Date: Mon, 5 Jan 2026 09:{n % 60:02d}:00 +0100\r\n"
        f"Message-ID: <kill-{n}@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Hei, henvendelse {n}.\r\n"
    ).encode()


@dataclass
class Figures:
    rounds: int = 0
    killed: int = 0  # SIGKILL reached a running process
    finished_before_kill: int = 0
    kill_after_progress: int = 0
    seconds: float = 0.0
    clean_exit: int | None = None
    clean_runs: int = 0
    seeded: dict[str, int] = field(default_factory=dict)
    stored: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    unexpected: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    quarantined: int = 0

    @property
    def ok(self) -> bool:
        return (self.clean_exit == 0 and self.stored == self.seeded and not any(self.missing.values())
                and not any(self.unexpected.values()) and self.duplicates == 0 and self.quarantined == 0)

    def report(self) -> str:
        lines = [
            f"rounds {self.rounds}: {self.killed} killed with SIGKILL ({self.kill_after_progress} right after a "
            f"progress line), {self.finished_before_kill} finished before their kill; then {self.clean_runs} "
            f"undisturbed run(s) until all was stored or nothing new came (last exit {self.clean_exit}); "
            f"{self.seconds:.1f} s in all",
        ]
        for ch in sorted(self.seeded):
            lines.append(f"  {ch:6} on the server {self.seeded[ch]:5}  stored {self.stored.get(ch, 0):5}  "
                         f"missing {self.missing.get(ch, 0)}  unexpected {self.unexpected.get(ch, 0)}")
        lines.append(f"  duplicates {self.duplicates}  quarantined {self.quarantined}")
        lines.append("OK: nothing lost, nothing doubled" if self.ok else "FAILED")
        return "\n".join(lines)


class KillHarness:
    """Seeded servers, a config and a database; :meth:`round` runs (and kills) `inbox sync --once` once."""

    def __init__(self, root: Path, dovecot: Dovecot, *, sms: int, dialog: int, email: int,
                 rng: random.Random | None = None) -> None:
        self.root = root
        self.rng = rng or random.Random()
        self.db = root / "inbox.db"
        self.url = f"sqlite:///{self.db}"
        self.log = root / "sync.log"
        self.keys: dict[str, set[str]] = {"sms": set(), "dialog": set(), "email": set()}
        self.figures = Figures()
        self._stack = contextlib.ExitStack()

        self.twilio = FakeTwilio()
        self.dialog = FakeDialog()
        self.followed = [fnr_for_index(i, seed=11) for i in range(max(1, -(-dialog // PER_DIALOG_PERSON)))]
        for i, fnr in enumerate(self.followed):
            self.dialog.add_person(fnr, f"28{i:011d}")
        self.mail_user = dovecot.add_user()
        self._next = {"sms": 0, "dialog": 0, "email": 0}
        self._dialog_ids: dict[str, str] = {}
        self.add(sms=sms, dialog=dialog, email=email)
        self.twilio_server = self._stack.enter_context(LoopbackServer(self.twilio.app))
        self.dialog_server = self._stack.enter_context(LoopbackServer(self.dialog.app))
        (root / "followed.txt").write_text("\n".join(self.followed) + "\n")
        self.config = root / "config.toml"
        self.config.write_text(f"""\
[sync]
backoff_initial = 0.05
backoff_max = 0.5

[sms]
account_sid = "{ACCOUNT_SID}"
from_number = "{OUR_NUMBER}"
api_base_url = "{self.twilio_server.url}"
page_size = 100
timeout = 10

[email]
imap_host = "127.0.0.1"
imap_port = {dovecot.port}
imap_ssl = false
imap_user = "{self.mail_user.name}"
batch_size = 50
use_idle = false
timeout = 10

[dialog]
base_url = "{self.dialog_server.url}"
followed_file = "followed.txt"
timeout = 10
""")
        self.env = {k: v for k, v in os.environ.items()
                    if not (k.startswith("INBOX_") or k.startswith("TWILIO_"))}
        self.env.update({"INBOX_MATCHER": "structural", "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                         "INBOX_IMAP_PASSWORD": self.mail_user.password, "INBOX_DIALOG_TOKEN": DIALOG_TOKEN,
                         "PYTHONUNBUFFERED": "1"})
        Store.open(self.url, create=True).close()

    def close(self) -> None:
        self._stack.close()

    def _numbers(self, channel: str, count: int) -> range:
        first = self._next[channel]
        self._next[channel] = first + count
        return range(first, first + count)

    def add(self, *, sms: int = 0, dialog: int = 0, email: int = 0) -> None:
        """New messages on every service, each newer than the last (between rounds: mail keeps coming)."""
        for n in self._numbers("sms", sms):
            res = message_resource(new_sid(), body=f"Hei {n}", from_=f"+4791{n % 5000:06d}",
                                   sent=T0 + timedelta(seconds=n))
            self.twilio.add(res)
            self.keys["sms"].add(str(res["sid"]))
        for n in self._numbers("dialog", dialog):
            fnr = self.followed[n % len(self.followed)]
            h = self.dialog.add_henvendelse(fnr, self._dialog_ids.get(fnr) if n % 10 else None, f"Spørsmål {n}",
                                            overskrift="Spørsmål", sendt=T0 + timedelta(seconds=n))
            self._dialog_ids[fnr] = h["dialogId"]
            self.keys["dialog"].add(str(h["id"]))
        numbers = self._numbers("email", email)
        if numbers:
            self.mail_user.deliver(*(kill_mail(n) for n in numbers))
            self.keys["email"].update(f"<kill-{n}@example.com>" for n in numbers)
        self.figures.seeded = {ch: len(k) for ch, k in self.keys.items()}

    def command(self) -> list[str]:
        return [sys.executable, "-c", LAUNCH, "-v", "--db", self.url, "--matcher", "structural", "sync", "--once",
                "--config", str(self.config)]

    def round(self, *, kill: bool) -> int | None:
        """One run; with ``kill``, SIGKILL at a random moment. Returns the exit status (negative: signal)."""
        self.figures.rounds += 1
        started = time.monotonic()
        proc = subprocess.Popen(self.command(), cwd=self.root, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        lines: queue.Queue[bytes] = queue.Queue()
        log = self.log.open("ab")

        def pump() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                log.write(line)
                lines.put(line)
            lines.put(b"")

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            if kill:
                self._kill_at_random(proc, lines)
            code = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            reader.join(timeout=10)
            proc.stderr.close()
            log.close()
            self.figures.seconds += time.monotonic() - started
        return code

    def _kill_at_random(self, proc: subprocess.Popen[bytes], lines: queue.Queue[bytes]) -> None:
        after_progress = self.rng.random() < 0.5
        deadline = time.monotonic() + (30.0 if after_progress else self.rng.uniform(0.05, 2.5))
        wanted = self.rng.randint(1, 3)
        seen = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                line = lines.get(timeout=max(0.001, min(0.05, deadline - time.monotonic())))
            except queue.Empty:
                continue
            if not line:
                break
            if after_progress and b"connectors.sync: sync " in line:
                seen += 1
                if seen >= wanted:
                    time.sleep(self.rng.uniform(0.0, 0.05))
                    break
        if proc.poll() is not None:
            self.figures.finished_before_kill += 1
            return
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.returncode == -signal.SIGKILL:
            self.figures.killed += 1
            if after_progress and seen >= wanted:
                self.figures.kill_after_progress += 1
        else:
            self.figures.finished_before_kill += 1

    def run(self, kills: int, *, arrivals: tuple[int, int, int] = (0, 0, 0),
            progress: Callable[[int, int | None, int], None] | None = None) -> Figures:
        """``kills`` killed rounds, then one clean one; before each round after the first, ``arrivals``
        (sms, dialog, email) new messages. ``progress(round, exit status, messages stored)``."""
        for i in range(kills):
            if i:
                self.add(sms=arrivals[0], dialog=arrivals[1], email=arrivals[2])
            code = self.round(kill=True)
            if progress is not None:
                progress(i + 1, code, self.stored_count())
        self.add(sms=arrivals[0], dialog=arrivals[1], email=arrivals[2])
        # Undisturbed runs until all is stored or one stores nothing new: a Twilio sweep that a kill
        # interrupted ends with more=False once its older pages are read, and what arrived after it began
        # waits for the next run (the daemon's next poll), so one clean run may not be the last one needed.
        before = self.stored_count()
        for i in range(4):
            self.figures.clean_runs += 1
            self.figures.clean_exit = self.round(kill=False)
            after = self.stored_count()
            if progress is not None:
                progress(kills + 1 + i, self.figures.clean_exit, after)
            if self.figures.clean_exit != 0 or after == before or after == sum(self.figures.seeded.values()):
                break
            before = after
        self.count()
        return self.figures

    def stored_count(self) -> int:
        store = Store.open(self.url, create=False)
        try:
            return store.counts()["messages"]
        finally:
            store.close()

    def count(self) -> None:
        store = Store.open(self.url, create=False)
        try:
            with store.engine.connect() as conn:
                rows = conn.execute(select(T_MSG.c.channel, T_MSG.c.provider_key)).all()
                dup = conn.execute(select(func.count()).select_from(
                    select(T_MSG.c.channel, T_MSG.c.provider_key).group_by(T_MSG.c.channel, T_MSG.c.provider_key)
                    .having(func.count() > 1).subquery())).scalar_one()
                quarantined = conn.execute(select(func.count()).select_from(T_QUAR)).scalar_one()
        finally:
            store.close()
        stored: dict[str, set[str]] = {}
        f = self.figures
        for channel, key in rows:
            stored.setdefault(channel, set()).add(key)
        f.stored = {ch: sum(1 for c, _ in rows if c == ch) for ch in sorted({c for c, _ in rows})}
        f.missing = {ch: len(keys - stored.get(ch, set())) for ch, keys in self.keys.items()}
        f.unexpected = {ch: len(stored.get(ch, set()) - self.keys.get(ch, set())) for ch in stored}
        f.duplicates = int(dup)
        f.quarantined = int(quarantined)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def harness(root: Path, *, sms: int, dialog: int, email: int, seed: int | None = None) -> Iterator[KillHarness]:
    with running_dovecot() as dovecot:
        h = KillHarness(root, dovecot, sms=sms, dialog=dialog, email=email, rng=random.Random(seed))
        try:
            yield h
        finally:
            h.close()


def test_sigkill_at_random_moments_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    with harness(tmp_path, sms=2000, dialog=2000, email=200, seed=seed) as h:
        figures = h.run(8, arrivals=(100, 50, 5))
        report = f"seed {seed}\n{figures.report()}\n--- log tail ---\n{h.log_tail()}"
        print(report)
        assert figures.ok, report
        assert figures.killed >= 4, report  # most rounds really were killed mid-run
        log = h.log.read_text(errors="replace")
        for never in (AUTH_TOKEN, DIALOG_TOKEN, "Spørsmål", "Hei ", *h.followed[:5]):
            assert never not in log  # no secrets, no message text, no ID numbers in the daemon's log

