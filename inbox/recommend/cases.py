"""Channel-choice cases: reading ``cases.jsonl``, loading the policy file, and evaluating suggestions.

A case is one JSON object per line (see ``shared/data/README.md``): ``person``, ``relationship``,
``caseworker``, ``thread`` and, for evaluation, ``expected`` (``best`` and ``acceptable`` channels, the
research ``factor`` the case tests and its ``basis``). Reading is tolerant: a line that cannot be read
becomes a :class:`~inbox.errors.ParseError` naming the file and line, and the other lines still go through.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from inbox.domain import Direction, ReplyChannel
from inbox.errors import ConfigError, ParseError
from inbox.recommend.model import CaseworkerLoad, Profile, Relationship, Suggestion, ThreadInput, ThreadMessage
from inbox.recommend.phrases import parse_channel
from inbox.recommend.policy import Policy, PolicyError
from inbox.recommend.scoring import recommend
from inbox.recommend.semantic import SemanticMatcher

__all__ = [
    "Case",
    "CaseResult",
    "Evaluation",
    "Expected",
    "ReadResult",
    "evaluate",
    "load_policy",
    "parse_case",
    "read_cases",
    "suggest_all",
]

DEFAULT_POLICY = "policy.toml"


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy from ``path``, or the default one shipped next to this module."""
    try:
        if path is None:
            text = resources.files("inbox.recommend").joinpath(DEFAULT_POLICY).read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read policy {path or DEFAULT_POLICY}: {exc.strerror or exc}") from exc
    try:
        return Policy.from_toml(text)
    except PolicyError as exc:
        raise ConfigError(f"{path or DEFAULT_POLICY}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Expected:
    best: tuple[ReplyChannel, ...]
    acceptable: tuple[ReplyChannel, ...] = ()
    factor: str = ""
    basis: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    thread: ThreadInput
    profile: Profile
    relationship: Relationship
    load: CaseworkerLoad
    expected: Expected | None = None
    position: str = ""  # "line 7"


@dataclass(frozen=True, slots=True)
class ReadResult:
    cases: tuple[Case, ...]
    errors: tuple[ParseError, ...]


# --------------------------------------------------------------------------------------------- reading


def _obj(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{key} must be an object")
    return value


def _channel(value: Any, where: str) -> ReplyChannel:
    ch = parse_channel(str(value)) if isinstance(value, str) else None
    if ch is None:
        raise ValueError(f"{where}: unknown channel {value!r}")
    return ch


def _channels(value: Any, where: str) -> tuple[ReplyChannel, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list of channels")
    return tuple(_channel(v, where) for v in value)


def _int(value: Any, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number")
    return int(value)


def _bool(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"{where} must be true or false")
    return value


_DIRECTIONS = {"in": Direction.IN, "inbound": Direction.IN, "out": Direction.OUT, "outbound": Direction.OUT}


def _message(raw: Any, i: int) -> ThreadMessage:
    if not isinstance(raw, dict):
        raise ValueError(f"thread[{i}] must be an object")
    direction = _DIRECTIONS.get(str(raw.get("direction", "")).lower())
    if direction is None:
        raise ValueError(f"thread[{i}].direction must be 'in' or 'out', not {raw.get('direction')!r}")
    sent = None
    if raw.get("sent"):
        try:
            sent = datetime.fromisoformat(str(raw["sent"]))
        except ValueError:
            raise ValueError(f"thread[{i}].sent is not an ISO 8601 time: {raw['sent']!r}") from None
        if sent.tzinfo is None:
            raise ValueError(f"thread[{i}].sent has no time zone: {raw['sent']!r}")
    text = raw.get("text", "")
    if not isinstance(text, str):
        raise ValueError(f"thread[{i}].text must be a string")
    return ThreadMessage(direction, str(raw.get("channel", "")).lower(), text, sent)


def parse_case(data: Any, *, default_id: str = "") -> Case:
    """One case from its decoded JSON object; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("a case must be a JSON object")
    person, rel, cw = _obj(data, "person"), _obj(data, "relationship"), _obj(data, "caseworker")
    notes = person.get("notes") or []
    if isinstance(notes, str):
        notes = [notes]
    if not isinstance(notes, list):
        raise ValueError("person.notes must be a list of strings")
    prefers = person.get("prefers")
    profile = Profile(
        age_group=str(person.get("age_group") or ""),
        lang=str(person.get("lang") or "nb"),
        digital_skills=str(person.get("digital_skills") or "ok"),
        prefers=_channel(prefers, "person.prefers") if prefers else None,
        interpreter_needed=_bool(person.get("interpreter_needed"), "person.interpreter_needed"),
        notes=tuple(str(n) for n in notes),
    )
    relationship = Relationship(
        first_contact=_bool(rel.get("first_contact"), "relationship.first_contact"),
        meetings_held=_int(rel.get("meetings_held"), "relationship.meetings_held"),
        open_conflict=_bool(rel.get("open_conflict"), "relationship.open_conflict"),
    )
    load = CaseworkerLoad(
        caseload=_int(cw.get("caseload"), "caseworker.caseload"),
        queue_waiting=_int(cw.get("queue_waiting"), "caseworker.queue_waiting"),
    )
    raw_thread = data.get("thread")
    if not isinstance(raw_thread, list) or not raw_thread:
        raise ValueError("thread must be a non-empty list of messages")
    case_id = str(data.get("id") or default_id)
    thread = ThreadInput(tuple(_message(m, i) for i, m in enumerate(raw_thread)), id=case_id)
    expected = None
    if isinstance(data.get("expected"), dict):
        exp = data["expected"]
        best = _channels(exp.get("best"), "expected.best")
        if not best:
            raise ValueError("expected.best must name at least one channel")
        expected = Expected(
            best=best,
            acceptable=_channels(exp.get("acceptable"), "expected.acceptable"),
            factor=str(exp.get("factor") or ""),
            basis=str(exp.get("basis") or ""),
        )
    return Case(case_id, thread, profile, relationship, load, expected)


def read_cases(path: str | Path) -> ReadResult:
    """All readable cases of a JSONL file, and one ParseError per line that could not be read."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        return ReadResult((), (ParseError(f"cannot read file: {exc.strerror or exc}", source=source),))
    except UnicodeDecodeError:
        return ReadResult((), (ParseError("file is not UTF-8 text", source=source),))
    cases: list[Case] = []
    errors: list[ParseError] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        position = f"line {n}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(ParseError(f"not JSON: {exc.msg} (column {exc.colno})", source=source, position=position))
            continue
        try:
            case = parse_case(data, default_id=f"line{n}")
        except ValueError as exc:
            errors.append(ParseError(str(exc), source=source, position=position))
            continue
        cases.append(Case(case.id, case.thread, case.profile, case.relationship, case.load, case.expected, position))
    return ReadResult(tuple(cases), tuple(errors))


# ------------------------------------------------------------------------------------------ evaluation


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    suggestion: Suggestion

    @property
    def hit(self) -> bool:
        """The first suggested channel is in ``best`` or ``acceptable``."""
        exp = self.case.expected
        return exp is not None and self.suggestion.best in (*exp.best, *exp.acceptable)

    @property
    def exact(self) -> bool:
        """The first suggested channel is in ``best``."""
        exp = self.case.expected
        return exp is not None and self.suggestion.best in exp.best

    def factor_seen(self, policy: Policy) -> bool:
        """Whether the factor the case tests (or one of its aliases) counted in the suggestion."""
        exp = self.case.expected
        if not exp or not exp.factor:
            return False
        for name in self.suggestion.factors:
            rule = policy.factors.get(name)
            if name == exp.factor or (rule and exp.factor in rule.aliases):
                return True
        return False

    def to_dict(self, policy: Policy) -> dict[str, Any]:
        exp = self.case.expected
        s = self.suggestion
        expected_best = exp.best[0] if exp else None
        lost_to = next((c for c in s.ranked if c.channel == expected_best), None)
        return {
            "id": self.case.id,
            "position": self.case.position,
            "got": s.best.value,
            "expected": {
                "best": [c.value for c in exp.best],
                "acceptable": [c.value for c in exp.acceptable],
                "factor": exp.factor,
            }
            if exp
            else None,
            "hit": self.hit,
            "exact": self.exact,
            "factor_seen": self.factor_seen(policy),
            "factors": list(s.factors),
            "ranking": [{"channel": c.channel.value, "score": c.score} for c in s.ranked],
            "deciding": [r.to_dict() for r in s.deciding],
            "reasons": [r.to_dict() for r in s.ranked[0].reasons],
            "expected_channel_reasons": [r.to_dict() for r in lost_to.reasons] if lost_to else [],
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    results: tuple[CaseResult, ...]

    @property
    def cases(self) -> int:
        return len(self.results)

    @property
    def hits(self) -> int:
        return sum(r.hit for r in self.results)

    @property
    def exact(self) -> int:
        return sum(r.exact for r in self.results)

    @property
    def misses(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.hit)

    @property
    def hit_rate(self) -> float:
        return self.hits / self.cases if self.cases else 0.0

    @property
    def exact_rate(self) -> float:
        return self.exact / self.cases if self.cases else 0.0

    def to_dict(self, policy: Policy) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "hits": self.hits,
            "exact": self.exact,
            "hit_rate": round(self.hit_rate, 4),
            "exact_rate": round(self.exact_rate, 4),
            "factor_seen": sum(r.factor_seen(policy) for r in self.results),
            "by_factor": self.by_factor(policy),
            "misses": [r.to_dict(policy) for r in self.misses],
        }

    def by_factor(self, policy: Policy) -> dict[str, dict[str, int]]:
        """Per research factor the cases test: cases, hits, exact hits, and in how many the factor was seen."""
        out: dict[str, dict[str, int]] = {}
        for r in self.results:
            exp = r.case.expected
            row = out.setdefault(exp.factor if exp and exp.factor else "-", dict.fromkeys(
                ("cases", "hits", "exact", "factor_seen"), 0))
            row["cases"] += 1
            row["hits"] += r.hit
            row["exact"] += r.exact
            row["factor_seen"] += r.factor_seen(policy)
        return dict(sorted(out.items()))


def suggest_all(
    cases: Iterable[Case], policy: Policy, *, lang: str | None = None, semantic: SemanticMatcher | None = None
) -> list[CaseResult]:
    return [
        CaseResult(c, recommend(c.thread, c.profile, c.relationship, c.load, policy, lang=lang, semantic=semantic))
        for c in cases
    ]


def evaluate(
    cases: Sequence[Case], policy: Policy, *, lang: str | None = None, semantic: SemanticMatcher | None = None
) -> Evaluation:
    """Suggest for every case that has an expectation; count hits (first channel in best or acceptable)
    and exact hits (first channel in best)."""
    return Evaluation(tuple(suggest_all([c for c in cases if c.expected], policy, lang=lang, semantic=semantic)))
