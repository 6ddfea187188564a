"""Live ingest and batch dedup assign messages with the same code: the same inbound groups on the same data."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from dedup.batch import MemoryContext, group_messages
from dedup.matcher import InquiryMatcher
from dedup.train import EXPORTS, LabelledSet
from flerkanal.demo import DEMO_DIR
from inbox.contacts import read_contacts_csv
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.ingest import read_files
from inbox.storage.repository import Store

DEMO = DEMO_DIR


def live_groups(folder: Path, embedder: Any, db_url: str) -> set[frozenset[str]]:
    """The inbound messages of ``folder``'s exports as the live inbox groups them (``inbox ingest``)."""
    store = Store.open(db_url)
    try:
        store.import_contacts(read_contacts_csv(folder / "contacts.csv"))
        store.ingest(read_files([folder / f for f in EXPORTS]), matcher=InquiryMatcher(embedder))
        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT channel, provider_key, thread_id, direction FROM message")).all()
    finally:
        store.close()
    groups: dict[int, set[str]] = defaultdict(set)
    for channel, key, thread, direction in rows:
        if str(direction).lower().endswith("in"):
            groups[thread].add(f"{str(channel).lower().rsplit('.', 1)[-1]}:{key}")
    return {frozenset(g) for g in groups.values()}


def batch_groups(folder: Path, embedder: Any) -> set[frozenset[str]]:
    """The same messages as ``inbox dedup`` groups them, without a database."""
    ctx = MemoryContext()
    ctx.load_contacts(folder / "contacts.csv")
    rows = group_messages(LabelledSet(folder).messages(), InquiryMatcher(embedder), ctx)
    groups: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.direction == "in":
            groups[r.group].add(r.key)
    return {frozenset(g) for g in groups.values()}


def test_live_ingest_groups_the_demo_set_exactly_as_batch_dedup(embedder: Any, tmp_path: Path) -> None:
    # on SQLite; the synthetic one-path test below runs on PostgreSQL too
    live = live_groups(DEMO, embedder, f"sqlite:///{tmp_path / 'live.db'}")
    batch = batch_groups(DEMO, embedder)
    assert sum(map(len, live)) == sum(map(len, batch)) == 58
    assert any(len(g) > 1 for g in batch)  # the set has inquiries sent more than once
    assert live == batch


# A synthetic case (issue 15): an unknown number signs with a full name; the same day an unknown address
# writes with that name as its display name; weeks later the number writes again, signed with the first
# name only, and the address asks about that SMS the same evening.
T0 = datetime(2026, 10, 23, 7, 10, tzinfo=UTC)
PHONE, ADDRESS = "+4745229011", "sahra.mohamud@example.com"
REGISTER = "fnr,aktor_id,name,phone,email\n14839109602,2620966542870,Hege Mo Lunde,+4791111111,\n"


def _sms(sid: str, hours: float, body: str) -> IncomingMessage:
    return IncomingMessage(channel=Channel.SMS, provider_key=sid, direction=Direction.IN,
                           sent_at=T0 + timedelta(hours=hours), body=body, raw="{}", sender=PHONE,
                           recipient="+4759446000")


def _mail(mid: str, hours: float, subject: str, body: str) -> IncomingMessage:
    return IncomingMessage(channel=Channel.EMAIL, provider_key=mid, direction=Direction.IN,
                           sent_at=T0 + timedelta(hours=hours), body=body, raw="", sender=ADDRESS,
                           recipient="nav@nav.example.no", sender_name="Fartun Mohamud", subject=subject)


