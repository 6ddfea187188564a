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
import os
import pickle
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from dedup.batch import GROUP_COLUMNS, Grouper, MemoryContext, atomic_writer
from dedup.matcher import InquiryMatcher, unknown_writer
from dedup.models import ModelSpec
from dedup.neighbours import HINT_WINDOW, Entry, HintFinder, signer
from dedup.normalise import normalise
from dedup.report import SummaryBuilder
from dedup.sources import ReadTask, plan_reads, run_read_task
from inbox.domain import Channel, Direction, IncomingMessage, Quarantined
from inbox.text import clean_text

__all__ = ["Progress", "RunOptions", "RunResult", "run_dedup"]

#: (sent timestamp, key, message without body/raw, clean body) and, once linked, the person id (0: none).
Rec = tuple[Any, ...]
RUN_RECORDS = 50_000  # records per sorted run file (a read worker holds one run: ~100 MB)
PICKLE_CHUNK = 2048
#: Below this many messages one worker does everything (starting workers costs more than it saves).
PARALLEL_MIN = 20_000
#: Vectors held in memory per worker (an LRU; older ones are read back from the on-disk cache).
VECTORS_IN_MEMORY = 60_000
_order = itemgetter(0, 1)


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


# -- spill files ------------------------------------------------------------------------------------


def _write_chunks(path: Path, records: Iterable[Any], header: Any = None) -> None:
    with path.open("wb") as f:
        if header is not None:
            pickle.dump(header, f, protocol=pickle.HIGHEST_PROTOCOL)
        chunk: list[Any] = []
        for r in records:
            chunk.append(r)
            if len(chunk) >= PICKLE_CHUNK:
                pickle.dump(chunk, f, protocol=pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, f, protocol=pickle.HIGHEST_PROTOCOL)


def _read_chunks(path: Path, *, header: bool = False) -> Iterator[Any]:
    with path.open("rb") as f:
        if header:
            pickle.load(f)
        while True:
            try:
                chunk = pickle.load(f)
            except EOFError:
                return
            yield from chunk


def _read_header(path: Path) -> Any:
    with path.open("rb") as f:
        return pickle.load(f)


def merged(runs: list[Path]) -> Iterator[Rec]:
    """All records of the sorted runs in (sent time, key) order; a key seen twice is kept once."""
    last: tuple[float, str] | None = None
    for rec in heapq.merge(*(_read_chunks(p) for p in runs), key=_order):
        k = (rec[0], rec[1])
        if k != last:
            last = k
            yield rec


# -- 1. read -----------------------------------------------------------------------------------------


@dataclass
class _ReadResult:
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


def _read_task(args: tuple[int, ReadTask, str, bool]) -> _ReadResult:
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
        recs.sort(key=_order)
        path = Path(tmp) / f"run-{idx:05d}-{len(runs):03d}.pkl"
        _write_chunks(path, recs)
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
        _write_chunks(Path(texts_path), unique)
    return _ReadResult(runs, n, dict(counts), bad, task.size, texts_path, len(unique))


# -- 2. embed ----------------------------------------------------------------------------------------

_warmer: Any = None


def _warm_embedder(job: GroupJob) -> Any:
    """This process's caching embedder for ``job`` (kept for the next file, and for grouping)."""
    global _warmer
    if _warmer is None or _warmer[0] != job:
        from dedup.vector_cache import CachedEmbedder

        _warmer = (job, CachedEmbedder(job.model.embedder(), job.cache_root))
    return _warmer[1]


def _embed_file(args: tuple[GroupJob, str]) -> tuple[int, int]:
    """Embed the texts of one file that are not in the on-disk cache yet; returns (embedded, texts)."""
    job, path = args
    embedder = _warm_embedder(job)
    done = seen = 0
    batch: list[str] = []
    for text in _read_chunks(Path(path)):
        batch.append(text)
        if len(batch) >= WARM_BATCH:
            done += embedder.warm(batch)
            seen += len(batch)
            _tick(len(batch))
            batch = []
    if batch:
        done += embedder.warm(batch)
        seen += len(batch)
        _tick(len(batch))
    return done, seen


# -- 3. link -----------------------------------------------------------------------------------------


@dataclass
class _LinkResult:
    shards: list[str]
    messages_of_shard: list[int]
    contact_problems: list[tuple[str, str, str]]
    parts: int
    largest_part: int


_counter: Any = None


def _init_worker(counter: Any) -> None:
    global _counter
    _counter = counter
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _tick(n: int) -> None:
    if _counter is not None:
        with _counter.get_lock():
            _counter.value += n


