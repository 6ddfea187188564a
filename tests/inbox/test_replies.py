"""Profiles, replies with suggestion overrides, and the agreement report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from flerkanal.cli import cli
from flerkanal.demo import demo_contacts, demo_files
from flerkanal.wiring import suggest_for_thread
from inbox.contacts import read_contacts_csv
from inbox.errors import NotFoundError
from inbox.ingest import read_files
from inbox.storage.repository import Store


@pytest.fixture
def demo_store(tmp_path: Path) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'r.db'}")
    store.import_contacts(read_contacts_csv(demo_contacts()))
    store.ingest(read_files(demo_files()))
    return store


def test_profile_edit_is_audited_and_validated(demo_store: Store) -> None:
    pid = demo_store.open_threads()[0].person.id
    p = demo_store.update_profile(pid, "ola", digital_skills="low", interpreter=True)
    assert p["digital_skills"] == "low" and p["interpreter"] is True
    assert [e["action"] for e in demo_store.audit_events(user="ola")] == ["profile"]
    with pytest.raises(ValueError, match="unknown profile field"):
        demo_store.update_profile(pid, "ola", fnr="x")
    with pytest.raises(NotFoundError):
        demo_store.profile(999_999)


def test_suggestion_reads_the_stored_profile(demo_store: Store) -> None:
    entry = demo_store.open_threads()[0]
    before = suggest_for_thread(demo_store, entry.thread.id, "ola")
    assert before.ranked and all(ch.reasons for ch in before.ranked)
    demo_store.update_profile(entry.person.id, "ola", digital_skills="low", preferred_channel="phone",
                              notes="klarer ikke å logge inn i aktivitetsplanen")
    after = suggest_for_thread(demo_store, entry.thread.id, "ola")
    assert after.best.value in ("phone", "sms", "meeting")
    assert any("digital" in r.factor or "prefer" in r.factor for ch in after.ranked for r in ch.reasons)


def test_reply_answers_the_thread_and_overrides_are_reported(demo_store: Store) -> None:
    t1, t2 = (e.thread.id for e in demo_store.open_threads()[:2])
    demo_store.record_reply(t1, channel="phone", user="ola", suggested="phone", factors=["conflict"])
    demo_store.record_reply(t2, channel="email", user="ola", suggested="dialog", factors=["conflict", "simple"])
    assert t1 not in {e.thread.id for e in demo_store.open_threads()}
    report = demo_store.recommend_report()
    assert (report["replies"], report["agreed"]) == (2, 1)
    assert report["by_factor"]["conflict"] == {"replies": 2, "agreed": 1, "agreement": 0.5}
    assert report["by_factor"]["simple"]["agreement"] == 0.0
    audit = [e for e in demo_store.audit_events(user="ola") if e["action"] == "reply"]
    assert [json.loads(e["detail"])["override"] for e in audit] == [False, True]


def test_cli_suggest_reply_report(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    r = CliRunner().invoke(cli, ["--db", db, "--matcher", "structural", "demo", "--json"])
    tid = json.loads(r.stdout)[0]["thread"]
    s = json.loads(CliRunner().invoke(cli, ["--db", db, "suggest", str(tid), "--json"]).stdout)
    best = s["ranked"][0]["channel"]
    other = "meeting" if best != "meeting" else "phone"
    r = CliRunner().invoke(cli, ["--db", db, "--user", "kari", "reply", str(tid), "--channel", other])
    assert r.exit_code == 0 and f"override: suggested {best}" in r.stdout
    rep = json.loads(CliRunner().invoke(cli, ["--db", db, "recommend", "report", "--json"]).stdout)
    assert (rep["replies"], rep["agreed"]) == (1, 0)
