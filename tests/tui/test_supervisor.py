"""The supervisor view (issue 8): the same figures as `inbox stats --json`, aggregates only, supervisor
mode for the supervisor role, refreshes that never overlap, and a snapshot at 100×30."""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widgets import Sparkline, Static

from flerkanal.cli import cli
from inbox import supervise
from inbox.access import Role
from inbox.domain import ThreadState
from inbox.storage.repository import Store
from tests.osuser import os_account
from tests.tui.conftest import NOW, AppMaker, settle
from tui.app import InboxApp
from tui.screens.queue import QueueScreen
from tui.screens.supervisor import SupervisorScreen
from tui.screens.thread import ThreadScreen

SnapCompare = Callable[..., bool]
HEALTH = {"name": "sms", "channel": "sms", "status": "ok", "last_success": "2026-11-26T11:58:00+00:00",
          "last_error": "", "errors_in_a_row": 0}
BROKEN = {"name": "mail", "channel": "email", "status": "failing", "last_success": "2026-11-25T09:00:00+00:00",
          "last_error": "AuthError: the IMAP server refused the login", "errors_in_a_row": 4}


def seed(store: Store) -> None:
    """Users, a claim, a recorded reply, a queue history over the last hours and two connectors' health."""
    store.add_user("admin", Role.ADMIN, by="admin")
    store.add_user("anna", Role.CASEWORKER, by="admin")
    store.add_user("sjef", Role.SUPERVISOR, by="admin")
    ids = [e.thread.id for e in store.open_threads(limit=1000)]
    store.claim(ids[0], "anna")
    store.claim(ids[1], "anna")
    for hours, tid in zip(range(8, 0, -1), ids[-8:], strict=True):  # the queue shrank over the last hours
        store.snapshot(NOW - timedelta(hours=hours))
        store.set_state(tid, ThreadState.CLOSED, "anna")
    store.set_cursor("sync-health/sms", json.dumps(HEALTH))
    store.set_cursor("sync-health/mail", json.dumps(BROKEN))


