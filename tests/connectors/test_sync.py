"""The sync daemon (connectors.sync), its configuration (connectors.config) and the CLI (flerkanal.cli.sync)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

from connectors.activity_plan import ActivityPlanConnector
from connectors.backoff import Backoff, describe_error
from connectors.base import Connector, OutgoingReply, PullResult, SendResult
from connectors.config import load_config, parse_config
from connectors.email_imap import EmailConnector
from connectors.fake import FakeConnector
from connectors.sms_twilio import TwilioConnector
from connectors.sync import SyncDaemon, SyncOptions
from connectors.webhooks import sign_request
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.errors import AuthError, ConfigError, PermanentError, RateLimited, StorageError, TransientError
from inbox.health import HEALTH_PREFIX
from inbox.storage.repository import Store
from synth import fnr_for_index
from tests.connectors.dovecot import free_port
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

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAST = SyncOptions(poll_seconds=0.05, backoff_initial=0.01, backoff_max=0.05, once_attempts=3, stop_grace=2.0)


def msg(n: int, channel: Channel = Channel.SMS) -> IncomingMessage:
    return IncomingMessage(channel, f"{channel.value.upper()}{n:06d}", Direction.IN, T0 + timedelta(minutes=n),
                           f"melding {n}", raw=f'{{"n": {n}}}', sender=f"+4791{n:06d}", recipient=OUR_NUMBER,
                           conversation=f"d{n % 3}" if channel is Channel.DIALOG else "")


class Scripted(Connector):
    """Answers pulls from a script: an exception to raise, or a PullResult; then nothing new."""

    name = "scripted"
    channel = Channel.EMAIL
    can_push = False

    def __init__(self, *script: BaseException | PullResult) -> None:
        self.script = list(script)
        self.pulls: list[tuple[float, str | None]] = []
        self.closed = 0

    async def pull(self, cursor: str | None) -> PullResult:
        self.pulls.append((time.monotonic(), cursor))
        step = self.script.pop(0) if self.script else PullResult([], cursor)
        if isinstance(step, BaseException):
            raise step
        return step

    async def send(self, reply: OutgoingReply) -> SendResult:
        raise PermanentError("scripted connectors do not send")

    async def close(self) -> None:
        self.closed += 1


class Hanging(Scripted):
    async def pull(self, cursor: str | None) -> PullResult:
        self.pulls.append((time.monotonic(), cursor))
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'inbox.db'}")
    yield s
    s.close()


async def until(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# -- backoff ----------------------------------------------------------------------------------------
def test_backoff_doubles_with_jitter_up_to_the_maximum() -> None:
    b = Backoff(1.0, 30.0, random.Random(1))
    delays = [b.next_delay(TransientError("x")) for _ in range(8)]
    for i, d in enumerate(delays):
        base = min(30.0, 2.0 ** i)
        assert base / 2 <= d <= base
    assert len(set(delays)) == len(delays)  # jittered
    b.reset()
    assert 0.5 <= b.next_delay(TimeoutError()) <= 1.0


def test_backoff_honours_retry_after_and_waits_long_on_permanent_errors() -> None:
    b = Backoff(1.0, 30.0, random.Random(2))
    assert 120.0 <= b.next_delay(RateLimited("slow down", 120.0)) <= 125.0  # beyond backoff_max: honoured
    assert 0.5 <= Backoff(1.0, 30.0).next_delay(RateLimited("slow down")) <= 1.0  # no Retry-After: exponential
    assert 15.0 <= Backoff(1.0, 30.0).next_delay(AuthError("refused")) <= 30.0
    assert 15.0 <= Backoff(1.0, 30.0).next_delay(PermanentError("bad request")) <= 30.0


def test_errors_are_described_without_foreign_text() -> None:
    assert describe_error(TransientError("Twilio list messages: HTTP 503")) == \
        "TransientError: Twilio list messages: HTTP 503"
    assert describe_error(ValueError("12345678901 skrev: hemmelig")) == "ValueError"
    assert describe_error(TimeoutError()) == "timed out"


# -- run_once ---------------------------------------------------------------------------------------
async def test_once_stores_everything_and_saves_the_cursor(store: Store) -> None:
    fake = FakeConnector([msg(n) for n in range(23)], page_size=5)
    health = await SyncDaemon(store, [fake], options=FAST).run_once()
    h = health["fake"]
    assert (h.status, h.new, h.duplicates, h.pulls) == ("ok", 23, 0, 5)
    assert store.counts()["messages"] == 23 and store.get_cursor("fake") == "23"
    assert fake.closed
    # the next run starts from the saved cursor: nothing read again
    again = FakeConnector([msg(n) for n in range(25)], page_size=5)
    h2 = (await SyncDaemon(store, [again], options=FAST).run_once())["fake"]
    assert (h2.new, h2.duplicates, h2.pulls) == (2, 0, 1)
    assert store.counts()["messages"] == 25


class CheckingStore(Store):
    """A store that fails the first ingest, and checks at each set_cursor that the covered messages are in."""

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.fail_ingests = 1
        self.cursor_checks: list[tuple[str, int]] = []

    def ingest(self, items: Any, **kw: Any) -> Any:
        if self.fail_ingests:
            self.fail_ingests -= 1
            raise StorageError("database is locked")
        return super().ingest(items, **kw)

    def set_cursor(self, name: str, value: str) -> None:
        if not name.startswith(HEALTH_PREFIX):
            stored = self.counts()["messages"]
            self.cursor_checks.append((value, stored))
            assert stored >= int(value), "the cursor moved past messages that are not stored"
        super().set_cursor(name, value)


async def test_the_cursor_moves_only_after_the_messages_are_stored(tmp_path: Path) -> None:
    base = Store.open(f"sqlite:///{tmp_path / 'inbox.db'}")
    store = CheckingStore(base.engine)
    try:
        fake = FakeConnector([msg(n) for n in range(12)], page_size=5)
        h = (await SyncDaemon(store, [fake], options=FAST).run_once())["fake"]
        assert h.status == "ok" and h.errors_in_a_row == 0
        assert h.last_error.startswith("StorageError") and h.last_error_at is not None
        assert [v for v, _ in store.cursor_checks] == ["5", "10", "12"]
        assert store.counts()["messages"] == 12 and store.get_cursor("fake") == "12"
    finally:
        base.close()


async def test_an_unreadable_cursor_is_read_again_from_the_beginning(store: Store) -> None:
    store.set_cursor("sms", "garbage")
    conn = Scripted(PermanentError("the saved Twilio cursor is unreadable"),
                    PullResult([msg(1), msg(2)], '{"after": 2}'))
    h = (await SyncDaemon(store, {"sms": conn}, options=FAST).run_once())["sms"]
    assert h.status == "ok" and [c for _, c in conn.pulls] == ["garbage", None]
    assert store.get_cursor("sms") == '{"after": 2}' and store.counts()["messages"] == 2


async def test_a_permanent_error_with_a_good_cursor_is_not_reset_twice(store: Store) -> None:
    store.set_cursor("sms", "c1")
    conn = Scripted(PermanentError("HTTP 400"), PermanentError("HTTP 400"))
    h = (await SyncDaemon(store, {"sms": conn}, options=FAST).run_once())["sms"]
    assert h.status == "failing" and h.last_error == "PermanentError: HTTP 400"
    assert [c for _, c in conn.pulls] == ["c1", None]  # one try from the beginning, then given up
    assert store.get_cursor("sms") == "c1"


async def test_once_retries_transient_errors_then_gives_up_without_stopping_the_others(store: Store) -> None:
    flaky = Scripted(TransientError("HTTP 503"), PullResult([msg(1, Channel.EMAIL)], "1"))
    dead = Scripted(*(TransientError("HTTP 502") for _ in range(5)))
    refused = Scripted(AuthError("HTTP 401"))
    fake = FakeConnector([msg(n) for n in range(7)], page_size=3)
    health = await SyncDaemon(store, {"flaky": flaky, "dead": dead, "refused": refused, "fake": fake},
                              options=FAST).run_once()
    assert health["flaky"].status == "ok" and len(flaky.pulls) == 2
    assert health["dead"].status == "failing" and len(dead.pulls) == FAST.once_attempts
    assert health["refused"].status == "failing" and len(refused.pulls) == 1  # a person must fix credentials
    assert health["fake"].status == "ok" and health["fake"].new == 7
    assert store.counts()["messages"] == 8
    assert all(c.closed == 1 for c in (flaky, dead, refused))


async def test_a_429_waits_its_retry_after(store: Store) -> None:
    conn = Scripted(RateLimited("HTTP 429", 0.3), PullResult([msg(1)], "1"))
    h = (await SyncDaemon(store, {"sms": conn}, options=FAST).run_once())["sms"]
    assert h.status == "ok"
    assert conn.pulls[1][0] - conn.pulls[0][0] >= 0.3


async def test_a_pull_that_hangs_is_abandoned(store: Store) -> None:
    conn = Hanging()
    options = SyncOptions(pull_timeout=0.05, backoff_initial=0.01, backoff_max=0.02, once_attempts=2)
    h = (await SyncDaemon(store, {"slow": conn}, options=options).run_once())["slow"]
    assert h.status == "failing" and "within 0.05 s" in h.last_error and len(conn.pulls) == 2


# -- the daemon -------------------------------------------------------------------------------------
async def test_the_daemon_keeps_syncing_while_another_connector_fails(store: Store) -> None:
    fake = FakeConnector([msg(n) for n in range(10)], page_size=4)
    broken = Scripted(*(TransientError("HTTP 503") for _ in range(10_000)))
    buggy = Scripted(*(ValueError(f"{fnr_for_index(1)} hemmelig") for _ in range(10_000)))
    daemon = SyncDaemon(store, {"sms": fake, "email": broken, "dialog": buggy}, options=FAST)
    task = asyncio.create_task(daemon.run())
    try:
        await until(lambda: store.counts()["messages"] == 10)
        fake.add(msg(10), msg(11))  # pushed: wait_for_new wakes the loop at once
        await until(lambda: store.counts()["messages"] == 12)
        await until(lambda: len(broken.pulls) >= 3 and len(buggy.pulls) >= 3)
        assert daemon.health["sms"].status == "ok"
        assert daemon.health["email"].status == "retrying" and daemon.health["email"].errors_in_a_row >= 3
        assert daemon.health["dialog"].last_error == "ValueError"  # never the exception's text
    finally:
        daemon.request_stop()
        await asyncio.wait_for(task, 10)
    assert fake.closed and broken.closed == 1 and buggy.closed == 1
    recorded = store.load_health("dialog")
    assert recorded is not None and recorded.status == "stopped" and recorded.last_error == "ValueError"
    raw = store.get_cursor(HEALTH_PREFIX + "dialog") or ""
    assert fnr_for_index(1) not in raw and "hemmelig" not in raw
    sms = store.load_health("sms")
    assert sms is not None and sms.last_success is not None and sms.new == 12 and sms.cursor == "12"


async def test_a_polling_connector_is_pulled_again_after_poll_seconds(store: Store) -> None:
    conn = Scripted(PullResult([msg(1)], "1"), PullResult([], "1"), PullResult([msg(2)], "2"))
    daemon = SyncDaemon(store, {"sms": conn}, options=FAST, poll_seconds={"sms": 0.1})
    task = asyncio.create_task(daemon.run())
    try:
        await until(lambda: store.counts()["messages"] == 2)
    finally:
        daemon.request_stop()
        await asyncio.wait_for(task, 10)
    gaps = [b[0] - a[0] for a, b in zip(conn.pulls, conn.pulls[1:], strict=False)]
    assert all(g >= 0.09 for g in gaps[:2])
    assert store.get_cursor("sms") == "2"


def test_two_connectors_with_one_name_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="named"):
        SyncDaemon(store, [FakeConnector(), FakeConnector()])


# -- configuration ----------------------------------------------------------------------------------
EXAMPLE = """
[sync]
poll_seconds = 30
backoff_max = 120
metrics_port = 9464

