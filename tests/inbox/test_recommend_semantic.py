"""Detection by meaning with the real model (the matcher's multilingual e5-small, offline): situations
described in other words than the phrase lists', in several languages, found in messages and in notes,
each with the sentence or note that matched and the exemplar it matched.

The sentences are written for these tests; none is an exemplar of the policy or a phrase of its lists.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from inbox.domain import Direction, ReplyChannel
from inbox.recommend import (
    CaseworkerLoad,
    Policy,
    Profile,
    Relationship,
    SemanticMatcher,
    Signal,
    Suggestion,
    ThreadInput,
    ThreadMessage,
    detect_signals,
    recommend,
    semantic_matcher,
)
from inbox.recommend.cases import load_policy

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def matcher(policy: Policy, embedder: Any) -> SemanticMatcher:
    return semantic_matcher(policy, embedder)  # the session's one copy of the default model


def signals(policy: Policy, matcher: SemanticMatcher | None, text: str, notes: tuple[str, ...] = ()) -> list[Signal]:
    thread = ThreadInput((ThreadMessage(Direction.IN, "dialog", text, T0),))
    return detect_signals(thread, Profile(notes=notes), Relationship(meetings_held=2), CaseworkerLoad(80, 20),
                          policy, matcher)


def by_meaning(sigs: list[Signal], factor: str) -> list[tuple[str, str]]:
    """(quote, exemplar) of the semantic evidence for ``factor``."""
    return [(e.quote, e.matched) for s in sigs if s.name == factor for e in s.evidence if e.matched]


@pytest.mark.parametrize(("text", "lang"), [
    ("To be honest I have been feeling really low and have not seen anyone for weeks.", "en"),
    ("Ostatnio czuję się bardzo źle i prawie nie wychodzę z domu.", "pl"),
    ("Jeg har det ikke så greit for tiden, og jeg sover nesten ikke.", "nb"),
])
def test_signs_of_not_doing_well_in_several_languages(policy: Policy, matcher: SemanticMatcher, text: str,
                                                      lang: str) -> None:
    assert not by_meaning(signals(policy, None, text), "hidden_relational_need")  # the phrase lists miss it
    found = by_meaning(signals(policy, matcher, text), "hidden_relational_need")
    assert found, lang
    quote, exemplar = found[0]
    assert quote == text and exemplar in policy_exemplars(policy, "hidden_relational_need")


@pytest.mark.parametrize(("note", "factor"), [
    ("Støtteapparat: psykolog i kommunen, fastlege og arbeidsgiver.", "multi_party_coordination"),
    ("Bad experience with the previous video call, the sound failed and he got stressed.",
     "video_too_personal_at_home"),
    ("Søknaden om forlengelse vil bli avslått.", "unwelcome_news"),
])
def test_situations_in_the_caseworkers_notes(policy: Policy, matcher: SemanticMatcher, note: str,
                                             factor: str) -> None:
    sigs = signals(policy, matcher, "Hei, når er neste møte?", notes=("Dagpenger.", note))
    ev = [e for s in sigs if s.name == factor for e in s.evidence if e.matched]
    assert ev, factor
    assert ev[0].source == "profile" and ev[0].ref == "person.notes[1]" and ev[0].quote == note
    assert ev[0].similarity is not None and ev[0].similarity > 0.8


def test_a_request_to_settle_practical_details_and_one_for_a_written_summary(policy: Policy,
                                                                            matcher: SemanticMatcher) -> None:
    routine = "Hei, vi må finne ut av oppstartsdato og hvilke dager jeg skal være på arbeidsplassen."
    assert by_meaning(signals(policy, matcher, routine), "video_routine_clarification")
    summary = "Kan du sende meg det vi ble enige om i telefonen skriftlig? Jeg fikk ikke notert alt."
    assert by_meaning(signals(policy, matcher, summary), "written_summary_after_meeting")


def test_unwelcome_news_in_the_notes_moves_the_answer_off_writing(policy: Policy, matcher: SemanticMatcher) -> None:
    thread = ThreadInput((ThreadMessage(Direction.IN, "dialog", "Hei, har dere sett på søknaden min?", T0),))
    # The phrase list for news in the notes knows "avslått"; without it, only the meaning finds the news.
    words_only = replace(policy, notes_lexicon={**policy.notes_lexicon, "unwelcome_news": ()})
    args = (thread, Profile(notes=("Søknaden om forlengelse vil bli avslått.",)), Relationship(meetings_held=2),
            CaseworkerLoad(80, 20), words_only)
    plain = recommend(*args)
    news = recommend(*args, semantic=matcher)

    def score(s: Suggestion, channel: ReplyChannel) -> float:
        return next(c.score for c in s.ranked if c.channel is channel)

    assert "unwelcome_news" not in plain.factors and "unwelcome_news" in news.factors
    assert score(news, ReplyChannel.MEETING) > score(plain, ReplyChannel.MEETING)
    assert score(news, ReplyChannel.DIALOG) < score(plain, ReplyChannel.DIALOG)
    assert news.best in (ReplyChannel.MEETING, ReplyChannel.VIDEO, ReplyChannel.PHONE)
    reason = next(r for r in news.ranked[0].reasons if r.factor == "unwelcome_news")
    assert reason.weight > 0
    assert reason.evidence[0].quote == "Søknaden om forlengelse vil bli avslått." and reason.evidence[0].matched
    dialog = next(c for c in news.ranked if c.channel is ReplyChannel.DIALOG)
    assert any(r.factor == "unwelcome_news" and r.weight < 0 for r in dialog.reasons)  # and the reason against


def policy_exemplars(policy: Policy, factor: str) -> set[str]:
    return {e for c in policy.concepts if c.factor == factor for e in c.exemplars}


def test_a_note_that_denies_the_situation_does_not_count_for_it(policy: Policy, matcher: SemanticMatcher) -> None:
    # "no disagreement" sits close to "disagreement" for a sentence-embedding model; the denial decides
    sigs = signals(policy, matcher, "Hei, her er den nye sykmeldingen fra legen.",
                   notes=("Samtalen på kontoret gikk fint, ingen uenighet om planen.",))
    assert not by_meaning(sigs, "conflict_meet_in_person")
    stated = signals(policy, matcher, "Hei, her er den nye sykmeldingen fra legen.",
                     notes=("Hun er sterkt uenig i planen og synes behandlingen er urettferdig.",))
    assert by_meaning(stated, "conflict_meet_in_person")


def test_denied_words_are_told_from_asserted_ones() -> None:
    from inbox.recommend.semantic import _stems

    denial = frozenset({"ingen", "not", "ikke"})
    assert _stems("Ryddig, ingen uenighet.", denial, denied=True) == {"uenig"}
    assert "uenig" in _stems("Uenig i vedtaket.", denial, denied=False)
    assert "vedta" not in _stems("Jeg er ikke fornøyd med vedtaket.", denial, denied=True)  # beyond its reach
    assert _stems("I don't see anyone.", denial, denied=True) == {"anyon"}
