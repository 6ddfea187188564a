"""``inbox dedup``: batch dedup over exported logs, its evaluation and the scorer's refit."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from flerkanal.cli.kit import DefaultGroup
from flerkanal.cli.root import err, out

NO_CONTACTS_WARNING = (
    "[yellow]warning[/]: no --contacts: without the contact register a person's phone number and email address "
    "are not known to belong to the same person, so the SMS and the email of one inquiry are mostly not grouped "
    "(on the dev set pairwise F1 falls from 0.97 to 0.71). Pass the register with --contacts contacts.csv.")


@click.group(cls=DefaultGroup, default="run")
def dedup() -> None:
    """Find which exported messages are the same inquiry (no database needed).

    `inbox dedup FILE... --contacts contacts.csv --out groups.csv` groups the messages;
    `inbox dedup eval --labels labels.csv groups.csv` scores a grouping;
    `inbox dedup train` refits the pair scorer from labelled sets and recorded corrections.
    """


@dedup.command("run")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--contacts", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Contact register CSV (fnr, aktor_id, name, phone, email). Without it a person's phone and "
                   "email address are not known to be the same person, and far fewer inquiries are grouped "
                   "across channels (a warning says so).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write key,group,person,channel,sent,score,reason (written atomically).")
@click.option("--model", default="default", show_default=True,
              help="'default' (the bundled offline e5 model), 'fast' (a static model distilled from it on "
                   "first use, offline, then cached: much faster) or a sentence-transformers model name or path.")
@click.option("--device", default=None, help="Torch device (cpu, cuda); default: a GPU when there is one.")
@click.option("--threshold", type=float, default=None, help="Attach threshold (default: the tuned one).")
@click.option("--weights", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Scorer weights (default: the ones fitted for the model).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for reading and grouping (default: the number of CPUs).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Where shards are embedded and grouped: local processes, or Ray Data (pip install "
                   "'flerkanal[ray]').")
@click.option("--ray-address", default=None, metavar="ADDRESS",
              help="Ray cluster to join from one of its nodes (HEAD:6379 or 'auto'); default: RAY_ADDRESS, else a "
                   "local Ray started for this run.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Embedding cache root (default: the user cache directory, flerkanal/vectors/<model>).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write cached embeddings.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a self-contained HTML report (figures and charts).")
@click.option("--hints", "hints_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write cross-writer hints: an unknown writer's new inquiry that says it was sent "
                   "before, and the earlier message of another writer (same subject, a shared date, amount or "
                   "number) that scores as the same inquiry (key,group,similar_key,similar_group,cosine,"
                   "probability). Hints are never merged: check whether it is the same person.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: on a terminal).")
def run(files: tuple[Path, ...], contacts: Path | None, out_path: Path, model: str, device: str | None,
        threshold: float | None, weights: Path | None, jobs: int | None, engine: str, ray_address: str | None,
        cache_dir: Path | None, no_cache: bool, report_path: Path | None, hints_path: Path | None,
        as_json: bool, progress: bool | None) -> None:
    """Group exported messages (any mix of Twilio pages or CSV, mbox, Maildir, dialogue dumps, JSONL).

    Inputs are streamed and sorted on disk, so memory stays bounded on millions of messages; the output
    (and the report) are written to a temporary file and renamed at the end, so Ctrl-C leaves no
    half-written file. Embeddings are cached on disk and reused by the next run.

    \b
    Exit status:
      0  the groups were written
      1  an input is no message export (nothing is written), or no message could be read from the inputs
      2  wrong usage (a missing file, an unknown option)
    """
    import os
    import time

    from dedup.models import ModelSpec
    from dedup.pipeline import RunOptions, run_dedup

    if engine == "ray" and ray_address and ray_address.startswith("ray://"):
        from dedup.engine_ray import CLIENT_HINT  # said before any input is read, not after

        raise click.ClickException(CLIENT_HINT.format(address=ray_address))
    refused = unreadable_inputs(files)
    if refused:
        for path, reason in refused:
            err.print(f"[red]error[/]: {_escape(str(path))}: {_escape(reason)}")
        err.print(f"nothing written to {_escape(str(out_path))}")
        raise SystemExit(1)
    from inbox.parsers.detect import skipped

    for f in files:
        for q in skipped(f):
            err.print(f"[yellow]skipped[/] {_escape(f'{q.source}: {q.reason}')}")

    if contacts is None:
        err.print(NO_CONTACTS_WARNING)
    workers = jobs or os.cpu_count() or 1
    spec = ModelSpec(model, device=device, threads=max(1, (os.cpu_count() or 1) // workers) if workers > 1 else None)
    opts = RunOptions(files=list(files), out=out_path, contacts=contacts, model=spec, threshold=threshold,
                      weights=weights, jobs=workers, engine=engine, ray_address=ray_address,
                      vector_cache=not no_cache, cache_root=cache_dir, hints=hints_path)
    show = err.is_terminal if progress is None else progress
    started = time.perf_counter()
    try:
        if show:
            with _ProgressBars() as bars:
                spec.prepare(progress=bars.counter("distil", "pieces"), notice=_notice)
                result = run_dedup(opts, bars)
        else:
            spec.prepare(notice=_notice)
            result = run_dedup(opts)
    except KeyboardInterrupt:
        err.print(f"[yellow]interrupted[/]: {out_path} was not written")
        raise SystemExit(130) from None
    except RuntimeError as exc:  # a missing optional dependency, a Ray that cannot start
        raise click.ClickException(str(exc)) from exc
    seconds = time.perf_counter() - started
    from rich.markup import escape

    for source, position, reason in result.quarantined[:20]:
        err.print(f"[yellow]skipped[/] {escape(f'{source}:{position}: {reason}')}")
    if len(result.quarantined) > 20:
        err.print(f"[yellow]skipped[/] … and {len(result.quarantined) - 20} more records")
    for source, position, reason in result.contact_problems[:20]:
        err.print(f"[yellow]contacts[/] {escape(f'{source}:{position}: {reason}')}")
    summary = result.summary
    summary["run"] = {
        "model": model, "engine": engine, "workers": result.workers, "shards": result.shards,
        "seconds": round(seconds, 1), "messages_per_second": round(
            (summary["messages"] + summary["outbound_messages"]) / seconds, 1) if seconds else None,
        "embeddings_computed": result.cache_misses, "vector_cache_reads": result.cache_hits,
        "phase_seconds": {k: round(v, 1) for k, v in result.timings.items()},
    }
    if report_path is not None:
        from dedup.batch import atomic_writer
        from dedup.report import render_html

        with atomic_writer(report_path) as f:
            f.write(render_html(summary, run=summary["run"]))
    if as_json:
        out.print_json(data=summary)
    else:
        print_summary(summary, out_path, report_path, hints_path)
    if not summary["messages"] + summary["outbound_messages"]:
        err.print("[red]error[/]: no message could be read from the inputs (reasons above)")
        raise SystemExit(1)


def _notice(text: str) -> None:
    """A one-line notice on stderr (the fast model being built once, where it is kept)."""
    err.print(_escape(text))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def unreadable_inputs(files: tuple[Path, ...]) -> list[tuple[Path, str]]:
    """Inputs that hold no file in a format ``inbox dedup`` reads, each with why (a contact register given as
    an input is pointed to --contacts)."""
    from inbox.parsers.detect import Format, detect_format, expand, skipped, unknown_reason

    refused: list[tuple[Path, str]] = []
    for f in files:
        paths = expand(f)
        if not paths:
            refused.append((f, "a folder with nothing to read" + (
                " (only hidden files or links to folders, which are not read)" if skipped(f) else "")))
        elif all(p.is_file() and detect_format(p) == Format.UNKNOWN for p in paths):
            reason = unknown_reason(paths[0]) if len(paths) == 1 else "no file in it is a message export"
            refused.append((f, reason.replace("import it with `inbox contacts import`", "pass it with --contacts")))
    return refused


class _ProgressBars:
    """Rich progress bars per phase, with rate and ETA, on stderr (counts only)."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                            TimeRemainingColumn(), console=err, transient=True)
        self.tasks: dict[str, Any] = {}
        self.units: dict[str, str] = {}

    def __enter__(self) -> _ProgressBars:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)

    def counter(self, phase: str, unit: str) -> Callable[[int, int], None]:
        """A ``progress(done, total)`` callback that drives the phase's bar."""
        seen = [0]

        def update(done: int, total: int) -> None:
            if phase not in self.tasks:
                self.start(phase, total, unit)
            self.advance(phase, done - seen[0])
            seen[0] = done

        return update

    def start(self, phase: str, total: int | None, unit: str) -> None:
        if phase in self.tasks:
            self.bar.update(self.tasks[phase], total=total)
            return
        self.units[phase] = unit
        self.tasks[phase] = self.bar.add_task(phase, total=total, rate="")

    def advance(self, phase: str, n: int) -> None:
        task_id = self.tasks.get(phase)
        if task_id is None:
            return
        self.bar.advance(task_id, n)
        task = self.bar.tasks[task_id]
        speed = task.speed
        if speed:
            unit = self.units[phase]
            rate = f"{speed / 1e6:,.1f} MB/s" if unit == "bytes" else f"{speed:,.0f} {unit}/s"
            self.bar.update(task_id, rate=rate)


