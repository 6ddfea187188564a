"""Detection that works when the words differ: sentences and notes compared with each factor's situation.

Each *concept* in the policy's ``[semantic]`` table describes one research situation (for instance "signs
the person is not doing well", "news the person will not like", "several agencies to bring together") in a
handful of short, general sentences (exemplars) in bokmål, nynorsk and English. The case is cut into
*units*: every sentence of the pending request, of the person's earlier messages and of the caseworker's
messages, and every recorded note. A multilingual sentence-embedding model (the one the matcher loads;
any :class:`Embed` will do) turns units and exemplars into vectors. A unit counts for the concept it
*leads* most: its similarity to the concept's closest exemplar, less how close that concept comes to
unrelated sentences, less the unit's average over all concepts, must reach the concept's threshold. The
hit is the evidence: which sentence or note matched, and which exemplar it matched.

This module is pure (numpy only): the embedder is handed in. Exemplar vectors are computed once per
embedder and kept (:data:`_EXEMPLAR_CACHE`), so a suggestion embeds only the case's own units.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from inbox.domain import ReplyChannel

__all__ = ["SOURCES", "Concept", "Embed", "SemanticHit", "SemanticMatcher", "Unit", "split_sentences"]

FloatArray = npt.NDArray[np.float32]

#: Where a concept looks: the pending request, all the person's messages, the recorded notes, and what the
#: caseworker wrote last in the thread.
SOURCES = ("request", "inbound", "notes", "caseworker")


class Embed(Protocol):
    """What the matcher needs from an embedder: unit-length vectors, and a name for caching."""

    @property
    def model_id(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> FloatArray: ...


@dataclass(frozen=True, slots=True)
class Concept:
    """One research situation: the factor a hit counts for, where to look, and how it is described."""

    name: str
    factor: str
    sources: tuple[str, ...]
    exemplars: tuple[str, ...]
    threshold: float
    target: ReplyChannel | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Unit:
    """A sentence or note of the case. ``message`` is the 1-based thread position (None for a note)."""

    source: str
    text: str
    ref: str
    message: int | None = None


@dataclass(frozen=True, slots=True)
class SemanticHit:
    concept: Concept
    unit: Unit
    exemplar: str
    similarity: float


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORDS = re.compile(r"[^\W\d_]+")


def split_sentences(text: str, min_words: int = 3) -> list[str]:
    """The sentences of a message worth comparing (greetings and sign-offs of one or two words dropped)."""
    out = []
    for part in _SENTENCE.split(text):
        s = " ".join(part.split())
        if len(_WORDS.findall(s)) >= min_words:
            out.append(s[:400])
    return out


_EXEMPLAR_CACHE: dict[tuple[str, tuple[str, ...]], FloatArray] = {}
_CACHE_LOCK = threading.Lock()


class SemanticMatcher:
    """Compares a case's units with the concepts' exemplars; build once, use for every suggestion."""

    def __init__(
        self,
        embedder: Embed,
        concepts: Sequence[Concept],
        background: Sequence[str] = (),
        *,
        floor: float = 0.0,
        max_units: int = 32,
        denial: Sequence[str] = (),
    ) -> None:
        self.embedder = embedder
        self.denial = frozenset(w.lower() for w in denial)
        # The words each concept's exemplars assert (not denied there): a unit that denies one of them ("ingen
        # uenighet" against "uenig i vedtaket") says the situation is absent, however close its vector.
        # (A word some exemplar denies itself, "don't see anyone", is part of the situation: not counted.)
        self._asserted = tuple(
            frozenset(w for ex in c.exemplars for w in _stems(ex, self.denial, denied=False))
            - {w for ex in c.exemplars for w in _stems(ex, self.denial, denied=True)}
            for c in concepts
        )
        self.concepts = tuple(concepts)
        self.background = tuple(background)
        self.floor = floor  # a hit also needs at least this raw similarity
        self.max_units = max_units
        texts: list[str] = []
        owner: list[int] = []
        for i, c in enumerate(self.concepts):
            for ex in c.exemplars:
                texts.append(ex)
                owner.append(i)
        self._texts = tuple(texts)
        self._owner = np.asarray(owner, dtype=np.int64)
        # Each concept's exemplars are one run of columns (they are listed concept by concept): the best
        # exemplar per concept is a max over each run.
        sizes = np.bincount(self._owner, minlength=len(self.concepts)) if owner else np.zeros(0, np.int64)
        self._present = np.flatnonzero(sizes)
        self._starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])[self._present] if owner else self._present
        self._vectors: FloatArray | None = None
        self._vectors_t: FloatArray | None = None
        self._background: FloatArray | None = None
        self._bias = np.zeros(len(self.concepts), np.float32)

    def _exemplars(self) -> tuple[FloatArray, FloatArray]:
        if self._vectors is None or self._background is None:
            vectors = _cached(self.embedder, self._texts)
            background = _cached(self.embedder, self.background)
            self._bias = _cached_bias(self, vectors, background)
            self._vectors_t = np.ascontiguousarray(vectors.T)
            self._vectors, self._background = vectors, background
        return self._vectors, self._background

    def _per_concept(self, sims: FloatArray) -> FloatArray:
        """units x exemplars -> units x concepts: the best exemplar of each concept."""
        out = np.full((sims.shape[0], len(self.concepts)), -1.0, np.float32)
        if self._present.size and sims.shape[0]:
            out[:, self._present] = np.maximum.reduceat(sims, self._starts, axis=1)
        return out

    def _best_exemplar(self, sims: FloatArray) -> npt.NDArray[np.int64]:
        """units x exemplars -> units x concepts: the column of each concept's best exemplar."""
        arg = np.zeros((sims.shape[0], len(self.concepts)), np.int64)
        ends = np.append(self._starts[1:], sims.shape[1])
        for ci, start, end in zip(self._present, self._starts, ends, strict=True):
            arg[:, ci] = start + sims[:, start:end].argmax(axis=1)
        return arg

    def _concept_bias(self, vectors: FloatArray, background: FloatArray) -> FloatArray:
        """How close each concept comes to sentences about *other* things (the other concepts' exemplars and
        the background): some descriptions sit close to everything, and only a lead over that counts."""
        ref = np.vstack([vectors, background]) if len(background) else vectors
        owner = np.concatenate([self._owner, np.full(len(background), -1)]) if len(background) else self._owner
        per = self._per_concept(ref @ vectors.T)
        bias = np.zeros(len(self.concepts), np.float32)
        for ci in range(len(self.concepts)):
            others = per[owner != ci, ci]
            bias[ci] = float(others.mean()) if others.size else 0.0
        return bias

    def warm(self) -> None:
        """Embed the exemplars now (otherwise the first suggestion does it)."""
        self._exemplars()

    def scores(self, units: Sequence[Unit]) -> tuple[FloatArray, npt.NDArray[np.int64], FloatArray]:
        """For units x concepts: the raw best similarity, the best exemplar's index, and the *lead*: the
        similarity above the concept's bias, less the unit's average over all concepts (a sentence that is
        close to everything leads nowhere)."""
        self._exemplars()
        if not units:
            empty = np.zeros((0, len(self.concepts)), np.float32)
            return empty, np.zeros((0, len(self.concepts)), np.int64), empty
        assert self._vectors_t is not None
        vecs = embed_once(self.embedder, [u.text for u in units])
        # einsum, not the BLAS: for a product this small, waking the BLAS's threads costs more than the
        # arithmetic, and on a busy machine many times more.
        sims: FloatArray = np.einsum("ud,de->ue", vecs, self._vectors_t)
        raw = self._per_concept(sims)
        arg = self._best_exemplar(sims)
        lead: FloatArray = raw - self._bias[None, :]
        lead = lead - lead.mean(axis=1, keepdims=True)
        return raw, arg, lead

    def match(self, units: Sequence[Unit]) -> list[SemanticHit]:
        """The best hit per concept (one unit, one exemplar), for every concept that has one. A unit counts
        only for the concept it leads most strongly among those that look at its source."""
        units = list(units)[: self.max_units]
        if not units or not self.concepts:
            return []
        raw, arg, lead = self.scores(units)
        allowed = np.asarray([[u.source in c.sources for c in self.concepts] for u in units])
        if self.denial:
            for ui, u in enumerate(units):
                denied = _stems(u.text, self.denial, denied=True)
                if denied:
                    allowed[ui] &= np.asarray([not (denied & words) for words in self._asserted])
        lead = np.where(allowed, lead, -np.inf)
        top = lead.argmax(axis=1)
        hits = []
        for ci, concept in enumerate(self.concepts):
            ok = (top == ci) & (lead[:, ci] >= concept.threshold) & (raw[:, ci] >= self.floor)
            if not ok.any():
                continue
            ui = int(np.flatnonzero(ok)[np.argmax(lead[ok, ci])])
            hits.append(SemanticHit(concept, units[ui], self._texts[int(arg[ui, ci])], round(float(raw[ui, ci]), 3)))
        return hits