[sms]
account_sid = "{sid}"
from_number = "{number}"
auth_token_env = "MY_TWILIO_TOKEN"
public_url = "https://inbox.example.no/twilio"
webhook_port = 8081

[email]
imap_host = "imap.example.no"
imap_user = "nav.kontor"
password_file = "imap-password"
smtp_host = "smtp.example.no"
from = "nav.kontor@nav.no"
office_addresses = ["nav.kontor@nav.no"]

[dialog]
base_url = "https://veilarbdialog.example.no"
token_file = "/nonexistent/flerkanal-token"
followed = ["{fnr0}"]
followed_file = "followed.txt"
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(EXAMPLE.format(sid=ACCOUNT_SID, number=OUR_NUMBER, fnr0=fnr_for_index(0)))
    secret = tmp_path / "imap-password"
    secret.write_text("imap-hemmelig\n")
    secret.chmod(0o600)
    (tmp_path / "followed.txt").write_text(f"# the caseload\n{fnr_for_index(1)}\n\n{fnr_for_index(2)}  # ny\n")
    return tmp_path


def test_the_example_configuration_builds_all_three_connectors(config_dir: Path) -> None:
    token = config_dir / "dialog-token"
    token.write_text("dialog-hemmelig")
    token.chmod(0o600)
    env = {"MY_TWILIO_TOKEN": "twilio-hemmelig", "INBOX_DIALOG__TOKEN_FILE": str(token)}
    cfg = load_config(config_dir / "config.toml", env=env)
    assert cfg.names == ["sms", "email", "dialog"]
    built = cfg.build()
    sms, email, dialog = (built.connectors[n] for n in ("sms", "email", "dialog"))
    assert isinstance(sms, TwilioConnector) and sms.settings.auth_token == "twilio-hemmelig"
    assert sms.settings.status_callback_url == "https://inbox.example.no/twilio/status"
    assert isinstance(email, EmailConnector) and email.inbound.settings.password == "imap-hemmelig"
    assert email.inbound.settings.port == 993 and email.outbound.settings.port == 587
    assert email.outbound.settings.password == "imap-hemmelig"  # SMTP reuses the IMAP login by default
    assert isinstance(dialog, ActivityPlanConnector) and dialog.settings.token == "dialog-hemmelig"
    assert list(dialog.settings.followed) == [fnr_for_index(i) for i in range(3)]
    assert built.webhook is not None and built.webhook.port == 8081 and built.webhook.auth_token == "twilio-hemmelig"
    assert built.options.poll_seconds == 30 and built.options.backoff_max == 120
    assert built.options.metrics_port == 9464
    described = json.dumps([i.__dict__ for i in cfg.describe()])
    for secret in ("twilio-hemmelig", "imap-hemmelig", "dialog-hemmelig", fnr_for_index(0)):
        assert secret not in described
    assert "env MY_TWILIO_TOKEN" in described and "imap-password" in described


