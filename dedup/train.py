"""Fitting the pair scorer from labelled exports (and caseworkers' recorded corrections).

Pairs are collected exactly as the matcher meets them: each labelled set is grouped by the matcher in
collect mode, every scored (new message, earlier candidate) pair is recorded with its features, and
its label is whether the two keys share an inquiry. Grouped cross-validation by person tells how well
the fitted weights carry over to people the scorer has not seen.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dedup.batch import MemoryContext, group_messages
from dedup.categories import MessageFacts, facts, recall_by_kind
from dedup.embed import Embedder
from dedup.evaluate import Evaluation, evaluate, read_labels
from dedup.features import FEATURES, Signals, pair_features
from dedup.matcher import InquiryMatcher, MatcherConfig
from dedup.normalise import normalise
from dedup.scorer import Scorer
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.ingest import read_files
from inbox.text import clean_text

EXPORTS = ("sms.json", "mail.mbox", "dialog.json")


@dataclass
class LabelledSet:
    """A folder with the three exports, contacts.csv and labels.csv (the dev set's layout)."""

    folder: Path

    def messages(self) -> list[IncomingMessage]:
        files = [self.folder / f for f in EXPORTS if (self.folder / f).exists()]
        return [m for m in read_files(files) if isinstance(m, IncomingMessage)]

    def labels(self) -> dict[str, dict[str, str]]:
        return read_labels(self.folder / "labels.csv")

    def facts(self) -> dict[str, MessageFacts]:
        """What makes each inbound message's pairs hard (:mod:`dedup.categories`)."""
        ctx = MemoryContext()
        ctx.load_contacts(self.folder / "contacts.csv")
        out: dict[str, MessageFacts] = {}
        for m in self.messages():
            if m.direction != Direction.IN:
                continue
            pid = ctx.resolve(m)
            known = m.channel == Channel.DIALOG or (pid is not None and ctx.registered(pid))
            out[m.key] = facts(m.channel.value, m.sent_at, clean_text(m.body, email=m.channel == Channel.EMAIL),
                               known)
        return out


def run_set(ls: LabelledSet, embedder: Embedder, scorer: Scorer, *, threshold: float,
            collect: list[dict[str, Any]] | None = None) -> dict[str, str]:
    ctx = MemoryContext()
    ctx.load_contacts(ls.folder / "contacts.csv")
    matcher = InquiryMatcher(embedder, scorer, MatcherConfig(threshold=threshold), collect=collect)
    return {r.key: r.group for r in group_messages(ls.messages(), matcher, ctx)}


def collect_pairs(sets: Sequence[LabelledSet], embedder: Embedder, scorer: Scorer, threshold: float
                  ) -> tuple[list[list[float]], list[int], list[str]]:
    """Features, labels and the person of each pair (for grouped cross-validation)."""
    X: list[list[float]] = []
    y: list[int] = []
    groups: list[str] = []
    for i, ls in enumerate(sets):
        labels = ls.labels()
        pairs: list[dict[str, Any]] = []
        run_set(ls, embedder, scorer, threshold=threshold, collect=pairs)
        for p in pairs:
            a, b = labels.get(p["key"]), labels.get(p["other"])
            if a is None or b is None:
                continue
            X.append([float(p[f]) for f in FEATURES])
            y.append(int(a["inquiry"] == b["inquiry"]))
            groups.append(f"{i}:{a['person']}")
    return X, y, groups


def cross_validate(sets: Sequence[LabelledSet], X: list[list[float]], y: list[int], groups: list[str],
                   embedder: Embedder, threshold: float, folds: int = 5, seed: int = 0) -> list[Evaluation]:
    """Fit on the pairs of 4/5 of the persons, group the held-out persons' messages, score them."""
    persons = sorted(set(groups))
    random.Random(seed).shuffle(persons)
    fold_of = {p: i % folds for i, p in enumerate(persons)}
    results: list[Evaluation] = []
    for si, ls in enumerate(sets):
        labels = ls.labels()
        pred: dict[str, str] = {}
        for f in range(folds):
            train = [i for i, g in enumerate(groups) if fold_of[g] != f]
            if not train or len(set(y[i] for i in train)) < 2:
                continue
            scorer = Scorer.fit([X[i] for i in train], [y[i] for i in train])
            grouping = run_set(ls, embedder, scorer, threshold=threshold)
            for key, g in grouping.items():
                person = labels.get(key, {}).get("person", "")
                if fold_of.get(f"{si}:{person}", f) == f:
                    pred[key] = f"f{f}-{g}"
        results.append(evaluate(labels, pred))
    return results


def held_out(sets: Sequence[LabelledSet], embedder: Embedder, threshold: float) -> list[dict[str, Any]]:
    """Fit on every set but one and score the one left out, for each set in turn: how the scorer carries over
    to writing by another hand (the figure to trust; a set's own score is not a result).

    Pairs are collected with the hand-set prior weights (:meth:`Scorer.prior`), never with weights that may
    have seen the held-out set."""
    results: list[dict[str, Any]] = []
    for i, ls in enumerate(sets):
        rest = [s for j, s in enumerate(sets) if j != i]
        X, y, _ = collect_pairs(rest, embedder, Scorer.prior(), threshold)
        if len(set(y)) < 2:
            continue
        scorer = Scorer.fit(X, y)
        grouping = run_set(ls, embedder, scorer, threshold=threshold)
        ev = evaluate(ls.labels(), grouping)
        results.append({"held_out": str(ls.folder), "fitted_on": [str(s.folder) for s in rest], **ev.as_dict(),
                        "recall_by_kind": recall_by_kind(ls.labels(), grouping, ls.facts())})
    return results


def correction_pairs(corrections: Sequence[tuple[str, str, bool]],
                     messages: Mapping[str, tuple[str, datetime, str]], embedder: Embedder
                     ) -> tuple[list[list[float]], list[int]]:
    """Features and labels of caseworkers' corrections (``Store.corrections``: split says two messages are
    different inquiries, merge that they are one), with the stored messages (``Store.messages_by_key``).
    The pair is seen as the matcher sees it: the later message against the earlier one."""
    import numpy as np

    X: list[list[float]] = []
    y: list[int] = []
    usable = [(a, b, same) for a, b, same in corrections if a in messages and b in messages and a != b]
    norm = {k: normalise(messages[k][2], already_clean=True, email=messages[k][0] == "email").text
            for k in {k for a, b, _ in usable for k in (a, b)}}
    texts = sorted(set(norm.values()))
    vecs = dict(zip(texts, embedder.embed(texts), strict=True)) if texts else {}
    for a, b, same in usable:
        (new, old) = (a, b) if messages[a][1] >= messages[b][1] else (b, a)
        sig_new = Signals.of(norm[new], messages[new][0], messages[new][1])
        sig_old = Signals.of(norm[old], messages[old][0], messages[old][1])
        ev = pair_features(sig_new, sig_old, float(np.dot(vecs[norm[new]], vecs[norm[old]])),
                           identity_via_text=False, answered_between=False)
        X.append([float(ev.values[f]) for f in FEATURES])
        y.append(int(same))
    return X, y