def screen_text(app: InboxApp) -> str:
    """The screen as plain text, line by line as drawn."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def svg_text(app: InboxApp) -> str:
    """Every text in the SVG screenshot, without its markup (order not kept: for checking absence)."""
    return html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")


def static_text(app: InboxApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_the_figures_on_screen_are_those_of_inbox_stats_json(make_app: AppMaker, demo_store: Store) -> None:
    seed(demo_store)
    app = make_app("sjef", supervisor=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SupervisorScreen) and screen.figures is not None
        shown = screen.figures
    with os_account("sjef"):
        r = CliRunner().invoke(cli, ["--db", demo_store.engine.url.render_as_string(hide_password=False),
                                     "--user", "sjef", "stats", "--json", "--now", NOW.strftime("%Y-%m-%dT%H:%M:%S")],
                               catch_exceptions=False)
    assert r.exit_code == 0, r.output
    cli_figures = json.loads(r.output)
    assert json.loads(json.dumps(shown.as_dict())) == cli_figures
    s = shown.stats
    assert s.open_messages > s.open_inquiries > 0 and cli_figures["waiting_beyond_target"] > 0
    assert len(shown.history) == 8


async def test_the_numbers_are_rendered(make_app: AppMaker, demo_store: Store) -> None:
    seed(demo_store)
    app = make_app("sjef", supervisor=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SupervisorScreen) and screen.figures is not None
        f = screen.figures
        now = static_text(app, "#sup-now")
        assert f"Open inquiries {f.stats.open_inquiries}" in now
        assert f"from {f.stats.open_messages} messages" in now and f"{f.stats.claimed} claimed" in now
        assert f"Beyond the target of 2 working days: {f.waiting_beyond_target}" in now
        text = screen_text(app)
        for ch, n in f.stats.by_channel.items():
            assert re.search(rf"{ {'sms': 'SMS', 'email': 'email', 'dialog': 'dialogue'}[ch]}\s+{n}\b", text)
        assert re.search(r"anna\s+2\s+0\b", text)  # claimed 2, answered today 0
        assert "failing" in text and "AuthError" in text and "refused the login" not in text
        chart = screen.query_one("#sup-chart-inquiries", Sparkline).data
        assert chart is not None and len(chart) == 9 and chart[-1] == f.stats.open_inquiries
        assert list(chart) == sorted(chart, reverse=True)  # the queue shrank
        await pilot.press("t")  # the 7-day range holds the same 8 snapshots
        assert "7 days" in static_text(app, "#sup-chart-title")


async def test_a_supervisor_gets_supervisor_mode_and_never_a_thread(make_app: AppMaker, demo_store: Store) -> None:
    seed(demo_store)
    tid = demo_store.open_threads(limit=1)[0].thread.id
    app = make_app("sjef", supervisor=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SupervisorScreen)
        assert not any(isinstance(s, QueueScreen | ThreadScreen) for s in app.screen_stack)
        app.open_thread(tid)  # the thread action, from anywhere
        await pilot.press("enter")  # and the key on this screen
        await settle(pilot)
        assert isinstance(app.screen, SupervisorScreen) and len(app.screen_stack) == 1
        assert app._thread_screen is None
        refusals = [t for sev, t in app.notices if sev == "error" and "aggregates only" in t]
        assert len(refusals) == 2
        await pilot.press("escape")  # no queue underneath to go back to
        assert isinstance(app.screen, SupervisorScreen)
        assert [name for name, _ in app.help_sections()] == ["Supervisor", "Everywhere"]
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Supervisor view" not in commands
    reads = [e for e in demo_store.audit_events(user="sjef") if e["action"] == "read"]
    assert reads == []


async def test_a_caseworker_opens_the_supervisor_view_from_the_palette(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "Supervisor view" in [c.title for c in app.get_system_commands(app.screen)]
        app.action_supervise()
        await settle(pilot)
        assert isinstance(app.screen, SupervisorScreen) and app.screen.figures is not None
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_no_names_text_or_id_numbers_on_screen(make_app: AppMaker, demo_store: Store) -> None:
    seed(demo_store)
    entries = demo_store.open_threads(limit=1000)
    names = [e.person.name for e in entries if e.person and e.person.name][:5]
    snippets = [" ".join(e.preview.split())[:24] for e in entries if len(e.preview) > 30][:5]
    assert "Marte Kvalheim" in [e.person.name for e in entries if e.person] and names and snippets
    app = make_app("sjef", supervisor=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        text, svg = screen_text(app), svg_text(app)
        assert "Open inquiries" in text and "anna" in text  # the screen did render
        for secret in ["Marte Kvalheim", "12848811147", *names, *snippets]:
            assert secret not in text and secret not in svg, secret


async def test_refreshes_never_overlap_and_keys_still_work(make_app: AppMaker, demo_store: Store,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    real = supervise.gather
    lock = threading.Lock()
    active, peak, calls = [0], [0], [0]

    def slow(*args: Any, **kwargs: Any) -> supervise.Figures:
        with lock:
            active[0] += 1
            calls[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            time.sleep(0.15)
            return real(*args, **kwargs)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr("tui.screens.supervisor.gather", slow)
    app = make_app("sjef", supervisor=True, refresh_seconds=0.02)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.05)
        for _ in range(5):  # asked for while one runs: it waits for that one
            await pilot.press("r")
            await pilot.press("t")  # input is not blocked by a refresh
        screen = app.screen
        assert isinstance(screen, SupervisorScreen) and screen.range_index == 1  # five presses of t: 7 days
        deadline = time.monotonic() + 10
        while calls[0] < 5:
            assert time.monotonic() < deadline
            await pilot.pause(0.05)
        assert screen.refreshes >= 3
    assert peak[0] == 1


async def test_a_failing_refresh_is_reported_and_the_loop_goes_on(make_app: AppMaker,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = supervise.gather, [0]

    def flaky(*args: Any, **kwargs: Any) -> supervise.Figures:
        calls[0] += 1
        if calls[0] == 1:
            raise RuntimeError("boom 12848811147")
        return real(*args, **kwargs)

    monkeypatch.setattr("tui.screens.supervisor.gather", flaky)
    app = make_app("sjef", supervisor=True, refresh_seconds=0.02)
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = time.monotonic() + 10
        while not (isinstance(app.screen, SupervisorScreen) and app.screen.refreshes >= 2):
            assert time.monotonic() < deadline
            await pilot.pause(0.05)
    assert any(sev == "error" and "RuntimeError" in t for sev, t in app.notices)
    assert all("boom" not in t and "12848811147" not in t for _, t in app.notices)


@pytest.mark.parametrize("size", [pytest.param((100, 30), id="100x30")])
def test_snapshot(snap_compare: SnapCompare, make_app: AppMaker, demo_store: Store, size: tuple[int, int]) -> None:
    seed(demo_store)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app("sjef", supervisor=True), terminal_size=size, run_before=run_before)
