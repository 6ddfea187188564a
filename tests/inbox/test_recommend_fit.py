"""Fitted weights (inbox.recommend.fit), the deciding reasons, and semantic matching with a stand-in model."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from inbox.domain import Direction, ReplyChannel
from inbox.recommend import (
    CaseworkerLoad,
    Policy,
    Profile,
    Relationship,
    ThreadInput,
    ThreadMessage,
    recommend,
    semantic_matcher,
)
from inbox.recommend.cases import Case, Expected, load_policy, read_cases
from inbox.recommend.fit import case_signals, fit_weights, hits, with_weights, write_weights
from inbox.recommend.semantic import Concept, SemanticMatcher, Unit, split_sentences

REPO = Path(__file__).parents[2]
POLICY_FILE = REPO / "inbox/recommend/policy.toml"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


class TableEmbedder:
    """A stand-in model: texts containing a key word get that word's direction, anything else noise."""

    model_id = "test-table"

    def __init__(self, words: dict[str, int], dim: int = 8) -> None:
        self.words, self.dim = words, dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for t in texts:
            v = np.zeros(self.dim, np.float32)
            for w, axis in self.words.items():
                if w in t.lower():
                    v[axis] += 1.0
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=4).digest(), "little")
            v += np.random.default_rng(seed).normal(0, 0.05, self.dim).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.asarray(rows, np.float32)


def _concepts() -> list[Concept]:
    return [
        Concept("sad", "hidden_relational_need", ("request", "notes"), ("sad tired",), 0.2),
        Concept("papers", "work_together_on_documents", ("request",), ("papers forms",), 0.2),
        Concept("crowd", "multi_party_coordination", ("notes",), ("doctor employer",), 0.2),
    ]


def test_a_unit_counts_for_the_concept_it_leads_and_carries_the_exemplar() -> None:
    emb = TableEmbedder({"sad": 0, "tired": 0, "papers": 1, "forms": 1, "doctor": 2, "employer": 2})
    matcher = SemanticMatcher(emb, _concepts(), ["hello there"])
    units = [
        Unit("request", "I am so sad and tired lately", "message 1", 1),
        Unit("request", "Hello, thanks", "message 1", 1),
        Unit("request", "the doctor and the employer want a meeting", "message 1", 1),  # crowd only looks at notes
    ]
    hits_ = {h.concept.name: h for h in matcher.match(units)}
    assert set(hits_) == {"sad"}
    assert hits_["sad"].unit.text == "I am so sad and tired lately" and hits_["sad"].exemplar == "sad tired"
    notes = [Unit("notes", "Support group: doctor, employer", "person.notes[0]")]
    assert [h.concept.name for h in matcher.match(notes)] == ["crowd"]


def test_split_sentences_drops_greetings() -> None:
    assert split_sentences("Hei! Jeg har det ikke bra. Hilsen Kari\nKan du ringe meg i dag?") == [
        "Jeg har det ikke bra.",
        "Kan du ringe meg i dag?",
    ]


def test_semantic_hit_becomes_a_signal_with_sentence_and_exemplar(policy: Policy) -> None:
    """Through recommend(): the hit is a signal of the concept's factor; its evidence quotes the sentence
    and names the exemplar."""
    from dataclasses import replace

    emb = TableEmbedder({"sad": 0, "tired": 0, "papers": 1, "forms": 1, "doctor": 2, "employer": 2})
    pol = replace(policy, concepts=tuple(_concepts()), background=("hello there",))
    thread = ThreadInput((ThreadMessage(Direction.IN, "dialog", "Hei. Jeg er så sad og tired for tiden.", T0),))
    s = recommend(thread, Profile(), Relationship(meetings_held=2), CaseworkerLoad(80, 20), pol,
                  semantic=semantic_matcher(pol, emb))
    sig = next(x for x in s.signals if x.name == "hidden_relational_need")
    ev = next(e for e in sig.evidence if e.matched)
    assert ev.quote == "Jeg er så sad og tired for tiden." and ev.matched == "sad tired" and ev.message == 1
    assert ev.to_dict()["matched"] == "sad tired"


# ------------------------------------------------------------------------------------------ reasons


