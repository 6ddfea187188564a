"""Scoring a grouping against labels: pairwise and B-cubed precision/recall/F1 over inbound messages.

Agrees with ``shared/tools/score_groups.py`` (the project's yardstick) and adds per-channel-pair recall
and the worst false merges and misses.
"""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _read_csv(path: Path, columns: tuple[str, ...], what: str) -> list[dict[str, str]]:
    """The rows of a CSV file with a header; ValueError naming the file and the missing columns when it
    lacks any of ``columns`` (``what``: the kind of file expected, for the message)."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path}: not {what}: no column {', '.join(missing)} in its header "
                             f"(expected {', '.join(columns)})")
        return list(reader)


def read_labels(path: Path) -> dict[str, dict[str, str]]:
    return {r["key"]: r for r in _read_csv(path, ("key", "inquiry"), "a labels file")}


def read_groups(path: Path) -> dict[str, str]:
    return {r["key"]: r["group"] for r in _read_csv(path, ("key", "group"), "a groups file")}


def _pairs(mapping: Mapping[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for k, g in mapping.items():
        groups[g].append(k)
    out: set[tuple[str, str]] = set()
    for members in groups.values():
        out.update(itertools.combinations(sorted(members), 2))
    return out


@dataclass
class Evaluation:
    messages: int
    pair_precision: float
    pair_recall: float
    pair_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    false_merges: list[tuple[str, str]] = field(default_factory=list)
    misses: list[tuple[str, str]] = field(default_factory=list)
    cross_person_merges: int = 0
    channel_pair_recall: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "pair_precision": round(self.pair_precision, 4), "pair_recall": round(self.pair_recall, 4),
            "pair_f1": round(self.pair_f1, 4), "bcubed_precision": round(self.bcubed_precision, 4),
            "bcubed_recall": round(self.bcubed_recall, 4), "bcubed_f1": round(self.bcubed_f1, 4),
            "false_merges": len(self.false_merges), "misses": len(self.misses),
            "merges_of_different_persons": self.cross_person_merges,
            "channel_pair_recall": {k: round(v, 4) for k, v in self.channel_pair_recall.items()},
        }


def evaluate(labels: Mapping[str, Mapping[str, str]], groups: Mapping[str, str]) -> Evaluation:
    truth = {k: r["inquiry"] for k, r in labels.items() if r.get("direction", "in") == "in"}
    pred = {k: groups.get(k, f"__single__{k}") for k in truth}
    tp_pairs, pp = _pairs(truth), _pairs(pred)
    tp = tp_pairs & pp
    p = len(tp) / len(pp) if pp else 1.0
    r = len(tp) / len(tp_pairs) if tp_pairs else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    tg: dict[str, set[str]] = defaultdict(set)
    pg: dict[str, set[str]] = defaultdict(set)
    for k in truth:
        tg[truth[k]].add(k)
        pg[pred[k]].add(k)
    bp = sum(len(tg[truth[k]] & pg[pred[k]]) / len(pg[pred[k]]) for k in truth) / max(1, len(truth))
    br = sum(len(tg[truth[k]] & pg[pred[k]]) / len(tg[truth[k]]) for k in truth) / max(1, len(truth))
    bf = 2 * bp * br / (bp + br) if bp + br else 0.0
    persons = {k: r.get("person", "") for k, r in labels.items()}
    false = sorted(pp - tp_pairs)
    cross = sum(1 for a, b in false if persons.get(a) and persons.get(b) and persons[a] != persons[b])
    by_cp: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a, b in tp_pairs:
        ca, cb = sorted((a.split(":", 1)[0], b.split(":", 1)[0]))
        name = f"{ca}<->{cb}"
        by_cp[name][1] += 1
        if (a, b) in pp:
            by_cp[name][0] += 1
    return Evaluation(len(truth), p, r, f1, bp, br, bf, false, sorted(tp_pairs - pp), cross,
                      {k: v[0] / v[1] for k, v in sorted(by_cp.items()) if v[1]})


def evaluate_hints(labels: Mapping[str, Mapping[str, str]], hints_csv: Path) -> dict[str, int]:
    """How many cross-writer hints (``inbox dedup --hints``) point at the same labelled inquiry, and how
    many at a message of the same labelled person (the question a hint asks a caseworker)."""
    n = same_inquiry = same_person = unlabelled = 0
    for r in _read_csv(hints_csv, ("key", "similar_key"), "a hints file"):
        n += 1
        a, b = labels.get(r["key"]), labels.get(r["similar_key"])
        if a is None or b is None:
            unlabelled += 1
            continue
        same_inquiry += a["inquiry"] == b["inquiry"]
        same_person += bool(a.get("person")) and a.get("person") == b.get("person")
    return {"hints": n, "same_inquiry": same_inquiry, "same_person": same_person, "unlabelled": unlabelled}