def test_only_builds_the_named_connectors(config_dir: Path) -> None:
    cfg = load_config(config_dir / "config.toml", env={"MY_TWILIO_TOKEN": "t"})
    built = cfg.build(["sms"])
    assert list(built.connectors) == ["sms"]
    with pytest.raises(ConfigError, match="unknown connector 'fax'"):
        cfg.build(["fax"])


def test_a_missing_secret_names_where_it_is_read_from(config_dir: Path) -> None:
    cfg = load_config(config_dir / "config.toml", env={})
    with pytest.raises(ConfigError) as info:
        cfg.build(["sms"])
    assert "MY_TWILIO_TOKEN" in str(info.value) and "auth_token_file" in str(info.value)
    problems = {i.name: i.problem for i in cfg.describe()}
    assert "MY_TWILIO_TOKEN" in problems["sms"] and "/nonexistent/flerkanal-token" in problems["dialog"]
    assert problems["email"] == ""


@pytest.mark.parametrize(("toml", "expected"), [
    ('[sms]\naccount_sid = "AC00"\n', r"\[sms\] account_sid: must be the account SID.*\n.*from_number is required"),
    (f'[sms]\naccount_sid = "{ACCOUNT_SID}"\nfrom_number = "{OUR_NUMBER}"\nauth_token = "x"\n',
     r"\[sms\] auth_token: secrets are not read from the config file.*auth_token_env.*auth_token_file"),
    ('[email]\nimap_host = "h"\nimap_user = "u"\nimap_hots = "x"\n',
     r"unknown key 'imap_hots'.*did you mean 'imap_host'"),
    ('[emial]\n', r"unknown section \[emial\].*did you mean 'email'"),
    ('[dialog]\nbase_url = "https://x"\nfollowed = ["12345678901"]\n', r"not valid national ID numbers.*followed\[0\]"),
    ('[sync]\npoll_seconds = -1\n', r"\[sync\] poll_seconds: Input should be greater than 0"),
    ('sms = 3\n', r"\[sms\] must be a table"),
])
def test_configuration_errors_name_the_key_and_what_to_do(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=expected) as info:
        load_config(path, env={"INBOX_DIALOG_TOKEN": "t"}).build()
    assert "12345678901" not in str(info.value)


