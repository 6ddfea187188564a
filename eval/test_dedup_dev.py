"""The matcher's quality on the shared labelled dev set: a test fails if the dev scores drop below the
targets, and `inbox dedup eval` must agree with the shared, independent scorer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dedup.batch import MemoryContext, group_messages
from dedup.evaluate import evaluate, read_labels
from dedup.matcher import InquiryMatcher, MatcherConfig
from dedup.models import FAST_MODEL, ModelSpec, weights_file
from dedup.train import LabelledSet
from eval.conftest import shared_path
from flerkanal.cli import cli


def _score(folder: Path, matcher: InquiryMatcher) -> Any:
    ctx = MemoryContext()
    ctx.load_contacts(folder / "contacts.csv")
    rows = group_messages(LabelledSet(folder).messages(), matcher, ctx)
    return evaluate(read_labels(folder / "labels.csv"), {r.key: r.group for r in rows})


def test_dev_set_keeps_its_floor_and_never_merges_two_persons(dev_dir: Path, embedder: Any) -> None:
    # The open-inquiry matcher traded some of this set's precision (1.0 in-sample with the 10-day window) for
    # recall on other hands' writing: see eval/test_dedup_generalise.py for the held-out figures.
    ev = _score(dev_dir, InquiryMatcher(embedder))
    assert ev.pair_precision >= 0.90
    assert ev.pair_f1 >= 0.90
    assert ev.cross_person_merges == 0


def test_cli_dedup_and_eval_agree_with_the_shared_yardstick(dev_dir: Path, yardstick: Path, tmp_path: Path) -> None:
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
    theirs = json.loads(subprocess.run(
        [sys.executable, str(yardstick), str(dev_dir / "labels.csv"), str(out), "--json"],
        capture_output=True, text=True, check=True).stdout)
    for k in ("pair_precision", "pair_recall", "pair_f1", "bcubed_precision", "bcubed_recall", "bcubed_f1"):
        assert ours[k] == theirs[k], k


@pytest.mark.slow  # distils the fast model on first use (about a minute on 2 idle cores), then it is cached
def test_fast_model_stays_close_to_the_default_on_the_dev_sets(dev_dir: Path, embedder: Any) -> None:
    """On both dev sets (one set's F1 moves 0.4 points a pair): the fast model within 2.5 points of the default
    on their mean, never merging two persons, and each set above its floor."""
    spec = ModelSpec(FAST_MODEL)
    assert weights_file(FAST_MODEL).name == "weights-fast.json"
    dev2 = shared_path("data/dedup-dev2", kind="dir")
    fast, default = [], []
    for folder in (dev_dir, dev2):
        f = _score(folder, InquiryMatcher(spec.embedder(), spec.scorer(), MatcherConfig(threshold=spec.threshold())))
        assert f.pair_precision >= 0.95 and f.cross_person_merges == 0, (folder.name, f.as_dict())
        assert f.pair_f1 >= 0.93, (folder.name, f.as_dict())
        fast.append(f.pair_f1)
        default.append(_score(folder, InquiryMatcher(embedder)).pair_f1)
    # Measured: fast dev P 0.973 F1 0.935, dev2 P 1.0 F1 0.943; default dev F1 0.975, dev2 0.935 (a mean gap of 1.6
    # points). On dev alone the gap is 4 points: the explicit-day references and the topics in other languages
    # gained the default model more there.
    assert sum(fast) / 2 >= sum(default) / 2 - 0.025, (fast, default)
