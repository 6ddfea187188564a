"""Tests for `inbox recommend` (inbox.cli_recommend) through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from inbox.cli_recommend import recommend

REPO = Path(__file__).parents[2]
DEV_CASES = REPO.parent / "shared/data/recommend-dev/cases.jsonl"
EXTRA_CASES = REPO / "tests/data/recommend_extra.jsonl"
POLICY_FILE = REPO / "inbox/recommend_policy.toml"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(recommend, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def small_cases(tmp_path: Path) -> Path:
    assert DEV_CASES.is_file(), f"dev cases missing: {DEV_CASES}"
    lines = DEV_CASES.read_text(encoding="utf-8").splitlines()[:3]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bare_command_suggests(small_cases: Path) -> None:
    result = run(small_cases)
    assert result.exit_code == 0, result.output
    assert "d01" in result.stdout and "d03" in result.stdout
    assert "dialog" in result.stdout


def test_suggest_json_has_ranking_reasons_and_evidence(small_cases: Path) -> None:
    result = run("suggest", small_cases, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["id"] for d in data] == ["d01", "d02", "d03"]
    for d in data:
        assert d["best"] == d["ranked"][0]["channel"]
        assert len(d["ranked"]) == 6
        top_reasons = d["ranked"][0]["reasons"]
        assert any(r["evidence"] and r["factor"] != "channel_baseline" for r in top_reasons)
    assert data[1]["acknowledge"], "d02 came on three channels"


def test_suggest_language(small_cases: Path) -> None:
    no = json.loads(run("suggest", small_cases, "--json", "--lang", "no").stdout)
    en = json.loads(run("suggest", small_cases, "--json", "--lang", "en").stdout)
    assert no[0]["lang"] == "no" and en[0]["lang"] == "en"
    assert no[0]["ranked"][0]["reasons"][0]["text"] != en[0]["ranked"][0]["reasons"][0]["text"]
    assert "Suggested channel" in run(small_cases, "--lang", "en").stdout
    assert "Foreslått kanal" in run(small_cases, "--lang", "no").stdout
    assert run(small_cases, "--lang", "de").exit_code == 2


def test_suggest_with_custom_policy(small_cases: Path, tmp_path: Path) -> None:
    text = POLICY_FILE.read_text(encoding="utf-8")
    tuned = tmp_path / "policy.toml"
    tuned.write_text(text.replace("weights = { target = 1.5 }", "weights = { target = 50.0 }", 1), encoding="utf-8")
    data = json.loads(run("suggest", small_cases, "--json", "--policy", tuned).stdout)
    assert data[0]["best"] == "dialog"  # d01 prefers dialog
    broken = tmp_path / "broken.toml"
    broken.write_text("[factors.x]\nweights = { fax = 1 }\n", encoding="utf-8")
    result = run("suggest", small_cases, "--policy", broken)
    assert result.exit_code == 1
    assert "unknown channel" in result.stderr


def test_bad_lines_are_reported_and_the_rest_goes_through(small_cases: Path) -> None:
    with small_cases.open("a", encoding="utf-8") as f:
        f.write("{broken\n")
    result = run(small_cases, "--json")
    assert result.exit_code == 1
    assert len(json.loads(result.stdout)) == 3
    assert f"{small_cases}:line 4" in result.stderr


def test_eval_text_lists_counts_and_misses(tmp_path: Path) -> None:
    case = json.loads(DEV_CASES.read_text(encoding="utf-8").splitlines()[0])
    case["id"] = "wrong"
    case["expected"] = {"best": ["video"], "acceptable": [], "factor": "multi_party_coordination"}
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(case, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run("eval", path, "--lang", "en")
    assert result.exit_code == 0
    assert "hits (first channel is best or acceptable): 0/1" in result.stdout
    assert "Misses" in result.stdout
    assert "wrong" in result.stdout and "why dialog came first" in result.stdout
    assert "video (expected) scored" in result.stdout


def test_eval_json_on_dev_cases() -> None:
    assert DEV_CASES.is_file(), f"dev cases missing: {DEV_CASES}"
    result = run("eval", DEV_CASES, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["cases"] == 20
    assert isinstance(data["hits"], int) and isinstance(data["exact"], int)
    assert data["hits"] >= 18
    assert data["exact"] <= data["hits"]
    assert data["errors"] == []


def test_eval_json_on_extra_cases() -> None:
    data = json.loads(run("eval", EXTRA_CASES, "--json").stdout)
    assert data["cases"] >= 40
    assert data["hits"] / data["cases"] >= 0.9


def test_eval_reports_unreadable_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(DEV_CASES.read_text(encoding="utf-8").splitlines()[0] + "\n[1, 2]\n", encoding="utf-8")
    result = run("eval", path, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["cases"] == 1
    assert data["errors"][0]["position"] == "line 2"


@pytest.mark.parametrize("args", [["--help"], ["suggest", "--help"], ["eval", "--help"]])
def test_help_texts(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 0
    assert "CASES.jsonl" in result.stdout
    if args == ["--help"]:
        assert "suggest" in result.stdout and "eval" in result.stdout
    else:
        assert "--json" in result.stdout


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path / "nope.jsonl")
    assert result.exit_code == 2
