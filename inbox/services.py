"""Wiring: builds the matcher, embedder and other services from settings. The only place in inbox/ that
imports dedup (and later the connectors); everything heavy is imported on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.matching import Matcher, StructuralMatcher

if TYPE_CHECKING:
    from dedup.embed import Embedder

MATCHERS = ("embedding", "structural")


def build_embedder(model: str = "default", device: str | None = None) -> Embedder:
    from dedup.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, device=device)


def build_matcher(name: str = "embedding", *, model: str = "default", device: str | None = None,
                  threshold: float | None = None, embedder: Embedder | None = None) -> Matcher:
    """``embedding``: the inquiry matcher (sentence embeddings + evidence); ``structural``: channel
    threading only (no model, for quick imports)."""
    if name == "structural":
        return StructuralMatcher()
    if name != "embedding":
        raise ValueError(f"unknown matcher {name!r} (choose from {', '.join(MATCHERS)})")
    from dedup.matcher import InquiryMatcher, MatcherConfig

    config = MatcherConfig() if threshold is None else MatcherConfig(threshold=threshold)
    return InquiryMatcher(embedder or build_embedder(model, device), config=config)
