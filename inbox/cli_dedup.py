"""``inbox dedup``: batch dedup over exported logs, its evaluation and the scorer's refit."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from inbox.clikit import DefaultGroup

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


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
              help="Contact register CSV (fnr, aktor_id, name, phone, email).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write key,group,person,channel,sent,score,reason (written atomically).")
@click.option("--model", default="default", show_default=True,
              help="Sentence-transformers model name or path; 'default' is the bundled offline e5 model.")
@click.option("--device", default=None, help="Torch device (cpu, cuda); default: automatic.")
@click.option("--threshold", type=float, default=None, help="Attach threshold (default: the tuned one).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
def run(files: tuple[Path, ...], contacts: Path | None, out_path: Path, model: str, device: str | None,
        threshold: float | None, as_json: bool, progress: bool | None) -> None:
    """Group exported messages (any mix of Twilio pages or CSV, mbox, Maildir, dialogue dumps)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from dedup.batch import MemoryContext, group_messages, write_groups
    from inbox.domain import IncomingMessage, Quarantined
    from inbox.ingest import read_files
    from inbox.services import build_matcher

    items = read_files(list(files))
    bad = [i for i in items if isinstance(i, Quarantined)]
    msgs = [i for i in items if isinstance(i, IncomingMessage)]
    for q in bad:
        err.print(f"[yellow]skipped[/] {q.source}:{q.position}: {q.reason}")
    ctx = MemoryContext()
    if contacts:
        for q in ctx.load_contacts(contacts):
            err.print(f"[yellow]contacts[/] {q.source}:{q.position}: {q.reason}")
    matcher = build_matcher("embedding", model=model, device=device, threshold=threshold)
    show = err.is_terminal if progress is None else progress
    if show:
        with Progress(TextColumn("grouping"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task("dedup", total=len(msgs))
            rows = group_messages(msgs, matcher, ctx, progress=lambda n: bar.advance(task, n))
    else:
        rows = group_messages(msgs, matcher, ctx)
    write_groups(rows, out_path)
    summary = summarise(rows)
    summary["quarantined"] = len(bad)
    if as_json:
        out.print_json(data=summary)
    else:
        print_summary(summary, out_path)


def summarise(rows: list[Any]) -> dict[str, Any]:
    inbound = [r for r in rows if r.direction == "in"]
    groups: dict[str, list[Any]] = {}
    for r in inbound:
        groups.setdefault(r.group, []).append(r)
    multi = [g for g in groups.values() if len({r.channel for r in g}) >= 2]
    by_n = Counter(len({r.channel for r in g}) for g in groups.values())
    top = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:5]
    return {
        "messages": len(inbound),
        "by_channel": dict(sorted(Counter(r.channel for r in inbound).items())),
        "inquiries": len(groups),
        "multi_channel_inquiries": len(multi),
        "multi_channel_share": round(len(multi) / len(groups), 4) if groups else 0.0,
        "inquiries_by_channel_count": {str(k): v for k, v in sorted(by_n.items())},
        "replies_saved_estimate": len(inbound) - len(groups),
        "top_groups": [{"group": g, "messages": len(v), "channels": sorted({r.channel for r in v})} for g, v in top],
    }


def print_summary(s: dict[str, Any], out_path: Path) -> None:
    out.print(f"{s['messages']} inbound messages (" + ", ".join(f"{k} {v}" for k, v in s["by_channel"].items())
              + f") → {s['inquiries']} inquiries")
    out.print(f"{s['multi_channel_inquiries']} inquiries came on 2+ channels ({s['multi_channel_share']:.0%}); "
              f"about {s['replies_saved_estimate']} replies saved by answering once")
    out.print(f"groups written to {out_path}")


@dedup.command("eval")
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Ground truth CSV: key, inquiry, person, direction.")
@click.argument("groups", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--show", default=10, show_default=True, help="How many false merges and misses to list.")
def eval_(labels: Path, groups: Path, as_json: bool, show: int) -> None:
    """Pairwise and B-cubed precision/recall/F1 over inbound messages, and the worst errors."""
    from dedup.evaluate import evaluate, read_groups, read_labels

    ev = evaluate(read_labels(labels), read_groups(groups))
    if as_json:
        out.print_json(data=ev.as_dict())
        return
    d = ev.as_dict()
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
@click.option("--json", "as_json", is_flag=True)
def train(sets: tuple[Path, ...], out_path: Path | None, threshold: float | None, cv: bool, as_json: bool) -> None:
    """Refit the pair scorer from labelled folders (exports + contacts.csv + labels.csv).

    With no folder given, uses the dev set next to the repository (../shared/data/dedup-dev) and the
    bundled demo set.
    """
    from dedup.matcher import DEFAULT_THRESHOLD
    from dedup.scorer import WEIGHTS_FILE, Scorer
    from dedup.train import CachedEmbedder, LabelledSet, collect_pairs, cross_validate
    from inbox.services import build_embedder

    folders = list(sets) or _default_sets()
    if not folders:
        raise click.ClickException("no labelled folders given and none found")
    labelled = [LabelledSet(f) for f in folders]
    thr = DEFAULT_THRESHOLD if threshold is None else threshold
    embedder = CachedEmbedder(build_embedder())
    X, y, groups = collect_pairs(labelled, embedder, Scorer.load(), thr)
    if len(set(y)) < 2:
        raise click.ClickException("the labelled pairs hold only one class: nothing to learn")
    scorer = Scorer.fit(X, y)
    target = out_path or WEIGHTS_FILE
    scorer.save(target, trained_on=[str(f) for f in folders], pairs=len(y), positives=sum(y))
    result: dict[str, Any] = {"pairs": len(y), "positives": sum(y), "weights": str(target)}
    if cv:
        result["cross_validation"] = [e.as_dict() for e in cross_validate(labelled, X, y, groups, embedder, thr)]
    if as_json:
        out.print_json(data=result)
    else:
        out.print(json.dumps(result, indent=2))


def _default_sets() -> list[Path]:
    here = Path(__file__).resolve()
    candidates = [here.parents[2] / "shared" / "data" / "dedup-dev", here.parent / "demo"]
    return [c for c in candidates if (c / "labels.csv").exists()]


__all__ = ["dedup"]
