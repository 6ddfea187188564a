"""The batch run behind ``inbox dedup``: read → embed and link → group → write, streaming.

1. **Read** (in parallel): each :class:`~dedup.sources.ReadTask` is parsed, bodies are cleaned, and the
   messages (without their raw text) are written to sorted run files in a temporary folder, with the
   texts the matcher will embed in a file beside them.
2. **Embed** (beside step 3): texts not in the persistent cache (:mod:`dedup.vector_cache`, keyed by
   model and normalised text) are embedded in batches, in one process that holds the model, and stored;
   the grouping workers then need no model.
3. **Link** (only with several workers): :class:`~dedup.partition.Linker` merges the runs by (sent
   time, key), resolves persons over all messages and cuts them into independent shards.
4. **Group**: each shard goes through the live inbox's matcher (:class:`~dedup.batch.Grouper` over a
   :class:`~dedup.batch.MemoryContext`) in time order, on a local process pool or on Ray Data
   (``engine="ray"``, whose actors embed as they go). With one worker, steps 3–4 are one merge of the
   runs straight into the matcher.
5. **Write**: the shards' rows are merged back into time order, groups numbered by first appearance (the
   same numbers whatever the number of workers), and the CSV written to a temporary file that is renamed
   onto the target only at the end — an interrupted run (Ctrl-C) leaves no half-written output.

Memory stays bounded: no step holds all messages; the matcher's history is dropped past its horizon
(:data:`dedup.batch.HISTORY`) and only an LRU of vectors is held. Nothing here logs message text or
national ID numbers; progress reports counts only.
"""


from __future__ import annotations

import csv
import heapq
import multiprocessing as mp
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from dedup.batch import GROUP_COLUMNS, MemoryContext, atomic_writer
from dedup.models import ModelSpec
from dedup.neighbours import HINT_WINDOW, Entry, HintFinder
from dedup.report import SummaryBuilder
from dedup.shard import GroupJob, Row, ShardGrouper, matcher_config
from dedup.sources import plan_reads
from dedup.spill import merged, read_chunks, time_key
from dedup.workers import (
    LinkResult,
    ReadResult,
    embed_file,
    group_shard,
    init_worker,
    link,
    read_task,
    release_warmer,
    warmed_embedder,
)

__all__ = ["Progress", "RunOptions", "RunResult", "run_dedup"]

#: Below this many messages one worker does everything (starting workers costs more than it saves).
PARALLEL_MIN = 20_000


class Progress(Protocol):
    """Receives progress; counts only, never content."""

    def start(self, phase: str, total: int | None, unit: str) -> None: ...

    def advance(self, phase: str, n: int) -> None: ...


class _NoProgress:
    def start(self, phase: str, total: int | None, unit: str) -> None:
        pass

    def advance(self, phase: str, n: int) -> None:
        pass


@dataclass
class RunOptions:
    files: list[Path]
    out: Path
    contacts: Path | None = None
    model: ModelSpec = field(default_factory=ModelSpec)
    threshold: float | None = None
    weights: Path | None = None
    jobs: int = 1
    engine: str = "local"  # "local" or "ray"
    ray_address: str | None = None
    vector_cache: bool = True
    cache_root: Path | None = None  # vector cache root (default: the user cache directory)
    work_dir: Path | None = None  # where the temporary spill folder goes (default: the system temp dir)
    office: frozenset[str] = frozenset()
    batch_size: int = 256
    hints: Path | None = None  # where to write cross-writer hints (CSV); counted in the summary either way


@dataclass
class RunResult:
    summary: dict[str, Any]
    quarantined: list[tuple[str, str, str]]
    contact_problems: list[tuple[str, str, str]]
    timings: dict[str, float]
    workers: int
    shards: int
    cache_hits: int = 0
    cache_misses: int = 0
    largest_part: int = 0


# -- the run -----------------------------------------------------------------------------------------


def _wait(jobs: list[tuple[Any, Any, str]], progress: Progress) -> list[Any]:
    """Wait for AsyncResults, each forwarding its shared counter to ``progress`` under its phase."""
    seen = [0] * len(jobs)
    while True:
        jobs[0][0].wait(0.2)
        for i, (_, counter, phase) in enumerate(jobs):
            with counter.get_lock():
                value = counter.value
            if value > seen[i]:
                progress.advance(phase, value - seen[i])
                seen[i] = value
        if all(pending.ready() for pending, _, _ in jobs):
            return [pending.get() for pending, _, _ in jobs]


def _close(pool: Any) -> None:
    if pool is not None:
        pool.close()
        pool.join()


