"""The matcher's quality on the bundled labelled demo set: a test fails if its scores drop below the targets.

The shared dev sets are scored by `make eval` (eval/test_dedup_dev.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from dedup.batch import MemoryContext, group_messages, write_groups
from dedup.evaluate import evaluate, read_labels
from dedup.matcher import InquiryMatcher
from dedup.train import LabelledSet
from flerkanal.demo import demo_contacts


def _group(folder: Path, embedder: Any) -> Any:
    ctx = MemoryContext()
    ctx.load_contacts(folder / "contacts.csv")
    return group_messages(LabelledSet(folder).messages(), InquiryMatcher(embedder), ctx)


def test_own_labelled_demo_set(embedder: Any) -> None:
    folder = demo_contacts().parent
    rows = _group(folder, embedder)
    ev = evaluate(read_labels(folder / "labels.csv"), {r.key: r.group for r in rows})
    assert ev.pair_precision >= 0.95
    assert ev.pair_f1 >= 0.90


def test_batch_output_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "groups.csv"
    target.write_text("old\n", encoding="utf-8")

    class Boom(list[Any]):
        def __iter__(self) -> Any:
            raise KeyboardInterrupt

    with contextlib.suppress(KeyboardInterrupt):
        write_groups(Boom(), target)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert list(tmp_path.iterdir()) == [target]
