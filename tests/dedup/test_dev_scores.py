"""The matcher's quality on the labelled sets: a test fails if the dev scores drop below the targets."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from dedup.batch import MemoryContext, group_messages, write_groups
from dedup.evaluate import evaluate, read_labels
from dedup.matcher import InquiryMatcher
from dedup.train import LabelledSet
from inbox.cli import cli
from inbox.demo import demo_contacts
from tests.conftest import SHARED


def _group(folder: Path, embedder: Any) -> Any:
    ctx = MemoryContext()
    ctx.load_contacts(folder / "contacts.csv")
    return group_messages(LabelledSet(folder).messages(), InquiryMatcher(embedder), ctx)


def test_dev_set_meets_the_targets(dev_dir: Path, embedder: Any) -> None:
    rows = _group(dev_dir, embedder)
    ev = evaluate(read_labels(dev_dir / "labels.csv"), {r.key: r.group for r in rows})
    assert ev.pair_precision >= 0.95
    assert ev.pair_f1 >= 0.90
    assert ev.cross_person_merges == 0


def test_own_labelled_demo_set(embedder: Any) -> None:
    folder = demo_contacts().parent
    rows = _group(folder, embedder)
    ev = evaluate(read_labels(folder / "labels.csv"), {r.key: r.group for r in rows})
    assert ev.pair_precision >= 0.95
    assert ev.pair_f1 >= 0.90


def test_cli_dedup_and_eval_agree_with_the_shared_yardstick(dev_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "groups.csv"
    files = [str(dev_dir / f) for f in ("sms.json", "mail.mbox", "dialog.json")]
    r = CliRunner().invoke(cli, ["dedup", *files, "--contacts", str(dev_dir / "contacts.csv"), "--out", str(out),
                                 "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["messages"] == 216
    assert out.read_text(encoding="utf-8").splitlines()[0] == "key,group,person,channel,sent,score,reason"
    ours = json.loads(CliRunner().invoke(cli, ["dedup", "eval", "--labels", str(dev_dir / "labels.csv"), str(out),
                                               "--json"]).stdout)
    yardstick = json.loads(subprocess.run(
        [sys.executable, str(SHARED / "tools" / "score_groups.py"), str(dev_dir / "labels.csv"), str(out), "--json"],
        capture_output=True, text=True, check=True).stdout)
    for k in ("pair_precision", "pair_recall", "pair_f1", "bcubed_precision", "bcubed_recall", "bcubed_f1"):
        assert ours[k] == yardstick[k], k


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