def print_summary(s: dict[str, Any], out_path: Path, report_path: Path | None = None,
                  hints_path: Path | None = None) -> None:
    out.print(f"{s['messages']} inbound messages (" + ", ".join(f"{k} {v}" for k, v in s["by_channel"].items())
              + f") → {s['inquiries']} inquiries")
    out.print(f"{s['multi_channel_inquiries']} inquiries came on 2+ channels ({s['multi_channel_share']:.0%}); "
              f"about {s['replies_saved_estimate']} replies saved by answering once")
    if s["top_groups"]:
        t = Table(show_edge=False, title="largest inquiries", title_justify="left")
        for col in ("group", "person", "messages", "channels"):
            t.add_column(col)
        for g in s["top_groups"]:
            t.add_row(g["group"], g["person"], str(g["messages"]), ", ".join(g["channels"]))
        out.print(t)
    if "cross_writer_hints" in s:
        out.print(f"{s['unknown_writer_inquiries']} new inquiries from unknown writers; "
                  f"{s['unknown_writers_looked_for']} said they had written before and were looked for among "
                  f"everyone's messages of the window: {s['cross_writer_hints']} hints"
                  + (f" (listed in {hints_path})" if hints_path else " (--hints FILE lists them)"))
    run = s.get("run", {})
    if run:
        out.print(f"{run['seconds']} s ({run['messages_per_second']} messages/s, {run['workers']} worker(s); "
                  f"{run['embeddings_computed']} texts embedded, the rest of the vectors came from the cache)")
    out.print(f"groups written to {out_path}" + (f"; report in {report_path}" if report_path else ""))