_STEM = 5  # words compare by their first letters: "uenig", "uenighet" and "uenige" are one word here
_NT = re.compile(r"n['\u2019]t\b", re.IGNORECASE)  # "don't see" -> "do not see"
_DENIAL_REACH = 2  # a denial word covers this many words after it ("ingen uenighet", "not any conflict")


def _stems(text: str, denial: frozenset[str], *, denied: bool) -> frozenset[str]:
    """The stems of the words of ``text`` (of at least :data:`_STEM` letters) that a denial word just before
    them denies (``denied=True``), or that none does (``denied=False``)."""
    words = [w.lower() for w in _WORDS.findall(_NT.sub(" not", text))]
    out = set()
    reach = -1
    for i, w in enumerate(words):
        if w in denial:
            reach = i + _DENIAL_REACH
            continue
        if len(w) >= _STEM and (i <= reach) == denied:
            out.add(w[:_STEM])
    return frozenset(out)


def embed_once(embedder: Embed, texts: Sequence[str]) -> FloatArray:
    """The vectors of ``texts`` (in their order), each distinct text embedded once. Texts go to the model in
    runs of similar length: a batch is padded to its longest text, so one long sentence among short ones
    would make every short one cost as much as it."""
    distinct = list(dict.fromkeys(texts))
    if not distinct:
        return np.zeros((0, 1), np.float32)
    order = sorted(range(len(distinct)), key=lambda i: len(distinct[i]))
    runs: list[list[int]] = [[]]
    for i in order:
        run = runs[-1]
        if run and len(distinct[i]) > 2 * max(len(distinct[run[0]]), 20) and len(run) >= _MIN_RUN:
            runs.append([])
        runs[-1].append(i)
    parts = [np.asarray(embedder.embed([distinct[i] for i in run]), dtype=np.float32) for run in runs]
    vecs = np.empty((len(distinct), parts[0].shape[1]), np.float32)
    for run, part in zip(runs, parts, strict=True):
        vecs[run] = part
    row = {t: i for i, t in enumerate(distinct)}
    return vecs[[row[t] for t in texts]]


