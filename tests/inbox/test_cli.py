"""The `inbox` command end to end, and its promises about start-up and help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from flerkanal.cli import cli


def run(args: list[str], db: str) -> click.testing.Result:
    return CliRunner().invoke(cli, ["--db", db, "--user", "ola", "--matcher", "structural", *args],
                              catch_exceptions=False)


def test_init_ingest_queue_show_stats(db_url: str, demo_dir: Path) -> None:
    assert run(["init"], db_url).exit_code == 0
    r = run(["contacts", "import", str(demo_dir / "contacts.csv")], db_url)
    assert r.exit_code == 0 and "19 added" in r.output
    files = [str(demo_dir / f) for f in ("sms.json", "mail.mbox", "dialog.json")]
    r = run(["ingest", "--json", *files], db_url)
    data = json.loads(r.stdout)
    assert (data["new"], data["already_present"], data["quarantined"]) == (77, 0, 0)
    r = run(["ingest", "--json", *reversed(files)], db_url)
    assert json.loads(r.stdout)["already_present"] == 77

    q = json.loads(run(["queue", "--json", "--limit", "500"], db_url).stdout)
    firsts = [e["first_contact"] for e in q]
    assert firsts == sorted(firsts)  # fair order

    stats = json.loads(run(["stats", "--json"], db_url).stdout)
    assert stats["open_inquiries"] == len(q)
    assert stats["open_messages"] >= stats["open_inquiries"]

    tid = q[0]["thread"]
    shown = json.loads(run(["show", str(tid), "--json"], db_url).stdout)
    assert shown["thread"] == tid and shown["messages"]
    r = run(["claim", str(tid)], db_url)
    assert r.exit_code == 0
    r = CliRunner().invoke(cli, ["--db", db_url, "--user", "kari", "claim", str(tid)])
    assert r.exit_code == 1 and "already claimed by ola" in r.output


def test_commands_on_an_uninitialised_database_say_what_to_do(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "queue"])
    assert r.exit_code == 1
    assert "run `inbox init` first" in r.output


def test_ingest_reports_quarantined_records(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    run(["init"], db)
    bad = tmp_path / "broken.json"
    bad.write_text('{"messages": [{"sid": "SMx"}]}', encoding="utf-8")
    r = run(["ingest", "--json", str(bad)], db)
    data = json.loads(r.stdout)
    assert data["quarantined"] == 1
    assert data["problems"][0]["source"] == str(bad)
    listed = json.loads(run(["quarantine", "--json"], db).stdout)
    assert listed[0]["position"] == "messages[0]"


def test_ingest_reads_the_jsonl_export_like_the_exports_it_came_from(tmp_path: Path, demo_dir: Path) -> None:
    from inbox.parsers import read_any
    from inbox.parsers.jsonl import write_jsonl

    export = tmp_path / "export.jsonl"
    items = [i for f in ("sms.json", "mail.mbox", "dialog.json") for i in read_any(demo_dir / f)]
    write_jsonl(items, export)  # type: ignore[arg-type]
    export.write_bytes(export.read_bytes() + b'{"channel": "sms", "provider_key": "SMbroken"}\n')
    db = f"sqlite:///{tmp_path / 'x.db'}"
    run(["init"], db)
    r = run(["ingest", "--json", str(export)], db)
    data = json.loads(r.stdout)
    assert (data["new"], data["quarantined"]) == (77, 1)
    assert data["problems"][0]["position"] == "line 78"
    again = json.loads(run(["ingest", "--json", str(demo_dir / "sms.json")], db).stdout)
    assert (again["new"], again["already_present"]) == (0, 28)  # the same provider keys as the Twilio page


def test_demo_prints_a_queue(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'demo.db'}", "demo", "--json"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    q = json.loads(r.stdout)
    assert len(q) >= 10
    assert {c for e in q for c in e["channels"]} == {"sms", "email", "dialog"}


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, cmd in group.commands.items():
        out.append((f"{prefix}{name}", cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix}{name} "))
    return out


@pytest.mark.parametrize(("name", "cmd"), _commands(cli))
def test_every_command_explains_itself(name: str, cmd: click.Command) -> None:
    assert cmd.help and len(cmd.help.strip()) > 15, f"`inbox {name}` has no help text"


def test_help_and_queue_start_without_heavy_imports(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from flerkanal.cli import cli\n"
        "CliRunner().invoke(cli, ['--help'])\n"
        f"CliRunner().invoke(cli, ['--db', 'sqlite:///{tmp_path / 'x.db'}', 'init'])\n"
        f"CliRunner().invoke(cli, ['--db', 'sqlite:///{tmp_path / 'x.db'}', 'queue'])\n"
        "heavy = [m for m in ('textual', 'torch', 'sentence_transformers', 'twilio') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == ""


def test_bench_dedup_is_reachable_from_the_cli() -> None:
    r = subprocess.run([sys.executable, "-c", "from flerkanal.cli import main; main()", "bench", "dedup", "--help"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "inbox bench dedup" in r.stdout and "--sizes" in r.stdout and "--models" in r.stdout
