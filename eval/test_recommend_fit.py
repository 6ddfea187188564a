"""The channel suggestion as it holds on other people's cases (issue 16): with detection by meaning (the
real model), fitted on some hands' cases and scored on another's, both ways; and as shipped.

The hands: ``data/recommend-dev`` (the set the rules were first written against), ``data/recommend-dev2``
(another hand), ``tests/data/recommend_extra.jsonl`` (cases written with the rules), and
``eval/data/recommend-fresh.jsonl`` and ``recommend-fresh2.jsonl`` (36 and 54 cases written from the article
alone by two people who had seen neither code nor data; first scored 33/36 and 35/54). A third such set,
``recommend-fresh3.jsonl``, is held out: never fitted on, scored as shipped. The thresholds are the figures
measured when the weights were last fitted, less a case or two; the test prints the figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eval.conftest import REPO, shared_path
from inbox.recommend import Policy, Signal, semantic_matcher
from inbox.recommend.cases import Case, load_policy, read_cases
from inbox.recommend.fit import case_signals, file_weights, fit_weights, hits, with_weights

FILES = {
    "dev": "data/recommend-dev/cases.jsonl",
    "dev2": "data/recommend-dev2/cases.jsonl",
    "extra": str(REPO / "tests/data/recommend_extra.jsonl"),
    "fresh": str(REPO / "eval/data/recommend-fresh.jsonl"),
    "fresh2": str(REPO / "eval/data/recommend-fresh2.jsonl"),
}
#: Written by a third hand from the article alone, and never fitted on: the best estimate of how the shipped
#: suggestion holds on cases nobody tuned it to.
HELD_OUT = REPO / "eval/data/recommend-fresh3.jsonl"


@pytest.fixture(scope="module")
def labelled(embedder: Any) -> tuple[Policy, dict[str, list[Case]], dict[str, list[list[Signal]]]]:
    policy = load_policy()
    matcher = semantic_matcher(policy, embedder)
    sets: dict[str, list[Case]] = {}
    for name, where in FILES.items():
        path = Path(where) if Path(where).is_absolute() else shared_path(where)
        read = read_cases(path)
        assert not read.errors, [str(e) for e in read.errors]
        sets[name] = [c for c in read.cases if c.expected]
    return policy, sets, {n: case_signals(cs, policy, matcher) for n, cs in sets.items()}


def _out_of_set(policy: Policy, sets: dict[str, list[Case]], sigs: dict[str, list[list[Signal]]],
                held_out: str) -> float:
    names = [n for n in sets if n != held_out]
    train = [c for n in names for c in sets[n]]
    train_sig = [s for n in names for s in sigs[n]]
    weights = fit_weights(train, train_sig, policy, case_weights=file_weights([len(sets[n]) for n in names]))
    fitted = with_weights(policy, weights.weights)
    return hits(sets[held_out], sigs[held_out], fitted) / len(sets[held_out])


@pytest.mark.parametrize(
    ("held_out", "at_least"), [("dev2", 0.85), ("dev", 0.85), ("fresh", 0.80), ("fresh2", 0.75)]
)
def test_out_of_set_fitted_without_the_file(labelled: Any, held_out: str, at_least: float) -> None:
    policy, sets, sigs = labelled
    rate = _out_of_set(policy, sets, sigs, held_out)
    print(f"out of set, fitted without {held_out}: {rate:.0%}")
    assert rate >= at_least


@pytest.mark.parametrize(
    ("name", "at_least"), [("dev", 0.95), ("dev2", 0.94), ("extra", 0.93), ("fresh", 0.88), ("fresh2", 0.85)]
)
def test_as_shipped(labelled: Any, name: str, at_least: float) -> None:
    policy, sets, sigs = labelled
    rate = hits(sets[name], sigs[name], policy) / len(sets[name])
    print(f"as shipped, {name}: {rate:.0%}")
    assert rate >= at_least


def test_every_suggestion_leads_with_evidence(labelled: Any, embedder: Any) -> None:
    from inbox.recommend import rank

    policy, sets, sigs = labelled
    for name in sets:
        for case, sig in zip(sets[name], sigs[name], strict=True):
            s = rank(sig, case.thread, policy)
            assert any(e.source != "policy" for r in s.deciding for e in r.evidence), (name, case.id)
            assert len(s.against) == 5


def test_held_out_cases_nobody_tuned_to(labelled: Any, embedder: Any) -> None:
    policy, _, _ = labelled
    read = read_cases(HELD_OUT)
    assert not read.errors, [str(e) for e in read.errors]
    cases = [c for c in read.cases if c.expected]
    assert len(cases) == 54
    rate = hits(cases, case_signals(cases, policy, semantic_matcher(policy, embedder)), policy) / len(cases)
    print(f"held out (fresh3, never fitted on): {rate:.0%}")
    assert rate >= 0.74  # 42/54 when first scored with these weights; 37/54 with the policy before
