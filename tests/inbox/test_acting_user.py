"""Issue 17 item 5: the acting user is the OS account, not a name anyone can type; the database is private.

``--user`` / ``INBOX_USER`` naming someone else works only for an admin, and is audited under the admin's
own name. The default SQLite database lives in a 0700 directory as a 0600 file (with its -wal and -shm).
"""

from __future__ import annotations

import json
import os
import pwd
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flerkanal.cli import cli
from flerkanal.settings import default_database_url, os_user
from inbox.access import Role
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.storage.repository import Store
from tests.osuser import os_account


def inbox(db: str, account: str, *args: str, env: dict[str, str] | None = None) -> Result:
    """``inbox ARGS`` run by the OS account ``account``."""
    with os_account(account):
        return CliRunner().invoke(cli, ["--db", db, "--matcher", "structural", *args], env=env)


@pytest.fixture
def db(tmp_path: Path) -> str:
    from datetime import UTC, datetime

    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = Store.open(url)
    body = "Hei, når kommer pengene?"
    store.ingest([IncomingMessage(Channel.SMS, "SM1", Direction.IN, datetime(2026, 11, 20, 9, tzinfo=UTC), body,
                                  body, sender="+4791111111")])
    store.add_user("ada", Role.ADMIN, by="ada")
    store.add_user("kari", Role.CASEWORKER, by="ada")
    store.add_user("sjef", Role.SUPERVISOR, by="ada")
    store.close()
    return url


def test_the_os_user_comes_from_the_account_database_not_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "ada")
    monkeypatch.setenv("LOGNAME", "ada")
    monkeypatch.setenv("USERNAME", "ada")
    assert os_user() == pwd.getpwuid(os.geteuid()).pw_name


def test_without_user_a_command_acts_as_the_os_account(db: str) -> None:
    r = inbox(db, "kari", "claim", "--next")
    assert r.exit_code == 0, r.output
    store = Store.open(db, create=False)
    assert store.open_threads()[0].thread.claimed_by == "kari"
    store.close()
    r = inbox(db, "kari", "audit")
    assert r.exit_code == 1 and "caseworker" in r.output  # kari's own role, not an admin's


@pytest.mark.parametrize("how", ["option", "env"])
def test_a_caseworker_cannot_act_as_an_admin(db: str, how: str) -> None:
    if how == "option":
        r = inbox(db, "kari", "--user", "ada", "audit", "--json")
    else:
        r = inbox(db, "kari", "audit", "--json", env={"INBOX_USER": "ada"})
    assert r.exit_code == 1
    assert "only an admin may act as another user" in r.output
    # and did not get to act as the supervisor or another caseworker either
    assert inbox(db, "kari", "--user", "sjef", "stats").exit_code == 1
    store = Store.open(db, create=False)
    assert not [e for e in store.audit_events() if e["action"] == "act-as"]
    store.close()


def test_an_os_account_that_is_no_user_cannot_act_as_anyone(db: str) -> None:
    r = inbox(db, "mallory", "--user", "ada", "users", "list")
    assert r.exit_code == 1 and "mallory is not a user" in r.output


def test_an_admin_may_act_as_someone_else_and_it_is_audited(db: str) -> None:
    r = inbox(db, "ada", "--user", "kari", "claim", "--next")
    assert r.exit_code == 0, r.output
    store = Store.open(db, create=False)
    assert store.open_threads()[0].thread.claimed_by == "kari"
    acts = [e for e in store.audit_events() if e["action"] == "act-as"]
    store.close()
    assert [(e["user"], json.loads(e["detail"])["as_user"]) for e in acts] == [("ada", "kari")]
    assert "claim" in json.loads(acts[0]["detail"])["command"]
    # acting as kari gives kari's rights, not the admin's
    r = inbox(db, "ada", "--user", "kari", "users", "list")
    assert r.exit_code == 1 and "caseworker" in r.output


def test_set_up_mode_still_works_and_the_first_user_must_be_an_admin(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert inbox(db, "ada", "init").exit_code == 0
    r = inbox(db, "ada", "users", "add", "kari", "--role", "caseworker")
    assert r.exit_code == 1 and "first user must be an admin" in r.output
    assert inbox(db, "ada", "users", "add", "ada", "--role", "admin").exit_code == 0
    assert inbox(db, "ada", "users", "add", "kari", "--role", "caseworker").exit_code == 0
    assert inbox(db, "kari", "queue").exit_code == 0


def test_user_names_are_account_names(db: str) -> None:
    for bad in ("kari\x1b[2J", "ka ri", "-rf", "[link=x]y"):
        r = inbox(db, "ada", "users", "add", "--role", "caseworker", "--", bad)
        assert r.exit_code == 2, bad
        assert "OS account name" in r.output


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_the_default_database_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("INBOX_DATABASE_URL", raising=False)
    old = os.umask(0o022)  # the usual umask, which makes SQLite's own files 0644
    try:
        with os_account("ada"):
            r = CliRunner().invoke(cli, ["--matcher", "structural", "init"])
            assert r.exit_code == 0, r.output
            r = CliRunner().invoke(cli, ["--matcher", "structural", "users", "add", "ada", "--role", "admin"])
            assert r.exit_code == 0, r.output
    finally:
        os.umask(old)
    db = Path(default_database_url().removeprefix("sqlite:///"))
    assert db.parent == tmp_path / "data" / "flerkanal"
    assert _mode(db.parent) == 0o700
    files = [p for p in db.parent.iterdir() if p.name.startswith("inbox.db")]
    assert {p.name for p in files} >= {"inbox.db"}
    assert all(_mode(p) == 0o600 for p in files), {p.name: oct(_mode(p)) for p in files}


def test_wal_and_shm_files_get_the_database_files_mode(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'new' / 'x.db'}")
    store.add_user("ada", Role.ADMIN, by="ada")  # a write: the -wal and -shm files exist now
    files = list((tmp_path / "new").iterdir())
    assert {p.name for p in files} == {"x.db", "x.db-wal", "x.db-shm"}
    assert all(_mode(p) == 0o600 for p in files)
    assert _mode(tmp_path / "new") == 0o700
    store.close()


def test_an_older_install_is_tightened_but_a_chosen_location_keeps_its_mode(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    default = Path(default_database_url().removeprefix("sqlite:///"))
    default.parent.mkdir(parents=True, mode=0o755)
    default.parent.chmod(0o755)
    Store.open(f"sqlite:///{default}").close()
    default.chmod(0o644)
    Store.open(f"sqlite:///{default}", create=False).close()
    assert (_mode(default.parent), _mode(default)) == (0o700, 0o600)
    shared = tmp_path / "shared" / "team.db"
    shared.parent.mkdir()
    shared.parent.chmod(0o750)
    Store.open(f"sqlite:///{shared}").close()
    shared.chmod(0o640)  # its owner shares it with a group on purpose
    Store.open(f"sqlite:///{shared}", create=False).close()
    assert (_mode(shared.parent), _mode(shared)) == (0o750, 0o640)


def test_the_vector_cache_is_private_too(tmp_path: Path) -> None:
    import numpy as np

    from dedup.vector_cache import VectorStore

    cache = VectorStore("some-model", 4, tmp_path / "cache")
    cache.put_many([(b"k" * 16, np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32))])
    files = list(cache.path.parent.iterdir())
    assert cache.path in files and all(_mode(p) == 0o600 for p in files), {p.name: oct(_mode(p)) for p in files}
    assert _mode(cache.path.parent) == 0o700
