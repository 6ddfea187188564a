"""The reply-channel suggestion on the shared dev cases (data/recommend-dev): hit rate, reasons with
evidence, a rule for every factor, and the extra cases in tests/data cover every dev factor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inbox.recommend import Policy
from inbox.recommend.cases import evaluate, load_policy, read_cases
from tests.inbox.recommend_checks import check_factors_have_rules, check_reasons_with_evidence

EXTRA_CASES = Path(__file__).resolve().parents[1] / "tests/data/recommend_extra.jsonl"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def test_dev_cases_hit_rate(policy: Policy, recommend_dev_cases: Path) -> None:
    read = read_cases(recommend_dev_cases)
    assert not read.errors
    ev = evaluate(read.cases, policy)
    assert ev.cases == 20
    misses = [(r.case.id, r.suggestion.best.value) for r in ev.misses]
    assert ev.hit_rate >= 0.90, misses


def test_extra_cases_cover_every_dev_factor_in_both_languages(recommend_dev_cases: Path) -> None:
    by_factor: dict[str, set[str]] = {}
    for line in EXTRA_CASES.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        lang = "en" if case["person"]["lang"] == "en" else "no"
        by_factor.setdefault(case["expected"]["factor"], set()).add(lang)
    dev_factors = {
        json.loads(line)["expected"]["factor"]
        for line in recommend_dev_cases.read_text(encoding="utf-8").splitlines()
    }
    assert dev_factors <= set(by_factor)
    missing_lang = {f for f in dev_factors if by_factor[f] != {"en", "no"}}
    assert not missing_lang


def test_every_dev_suggestion_has_reasons_with_evidence(policy: Policy, recommend_dev_cases: Path) -> None:
    check_reasons_with_evidence(recommend_dev_cases, policy)


def test_detected_dev_factors_all_have_a_policy_rule(policy: Policy, recommend_dev_cases: Path) -> None:
    check_factors_have_rules(recommend_dev_cases, policy)


def test_dev_evaluation_counts_hits_and_exact(policy: Policy, recommend_dev_cases: Path) -> None:
    ev = evaluate(read_cases(recommend_dev_cases).cases, policy)
    assert ev.exact <= ev.hits <= ev.cases
    data = ev.to_dict(policy)
    assert {"cases", "hits", "exact", "misses"} <= set(data)
