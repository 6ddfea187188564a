"""Issue 17 item 3: what a hostile sender writes never drives the caseworker's terminal.

Bodies, subjects and sender names carry a clear-screen, a window title, an OSC 8 hyperlink hiding a URL
behind "Nav.no", a C1 CSI, a bidi override and Rich markup. No human-facing output (CLI text, the TUI's
widgets, the HTML report) may pass a control character through or turn the markup into a link; JSON
stays valid and decodes to exactly what was stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flerkanal.cli import cli
from inbox.display import printable, safe_json
from inbox.storage.repository import Store
from tests.hostile import BODY, LINK, SENDER_NAME, SUBJECT, Hostile, add_hostile, unsafe_in


@pytest.fixture
def hostile_db(tmp_path: Path) -> tuple[str, Hostile]:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    store = Store.open(url)
    h = add_hostile(store)
    store.close()
    return url, h


def inbox(db: str, *args: str) -> Result:
    # set-up mode (no users yet): whoever runs it is admin
    return CliRunner().invoke(cli, ["--db", db, "--matcher", "structural", *args])


def test_printable_makes_every_control_character_visible_and_keeps_the_words() -> None:
    text = printable(BODY)
    assert not unsafe_in(text)
    assert "␛[2J" in text and "Nav.no" in text and "<U+202E>" in text and "<U+009B>" in text
    assert text.count("\n") == BODY.count("\n")  # \r\n became \n, nothing else added lines
    assert "\n" not in printable(BODY, multiline=False)


@pytest.mark.parametrize("args", [
    ["queue"], ["show", "{mail}"], ["show", "{mail}", "--raw"], ["show", "{sms}", "--raw"],
    ["profile", "{person}"], ["show", "{mail}", "--include-ids"],
])
def test_cli_output_carries_no_control_characters_and_no_live_markup(hostile_db: tuple[str, Hostile],
                                                                      args: list[str]) -> None:
    db, h = hostile_db
    argv = [a.format(mail=h.mail_thread, sms=h.sms_thread, person=h.mail_person) for a in args]
    r = inbox(db, *argv)
    assert r.exit_code == 0, r.output
    assert not unsafe_in(r.output), argv
    # the words are still there, the sequences shown as text (a caseworker sees something odd was sent)
    assert "␛" in r.output
    if "{mail}" in args:
        # Rich markup from the sender stays text: printed literally, never turned into a link or action
        assert "[link=https://evil.example]" in r.output


def test_show_json_is_valid_and_faithful_but_inert(hostile_db: tuple[str, Hostile]) -> None:
    db, h = hostile_db
    r = inbox(db, "show", str(h.mail_thread), "--json", "--raw", "--include-ids")
    assert r.exit_code == 0, r.output
    assert not unsafe_in(r.stdout)
    data = json.loads(r.stdout)
    msg = data["messages"][0]
    assert msg["subject"] == SUBJECT
    assert msg["text"] == BODY
    assert data["person"] == SENDER_NAME


def test_safe_json_escapes_what_json_dumps_leaves_raw() -> None:
    value = {"s": SUBJECT + "\u2028\x7f"}
    text = safe_json(value)
    assert not unsafe_in(text) and "\u2028" not in text
    assert json.loads(text) == value


def test_errors_quoting_data_are_printed_inert(hostile_db: tuple[str, Hostile]) -> None:
    db, _ = hostile_db
    r = inbox(db, "users", "add", f"x{LINK}", "--role", "admin")
    assert not unsafe_in(r.output)


def test_html_report_holds_no_control_characters() -> None:
    from dedup.report import SummaryBuilder, render_html

    b = SummaryBuilder()
    b.add(1, "p1", "sms", 0.0, inbound=True)
    html = render_html(b.result(), run={"model": f"evil{LINK}", "note": f"{SUBJECT}"})
    assert not unsafe_in(html)
    assert "Nav.no" in html


async def test_tui_widgets_write_no_control_characters(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from tests.tui.conftest import settle
    from tui.factory import build_app
    from tui.screens.thread import ThreadScreen
    from tui.widgets.grouping import GroupingPanel
    from tui.widgets.profile_panel import ProfilePanel
    from tui.widgets.queue_list import QueueList
    from tui.widgets.timeline import Timeline

    store = Store.open(f"sqlite:///{tmp_path / 't.db'}")
    h = add_hostile(store)
    app = build_app(store, "anna", refresh_seconds=None, clock=lambda: datetime(2026, 11, 26, tzinfo=UTC))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        rows = [seg.text for i in range(queue.row_count) for seg in queue._row_strip(i, 140)]
        assert rows and not unsafe_in("".join(rows))
        for raw in (False, True):
            queue.move_cursor(next(i for i, e in enumerate(queue.entries) if e.thread.id == h.mail_thread))
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ThreadScreen)
            if raw:
                await pilot.press("r")
                await settle(pilot)
            timeline = screen.query_one(Timeline)
            written = "".join(seg.text for lines in timeline._lines for strip in lines for seg in strip)
            assert "Nav.no" in written and not unsafe_in(written)
            for panel in (screen.query_one(GroupingPanel), screen.query_one(ProfilePanel)):
                shown = str(panel.render())
                assert not unsafe_in(shown)
            await pilot.press("escape")
            await settle(pilot)
    store.close()


async def test_a_confirmation_naming_a_sender_shows_their_markup_as_text(tmp_path: Path) -> None:
    from textual.widgets import Static

    from tests.tui.conftest import settle
    from tui.factory import build_app
    from tui.screens.confirm import ConfirmScreen

    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    app = build_app(store, "anna", refresh_seconds=None)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await app.push_screen(ConfirmScreen(f"Merge the inquiries of {SENDER_NAME}?"))
        await settle(pilot)
        shown = str(app.screen.query_one("#confirm-question", Static).render())
        assert "[link=https://evil.example]Nav[/link][@click=app.quit]x[/]" in shown
        assert not unsafe_in(shown)
    store.close()