def test_environment_overrides_and_disabled_sections(tmp_path: Path) -> None:
    cfg = parse_config({"sms": {"account_sid": ACCOUNT_SID, "from_number": OUR_NUMBER}, "email": {
        "imap_host": "h", "imap_user": "u", "enabled": False}}, env={
        "INBOX_SMS__WEBHOOK_PORT": "9000", "INBOX_SMS__PUBLIC_URL": "https://x.example/t",
        "INBOX_SYNC__BACKOFF_MAX": "5", "TWILIO_AUTH_TOKEN": "t"})
    assert cfg.names == ["sms"]
    built = cfg.build()
    assert built.webhook is not None and built.webhook.port == 9000 and built.options.backoff_max == 5
    with pytest.raises(ConfigError, match=r"from INBOX_SMS__PAGE_SIZE"):
        parse_config({"sms": {"account_sid": ACCOUNT_SID, "from_number": OUR_NUMBER}},
                     env={"INBOX_SMS__PAGE_SIZE": "lots"})
    with pytest.raises(ConfigError, match="secrets are not read from INBOX_SMS__AUTH_TOKEN"):
        parse_config({}, env={"INBOX_SMS__AUTH_TOKEN": "t"})


def test_the_config_file_is_found_by_option_env_or_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert load_config(env={}).path is None
    default = tmp_path / "xdg" / "flerkanal" / "config.toml"
    default.parent.mkdir(parents=True)
    default.write_text("[sync]\npoll_seconds = 5\n")
    assert load_config(env={}).path == default
    other = tmp_path / "other.toml"
    other.write_text("")
    assert load_config(env={"INBOX_CONFIG": str(other)}).path == other
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml", env={})


