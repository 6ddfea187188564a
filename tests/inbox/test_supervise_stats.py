"""Supervisor figures without the TUI: working days, waiting beyond the target, `inbox stats --json`,
the health records, and the sync daemon's queue snapshots (issue 8)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.config import parse_config
from connectors.fake import FakeConnector
from connectors.sync import SyncDaemon, SyncOptions
from flerkanal.cli import cli
from flerkanal.demo import demo_contacts, demo_files
from inbox.access import Role
from inbox.contacts import read_contacts_csv
from inbox.domain import ThreadState
from inbox.health import HEALTH_PREFIX
from inbox.ingest import read_files
from inbox.storage.repository import Store
from inbox.supervise import gather
from inbox.workdays import target_label, working_cutoff, working_target_seconds
from tests.osuser import os_account

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday
NOW_ARG = "2026-11-26T12:00:00"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    store = Store.open(url)
    store.import_contacts(read_contacts_csv(demo_contacts()))
    store.ingest(read_files(demo_files()))
    yield store, url
    store.close()


def stats_json(url: str, *args: str, user: str = "root") -> dict[str, object]:
    with os_account(user):
        r = CliRunner().invoke(cli, ["--db", url, "--user", user, "stats", "--json", "--now", NOW_ARG, *args],
                               catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data: dict[str, object] = json.loads(r.output)
    return data


# -- working days ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("now", "hours", "expected"), [
    (datetime(2026, 11, 25, 12, 0, tzinfo=UTC), 48, datetime(2026, 11, 23, 12, 0, tzinfo=UTC)),  # Wed → Mon
    (datetime(2026, 11, 23, 12, 0, tzinfo=UTC), 48, datetime(2026, 11, 19, 12, 0, tzinfo=UTC)),  # Mon → Thu
    (datetime(2026, 11, 28, 12, 0, tzinfo=UTC), 24, datetime(2026, 11, 27, 0, 0, tzinfo=UTC)),  # Sat → Fri 00:00
    (datetime(2026, 11, 30, 6, 0, tzinfo=UTC), 12, datetime(2026, 11, 27, 18, 0, tzinfo=UTC)),  # Mon 06 → Fri 18
    (datetime(2026, 11, 26, 12, 0, tzinfo=UTC), 0, datetime(2026, 11, 26, 12, 0, tzinfo=UTC)),
    (datetime(2026, 11, 26, 12, 0, tzinfo=UTC), 1.5, datetime(2026, 11, 26, 10, 30, tzinfo=UTC)),
])
def test_working_cutoff_counts_monday_to_friday_only(now: datetime, hours: float, expected: datetime) -> None:
    assert working_cutoff(now, hours) == expected
    assert working_target_seconds(now, hours) == (now - expected).total_seconds()


def test_a_weekend_never_counts() -> None:
    friday_noon = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    for hours_later in range(0, 60):  # Friday noon to Sunday midnight: the target does not move on
        now = friday_noon + timedelta(hours=hours_later)
        if now.weekday() >= 5:
            assert working_cutoff(now, 24) == datetime(2026, 11, 26, 0, 0, tzinfo=UTC) + timedelta(days=1)


# -- the store ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("hours", "label"), [(48, "2 working days"), (24, "1 working day"),
                                              (36, "36 working hours"), (1, "1 working hour")])
def test_the_target_has_one_label_in_stats_and_the_supervisor_view(hours: float, label: str) -> None:
    assert target_label(hours) == label


def test_waiting_beyond_counts_open_inquiries_older_than_the_cutoff(demo: tuple[Store, str]) -> None:
    store, _ = demo
    entries = store.open_threads(limit=10_000)
    for seconds in (0, 3600, 86400, 3 * 86400, 10**9):
        expected = sum(1 for e in entries if (NOW - e.thread.first_contact).total_seconds() > seconds)
        assert store.waiting_beyond(seconds, NOW) == expected
    store.set_state(entries[0].thread.id, ThreadState.CLOSED, "root")
    assert store.waiting_beyond(0, NOW) == len(entries) - 1


def test_cursors_by_prefix(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    store.set_cursor("sms", "12")
    store.set_cursor(HEALTH_PREFIX + "sms", "{}")
    store.set_cursor("sync-health_x", "not mine")  # "_" must not match as a LIKE wildcard
    assert store.cursors(HEALTH_PREFIX) == {HEALTH_PREFIX + "sms": "{}"}
    store.close()


# -- inbox stats --json ---------------------------------------------------------------------------------
def test_stats_json_has_every_figure_and_the_target(demo: tuple[Store, str]) -> None:
    store, url = demo
    first = store.open_threads(limit=1)[0].thread.id
    store.add_user("root", Role.ADMIN, by="root")
    store.add_user("anna", Role.CASEWORKER, by="root")
    store.add_user("sjef", Role.SUPERVISOR, by="root")
    store.claim(first, "anna")
    store.set_cursor(HEALTH_PREFIX + "sms", json.dumps({
        "name": "sms", "channel": "sms", "status": "retrying", "last_success": "2026-11-26T11:00:00+00:00",
        "last_error": "TransientError: HTTP 503", "errors_in_a_row": 2}))
    data = stats_json(url, user="sjef")  # a supervisor may see the figures
    for key in ("open_inquiries", "open_messages", "oldest_waiting_seconds", "by_channel", "waiting_beyond_target",
                "caseworkers", "waiting_p50_seconds", "waiting_p90_seconds", "by_channel_count", "connectors"):
        assert key in data, key
    assert data == json.loads(json.dumps(gather(store, NOW).as_dict()))
    assert data["target_hours"] == 48.0
    assert data["caseworkers"] == {"anna": {"claimed": 1, "answered_today": 0}}
    assert data["connectors"] == [{"name": "sms", "channel": "sms", "status": "retrying",
                                   "last_success": "2026-11-26T11:00:00+00:00", "lag_seconds": 3600.0,
                                   "errors_in_a_row": 2, "error": "TransientError"}]
    assert stats_json(url, "--target-hours", "0")["waiting_beyond_target"] == data["open_inquiries"]
    assert stats_json(url, "--target-hours", "100000")["waiting_beyond_target"] == 0
    expected = store.waiting_beyond(working_target_seconds(NOW, 48), NOW)
    assert data["waiting_beyond_target"] == expected
    with os_account("sjef"):
        text = CliRunner().invoke(cli, ["--db", url, "--user", "sjef", "stats", "--now", NOW_ARG]).output
    assert f"waiting beyond 2 working days: {expected}" in text and "anna: 1 claimed" in text
    with os_account("sjef"):
        text = CliRunner().invoke(cli, ["--db", url, "--user", "sjef", "stats", "--target-hours", "36"]).output
    assert "waiting beyond 36 working hours: " in text


def test_supervise_and_tui_open_the_supervisor_view_for_a_supervisor(demo: tuple[Store, str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.factory

    store, url = demo
    store.add_user("root", Role.ADMIN, by="root")
    store.add_user("sjef", Role.SUPERVISOR, by="root")
    store.add_user("anna", Role.CASEWORKER, by="root")
    opened: list[tuple[str, str, dict[str, object]]] = []
    monkeypatch.setattr(tui.factory, "run_supervisor", lambda s, user, **kw: opened.append(("sup", user, kw)))
    monkeypatch.setattr(tui.factory, "run", lambda s, user, **kw: opened.append(("queue", user, {})))
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent-flerkanal-config")
    monkeypatch.delenv("INBOX_CONFIG", raising=False)
    before = len(store.history(datetime(2000, 1, 1, tzinfo=UTC)))
    for user, args in (("sjef", ["supervise", "--target-hours", "24"]), ("sjef", ["tui"]), ("anna", ["tui"]),
                       ("anna", ["supervise"])):
        with os_account(user):
            r = CliRunner().invoke(cli, ["--db", url, "--user", user, *args], catch_exceptions=False)
        assert r.exit_code == 0, r.output
    assert opened == [("sup", "sjef", {"target_hours": 24.0}), ("sup", "sjef", {"target_hours": 48.0}),
                      ("queue", "anna", {}), ("sup", "anna", {"target_hours": 48.0})]
    assert len(store.history(datetime(2000, 1, 1, tzinfo=UTC))) == before + 3  # a point for "now" at each start
    with os_account("sjef"):
        r = CliRunner().invoke(cli, ["--db", url, "--user", "sjef", "queue"])
    assert r.exit_code == 1 and "may not" in r.output  # still no thread text for a supervisor


# -- the sync daemon's snapshots ------------------------------------------------------------------------
async def test_the_daemon_records_queue_snapshots_every_snapshot_seconds(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    since = datetime.now(UTC) - timedelta(minutes=1)
    options = SyncOptions(poll_seconds=0.05, backoff_initial=0.01, backoff_max=0.05, stop_grace=2.0,
                          snapshot_seconds=0.05)
    daemon = SyncDaemon(store, {"sms": FakeConnector()}, options=options)
    task = asyncio.create_task(daemon.run())
    try:
        deadline = time.monotonic() + 10
        while len(store.history(since)) < 3:
            assert time.monotonic() < deadline, "no snapshots recorded"
            await asyncio.sleep(0.02)
    finally:
        daemon.request_stop()
        await asyncio.wait_for(task, 10)
    rows = store.history(since)
    assert all(r["open_inquiries"] == 0 for r in rows)
    times = [r["at"] for r in rows]
    assert times == sorted(times) and len(set(times)) == len(times)
    stopped = len(store.history(since))
    await asyncio.sleep(0.2)
    assert len(store.history(since)) == stopped  # the loop ended with the daemon
    store.close()


def test_snapshot_seconds_is_a_sync_setting() -> None:
    assert parse_config({}, env={}).options().snapshot_seconds == 300.0
    assert parse_config({"sync": {"snapshot_seconds": 60}}, env={}).options().snapshot_seconds == 60.0
