"""The steps of the batch run (:mod:`dedup.pipeline`) that run in worker processes: read a task into sorted
runs, embed a file of texts into the cache, link the runs into shards, group a shard. Each is a top-level
function of picklable arguments, so a spawned process pool can run it; progress goes through a shared
counter (:func:`init_worker`, :func:`tick`), counts only."""

from __future__ import annotations

import os
import pickle
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dedup.normalise import normalise
from dedup.shard import GroupJob, Row, ShardGrouper
from dedup.sources import ReadTask, run_read_task
from dedup.spill import PICKLE_CHUNK, RUN_RECORDS, Rec, merged, read_chunks, read_header, time_key, write_chunks
from inbox.domain import Channel, Direction, IncomingMessage, Quarantined
from inbox.text import clean_text

# -- 1. read -----------------------------------------------------------------------------------------


@dataclass
class ReadResult:
    runs: list[str]
    messages: int
    by_channel: dict[str, int]
    quarantined: list[tuple[str, str, str]]
    size: int
    texts: str = ""  # file of the texts to embed ("" when none)
    n_texts: int = 0


def matcher_text(msg: IncomingMessage, clean: str) -> str:
    """The text the matcher embeds for a message (as ``InquiryMatcher._norm`` makes it). Used to fill
    the embedding cache ahead of the matcher; were the two ever to differ, the matcher would only find
    fewer vectors cached and embed the rest itself."""
    return normalise(clean, already_clean=True, email=msg.channel == Channel.EMAIL).text


WARM_BATCH = 2048


def read_task(args: tuple[int, ReadTask, str, bool]) -> ReadResult:
    """Parse one task into sorted run files; with ``texts``, also write the texts the matcher will embed
    (of inbound messages) to a file, for the embedding step."""
    idx, task, tmp, want_texts = args
    texts: list[str] = []
    recs: list[Rec] = []
    runs: list[str] = []
    counts: Counter[str] = Counter()
    bad: list[tuple[str, str, str]] = []
    n = 0

    def spill() -> None:
        recs.sort(key=time_key)
        path = Path(tmp) / f"run-{idx:05d}-{len(runs):03d}.pkl"
        write_chunks(path, recs)
        runs.append(str(path))
        recs.clear()

    for item in run_read_task(task):
        if isinstance(item, Quarantined):
            bad.append((item.source, item.position, item.reason))
            continue
        clean = clean_text(item.body, email=item.channel == Channel.EMAIL)
        recs.append((item.sent_at.timestamp(), item.key, replace(item, body="", raw=""), clean))
        counts[item.channel.value] += 1
        n += 1
        if want_texts and item.direction == Direction.IN:
            texts.append(matcher_text(item, clean))
        if len(recs) >= RUN_RECORDS:
            spill()
    if recs:
        spill()
    texts_path = ""
    unique = list(dict.fromkeys(texts))
    if unique:
        texts_path = str(Path(tmp) / f"texts-{idx:05d}.pkl")
        write_chunks(Path(texts_path), unique)
    return ReadResult(runs, n, dict(counts), bad, task.size, texts_path, len(unique))


# -- 2. embed ----------------------------------------------------------------------------------------

_warmer: Any = None


def warm_embedder(job: GroupJob) -> Any:
    """This process's caching embedder for ``job`` (kept for the next file, and for grouping)."""
    global _warmer
    if _warmer is None or _warmer[0] != job:
        from dedup.vector_cache import CachedEmbedder

        _warmer = (job, CachedEmbedder(job.model.embedder(), job.cache_root))
    return _warmer[1]


def embed_file(args: tuple[GroupJob, str]) -> tuple[int, int]:
    """Embed the texts of one file that are not in the on-disk cache yet; returns (embedded, texts)."""
    job, path = args
    embedder = warm_embedder(job)
    done = seen = 0
    batch: list[str] = []
    for text in read_chunks(Path(path)):
        batch.append(text)
        if len(batch) >= WARM_BATCH:
            done += embedder.warm(batch)
            seen += len(batch)
            tick(len(batch))
            batch = []
    if batch:
        done += embedder.warm(batch)
        seen += len(batch)
        tick(len(batch))
    return done, seen


# -- 3. link -----------------------------------------------------------------------------------------


@dataclass
class LinkResult:
    shards: list[str]
    messages_of_shard: list[int]
    contact_problems: list[tuple[str, str, str]]
    parts: int
    largest_part: int


_counter: Any = None


def init_worker(counter: Any) -> None:
    global _counter
    _counter = counter
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def tick(n: int) -> None:
    if _counter is not None:
        with _counter.get_lock():
            _counter.value += n


def link(args: tuple[list[str], str | None, int, str]) -> LinkResult:
    from dedup.partition import Linker

    runs, contacts, shards, tmp = args
    run_paths = [Path(p) for p in runs]
    linker = Linker()
    problems = [(q.source, q.position, q.reason) for q in linker.ctx.load_contacts(Path(contacts))] if contacts else []
    linker.contacts_loaded()
    n = 0
    for rec in merged(run_paths):
        linker.add(rec[2], rec[3])
        n += 1
        if n % 5000 == 0:
            tick(5000)
    tick(n % 5000)
    part = linker.partition(shards)
    paths = [Path(tmp) / f"shard-{s:04d}.pkl" for s in range(shards)]
    files = [p.open("wb") for p in paths]
    try:
        bufs: list[list[Rec]] = [[] for _ in range(shards)]
        for s, f in enumerate(files):
            pickle.dump(part.contacts_of_shard[s], f, protocol=pickle.HIGHEST_PROTOCOL)
        for i, rec in enumerate(merged(run_paths)):
            s = part.shard_of_message[i]
            bufs[s].append((*rec, linker.person_of(i)))
            if len(bufs[s]) >= PICKLE_CHUNK:
                pickle.dump(bufs[s], files[s], protocol=pickle.HIGHEST_PROTOCOL)
                bufs[s] = []
        for s, f in enumerate(files):
            if bufs[s]:
                pickle.dump(bufs[s], f, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        for f in files:
            f.close()
    return LinkResult([str(p) for p in paths], part.messages_of_shard, problems, part.parts, part.largest_part)


# -- 4. group ----------------------------------------------------------------------------------------

_grouper: ShardGrouper | None = None


def group_shard(args: tuple[GroupJob, str, str]) -> tuple[int, int, int]:
    """Pool worker: group one shard file into a rows file; returns (rows, cache hits, cache misses)."""
    global _grouper
    job, shard, rows_path = args
    if _grouper is None or _grouper.job != job:
        _grouper = ShardGrouper(job)
    hits0, misses0 = _grouper.cache_counts()
    contacts = read_header(Path(shard))
    rows = _grouper.group(read_chunks(Path(shard), header=True), contacts, preset=True, tick=tick)
    n = 0

    def counted() -> Iterator[Row]:
        nonlocal n
        for r in rows:
            n += 1
            yield r

    write_chunks(Path(rows_path), counted())
    hits, misses = _grouper.cache_counts()
    return n, hits - hits0, misses - misses0


def release_warmer() -> None:
    global _warmer
    if _warmer is not None and hasattr(_warmer[1], "store"):
        _warmer[1].store.close()
    _warmer = None


def warmed_embedder(job: GroupJob) -> Any:
    """The caching embedder this process warmed for ``job`` (the one-worker run reuses it), or None."""
    return _warmer[1] if _warmer is not None and _warmer[0] == job else None