# -- the CLI ----------------------------------------------------------------------------------------
def inbox_cli() -> click.Group:
    """The real `inbox` group, with sync/connectors registered if flerkanal/cli/ does not (yet) do it."""
    from flerkanal.cli import cli
    from flerkanal.cli.sync import connectors, sync

    for command in (sync, connectors):
        if command.name not in cli.commands:
            cli.add_command(command)
    return cli


def test_inbox_cli_registers_sync_and_connectors() -> None:
    from flerkanal.cli import cli

    assert {"sync", "connectors"} <= set(cli.commands), "add the two registration lines to flerkanal/cli/"


def test_cli_sync_once_and_connectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeTwilio()
    fake.add(*(message_resource(new_sid(), body=f"hei {n}", from_=f"+4791{n:06d}", sent=T0 + timedelta(minutes=n))
               for n in range(30)))
    db = f"sqlite:///{tmp_path / 'inbox.db'}"
    Store.open(db).close()
    cfg = tmp_path / "config.toml"
    monkeypatch.setenv("INBOX_MATCHER", "structural")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    for var in [v for v in os.environ if v.startswith("INBOX_") and "__" in v]:
        monkeypatch.delenv(var)
    runner = CliRunner()
    cli = inbox_cli()
    with LoopbackServer(fake.app) as server:
        cfg.write_text(f'[sms]\naccount_sid = "{ACCOUNT_SID}"\nfrom_number = "{OUR_NUMBER}"\n'
                       f'api_base_url = "{server.url}"\npage_size = 7\npublic_url = "https://x.example/twilio"\n')
        res = runner.invoke(cli, ["--db", db, "sync", "--once", "--config", str(cfg), "--json"])
        assert res.exit_code == 0, res.output
        summary = json.loads(res.stdout)
        assert summary["sms"]["status"] == "ok" and summary["sms"]["new"] == 30 and summary["sms"]["pulls"] == 5
        res = runner.invoke(cli, ["--db", db, "connectors", "--config", str(cfg), "--json"])
        assert res.exit_code == 0, res.output
        assert AUTH_TOKEN not in res.output
        [row] = json.loads(res.stdout)["connectors"]
        assert row["status"] == "ok (sync --once)" and row["secrets"] == "env TWILIO_AUTH_TOKEN"
        assert row["last_success"] and row["cursor"] == Store.open(db).get_cursor("sms")
        res = runner.invoke(cli, ["--db", db, "connectors", "--config", str(cfg)])
        assert res.exit_code == 0 and "ok (sync --once)" in res.output and AUTH_TOKEN not in res.output
        # a failing connector: exit 1, the error on stderr, no secret anywhere
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", "wrong-token-value")
        res = runner.invoke(cli, ["--db", db, "sync", "--once", "--config", str(cfg)])
        assert res.exit_code == 1 and "AuthError" in res.output and "wrong-token-value" not in res.output
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    res = runner.invoke(cli, ["--db", db, "sync", "--once", "--config", str(cfg)])
    assert res.exit_code != 0 and "TWILIO_AUTH_TOKEN" in res.output
    empty = tmp_path / "empty.toml"
    empty.write_text("[sync]\n")
    res = runner.invoke(cli, ["--db", db, "sync", "--config", str(empty)])
    assert res.exit_code != 0 and "no connector is configured" in res.output


