"""Tests for `inbox recommend` (flerkanal.cli.recommend) through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flerkanal.cli.recommend import recommend

REPO = Path(__file__).parents[2]
SMALL_CASES = REPO / "tests/data/recommend_small.jsonl"  # written for the tests
EXTRA_CASES = REPO / "tests/data/recommend_extra.jsonl"
POLICY_FILE = REPO / "inbox/recommend/policy.toml"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(recommend, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(autouse=True)
def _phrase_lists_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model is not needed to test the command line (tests/inbox/test_recommend_semantic.py uses it)."""
    monkeypatch.setenv("INBOX_RECOMMEND_SEMANTIC", "false")
    monkeypatch.delenv("INBOX_LANG", raising=False)


@pytest.fixture
def small_cases(tmp_path: Path) -> Path:
    lines = SMALL_CASES.read_text(encoding="utf-8").splitlines()[:3]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bare_command_suggests(small_cases: Path) -> None:
    result = run(small_cases)
    assert result.exit_code == 0, result.output
    assert "s01" in result.stdout and "s03" in result.stdout
    assert "dialog" in result.stdout


def test_suggest_json_has_ranking_reasons_and_evidence(small_cases: Path) -> None:
    result = run("suggest", small_cases, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["id"] for d in data] == ["s01", "s02", "s03"]
    for d in data:
        assert d["best"] == d["ranked"][0]["channel"]
        assert len(d["ranked"]) == 6
        top_reasons = d["ranked"][0]["reasons"]
        assert any(r["evidence"] and r["factor"] != "channel_baseline" for r in top_reasons)
    assert data[1]["acknowledge"], "s02 came on three channels"
    for d in data:  # the deciding reasons come with evidence, and every other channel has a reason against it
        assert d["deciding"] and any(e["source"] != "policy" for r in d["deciding"] for e in r["evidence"])
        assert [r["channel"] for r in d["against"]] == [c["channel"] for c in d["ranked"][1:]]


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
    assert data[0]["best"] == "dialog"  # s01 prefers dialog
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
    case = json.loads(SMALL_CASES.read_text(encoding="utf-8").splitlines()[0])
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


def test_eval_json_keeps_counts_and_adds_hits_by_factor() -> None:
    result = run("eval", SMALL_CASES, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["cases"] == 3
    assert isinstance(data["hits"], int) and isinstance(data["exact"], int)
    assert data["exact"] <= data["hits"] <= 3
    assert data["errors"] == []
    by = data["by_factor"]
    assert set(by) == {"simple_practical_written", "same_request_multiple_channels", "richness_complex_content"}
    assert sum(row["cases"] for row in by.values()) == 3
    assert sum(row["hits"] for row in by.values()) == data["hits"]
    assert set(by["simple_practical_written"]) == {"cases", "hits", "exact", "factor_seen"}


def test_eval_json_on_extra_cases() -> None:
    data = json.loads(run("eval", EXTRA_CASES, "--json").stdout)
    assert data["cases"] >= 40
    assert data["hits"] / data["cases"] >= 0.9


def test_eval_reports_unreadable_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(SMALL_CASES.read_text(encoding="utf-8").splitlines()[0] + "\n[1, 2]\n", encoding="utf-8")
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


def test_eval_on_a_wrong_file_says_so_in_one_line_in_english(tmp_path: Path) -> None:
    """Issue 18 item 7: a file of another format gave one error line per line and a Norwegian summary."""
    path = tmp_path / "not-cases.jsonl"
    path.write_text("".join(f'{{"key": "sms:{i}", "inquiry": {i}}}\n' for i in range(2292)), encoding="utf-8")
    result = run("eval", path)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"{path}:line 1" in lines[0] and "2292 of 2292 lines could not be read" in lines[0]
    assert "saker" not in result.stdout and "treff" not in result.stdout
    assert run("eval", path, "--lang", "no").stderr.count("\n") == 1


def test_output_language_from_the_option_or_the_settings(small_cases: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "Suggested channel" in run(small_cases).stdout  # English by default
    monkeypatch.setenv("INBOX_LANG", "no")
    assert "Foreslått kanal" in run(small_cases).stdout
    assert json.loads(run("suggest", small_cases, "--json").stdout)[0]["lang"] == "no"
    assert "Suggested channel" in run(small_cases, "--lang", "en").stdout  # the option wins
    monkeypatch.setenv("INBOX_LANG", "de")
    assert run(small_cases).exit_code == 1


def test_fit_validates_across_files_and_writes_weights(tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    lines = EXTRA_CASES.read_text(encoding="utf-8").splitlines()
    one.write_text("\n".join(lines[:30]) + "\n", encoding="utf-8")
    two.write_text("\n".join(lines[30:60]) + "\n", encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("fit", one, two, "--json", "--policy", policy, "--write", policy)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["file"] for r in data["out_of_set"]] == [str(one), str(two)]
    assert all(r["cases"] == 30 and 0 <= r["hits"] <= 30 for r in data["out_of_set"] + data["as_shipped"])
    assert data["written"] == str(policy)
    text = policy.read_text(encoding="utf-8")
    assert text != POLICY_FILE.read_text(encoding="utf-8")
    assert "# weights fitted by `inbox recommend fit` on 60 cases" in text
    assert json.loads(run("eval", two, "--json", "--policy", policy).stdout)["cases"] == 30