def test_deciding_reasons_come_first_with_evidence_and_reasons_against_the_others(policy: Policy) -> None:
    thread = ThreadInput((
        ThreadMessage(Direction.IN, "dialog", "Jeg er helt uenig i vedtaket, dette er urettferdig.", T0),
    ))
    s = recommend(thread, Profile(), Relationship(meetings_held=2, open_conflict=True), CaseworkerLoad(80, 20),
                  policy, lang="en")
    assert s.best is ReplyChannel.MEETING
    assert s.deciding and s.deciding[0].factor == "conflict_meet_in_person"
    assert s.first_reason.factor == "conflict_meet_in_person"
    assert any(e.source != "policy" for e in s.first_reason.evidence)
    assert s.ranked[0].reasons[0].factor == "conflict_meet_in_person"  # the thread view shows this one
    assert [r.channel for r in s.against] == [c.channel.value for c in s.ranked[1:]]
    assert all(r.weight < 0 for r in s.against)
    assert "conflict" in s.to_dict()["deciding"][0]["text"]


def test_every_suggestion_shows_evidence_even_when_only_defaults_decide(policy: Policy) -> None:
    thread = ThreadInput((ThreadMessage(Direction.IN, "sms", "ok", T0),))
    s = recommend(thread, Profile(), Relationship(meetings_held=2), CaseworkerLoad(80, 20), policy)
    assert any(e.source != "policy" for r in s.deciding for e in r.evidence)


# ------------------------------------------------------------------------------------------ weights


def _case(cid: str, text: str, best: ReplyChannel) -> Case:
    thread = ThreadInput((ThreadMessage(Direction.IN, "dialog", text, T0),), id=cid)
    return Case(cid, thread, Profile(), Relationship(meetings_held=2), CaseworkerLoad(80, 20), Expected((best,)))


def test_weights_in_the_toml_are_the_ones_used(policy: Policy, tmp_path: Path) -> None:
    """write_weights changes only the weights line; the policy read back ranks by the new weights."""
    text = POLICY_FILE.read_text(encoding="utf-8")
    new = write_weights(text, {"simple_practical_written": {"sms": 9.0}})
    assert "weights = { sms = 9 }" in new
    assert len(new.splitlines()) == len(text.splitlines())
    changed = [a for a, b in zip(text.splitlines(), new.splitlines(), strict=True) if a != b]
    assert len(changed) == 1
    noted = write_weights(write_weights(text, {}, "on 3 cases"), {}, "on 4 cases")
    assert noted.count("# weights fitted by") == 1 and "on 4 cases" in noted
    path = tmp_path / "policy.toml"
    path.write_text(new, encoding="utf-8")
    thread = ThreadInput((ThreadMessage(Direction.IN, "dialog", "Når kommer utbetalingen av dagpengene?", T0),))
    before = recommend(thread, Profile(), Relationship(meetings_held=2), CaseworkerLoad(80, 20), policy)
    after = recommend(thread, Profile(), Relationship(meetings_held=2), CaseworkerLoad(80, 20), load_policy(path))
    assert before.best is not ReplyChannel.SMS and after.best is ReplyChannel.SMS


def test_fitting_moves_weights_towards_the_labels(policy: Policy) -> None:
    """Cases that all want SMS for a simple question: the fit raises SMS for that factor, and the hits."""
    cases = [_case(f"c{i}", t, ReplyChannel.SMS) for i, t in enumerate([
        "Når kommer utbetalingen av dagpengene?", "Har dere mottatt meldekortet mitt?",
        "When will the payment arrive?", "Må eg sende ny søknad om stønad?",
    ])]
    signals = case_signals(cases, policy, None)
    assert hits(cases, signals, policy) == 0
    fitted = fit_weights(cases, signals, policy, l2=0.05)
    assert fitted.train_hits == len(cases)
    assert fitted.weights["simple_practical_written"]["sms"] > policy.factors["simple_practical_written"].weights["sms"]
    assert hits(cases, signals, with_weights(policy, fitted.weights)) == len(cases)


def test_fixture_cases_score_as_shipped(policy: Policy) -> None:
    """The labelled cases written for the tests (tests/data) under the shipped weights, phrase lists only."""
    read = read_cases(REPO / "tests/data/recommend_extra.jsonl")
    cases = [c for c in read.cases if c.expected]
    assert hits(cases, case_signals(cases, policy, None), policy) / len(cases) >= 0.85
