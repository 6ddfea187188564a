"""How the CLI opens the TUI: bare `inbox`, `inbox tui`, `inbox demo` (and when it prints instead)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flerkanal.cli import cli


def test_help_does_not_load_textual() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from flerkanal.cli import cli\n"
        "r = CliRunner().invoke(cli, ['--help'])\n"
        "assert 'tui' in r.output, r.output\n"
        "CliRunner().invoke(cli, ['demo', '--help'])\n"
        "CliRunner().invoke(cli, ['tui', '--help'])\n"
        "print('textual' in sys.modules)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "False"


def test_bare_inbox_prints_help_when_not_on_a_terminal(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'x.db'}"], catch_exceptions=False)
    assert r.exit_code == 0 and "Usage" in r.output


def test_tui_command_opens_the_app_on_the_configured_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    import tui.factory

    opened: dict[str, Any] = {}
    monkeypatch.setattr(tui.factory, "run", lambda store, user, **kw: opened.update(store=store, user=user, **kw))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    monkeypatch.delenv("INBOX_CONFIG", raising=False)
    db = f"sqlite:///{tmp_path / 'x.db'}"
    CliRunner().invoke(cli, ["--db", db, "init"], catch_exceptions=False)
    r = CliRunner().invoke(cli, ["--db", db, "--user", "anna", "tui"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert opened["user"] == "anna" and opened["store"].dialect == "sqlite"
    assert opened["connectors"] == {}  # no sync configuration: replies are recorded, not sent


def test_demo_prints_the_table_without_a_terminal_or_with_no_tui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    import tui.factory

    monkeypatch.setattr(tui.factory, "run_demo", lambda *a, **k: pytest.fail("the TUI must not open here"))
    for i, extra in enumerate(([], ["--no-tui"])):
        r = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / f'd{i}.db'}", "--matcher", "structural",
                                     "demo", *extra], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        assert "demo queue" in r.output
