"""An inbox always has an admin: the first user must be one, the last one stays one (issue 18)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from flerkanal.cli import cli
from inbox.access import Role
from inbox.errors import ConflictError
from inbox.storage.repository import Store
from tests.osuser import os_account


def inbox(db: str, user: str, *args: str) -> Result:
    with os_account(user):  # each command run by that person's own OS account
        return CliRunner().invoke(cli, ["--db", db, "--user", user, *args])


@pytest.fixture
def db(db_url: str) -> str:
    assert inbox(db_url, "ada", "init").exit_code == 0
    return db_url


def test_a_first_user_who_is_not_an_admin_is_refused_with_the_command_that_helps(db: str) -> None:
    r = inbox(db, "ada", "users", "add", "kari", "--role", "caseworker", "--unit", "Stovner")
    assert r.exit_code == 1
    assert "first user must be an admin" in r.output
    assert "inbox users add ada --role admin" in r.output
    store = Store.open(db, create=False)
    assert store.users() == []  # still in set-up mode: ada can follow the hint
    store.close()
    assert inbox(db, "ada", "users", "add", "ada", "--role", "admin").exit_code == 0
    assert inbox(db, "ada", "users", "add", "kari", "--role", "caseworker", "--unit", "Stovner").exit_code == 0
    r = inbox(db, "ada", "users", "list", "--json")
    assert r.exit_code == 0 and '"kari"' in r.output


def test_the_last_admin_can_be_neither_demoted_nor_removed(db: str) -> None:
    assert inbox(db, "ada", "users", "add", "ada", "--role", "admin").exit_code == 0
    for args in (["users", "add", "ada", "--role", "caseworker"], ["users", "remove", "ada"]):
        r = inbox(db, "ada", *args)
        assert r.exit_code == 1, args
        assert "last admin" in r.output
    assert inbox(db, "ada", "users", "list").exit_code == 0  # ada is still admin
    # with a second admin, either may step down
    assert inbox(db, "ada", "users", "add", "bo", "--role", "admin").exit_code == 0
    assert inbox(db, "bo", "users", "add", "ada", "--role", "supervisor").exit_code == 0
    r = inbox(db, "bo", "users", "remove", "bo")
    assert r.exit_code == 1 and "last admin" in r.output
    assert inbox(db, "bo", "users", "remove", "ada").exit_code == 0
    store = Store.open(db, create=False)
    assert [(u.name, u.role) for u in store.users()] == [("bo", Role.ADMIN)]
    store.close()
    r = inbox(db, "bo", "users", "remove", "nobody")
    assert r.exit_code == 1 and "no user nobody" in r.output


def test_the_store_keeps_the_rule_for_every_caller(store: Store) -> None:
    with pytest.raises(ConflictError, match="first user must be an admin"):
        store.add_user("kari", Role.SUPERVISOR, by="kari")
    store.add_user("root", Role.ADMIN, by="root")
    store.add_user("kari", Role.CASEWORKER, by="root")
    with pytest.raises(ConflictError, match="last admin"):
        store.add_user("root", Role.CASEWORKER, by="root")
    with pytest.raises(ConflictError, match="last admin"):
        store.remove_user("root", by="root")
    store.remove_user("kari", by="root")
    assert [u.name for u in store.users()] == ["root"]
    actions = [e["detail"] for e in store.audit_events(user="root") if e["action"] == "user"]
    assert any('"removed": true' in d for d in actions)