@dedup.command("eval")
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Ground truth CSV: key, inquiry, person, direction.")
@click.argument("groups", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--show", default=10, show_default=True, help="How many false merges and misses to list.")
@click.option("--hints", "hints_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Also score a --hints file: how many hints point at the same inquiry, and the same person.")
def eval_(labels: Path, groups: Path, as_json: bool, show: int, hints_path: Path | None) -> None:
    """Pairwise and B-cubed precision/recall/F1 over inbound messages, and the worst errors."""
    from dedup.evaluate import evaluate, evaluate_hints, read_groups, read_labels

    try:
        truth = read_labels(labels)
        ev = evaluate(truth, read_groups(groups))
        hints = evaluate_hints(truth, hints_path) if hints_path is not None else None
    except ValueError as exc:  # a file that is not what the option takes: say which and why
        raise click.ClickException(str(exc)) from exc
    d = ev.as_dict()
    if as_json:
        out.print_json(data=d if hints is None else {**d, "hints": hints})
        return
    if hints is not None:
        out.print(f"hints: {hints['hints']}; same inquiry {hints['same_inquiry']}, same person "
                  f"{hints['same_person']}" + (f", not labelled {hints['unlabelled']}" if hints["unlabelled"] else ""))
    t = Table(show_edge=False)
    for col in ("", "precision", "recall", "F1"):
        t.add_column(col)
    t.add_row("pairwise", str(d["pair_precision"]), str(d["pair_recall"]), str(d["pair_f1"]))
    t.add_row("B-cubed", str(d["bcubed_precision"]), str(d["bcubed_recall"]), str(d["bcubed_f1"]))
    out.print(t)
    out.print(f"{d['messages']} messages; merges of different persons: {d['merges_of_different_persons']}")
    out.print("recall by channel pair: " + ", ".join(f"{k} {v}" for k, v in d["channel_pair_recall"].items()))
    for a, b in ev.false_merges[:show]:
        out.print(f"false merge: {a} + {b}", markup=False)
    for a, b in ev.misses[:show]:
        out.print(f"missed: {a} + {b}", markup=False)


@dedup.command("train")
@click.argument("sets", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the weights (default: the package's weights.json).")
@click.option("--threshold", type=float, default=None, help="Attach threshold used while collecting pairs.")
@click.option("--cv/--no-cv", default=True, help="Report grouped cross-validation by person.")
@click.option("--held-out/--no-held-out", "held", default=True, show_default=True,
              help="With two or more folders: fit on all but one, score the one left out, for each in turn "
                   "(reported first: a set's own score is not a result).")
@click.option("--model", default="default", show_default=True,
              help="The embedding model whose cosines the weights are fitted on ('default', 'fast', a name).")
@click.option("--device", default=None, help="Torch device (cpu, cuda); default: automatic.")
@click.option("--corrections-db", "corrections_db", default=None, metavar="URL",
              help="Also fit on the split and merge corrections caseworkers recorded in this database "
                   "(any SQLAlchemy URL; undone corrections are left out).")
@click.option("--json", "as_json", is_flag=True)
def train(sets: tuple[Path, ...], out_path: Path | None, threshold: float | None, cv: bool, held: bool, model: str,
          device: str | None, corrections_db: str | None, as_json: bool) -> None:
    """Refit the pair scorer from labelled folders (exports + contacts.csv + labels.csv).

    With no folder given, uses the two dev sets next to the repository (../shared/data/dedup-dev and
    dedup-dev2), the repository's own labelled set (eval/data/dedup-fresh) and the bundled demo set
    (never eval/data/dedup-fresh2: it is held out). Reports, first, each folder scored by weights fitted on the
    others; then grouped cross-validation.
    """
    from dedup.matcher import DEFAULT_THRESHOLD
    from dedup.models import ModelSpec
    from dedup.scorer import WEIGHTS_FILE, Scorer
    from dedup.train import LabelledSet, collect_pairs, correction_pairs, cross_validate, held_out
    from dedup.vector_cache import CachedEmbedder

    if corrections_db:
        from sqlalchemy.engine import make_url

        url = make_url(corrections_db)
        if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
            # Opening would create an empty inbox there and fit on no corrections without a word.
            raise click.ClickException(f"--corrections-db: there is no database at {url.database or '(memory)'}; "
                                       "give the URL of the inbox whose corrections to learn from")
    folders = list(sets) or _default_sets()
    if not folders:
        raise click.ClickException("no labelled folders given and none found")
    labelled = [LabelledSet(f) for f in folders]
    thr = DEFAULT_THRESHOLD if threshold is None else threshold
    spec = ModelSpec(model, device=device)
    embedder = CachedEmbedder(spec.embedder(), disk=False)  # the session's memory of vectors, nothing on disk
    # The default model's pairs are collected with the hand-set prior, so a refit never depends on the weights
    # it replaces; another model's with its own current weights (the prior's cosine scale is the default's).
    seed = Scorer.prior() if spec.key == "default" else spec.scorer()
    X, y, groups = collect_pairs(labelled, embedder, seed, thr)
    corrected = 0
    if corrections_db:
        from inbox.storage.repository import Store

        store = Store.open(corrections_db)
        try:
            fixes = store.corrections()
            cx, cy = correction_pairs(fixes, store.messages_by_key({k for a, b, _ in fixes for k in (a, b)}), embedder)
        finally:
            store.close()
        X, y, corrected = X + cx, y + cy, len(cy)
    if len(set(y)) < 2:
        raise click.ClickException("the labelled pairs hold only one class: nothing to learn")
    scorer = Scorer.fit(X, y)
    if out_path is None and spec.key != "default":
        raise click.ClickException("--out is required when fitting weights for a model other than the default")
    target = out_path or WEIGHTS_FILE
    scorer.save(target, trained_on=[f.name for f in folders], pairs=len(y), positives=sum(y), model=spec.key)
    result: dict[str, Any] = {}
    if held and len(labelled) > 1:
        result["held_out"] = held_out(labelled, embedder, thr)
    result |= {"pairs": len(y), "positives": sum(y), "from_corrections": corrected, "weights": str(target)}
    if cv:
        result["cross_validation"] = [e.as_dict() for e in cross_validate(labelled, X, y, groups, embedder, thr)]
    if as_json:
        out.print_json(data=result)
    else:
        out.print(json.dumps(result, indent=2))


def _default_sets() -> list[Path]:
    from flerkanal.demo import DEMO_DIR

    repo = Path(__file__).resolve().parents[2]
    shared = repo.parent / "shared" / "data"
    candidates = [shared / "dedup-dev", shared / "dedup-dev2", repo / "eval" / "data" / "dedup-fresh", DEMO_DIR]
    return [c for c in candidates if (c / "labels.csv").exists()]


__all__ = ["dedup"]
