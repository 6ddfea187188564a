"""Roles, read audit, redaction and the append-only audit log."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from flerkanal.cli import cli
from inbox.identity import find_fnrs
from inbox.storage.repository import Store
from tests.osuser import os_account

REPO = Path(__file__).resolve().parents[2]


def inbox(db: str, user: str, *args: str) -> Result:
    with os_account(user):  # run by that person's own OS account
        return CliRunner().invoke(cli, ["--db", db, "--user", user, "--matcher", "structural", *args])


@pytest.fixture
def db(tmp_path: Path, demo_dir: Path) -> str:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert inbox(url, "root", "init").exit_code == 0
    assert inbox(url, "root", "contacts", "import", str(demo_dir / "contacts.csv")).exit_code == 0
    r = inbox(url, "root", "ingest", str(demo_dir / "sms.json"), str(demo_dir / "mail.mbox"),
              str(demo_dir / "dialog.json"))
    assert r.exit_code == 0, r.output
    for name, role, unit in (("root", "admin", ""), ("kari", "caseworker", ""), ("ola", "caseworker", "Stovner"),
                             ("sjef", "supervisor", "")):
        assert inbox(url, "root", "users", "add", name, "--role", role, "--unit", unit).exit_code == 0
    return url


def test_setup_mode_makes_the_first_user_admin_then_strangers_are_refused(db: str) -> None:
    r = inbox(db, "stranger", "stats")
    assert r.exit_code == 1
    assert "not a user of this inbox" in r.output


def test_supervisor_sees_aggregates_but_no_thread_text(db: str) -> None:
    assert inbox(db, "sjef", "stats", "--json").exit_code == 0
    for args in (["queue"], ["show", "1"], ["audit"], ["claim", "1"]):
        r = inbox(db, "sjef", *args)
        assert r.exit_code == 1, args
        assert "supervisor" in r.output and "may not" in r.output


def test_caseworker_sees_only_their_unit_and_unassigned(db: str) -> None:
    store = Store.open(db, create=False)
    first = store.open_threads(limit=1)[0]
    store.update_profile(first.person.id, "root", unit="Grünerløkka")
    store.close()
    ola = json.loads(inbox(db, "ola", "queue", "--json", "--limit", "500").stdout)
    kari = json.loads(inbox(db, "kari", "queue", "--json", "--limit", "500").stdout)
    assert first.thread.id not in {e["thread"] for e in ola}
    assert first.thread.id in {e["thread"] for e in kari}
    r = inbox(db, "ola", "show", str(first.thread.id))
    assert r.exit_code == 1 and "another office unit" in r.output


def test_show_masks_id_numbers_unless_asked_and_every_read_is_audited(db: str, demo_dir: Path) -> None:
    store = Store.open(db, create=False)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT thread_id, body FROM message ORDER BY id")).all()
    store.close()
    # the demo set's one ID number is in a mail's signature, which the cleaned text leaves out: show --raw
    tid, fnrs = next((t, set(find_fnrs(body))) for t, body in rows if find_fnrs(body))
    masked = inbox(db, "kari", "show", str(tid), "--json", "--raw").stdout
    shown = inbox(db, "kari", "show", str(tid), "--json", "--raw", "--include-ids").stdout
    assert not set(find_fnrs(masked))
    assert "<fnr>" in masked
    assert fnrs <= set(find_fnrs(shown))
    events = json.loads(inbox(db, "root", "audit", "--json", "--user", "kari", "--thread", str(tid)).stdout)
    assert [e["action"] for e in events] == ["read", "read"]
    assert [json.loads(e["detail"])["include_ids"] for e in events] == [False, True]


def test_audit_log_is_append_only_in_the_database(db_url: str) -> None:
    store = Store.open(db_url)
    store.audit("kari", "read", None)
    with pytest.raises(DatabaseError), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET action = 'edited'"))
    with pytest.raises(DatabaseError), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
    assert [e["user"] for e in store.audit_events()] == ["kari"]
    store.close()


# Runs each command given as JSON on the command line in a process of its own, as `python -m flerkanal.cli ARGS`
# would, its stderr (the log) into a file of its own: a fork of this process once it has imported the CLI, so
# that the imports (most of a short command's time) are done once, not once a command. A child starts with
# nothing but those imports: logging is set up by the command itself, as in a fresh process.
FORKING_CLI = """\
import json, os, sys
from flerkanal.cli import main

for i, args in enumerate(json.loads(sys.argv[1])):
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            os.dup2(os.open(f"{sys.argv[2]}/{i}.log", os.O_WRONLY | os.O_CREAT, 0o600), 2)
            sys.argv = ["inbox", *args]
            main(args)
            code = 0
        except SystemExit as exc:  # what the interpreter makes of it
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
            if not isinstance(exc.code, int | None):
                print(exc.code, file=sys.stderr)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code:
        sys.exit(f"command {i} ({args[-1]}) exited with {code}")
"""


def test_logs_never_hold_message_text_or_id_numbers(tmp_path: Path, demo_dir: Path) -> None:
    """A full CLI flow at debug log level: stderr (the log) is grepped for every fnr and message text."""
    from inbox.ingest import read_files
    from inbox.paths import cache_dir

    db = f"sqlite:///{tmp_path / 'l.db'}"
    files = [str(demo_dir / f) for f in ("sms.json", "mail.mbox", "dialog.json")]
    commands = [["-vv", "--db", db, *args] for args in (
        ["init"], ["contacts", "import", str(demo_dir / "contacts.csv")], ["ingest", *files], ["queue"], ["show", "3"],
        ["stats"], ["claim", "--next"], ["quarantine"])]
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    res = subprocess.run([sys.executable, "-c", FORKING_CLI, json.dumps(commands), str(logs_dir)], capture_output=True,
                         text=True, check=False, cwd=REPO, env={"INBOX_MATCHER": "embedding", "HF_HUB_OFFLINE": "1",
                                                                "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                                                # the converted model, not converted again
                                                                "FLERKANAL_CACHE_DIR": str(cache_dir())})
    each = [(logs_dir / f"{i}.log").read_text(encoding="utf-8") for i in range(len(commands))
            if (logs_dir / f"{i}.log").exists()]
    assert res.returncode == 0, (res.stderr + "".join(each[-1:]))[-2000:]
    assert len(each) == len(commands)
    logs = "".join(each)
    fnrs = {r["fnr"] for r in csv.DictReader(io.StringIO((demo_dir / "contacts.csv").read_text(encoding="utf-8")))}
    snippets = {" ".join(m.body.split())[:40] for m in read_files([Path(f) for f in files])
                if hasattr(m, "body") and len(m.body.strip()) >= 40}
    assert logs.strip(), "the debug run should have logged something"
    assert not [f for f in fnrs if f in logs]
    flat = " ".join(logs.split())
    assert not [s for s in snippets if s in flat]
