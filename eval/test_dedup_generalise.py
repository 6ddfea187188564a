"""Grouping on writing the scorer was not fitted to: each labelled set scored by weights fitted on another hand's
set (the figure to trust), and the shipped weights on every set. Prints the figures; fails below the floors
measured when the open-inquiry matcher shipped (a regression guard, not the targets of issue 15)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dedup.categories import recall_by_kind
from dedup.evaluate import Evaluation, evaluate
from dedup.matcher import DEFAULT_THRESHOLD
from dedup.scorer import Scorer
from dedup.train import LabelledSet, collect_pairs, run_set
from dedup.vector_cache import CachedEmbedder
from eval.conftest import REPO, shared_path

FRESH = REPO / "eval" / "data" / "dedup-fresh"
#: Written by another hand and never fitted on: the estimate for writing nobody tuned to (eval/data/README.md).
HELD_OUT = REPO / "eval" / "data" / "dedup-fresh2"


def _set(relative: str) -> LabelledSet:
    folder = shared_path(relative, kind="dir")
    for name in ("contacts.csv", "labels.csv", "sms.json", "mail.mbox", "dialog.json"):
        shared_path(f"{relative}/{name}")
    return LabelledSet(folder)


def _report(capsys: pytest.CaptureFixture[str], what: str, ls: LabelledSet, grouping: dict[str, str]
            ) -> Evaluation:
    ev = evaluate(ls.labels(), grouping)
    kinds = recall_by_kind(ls.labels(), grouping, ls.facts())
    with capsys.disabled():
        print(f"\n{what}: P {ev.pair_precision:.3f} R {ev.pair_recall:.3f} F1 {ev.pair_f1:.3f} "
              f"B3 F1 {ev.bcubed_f1:.3f}, persons merged {ev.cross_person_merges}; recall by kind "
              + json.dumps({k: f"{v['found']}/{v['pairs']}" for k, v in kinds.items()}))
    return ev


@pytest.fixture(scope="module")
def cached(embedder: Any) -> CachedEmbedder:
    return CachedEmbedder(embedder, disk=False)


@pytest.mark.parametrize(("fit", "score", "precision", "f1"), [
    ("data/dedup-dev", "data/dedup-dev2", 0.95, 0.88),  # measured: P 0.977 R 0.842 F1 0.905
    ("data/dedup-dev2", "data/dedup-dev", 0.95, 0.92),  # measured: P 0.966 R 0.933 F1 0.949
])
def test_fitted_on_one_hand_scored_on_the_other(fit: str, score: str, precision: float, f1: float,
                                                cached: CachedEmbedder, capsys: pytest.CaptureFixture[str]) -> None:
    X, y, _ = collect_pairs([_set(fit)], cached, Scorer.prior(), DEFAULT_THRESHOLD)
    held = _set(score)
    ev = _report(capsys, f"fitted on {Path(fit).name}, scored on {Path(score).name}", held,
                 run_set(held, cached, Scorer.fit(X, y), threshold=DEFAULT_THRESHOLD))
    assert ev.pair_precision >= precision and ev.pair_f1 >= f1


@pytest.mark.parametrize(("relative", "precision", "f1"), [
    ("data/dedup-dev", 0.97, 0.95),  # measured: P 0.983 R 0.967 F1 0.975 (issue 15: P >= 0.97, F1 >= 0.93)
    ("data/dedup-dev2", 0.97, 0.92),  # measured: P 0.989 R 0.887 F1 0.935 (the same target)
    ("fresh", 0.95, 0.88),  # measured: P 0.961 R 0.860 F1 0.907 (in the fitting data since its first scoring)
])
def test_shipped_weights(relative: str, precision: float, f1: float, cached: CachedEmbedder,
                         capsys: pytest.CaptureFixture[str]) -> None:
    ls = LabelledSet(FRESH) if relative == "fresh" else _set(relative)
    ev = _report(capsys, f"shipped weights on {ls.folder.name}", ls,
                 run_set(ls, cached, Scorer.load(), threshold=DEFAULT_THRESHOLD))
    assert ev.pair_precision >= precision and ev.pair_f1 >= f1
    assert ev.cross_person_merges == 0  # two registered persons are never merged automatically


def test_held_out_set_nobody_tuned_to(cached: CachedEmbedder, capsys: pytest.CaptureFixture[str]) -> None:
    """dedup-fresh2 is in no fitting data and its misses are not read: the shipped weights' figure on it is the one
    to expect on new writing. Measured at e0ebf19 (before this set existed): P 0.934 R 0.665 F1 0.777."""
    ls = LabelledSet(HELD_OUT)
    ev = _report(capsys, "shipped weights on the held-out dedup-fresh2", ls,
                 run_set(ls, cached, Scorer.load(), threshold=DEFAULT_THRESHOLD))
    assert ev.pair_precision >= 0.94 and ev.pair_f1 >= 0.82  # measured: P 0.962 R 0.741 F1 0.837
    assert ev.cross_person_merges == 0