#: A run of texts sent to the model together has at least this many (each call has a fixed cost too).
_MIN_RUN = 4

_BIAS_CACHE: dict[tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...]], FloatArray] = {}


def _cached_bias(matcher: SemanticMatcher, vectors: FloatArray, background: FloatArray) -> FloatArray:
    """:meth:`SemanticMatcher._concept_bias`, once per model, exemplars and background: a matcher built
    per suggestion (as the TUI does) reuses it."""
    key = (matcher.embedder.model_id, tuple(c.exemplars for c in matcher.concepts), matcher.background)
    with _CACHE_LOCK:
        hit = _BIAS_CACHE.get(key)
    if hit is None:
        hit = matcher._concept_bias(vectors, background)
        with _CACHE_LOCK:
            _BIAS_CACHE[key] = hit
    return hit


def _cached(embedder: Embed, texts: tuple[str, ...]) -> FloatArray:
    if not texts:
        return np.zeros((0, 1), np.float32)
    key = (embedder.model_id, texts)
    with _CACHE_LOCK:
        hit = _EXEMPLAR_CACHE.get(key)
    if hit is not None:
        return hit
    vecs = np.asarray(embedder.embed(list(texts)), dtype=np.float32)
    with _CACHE_LOCK:
        _EXEMPLAR_CACHE[key] = vecs
    return vecs


def concepts_from_mapping(
    data: Mapping[str, Any], default_threshold: float, factors: Sequence[str]
) -> tuple[Concept, ...]:
    """The ``[semantic.<name>]`` tables of the policy: factor, sources, exemplars, threshold, target."""
    out = []
    for name, raw in data.items():
        if not isinstance(raw, Mapping):
            raise ValueError(f"semantic.{name} must be a table")
        factor = str(raw.get("factor", name))
        if factor not in factors:
            raise ValueError(f"semantic.{name}.factor names no factor: {factor!r}")
        sources = tuple(str(s) for s in raw.get("sources", ["request"]))
        bad = [s for s in sources if s not in SOURCES]
        if bad:
            raise ValueError(f"semantic.{name}.sources: unknown {bad} (known: {', '.join(SOURCES)})")
        exemplars = raw.get("exemplars", [])
        if not isinstance(exemplars, list) or not exemplars or not all(isinstance(e, str) for e in exemplars):
            raise ValueError(f"semantic.{name}.exemplars must be a non-empty list of strings")
        target = raw.get("target")
        try:
            channel = ReplyChannel(str(target)) if target else None
        except ValueError:
            raise ValueError(f"semantic.{name}.target: unknown channel {target!r}") from None
        out.append(
            Concept(
                name=str(name),
                factor=factor,
                sources=sources,
                exemplars=tuple(exemplars),
                threshold=float(raw.get("threshold", default_threshold)),
                target=channel,
                description=str(raw.get("description", "")),
            )
        )
    return tuple(out)