def test_the_daemon_command_serves_webhooks_and_metrics_and_stops_on_sigterm(tmp_path: Path) -> None:
    fake = FakeTwilio()
    fake.add(*(message_resource(new_sid(), body=f"hei {n}", from_=f"+4791{n:06d}", sent=T0 + timedelta(minutes=n))
               for n in range(12)))
    db = f"sqlite:///{tmp_path / 'inbox.db'}"
    Store.open(db).close()
    port = free_port()
    public = "https://inbox.example.no/twilio"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INBOX_", "TWILIO_"))}
    env.update({"INBOX_MATCHER": "structural", "TWILIO_AUTH_TOKEN": AUTH_TOKEN})
    with LoopbackServer(fake.app) as server:
        cfg = tmp_path / "config.toml"
        cfg.write_text(f'[sync]\nmetrics_port = {port}\npoll_seconds = 0.2\n\n'
                       f'[sms]\naccount_sid = "{ACCOUNT_SID}"\nfrom_number = "{OUR_NUMBER}"\n'
                       f'api_base_url = "{server.url}"\npage_size = 5\npublic_url = "{public}"\n'
                       f'webhook_port = {port}\n')
        proc = subprocess.Popen([sys.executable, "-c", LAUNCH, "--db", db, "sync", "--config", str(cfg)], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            body = ""
            while 'flerkanal_ingested_messages_total{channel="sms"} 12.0' not in body:
                assert proc.poll() is None and time.monotonic() < deadline, "the daemon did not sync in time"
                time.sleep(0.1)
                try:
                    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                except httpx.HTTPError:
                    continue
            form = {"MessageSid": "SM" + "2" * 32, "AccountSid": ACCOUNT_SID, "From": "+4791234567",
                    "To": OUR_NUMBER, "Body": "Hei!", "NumMedia": "0"}
            resp = httpx.post(f"http://127.0.0.1:{port}/sms", data=form, timeout=5,
                              headers={"X-Twilio-Signature": sign_request(AUTH_TOKEN, public + "/sms", form)})
            assert resp.status_code == 200
            proc.send_signal(signal.SIGTERM)
            output = proc.communicate(timeout=20)[0].decode(errors="replace")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, output
    assert AUTH_TOKEN not in output
    store = Store.open(db)
    try:
        assert store.counts()["messages"] == 13
        health = store.load_health("sms")
        assert health is not None and health.status == "stopped" and health.new == 12
    finally:
        store.close()


async def test_once_stopped_before_catching_up_is_not_reported_as_ok(store: Store) -> None:
    fake = FakeConnector([msg(n) for n in range(10)], page_size=2)
    daemon = SyncDaemon(store, [fake], options=FAST)
    daemon.request_stop()  # a signal arrived at once
    health = await daemon.run_once()
    assert health["fake"].status == "stopped" and store.get_cursor("fake") is None