def run_dedup(opts: RunOptions, progress: Progress | None = None) -> RunResult:
    """Run the whole batch; see the module docstring. Raises on Ctrl-C with the target untouched."""
    progress = progress or _NoProgress()
    timings: dict[str, float] = {}
    opts.model.prepare()  # the fast model is distilled here, once, not by each worker
    tmp = Path(tempfile.mkdtemp(prefix="flerkanal-dedup-", dir=opts.work_dir))
    spawn = mp.get_context("spawn")
    pools: list[Any] = []

    def start_pool(workers: int, counter: Any) -> Any:
        pools.append(spawn.Pool(workers, initializer=init_worker, initargs=(counter,)))
        return pools[-1]

    try:
        # 1. read ------------------------------------------------------------------------------------
        t0 = time.perf_counter()
        tasks = plan_reads(opts.files, office=opts.office)
        progress.start("reading", sum(t.size for t in tasks), "bytes")
        workers = max(1, opts.jobs)
        job = GroupJob(opts.model, opts.threshold, opts.weights, opts.vector_cache, opts.cache_root,
                       opts.batch_size)
        # Texts are embedded ahead of grouping, into the on-disk cache, unless the shards go to Ray
        # (its actors embed) or the cache is off (nowhere to put the vectors).
        ahead = opts.vector_cache and opts.engine == "local"
        args = [(i, t, str(tmp), ahead) for i, t in enumerate(tasks)]
        reads: list[ReadResult] = []
        if workers > 1 and len(tasks) > 1:
            pool = start_pool(min(workers, len(tasks)), spawn.Value("q", 0))
            for r in pool.imap_unordered(read_task, args):
                reads.append(r)
                progress.advance("reading", r.size)
            _close(pools.pop())
        else:
            for a in args:
                reads.append(read_task(a))
                progress.advance("reading", reads[-1].size)
        runs = sorted(Path(p) for r in reads for p in r.runs)
        texts = sorted(r.texts for r in reads if r.texts)
        n_texts = sum(r.n_texts for r in reads)
        total = sum(r.messages for r in reads)
        quarantined = [q for r in sorted(reads, key=lambda r: r.runs[:1]) for q in r.quarantined]
        timings["read"] = time.perf_counter() - t0
        parallel = (workers > 1 or opts.engine == "ray") and total >= (PARALLEL_MIN if opts.engine == "local" else 1)
        summary = SummaryBuilder()
        hits = misses = embedded = 0
        contact_problems: list[tuple[str, str, str]] = []
        largest = 0
        shards = 1
        config = matcher_config(job)
        finder = HintFinder(job.model.scorer(job.weights), config.threshold, min(config.window, HINT_WINDOW))
        hint_count = 0
        with atomic_writer(opts.out, newline="") as out, _hint_writer(opts.hints) as hint_rows:
            writer = csv.writer(out)
            writer.writerow(GROUP_COLUMNS)

            def write_hints(found: list[tuple[Entry, Any]]) -> None:
                nonlocal hint_count
                hint_count += len(found)
                for e, hint in found:
                    hint_rows.writerow([e.key, f"g{e.group}", hint.key, f"g{hint.group}", f"{hint.cosine:.3f}",
                                        f"{hint.probability:.3f}"])

            def emit(rows: Iterable[tuple[int, Row]]) -> None:
                numbers: dict[tuple[int, int], int] = {}
                for shard, r in rows:
                    gid = numbers.setdefault((shard, r[2]), len(numbers) + 1)
                    person = f"p{r[3]}" if r[3] else ""
                    summary.add(gid, person, r[4], r[0], inbound=r[8])
                    if r[8]:
                        writer.writerow([r[1], f"g{gid}", person, r[4], r[5],
                                         "" if r[6] is None else f"{r[6]:.3f}", r[7]])
                    if r[9] is not None:
                        text, vec, query, fnrs, signed = r[9]
                        write_hints(finder.add(Entry(r[1], gid, r[3] or None, r[4], _utc(r[0]), text, fnrs, signed),
                                               np.frombuffer(vec, dtype=np.float16), query=query))
                    progress.advance("writing", 1)
                write_hints(finder.flush())

            if not parallel:
                # 2.–4. one worker: embed, then merge the runs straight into the matcher, in this process
                # (with all its threads: the thread cap is for workers that share the cores)
                job = replace(job, model=replace(job.model, threads=None))
                t1 = time.perf_counter()
                if texts:
                    progress.start("embedding", n_texts, "texts")
                    init_worker(None)
                    for path in texts:
                        made, seen = embed_file((job, path))
                        embedded += made
                        progress.advance("embedding", seen)
                    timings["embed"] = time.perf_counter() - t1
                t2 = time.perf_counter()
                grouper = ShardGrouper(job, warmed_embedder(job))
                ctx = MemoryContext()
                if opts.contacts:
                    contact_problems = [(q.source, q.position, q.reason) for q in ctx.load_contacts(opts.contacts)]
                progress.start("grouping", total, "messages")
                progress.start("writing", total, "messages")
                rows = grouper.group(merged(runs), None, preset=False, ctx=ctx,
                                     tick=lambda n: progress.advance("grouping", n))
                emit((0, r) for r in rows)
                hits, misses = grouper.cache_counts()
                timings["group"] = time.perf_counter() - t2
            else:
                # 2. embed and 3. link, side by side: each in processes of its own, whose memory (the
                # model, the person index) goes when they are done
                t1 = time.perf_counter()
                shards = _shard_count(total, workers, opts.engine)
                progress.start("linking", total, "messages")
                link_counter, embed_counter = spawn.Value("q", 0), spawn.Value("q", 0)
                link_pool = start_pool(1, link_counter)
                waiting = [(link_pool.apply_async(link, ((list(map(str, runs)), str(opts.contacts)
                                                           if opts.contacts else None, shards, str(tmp)),)),
                            link_counter, "linking")]
                if texts:
                    # one process holds the model and uses every thread (a model per worker would double
                    # the memory for little gain); the link process beside it needs one core at most
                    progress.start("embedding", n_texts, "texts")
                    embed_job = replace(job, model=replace(job.model, threads=None))
                    embed_pool = start_pool(1, embed_counter)
                    waiting.append((embed_pool.map_async(embed_file, [(embed_job, p) for p in texts], chunksize=1),
                                    embed_counter, "embedding"))
                done = _wait(waiting, progress)
                linked: LinkResult = done[0]
                embedded = sum(made for made, _ in done[1]) if texts else 0
                while pools:
                    _close(pools.pop())
                contact_problems = linked.contact_problems
                largest = linked.largest_part
                for p in runs:
                    p.unlink()
                timings["link+embed"] = time.perf_counter() - t1
                # 4. group
                t2 = time.perf_counter()
                progress.start("grouping", total, "messages")
                rows_paths = [str(Path(s).with_suffix(".rows")) for s in linked.shards]
                if opts.engine == "ray":
                    from dedup.engine_ray import group_shards_ray

                    results = group_shards_ray(job, linked.shards, rows_paths, workers=workers,
                                               address=opts.ray_address,
                                               tick=lambda n: progress.advance("grouping", n))
                else:
                    group_counter = spawn.Value("q", 0)
                    pool = start_pool(min(workers, shards), group_counter)
                    order = sorted(range(shards), key=lambda s: -linked.messages_of_shard[s])
                    results = _wait([(pool.map_async(group_shard, [(job, linked.shards[s], rows_paths[s])
                                                                   for s in order], chunksize=1),
                                      group_counter, "grouping")], progress)[0]
                    _close(pools.pop())
                hits = sum(r[1] for r in results)
                misses = sum(r[2] for r in results)
                timings["group"] = time.perf_counter() - t2
                # 5. merge back into time order
                t3 = time.perf_counter()
                progress.start("writing", total, "messages")

                def shard_rows(s: int) -> Iterator[tuple[float, str, int, Row]]:
                    for r in read_chunks(Path(rows_paths[s])):
                        yield r[0], r[1], s, r

                emit((s, r) for _, _, s, r in heapq.merge(*(shard_rows(s) for s in range(shards)), key=time_key))
                timings["write"] = time.perf_counter() - t3
        result = summary.result()
        result["quarantined"] = len(quarantined)
        result["cross_writer_hints"] = hint_count
        result["unknown_writer_inquiries"] = finder.unknown
        result["unknown_writers_looked_for"] = finder.queries
        return RunResult(result, quarantined, contact_problems, timings, workers if parallel else 1, shards,
                         hits, embedded + misses, largest)
    except BaseException:
        for pool in pools:
            pool.terminate()
            pool.join()
        raise
    finally:
        release_warmer()
        shutil.rmtree(tmp, ignore_errors=True)


HINT_COLUMNS = ("key", "group", "similar_key", "similar_group", "cosine", "probability")


class _hint_writer:  # noqa: N801 - used like open()
    """A CSV writer for ``path`` written atomically, like the groups file; with no path, one that drops rows."""

    def __init__(self, path: Path | None) -> None:
        self._file = atomic_writer(path, newline="") if path is not None else None

    def __enter__(self) -> Any:
        if self._file is None:
            return _Discard()
        w = csv.writer(self._file.__enter__())
        w.writerow(HINT_COLUMNS)
        return w

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._file is not None:
            self._file.__exit__(exc_type, exc, tb)


class _Discard:
    def writerow(self, row: Iterable[Any]) -> None:
        pass


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _shard_count(total: int, workers: int, engine: str) -> int:
    if engine == "ray":  # more shards than actors, so a slow shard does not hold the others up
        return max(workers, min(256, -(-total // 25_000)))
    return workers

