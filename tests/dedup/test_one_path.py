"""Live ingest and batch dedup assign messages with the same code: the same inbound groups on the same data."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import text

from dedup.batch import MemoryContext, group_messages
from dedup.matcher import InquiryMatcher
from dedup.train import EXPORTS, LabelledSet
from flerkanal.demo import DEMO_DIR
from inbox.contacts import read_contacts_csv
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


def test_live_ingest_groups_the_demo_set_exactly_as_batch_dedup(embedder: Any, db_url: str) -> None:
    live, batch = live_groups(DEMO, embedder, db_url), batch_groups(DEMO, embedder)
    assert sum(map(len, live)) == sum(map(len, batch)) == 58
    assert any(len(g) > 1 for g in batch)  # the set has inquiries sent more than once
    assert live == batch