SIGNED_BY_PHONE = [
    _sms("SM1", 0, "Hei, dette er Fartun Mohamud. Jeg søkte om sosialhjelp for november 15. oktober og har "
         "ikke fått svar. Husleien forfaller snart. Ring meg, jeg har nytt nummer."),
    _mail("<m1@mail.example>", 11, "Søknad for mamma",
          "Hei. Jeg er datteren til Fartun Mohamud. Mamma sendte søknad om sosialhjelp for november 15. oktober "
          "og har ikke hørt noe. Hun har sendt SMS. Kan noen ringe henne med tolk?\n\nHilsen Sahra"),
    _sms("SM2", 19 * 24 + 0.5, "Hei. Sønnen min Ahmed ble 18 år i oktober. Må han søke sosialhjelp selv nå, "
         "eller er han med i min søknad? Fartun"),
    _mail("<m2@mail.example>", 19 * 24 + 11, "Broren min Ahmed – må han søke selv?",
          "Hei igjen. Mamma lurer på om broren min Ahmed, som fylte 18 i oktober, må søke sosialhjelp selv nå, "
          "eller om han fortsatt er med i hennes søknad. Hun sendte SMS om det i dag morges.\n\n"
          "Hilsen Sahra (datter av Fartun Mohamud)"),
]


def _contacts(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(REGISTER, encoding="utf-8")
    return path


def live_decisions(messages: list[IncomingMessage], batches: list[list[int]], contacts: Path, embedder: Any,
                   db_url: str) -> dict[str, tuple[str, str, str]]:
    """key → (group, person, reason) as ``inbox ingest`` stores them, ingesting ``batches`` (indexes into
    ``messages``) one after another; groups and persons as the first key of each (ids differ between paths)."""
    store = Store.open(db_url)
    try:
        store.import_contacts(read_contacts_csv(contacts))
        matcher = InquiryMatcher(embedder)
        for batch in batches:
            store.ingest([messages[i] for i in batch], matcher=matcher)
        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT channel, provider_key, thread_id, person_id, match_reason FROM message "
                                     "ORDER BY sent_at")).all()
    finally:
        store.close()
    return _canonical([(f"{str(ch).lower().rsplit('.', 1)[-1]}:{key}", tid, pid, json.loads(reason)["reason"])
                       for ch, key, tid, pid, reason in rows])


def batch_decisions(messages: list[IncomingMessage], contacts: Path, embedder: Any) -> dict[str, tuple[str, str, str]]:
    """The same as ``inbox dedup`` decides it, without a database."""
    ctx = MemoryContext()
    ctx.load_contacts(contacts)
    rows = group_messages(messages, InquiryMatcher(embedder), ctx)
    return _canonical([(r.key, r.group, r.person, r.reason) for r in sorted(rows, key=lambda r: r.sent)])


def _canonical(rows: list[tuple[str, Any, Any, str]]) -> dict[str, tuple[str, str, str]]:
    first_of_group: dict[Any, str] = {}
    first_of_person: dict[Any, str] = {}
    return {key: (first_of_group.setdefault(group, key), first_of_person.setdefault(person, key), reason)
            for key, group, person, reason in rows}


@pytest.mark.parametrize("batches", [[[0, 1, 2, 3]], [[0], [1], [2], [3]], [[0, 1], [2, 3]]],
                         ids=["one batch", "one batch each", "a batch a day"])
def test_a_display_name_signed_in_an_earlier_sms_links_live_exactly_as_batch(
        batches: list[list[int]], tmp_path: Path, embedder: Any, db_url: str) -> None:
    """The writer of the SMS is found through the name it signed with, whatever the ingest batches: a person
    created for a later message of the same batch (the address, named by its display name) is not yet known
    when an earlier message is matched, as in batch dedup."""
    contacts = _contacts(tmp_path)
    batch = batch_decisions(SIGNED_BY_PHONE, contacts, embedder)
    live = live_decisions(SIGNED_BY_PHONE, batches, contacts, embedder, db_url)
    assert live == batch
    group, person, reason = batch["email:<m2@mail.example>"]
    assert group == batch["sms:SM2"][0] and person == batch["sms:SM1"][1]  # linked: the SMS's writer, its inquiry
    assert "display name written in an earlier message" in reason
