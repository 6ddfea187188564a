"""The store on SQLite and PostgreSQL: idempotent ingest, threads, fair order, claims."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from inbox.contacts import read_contacts_csv
from inbox.domain import Channel, Direction, IncomingMessage, ThreadState
from inbox.errors import ConflictError
from inbox.ingest import read_files
from inbox.storage.database import schema_is_current
from inbox.storage.repository import Store

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def sms(sid: str, phone: str, minutes: int, body: str = "hei", direction: Direction = Direction.IN
        ) -> IncomingMessage:
    office = "+4759446000"
    return IncomingMessage(
        channel=Channel.SMS, provider_key=sid, direction=direction, sent_at=T0 + timedelta(minutes=minutes),
        body=body, raw="{}", sender=phone if direction == Direction.IN else office,
        recipient=office if direction == Direction.IN else phone,
    )


def mail(mid: str, addr: str, minutes: int, *, reply_to: str = "", body: str = "Hei") -> IncomingMessage:
    return IncomingMessage(
        channel=Channel.EMAIL, provider_key=mid, direction=Direction.IN, sent_at=T0 + timedelta(minutes=minutes),
        received_at=T0 + timedelta(minutes=minutes),  # as a mailbox says (else the time it is stored counts)
        body=body, raw="", sender=addr, recipient="nav@nav.no", in_reply_to=reply_to,
        references=(reply_to,) if reply_to else (),
    )


def test_migrations_create_every_table(store: Store) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert {"person", "identity", "message", "thread", "reply", "audit_event", "connector_cursor",
            "quarantine", "alembic_version"} <= names
    assert schema_is_current(store.engine)


def test_demo_exports_twice_store_each_message_once(store: Store, demo_dir: Path) -> None:
    store.import_contacts(read_contacts_csv(demo_dir / "contacts.csv"))
    files = [demo_dir / "sms.json", demo_dir / "mail.mbox", demo_dir / "dialog.json"]
    first = store.ingest(read_files(files))
    assert sum(first.new.values()) == 77
    assert sum(first.quarantined.values()) == 0
    second = store.ingest(read_files(list(reversed(files))))
    assert sum(second.new.values()) == 0
    assert sum(second.present.values()) == 77
    assert store.counts()["messages"] == 77
    assert store.counts()["quarantined"] == 0


def test_same_provider_key_in_one_batch_is_stored_once(store: Store) -> None:
    res = store.ingest([sms("SM1", "+4791234567", 0), sms("SM1", "+4791234567", 0)])
    assert sum(res.new.values()) == 1
    assert sum(res.present.values()) == 1


def test_fair_order_is_first_contact_on_any_channel(store: Store) -> None:
    # A writes once at 09:00; B writes at 09:10 and then twice more; C at 09:05.
    store.ingest([sms("SMa", "+4791111111", 0), sms("SMb1", "+4792222222", 10),
                  sms("SMc", "+4793333333", 5)])
    store.ingest([sms("SMb2", "+4792222222", 20), sms("SMb3", "+4792222222", 30)])
    order = [e.person.name for e in store.open_threads()]
    assert order[:3] == ["+4791111111", "+4793333333", "+4792222222"]


def test_email_reply_joins_the_thread_of_the_mail_it_answers(store: Store) -> None:
    store.ingest([mail("<a@x>", "kari@example.no", 0)])
    store.ingest([mail("<b@x>", "kari@example.no", 60, reply_to="<a@x>")])
    entries = store.open_threads()
    assert len(entries) == 1
    assert entries[0].thread.inbound_count == 2


def test_reply_that_arrives_first_in_a_batch_still_threads(store: Store) -> None:
    # Same batch, reply listed first: the store orders by time before threading.
    store.ingest([mail("<b@x>", "kari@example.no", 60, reply_to="<a@x>"), mail("<a@x>", "kari@example.no", 0)])
    assert len(store.open_threads()) == 1


def test_office_reply_answers_the_thread_and_a_new_message_reopens_it(store: Store) -> None:
    store.ingest([sms("SM1", "+4791234567", 0)])
    store.ingest([sms("SM2", "+4791234567", 30, direction=Direction.OUT)])
    assert store.open_threads() == []
    assert store.stats().by_state == {"answered": 1}


def test_contacts_link_identities_and_merge_earlier_unknown_sender(store: Store, tmp_path: Path) -> None:
    store.ingest([sms("SM1", "+4791234567", 0), mail("<a@x>", "Kari@Example.no", 5)])
    assert store.counts()["persons"] == 2
    csv = tmp_path / "c.csv"
    csv.write_text("fnr,aktor_id,name,phone,email\n14839109602,2620966542870,Kari Nordmann,"
                   "+47 912 34 567,kari@example.no\n", encoding="utf-8")
    res = store.import_contacts(read_contacts_csv(csv))
    assert res.problems == ()
    assert store.counts()["persons"] == 1
    names = {e.person.name for e in store.open_threads()}
    assert names == {"Kari Nordmann"}


def test_bad_contact_rows_are_reported_with_line_numbers(tmp_path: Path) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("fnr,aktor_id,name,phone,email\n12345678901,1,Bad Fnr,,\n14839109602,2,Ok,,ok@example.no\n",
                   encoding="utf-8")
    rows = list(read_contacts_csv(csv))
    assert rows[0].position == "line 2"  # type: ignore[union-attr]
    assert "mod 11" in rows[0].reason  # type: ignore[union-attr]
    assert rows[1].name == "Ok"  # type: ignore[union-attr]


def test_two_claims_on_one_thread_exactly_one_wins(db_url: str) -> None:
    setup = Store.open(db_url)
    setup.ingest([sms("SM1", "+4791234567", 0)])
    tid = setup.open_threads()[0].thread.id
    setup.close()
    results: list[str] = []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        s = Store.open(db_url, create=False)
        barrier.wait()
        try:
            s.claim(tid, f"veileder{i}")
            results.append("won")
        except ConflictError:
            results.append("lost")
        finally:
            s.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lost"] * 7 + ["won"]


def test_claim_next_hands_out_each_thread_once(db_url: str) -> None:
    setup = Store.open(db_url)
    setup.ingest([sms(f"SM{i}", f"+479100000{i}", i) for i in range(6)])
    setup.close()
    claimed: list[int | None] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        s = Store.open(db_url, create=False)
        for _ in range(3):
            tid = s.claim_next(f"v{i}")
            with lock:
                claimed.append(tid)
        s.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = [t for t in claimed if t is not None]
    assert len(got) == 6
    assert len(set(got)) == 6


def test_release_and_close_write_audit_events(store: Store) -> None:
    store.ingest([sms("SM1", "+4791234567", 0)])
    tid = store.open_threads()[0].thread.id
    store.claim(tid, "ola")
    with pytest.raises(ConflictError):
        store.release(tid, "kari")
    store.release(tid, "ola")
    store.set_state(tid, ThreadState.CLOSED, "ola")
    assert [e["action"] for e in store.audit_events(thread_id=tid)] == ["claim", "release", "closed"]
    assert store.open_threads() == []


def test_cursor_round_trip(store: Store) -> None:
    assert store.get_cursor("imap") is None
    store.set_cursor("imap", "INBOX:1:5")
    store.set_cursor("imap", "INBOX:1:9")
    assert store.get_cursor("imap") == "INBOX:1:9"


def test_stats_count_inquiries_not_messages(store: Store) -> None:
    store.ingest([mail("<a@x>", "kari@example.no", 0), mail("<b@x>", "kari@example.no", 10, reply_to="<a@x>"),
                  sms("SM1", "+4791234567", 20)])
    s = store.stats(now=T0 + timedelta(hours=1))
    assert s.open_inquiries == 2
    assert s.open_messages == 3
    assert s.oldest_waiting_seconds == 3600
    assert s.by_channel == {"email": 1, "sms": 1}


def _threads_by_content(store: Store) -> list[tuple[object, ...]]:
    """Each thread as its message keys and maintained columns (ids left out: they differ between stores)."""
    from sqlalchemy import select

    from inbox.storage.tables import MessageRow, ThreadRow

    tm, tt = MessageRow.__table__, ThreadRow.__table__  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        keys: dict[int, list[str]] = {}
        for tid, ch, pk in conn.execute(select(tm.c.thread_id, tm.c.channel, tm.c.provider_key)):
            keys.setdefault(tid, []).append(f"{ch}:{pk}")
        rows = conn.execute(select(tt)).mappings().all()
    return sorted((tuple(sorted(keys.get(r["id"], []))), r["state"], r["first_contact"].replace(tzinfo=None),
                   r["last_activity"].replace(tzinfo=None), r["message_count"], r["inbound_count"], r["channels"])
                  for r in rows)


def test_big_batches_thread_exactly_as_one_message_at_a_time(store: Store, demo_dir: Path, tmp_path: Path) -> None:
    # A batch works out its new threads' columns in memory and reads its persons' history in a few queries;
    # the result must be what storing each message in a transaction of its own gives.
    from synth import generate

    synth = tmp_path / "synth"
    generate(synth, 300, seed=11)  # more persons and threads than the demo set has
    items = read_files([demo_dir / "sms.json", demo_dir / "mail.mbox", demo_dir / "dialog.json",
                        synth / "sms", synth / "mail.mbox", synth / "dialog.json"])
    contacts = [*read_contacts_csv(demo_dir / "contacts.csv"), *read_contacts_csv(synth / "contacts.csv")]
    one = Store.open(f"sqlite:///{tmp_path / 'one.db'}")
    for s, size in ((store, 40), (one, 1)):
        s.import_contacts(contacts)
        s.ingest(items, batch_size=size)
    batched, single = _threads_by_content(store), _threads_by_content(one)
    assert len(batched) > 100
    assert {t[1] for t in batched} >= {"open", "answered"}  # office replies answered some threads
    assert batched == single
    one.close()


@pytest.mark.postgres
def test_a_bulk_import_keeps_postgres_statistics_fresh(pg_url: str) -> None:
    # Without statistics the planner scans the message table for every batch's lookups (measured: a 100k
    # import took 222 s to store instead of 62 s); the store analyzes the tables as an import grows them.
    from sqlalchemy import text

    store = Store.open(pg_url)
    store.ingest([sms(f"SM{i:06d}", f"+4791{i % 900:06d}", i) for i in range(6_000)])
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'message'::regclass")).scalar_one()
    assert rows >= 5_000  # reltuples is -1 until the table has been analyzed
    store.close()
