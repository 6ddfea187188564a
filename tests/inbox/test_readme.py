"""The README's own examples, run as written and in order on a fresh database (issue 18).

Only lines that need something this test cannot give (a terminal for the TUI, configured connectors,
placeholder arguments such as MSG or FILE...) are left out, each with the reason.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from flerkanal.cli import cli
from flerkanal.demo import demo_contacts, demo_files

README = Path(__file__).resolve().parents[2] / "README.md"

#: Commands (their first words) that this test does not run, and why.
LEFT_OUT = {
    ("inbox",): "opens the terminal UI (tests/tui cover it)",
    ("inbox", "supervise"): "opens the terminal UI (tests/tui/test_supervisor.py covers it)",
    ("inbox", "sync"): "needs connectors configured (tests/connectors cover it)",
    ("inbox", "connectors"): "needs connectors configured (tests/connectors cover it)",
    ("inbox", "split", "MSG"): "placeholder arguments",
    ("inbox", "merge", "A", "B"): "placeholder arguments",
    ("inbox", "undo"): "undoes the split or merge of its line, whose arguments are placeholders",
    ("inbox", "dedup", "FILE..."): "placeholder arguments",
    ("inbox", "dedup", "eval"): "needs the output of the line before (placeholder inputs)",
    ("inbox", "recommend", "cases.jsonl"): "needs a cases file",
    ("inbox", "recommend", "eval"): "needs a cases file",
}


def using_it_commands() -> list[str]:
    """Every command of the README's "Using it" block, in order (alternatives split at ``  |  ``)."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Using it\s+```sh\n(.*?)```", text, re.S)
    assert block is not None, "the README has no 'Using it' block"
    commands: list[str] = []
    for line in block.group(1).splitlines():
        code = re.split(r"\s{2,}#", line)[0].strip()
        commands += [c.strip() for c in code.split("  |  ") if c.strip()]
    return commands


def left_out(argv: list[str]) -> str | None:
    for n in range(len(argv), 0, -1):
        if tuple(argv[:n]) in LEFT_OUT and (n > 1 or len(argv) == 1):
            return LEFT_OUT[tuple(argv[:n])]
    return None


def test_the_readme_examples_run_in_order_on_a_fresh_database(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for f in [demo_contacts(), *demo_files()]:
        shutil.copy(f, tmp_path / f.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER", "ada")  # the OS user running the examples: "$USER" in them, and the account
    monkeypatch.setenv("LOGNAME", "ada")
    monkeypatch.setattr("flerkanal.settings.os_user", lambda: "ada")  # the CLI reads the account database
    monkeypatch.delenv("INBOX_USER", raising=False)
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):  # nothing of this machine's own set-up
        monkeypatch.setenv(var, str(tmp_path / "home"))
    env = {"INBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'inbox.db'}", "INBOX_MATCHER": "structural"}
    ran: list[str] = []
    for command in using_it_commands():
        argv = shlex.split(os.path.expandvars(command))
        assert argv[0] == "inbox", command
        if left_out(argv):
            continue
        r = CliRunner().invoke(cli, argv[1:], env=env)
        assert r.exit_code == 0, f"`{command}` failed after {ran}:\n{r.output}"
        ran.append(command)
    # the examples that matter for set-up all ran, the admin last: nobody is locked out
    assert any(c.startswith("inbox users add kari") for c in ran)
    assert ran[-1].startswith("inbox audit")