def _link(args: tuple[list[str], str | None, int, str]) -> _LinkResult:
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
            _tick(5000)
    _tick(n % 5000)
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
    return _LinkResult([str(p) for p in paths], part.messages_of_shard, problems, part.parts, part.largest_part)


# -- 4. group ----------------------------------------------------------------------------------------

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


_grouper: ShardGrouper | None = None


def _group_shard(args: tuple[GroupJob, str, str]) -> tuple[int, int, int]:
    """Pool worker: group one shard file into a rows file; returns (rows, cache hits, cache misses)."""
    global _grouper
    job, shard, rows_path = args
    if _grouper is None or _grouper.job != job:
        _grouper = ShardGrouper(job)
    hits0, misses0 = _grouper.cache_counts()
    contacts = _read_header(Path(shard))
    rows = _grouper.group(_read_chunks(Path(shard), header=True), contacts, preset=True, tick=_tick)
    n = 0

    def counted() -> Iterator[Row]:
        nonlocal n
        for r in rows:
            n += 1
            yield r

    _write_chunks(Path(rows_path), counted())
    hits, misses = _grouper.cache_counts()
    return n, hits - hits0, misses - misses0


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
        pools.append(spawn.Pool(workers, initializer=_init_worker, initargs=(counter,)))
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
        reads: list[_ReadResult] = []
        if workers > 1 and len(tasks) > 1:
            pool = start_pool(min(workers, len(tasks)), spawn.Value("q", 0))
            for r in pool.imap_unordered(_read_task, args):
                reads.append(r)
                progress.advance("reading", r.size)
            _close(pools.pop())
        else:
            for a in args:
                reads.append(_read_task(a))
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
                    _init_worker(None)
                    for path in texts:
                        made, seen = _embed_file((job, path))
                        embedded += made
                        progress.advance("embedding", seen)
                    timings["embed"] = time.perf_counter() - t1
                t2 = time.perf_counter()
                grouper = ShardGrouper(job, _warmer[1] if _warmer is not None and _warmer[0] == job else None)
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
                waiting = [(link_pool.apply_async(_link, ((list(map(str, runs)), str(opts.contacts)
                                                           if opts.contacts else None, shards, str(tmp)),)),
                            link_counter, "linking")]
                if texts:
                    # one process holds the model and uses every thread (a model per worker would double
                    # the memory for little gain); the link process beside it needs one core at most
                    progress.start("embedding", n_texts, "texts")
                    embed_job = replace(job, model=replace(job.model, threads=None))
                    embed_pool = start_pool(1, embed_counter)
                    waiting.append((embed_pool.map_async(_embed_file, [(embed_job, p) for p in texts], chunksize=1),
                                    embed_counter, "embedding"))
                done = _wait(waiting, progress)
                link: _LinkResult = done[0]
                embedded = sum(made for made, _ in done[1]) if texts else 0
                while pools:
                    _close(pools.pop())
                contact_problems = link.contact_problems
                largest = link.largest_part
                for p in runs:
                    p.unlink()
                timings["link+embed"] = time.perf_counter() - t1
                # 4. group
                t2 = time.perf_counter()
                progress.start("grouping", total, "messages")
                rows_paths = [str(Path(s).with_suffix(".rows")) for s in link.shards]
                if opts.engine == "ray":
                    from dedup.engine_ray import group_shards_ray

                    results = group_shards_ray(job, link.shards, rows_paths, workers=workers,
                                               address=opts.ray_address,
                                               tick=lambda n: progress.advance("grouping", n))
                else:
                    group_counter = spawn.Value("q", 0)
                    pool = start_pool(min(workers, shards), group_counter)
                    order = sorted(range(shards), key=lambda s: -link.messages_of_shard[s])
                    results = _wait([(pool.map_async(_group_shard, [(job, link.shards[s], rows_paths[s])
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
                    for r in _read_chunks(Path(rows_paths[s])):
                        yield r[0], r[1], s, r

                emit((s, r) for _, _, s, r in heapq.merge(*(shard_rows(s) for s in range(shards)), key=_order))
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
        _release_warmer()
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


def _release_warmer() -> None:
    global _warmer
    if _warmer is not None and hasattr(_warmer[1], "store"):
        _warmer[1].store.close()
    _warmer = None


def _shard_count(total: int, workers: int, engine: str) -> int:
    if engine == "ray":  # more shards than actors, so a slow shard does not hold the others up
        return max(workers, min(256, -(-total // 25_000)))
    return workers

