"""Wiring: builds the matcher, embedder and other services from settings. The only place in inbox/ that
imports dedup (and later the connectors); everything heavy is imported on first use."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from inbox.matching import Matcher, StructuralMatcher

if TYPE_CHECKING:
    from dedup.embed import Embedder

MATCHERS = ("embedding", "structural")

_log = logging.getLogger(__name__)


def build_embedder(model: str = "default", device: str | None = None) -> Embedder:
    """The embedder for ``model``, resolved by the one model registry batch dedup uses too
    (:class:`dedup.models.ModelSpec`): ``default`` (the bundled model), ``fast``, ``hashing``, or any
    sentence-transformers name or path."""
    from dedup.models import ModelSpec

    return ModelSpec(model, device=device).embedder()


def build_matcher(name: str = "embedding", *, model: str = "default", device: str | None = None,
                  threshold: float | None = None, embedder: Embedder | None = None,
                  share_model: bool = False) -> Matcher:
    """``embedding``: the inquiry matcher (sentence embeddings + evidence) with the scorer weights and the
    attach threshold fitted for ``model``, as `inbox dedup` uses them; ``structural``: channel threading
    only (no model, for quick imports). ``share_model``: use this process's one copy of the model
    (:func:`shared_embedder`, the suggestion's), for ingest and sync, which embed the suggestion's sentences
    with it right after matching (never at the same time: the model is not called from two threads at once)."""
    if name == "structural":
        return StructuralMatcher()
    if name != "embedding":
        raise ValueError(f"unknown matcher {name!r} (choose from {', '.join(MATCHERS)})")
    from dedup.matcher import InquiryMatcher, MatcherConfig
    from dedup.models import ModelSpec
    from dedup.vector_cache import CachedEmbedder

    spec = ModelSpec(model, device=device)
    threshold = threshold if threshold is not None else spec.threshold()
    config = MatcherConfig() if threshold is None else MatcherConfig(threshold=threshold)
    # Vectors persist on disk by model + normalised text (shared with `inbox dedup`), so after a restart
    # the history a new message is compared with is not embedded again.
    if embedder is None:
        embedder = CachedEmbedder(shared_embedder(model) if share_model and device is None else spec.embedder())
    return InquiryMatcher(embedder, spec.scorer(), config=config)


_SUGGEST_MODELS: dict[str, Embedder] = {}
_SUGGEST_LOCK = threading.Lock()
_SUGGEST_LOCAL = threading.local()


def shared_embedder(model: str = "default") -> Embedder:
    """This process's one copy of ``model`` (about 470 MB for the default), loaded on first use."""
    with _SUGGEST_LOCK:
        if model not in _SUGGEST_MODELS:
            _SUGGEST_MODELS[model] = build_embedder(model)
        return _SUGGEST_MODELS[model]


def suggest_embedder(model: str = "default") -> Embedder:
    """The embedder the channel suggestion compares sentences with: the matcher's model, loaded once per
    process on first use (:func:`shared_embedder`), behind the on-disk vector cache (one cache connection
    per thread: the TUI suggests from worker threads)."""
    inner = shared_embedder(model)
    per_thread: dict[str, Embedder] = _SUGGEST_LOCAL.__dict__.setdefault("embedders", {})
    if model not in per_thread:
        from dedup.vector_cache import CachedEmbedder

        per_thread[model] = CachedEmbedder(inner)
    return per_thread[model]


def suggest_semantic(policy: Any, *, model: str | None = None, enabled: bool | None = None,
                     settings: Any = None) -> Any:
    """The semantic matcher for ``policy``'s concepts, or None when turned off (``INBOX_RECOMMEND_SEMANTIC``).
    Kept per thread for the same policy and embedder: building one reads every exemplar's words, which cost
    a stored thread's suggestion (that embeds nothing) a fifth of its time. ``settings``: read now if not given."""
    from inbox.recommend import semantic_matcher

    settings = settings or _settings()
    if not (settings.recommend_semantic if enabled is None else enabled) or not policy.concepts:
        return None
    model = model or settings.model
    embedder = suggest_embedder(model)
    kept: dict[str, tuple[Any, Any, Any]] = _SUGGEST_LOCAL.__dict__.setdefault("matchers", {})
    hit = kept.get(model)
    if hit is not None and hit[0] is policy and hit[1] is embedder:
        return hit[2]
    matcher = semantic_matcher(policy, embedder)
    kept[model] = (policy, embedder, matcher)
    return matcher


#: Threads whose sentences are gathered and embedded together when warming (one model call per chunk).
_WARM_CHUNK = 200


def warm_suggestions(store: Any, thread_ids: Iterable[int], *, model: str | None = None,
                     embedder: Any = None, progress: Callable[[int], object] | None = None) -> int:
    """Embed now, into the on-disk vector cache, the sentences and notes a suggestion for each of these threads
    compares (:func:`inbox.suggest.case_texts`, as the threads stand now), so the suggestion finds them all
    cached and embeds nothing. Only threads awaiting an answer (open or claimed: where the suggestion is
    shown); an import of old, answered conversations embeds nothing for them. Called when messages arrive
    (:func:`arrival_warmer`). ``embedder``: a
    :class:`~dedup.vector_cache.CachedEmbedder` (default: the suggestion's own, :func:`suggest_embedder`).
    ``progress`` is called with the number of threads done after each chunk. Returns how many texts were
    embedded (texts already cached cost a lookup)."""
    from inbox.suggest import case_texts

    ids = sorted(set(thread_ids))
    if not ids:
        return 0
    cached: Any = embedder if embedder is not None else suggest_embedder(model or _settings().model)
    embedded = 0
    for start in range(0, len(ids), _WARM_CHUNK):
        chunk = ids[start : start + _WARM_CHUNK]
        embedded += int(cached.warm(case_texts(store, chunk, awaiting_only=True)))
        if progress:
            progress(len(chunk))
    return embedded


def arrival_warmer(settings: Any = None) -> Callable[..., int] | None:
    """What ingest and sync call after storing messages, with the threads that got them: embeds the sentences a
    suggestion for those threads compares (:func:`warm_suggestions`), so opening one later costs no model
    call. None when there is nothing to warm: ``INBOX_WARM_SUGGESTIONS=false``, semantic detection off, or the
    structural matcher (imports without a model). A failure is logged (its type only) and never fails the
    ingest: the suggestion then embeds what is missing itself."""
    from inbox.suggest import default_policy

    settings = settings or _settings()
    if not (settings.warm_suggestions and settings.recommend_semantic and settings.matcher == "embedding"):
        return None
    if not default_policy().concepts:
        return None
    model = settings.model

    def warm(store: Any, thread_ids: Iterable[int], progress: Callable[[int], object] | None = None) -> int:
        try:
            n = warm_suggestions(store, thread_ids, model=model, progress=progress)
        except Exception as exc:  # noqa: BLE001 - never fails the ingest; the suggestion embeds instead
            _log.warning("embedding the new messages' sentences for the suggestion failed (%s)", type(exc).__name__)
            return 0
        if n:
            _log.debug("embedded %d sentences and notes for the channel suggestion", n)
        return n

    return warm


def suggest_for_thread(store: Any, thread_id: int, user: str, *, policy: Any = None, lang: str | None = None,
                       semantic: Any = None) -> Any:
    """The suggested reply channel for a stored thread, as configured: :func:`inbox.suggest.suggest_for_thread`
    with the semantic matcher of the configured model (unless turned off) and the configured reasons'
    language. ``semantic``: a matcher from :func:`suggest_semantic` (default: built for the policy)."""
    from inbox.suggest import default_policy
    from inbox.suggest import suggest_for_thread as suggest

    policy = policy or default_policy()
    settings: Any = _settings() if semantic is None or not lang else None  # read once per suggestion
    if semantic is None:
        semantic = suggest_semantic(policy, settings=settings)
    if not lang:
        lang = settings.lang or None
    return suggest(store, thread_id, user, policy=policy, lang=lang, semantic=semantic)


def _settings() -> Any:
    from flerkanal.settings import Settings

    return Settings()

