"""The wiring resolves a model name once, through the registry batch dedup uses (dedup.models.ModelSpec).

Before, live ingest handed the name straight to sentence-transformers, so `INBOX_MODEL=fast inbox sync`
looked for a hub model called "fast"."""

from __future__ import annotations

import pytest

from dedup.embed import HashingEmbedder
from dedup.matcher import InquiryMatcher, MatcherConfig
from dedup.models import ModelSpec, StaticEmbedder
from flerkanal.wiring import build_embedder, build_matcher
from inbox.matching import StructuralMatcher


def test_the_model_names_batch_dedup_knows_mean_the_same_live() -> None:
    assert isinstance(build_embedder("hashing"), HashingEmbedder)
    fast = build_embedder("fast")  # the static model: built on first use, never looked up on the hub
    assert isinstance(fast, StaticEmbedder)


@pytest.mark.parametrize("model", ["fast", "hashing", "default"])
def test_the_live_matcher_uses_the_weights_and_threshold_fitted_for_its_model(model: str) -> None:
    matcher = build_matcher("embedding", model=model, embedder=HashingEmbedder())
    assert isinstance(matcher, InquiryMatcher)
    spec = ModelSpec(model)
    assert matcher.scorer.weights == spec.scorer().weights
    fitted = spec.threshold()  # None: the weights file chose none, and the matcher's default applies
    assert matcher.config.threshold == (fitted if fitted is not None else MatcherConfig().threshold)


def test_an_explicit_threshold_wins_and_structural_needs_no_model() -> None:
    matcher = build_matcher("embedding", model="hashing", threshold=0.5)
    assert isinstance(matcher, InquiryMatcher) and matcher.config.threshold == 0.5
    assert isinstance(build_matcher("structural"), StructuralMatcher)
    with pytest.raises(ValueError, match="unknown matcher"):
        build_matcher("psychic")


def test_the_suggestions_semantic_matcher_is_built_once_per_thread_policy_and_embedder(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Building one reads every exemplar's words: a stored thread's suggestion (which embeds nothing) spent a
    fifth of its time on it when it was built per suggestion."""
    import dataclasses
    import threading

    from flerkanal import wiring
    from inbox.suggest import default_policy

    monkeypatch.setenv("INBOX_MODEL", "hashing")
    policy = default_policy()
    first = wiring.suggest_semantic(policy)
    assert first is not None and wiring.suggest_semantic(policy) is first
    assert wiring.suggest_semantic(dataclasses.replace(policy)) is not first  # another policy
    assert wiring.suggest_semantic(policy) is not first  # …which replaced the kept one
    assert wiring.suggest_semantic(policy, enabled=False) is None
    other: list[object] = []
    worker = threading.Thread(target=lambda: other.append(wiring.suggest_semantic(policy)))
    worker.start()
    worker.join()
    assert other[0] is not None and other[0] is not wiring.suggest_semantic(policy)  # a cache connection per thread
    monkeypatch.setattr(wiring, "suggest_embedder", lambda model="default": HashingEmbedder())
    assert wiring.suggest_semantic(policy).embedder is not first.embedder  # another embedder: built anew
