"""A newcomer's first hour (issue 18): what the commands say is true, and small surprises are gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flerkanal.cli import cli
from flerkanal.demo import demo_contacts, demo_files


def inbox(db: str, *args: str, user: str = "ola") -> Result:
    return CliRunner().invoke(cli, ["--db", db, "--user", user, "--matcher", "structural", *args])


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    assert inbox(url, "init").exit_code == 0
    assert inbox(url, "contacts", "import", str(demo_contacts())).exit_code == 0
    assert inbox(url, "ingest", *map(str, demo_files())).exit_code == 0
    return url


def test_re_importing_the_same_contacts_reports_them_unchanged(demo_db: str, tmp_path: Path) -> None:
    r = inbox(demo_db, "contacts", "import", str(demo_contacts()), "--json")
    data = json.loads(r.stdout)
    rows = len(demo_contacts().read_text(encoding="utf-8").splitlines()) - 1
    assert (data["added"], data["updated"], data["unchanged"], data["merged"]) == (0, 0, rows, 0)
    assert f"0 updated, {rows} unchanged" in inbox(demo_db, "contacts", "import", str(demo_contacts())).output
    # one renamed person is one update, the rest stay unchanged
    lines = demo_contacts().read_text(encoding="utf-8").splitlines()
    fnr, aktor, _name, *rest = lines[1].split(",")
    changed = tmp_path / "contacts.csv"
    changed.write_text("\n".join([lines[0], ",".join([fnr, aktor, "Nytt Navn", *rest]), *lines[2:]]) + "\n",
                       encoding="utf-8")
    data = json.loads(inbox(demo_db, "contacts", "import", str(changed), "--json").stdout)
    assert (data["added"], data["updated"], data["unchanged"]) == (0, 1, rows - 1)


def test_claiming_a_thread_you_already_hold_is_a_no_op(demo_db: str) -> None:
    tid = json.loads(inbox(demo_db, "queue", "--json").stdout)[0]["thread"]
    assert inbox(demo_db, "claim", str(tid)).exit_code == 0
    r = inbox(demo_db, "claim", str(tid))
    assert r.exit_code == 0 and f"thread {tid} is already claimed by you" in r.output
    events = json.loads(inbox(demo_db, "audit", "--json", "--thread", str(tid)).stdout)
    assert [e["action"] for e in events].count("claim") == 1
    r = inbox(demo_db, "claim", str(tid), user="kari")  # someone else's claim is still refused
    assert r.exit_code == 1 and "already claimed by ola" in r.output


def test_help_texts_say_the_right_thing() -> None:
    demo_help = CliRunner().invoke(cli, ["demo", "--help"]).output
    assert "issue" not in demo_help
    split_help = " ".join(CliRunner().invoke(cli, ["split", "--help"]).output.split())
    assert "inbox show MESSAGE" not in split_help
    assert "inbox show THREAD" in split_help


def test_dedup_without_contacts_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dedup.pipeline

    def stop(*_args: object) -> None:  # the warning comes before any work: stop there
        raise KeyboardInterrupt

    monkeypatch.setattr(dedup.pipeline, "run_dedup", stop)
    files = [str(f) for f in demo_files()]
    out = str(tmp_path / "groups.csv")
    r = CliRunner().invoke(cli, ["dedup", *files, "--out", out])
    assert r.exit_code == 130
    assert "no --contacts" in " ".join(r.output.split())
    r = CliRunner().invoke(cli, ["dedup", *files, "--contacts", str(demo_contacts()), "--out", out])
    assert r.exit_code == 130 and "no --contacts" not in r.output


def test_piped_queue_is_not_cut_to_80_columns_and_says_when_rows_are_left_out(demo_db: str) -> None:
    from inbox.storage.repository import Store

    store = Store.open(demo_db, create=False)
    total = len(store.open_threads(limit=10_000))
    entries = store.open_threads(limit=20)
    store.close()
    assert total > 20
    r = inbox(demo_db, "queue", "--limit", "20")  # CliRunner's stdout is not a terminal, like a pipe
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) > 80
    for e in entries:
        row = next(line for line in lines if line.split(" ", 1)[0] == str(e.thread.id))
        assert e.person.name in row
        assert " ".join(e.preview.split())[:60] in row
    assert lines[-1] == f"20 of {total} shown (--limit, --offset)"
    assert inbox(demo_db, "queue", "--limit", "5", "--offset", "5").stdout.splitlines()[-1] == \
        f"6–10 of {total} shown (--limit, --offset)"
    assert "shown" not in inbox(demo_db, "queue", "--limit", "1000").stdout  # nothing left out: no footer


def test_reply_never_claims_to_have_sent_and_show_lists_every_reply(demo_db: str) -> None:
    tid = json.loads(inbox(demo_db, "queue", "--json").stdout)[0]["thread"]
    r = inbox(demo_db, "reply", str(tid), "--channel", "sms", "--body", "Hei, vi ser på saken.")
    assert r.exit_code == 2
    assert "does not send" in r.output and "--record-only" in r.output
    assert json.loads(inbox(demo_db, "show", str(tid), "--json").stdout)["replies"] == []  # nothing recorded
    r = inbox(demo_db, "reply", str(tid), "--channel", "sms", "--body", "Hei, vi ser på saken.", "--record-only")
    assert r.exit_code == 0
    assert "recorded, not sent" in r.output and "answered on" not in r.output
    r = inbox(demo_db, "reply", str(tid), "--channel", "phone", "--body", "ringer i morgen kl 10")
    assert r.exit_code == 0 and "phone planned" in r.output
    shown = json.loads(inbox(demo_db, "show", str(tid), "--json").stdout)
    assert [(x["channel"], x["state"], x["delivery"], x["by"], x["text"]) for x in shown["replies"]] == [
        ("sms", "recorded", "recorded, not sent", "ola", "Hei, vi ser på saken."),
        ("phone", "planned", "planned", "ola", "ringer i morgen kl 10")]
    text = inbox(demo_db, "show", str(tid)).stdout
    assert "recorded, not sent" in text and "Hei, vi ser på saken." in text
    assert "planned" in text and "ringer i morgen kl 10" in text


def test_demo_never_writes_into_the_configured_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from inbox.storage.repository import Store

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    configured = f"sqlite:///{tmp_path / 'work.db'}"
    assert inbox(configured, "init").exit_code == 0
    env = {"INBOX_DATABASE_URL": configured, "INBOX_MATCHER": "structural"}
    r = CliRunner().invoke(cli, ["demo", "--no-tui"], env=env)
    assert r.exit_code == 0, r.output
    assert "demo queue" in r.output and str(temp) in r.output
    store = Store.open(configured, create=False)
    assert store.counts()["messages"] == 0  # the configured database got nothing
    store.close()
    assert list(temp.iterdir()) == []  # the temporary demo database is gone
    r = CliRunner().invoke(cli, ["demo", "--json", "--keep"], env=env)
    assert r.exit_code == 0, r.output
    [kept] = list(temp.iterdir())
    url = f"sqlite:///{kept / 'demo.db'}"
    assert f"demo database kept: {url}" in " ".join(r.stderr.split())
    store = Store.open(url, create=False)
    assert store.counts()["messages"] > 0
    store.close()


def _two_registered_persons(db: str) -> tuple[int, int]:
    from inbox.storage.repository import Store

    store = Store.open(db, create=False)
    entries = [e for e in store.open_threads(limit=1000) if e.person and e.person.in_register]
    store.close()
    a = entries[0]
    b = next(e for e in entries if e.person.id != a.person.id)
    return a.thread.id, b.thread.id


def test_merging_two_registered_persons_needs_force_and_a_reason_and_is_audited(demo_db: str) -> None:
    into, other = _two_registered_persons(demo_db)
    r = inbox(demo_db, "merge", str(into), str(other))
    assert r.exit_code == 1
    assert "different registered persons" in r.output and "--force --reason" in " ".join(r.output.split())
    assert json.loads(inbox(demo_db, "show", str(other), "--json").stdout)["messages"]  # nothing moved
    r = inbox(demo_db, "merge", str(into), str(other), "--force")
    assert r.exit_code == 2 and "--force needs --reason" in r.output
    r = inbox(demo_db, "merge", str(into), str(other), "--force", "--reason", "same family, one case")
    assert r.exit_code == 0, r.output
    [event] = [e for e in json.loads(inbox(demo_db, "audit", "--json", "--thread", str(into)).stdout)
               if e["action"] == "merge"]
    detail = json.loads(event["detail"])
    assert detail["forced"] is True and detail["reason"] == "same family, one case" and len(detail["persons"]) == 2
