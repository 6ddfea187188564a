"""Grouping one shard of the batch run: what a worker process or a Ray actor needs (picklable job, the
matcher it builds once, the rows it yields). Kept apart from :mod:`dedup.pipeline`, which drives the run, so
that :mod:`dedup.engine_ray` can use it without importing the driver."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dedup.batch import Grouper, MemoryContext
from dedup.matcher import InquiryMatcher, unknown_writer
from dedup.models import ModelSpec
from dedup.neighbours import signer
from dedup.spill import Rec
from inbox.domain import Channel, Direction, IncomingMessage

#: Vectors held in memory per worker (an LRU; older ones are read back from the on-disk cache).
VECTORS_IN_MEMORY = 60_000

#: One output row: (sent ts, key, thread id, person id or 0, channel, sent ISO, score, reason, inbound)
#: (time, key, thread, person, channel, sent, score, reason, inbound, (normalised text, float16 vector,
#: an unknown writer's new inquiry, ID numbers in it, first name signed) of an inbound message for
#: :class:`~dedup.neighbours.HintFinder`)
Row = tuple[float, str, int, int, str, str, float | None, str, bool,
            tuple[str, bytes, bool, tuple[str, ...], str] | None]


@dataclass(frozen=True)
class GroupJob:
    """What a worker needs to group one shard (picklable: sent to processes and Ray actors)."""

    model: ModelSpec
    threshold: float | None = None
    weights: Path | None = None
    vector_cache: bool = True
    cache_root: Path | None = None
    batch_size: int = 256


class BatchMatcher(InquiryMatcher):
    """The live inbox's matcher, unchanged, except that each text is normalised once.

    The matcher normalises a message when it arrives, again each time it is a candidate, and again when
    it checks whether a thread was answered; :func:`dedup.normalise.normalise` is a pure function, so a
    batch run keeps its results (first in, first out, bounded) instead of recomputing them.
    """

    NORM_CACHE = 200_000
    record_language = False  # the groups file carries no evidence

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._norms: dict[tuple[bool, str], Any] = {}

    def _norm(self, channel: Channel, text: str) -> Any:
        key = (channel == Channel.EMAIL, text)
        found = self._norms.get(key)
        if found is None:
            found = self._norms[key] = super()._norm(channel, text)
            if len(self._norms) > self.NORM_CACHE:
                del self._norms[next(iter(self._norms))]
        return found


def matcher_config(job: GroupJob) -> Any:
    """The matcher's settings for ``job``: its threshold, else the model's tuned one, else the default."""
    from dedup.matcher import MatcherConfig

    threshold = job.threshold if job.threshold is not None else job.model.threshold(job.weights)
    return MatcherConfig() if threshold is None else MatcherConfig(threshold=threshold)


class ShardGrouper:
    """A worker's model and matcher, built once and reused for every shard it is given."""

    def __init__(self, job: GroupJob, embedder: Any = None) -> None:
        from dedup.vector_cache import CachedEmbedder

        self.job = job
        if embedder is None:
            inner = job.model.embedder()  # loads its model only when a text is not in the cache
            embedder = CachedEmbedder(inner, job.cache_root) if job.vector_cache else inner
        self.embedder: Any = embedder
        self.scorer = job.model.scorer(job.weights)
        self._matcher_cls = BatchMatcher
        self._config = matcher_config(job)

    def matcher(self) -> Any:
        m = self._matcher_cls(self.embedder, self.scorer, self._config)
        m.vectors.max_items = VECTORS_IN_MEMORY
        return m

    def group(self, records: Iterable[Rec], contacts: list[Any] | None, *, preset: bool,
              ctx: MemoryContext | None = None, tick: Callable[[int], None] | None = None) -> Iterator[Row]:
        """Rows for ``records`` (in time order). With ``preset`` the records carry their person ids and
        ``contacts`` are the register entries of this shard's persons."""
        if ctx is None:
            ctx = MemoryContext()
        for pid, name, idents in contacts or ():
            ctx.add_contact(pid, name, idents)

        def items() -> Iterator[tuple[IncomingMessage, str, int | None]]:
            for r in records:
                yield r[2], r[3], (r[4] or None) if preset else None

        n = 0
        matcher = self.matcher()
        for a in Grouper(matcher, ctx, batch_size=self.job.batch_size).run(items(), preset=preset):
            m, d = a.msg, a.decision
            near = None
            if m.direction == Direction.IN:  # what the hint search needs: the text and vector already made
                norm = matcher._norm(m.channel, a.clean)
                near = (norm.text, matcher.vectors.get(norm.text).astype(np.float16).tobytes(),
                        d.thread_id is None and unknown_writer(d), norm.fnrs, signer(a.clean))
            yield (m.sent_at.timestamp(), m.key, a.thread_id, a.person_id or 0, m.channel.value,
                   m.sent_at.isoformat(), d.score, d.reason, m.direction == Direction.IN, near)
            n += 1
            if tick is not None and n % 1000 == 0:
                tick(1000)
        if tick is not None:
            tick(n % 1000)

    def cache_counts(self) -> tuple[int, int]:
        return int(getattr(self.embedder, "hits", 0)), int(getattr(self.embedder, "misses", 0))
