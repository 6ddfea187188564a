"""Batch dedup benchmark: wall time and peak memory of ``inbox dedup`` at 10k, 100k and 1M messages, with the
default model and the fast one, and each model's quality on the labelled dev set. A command, not a test.

    inbox bench dedup                                   # 10k, 100k, 1M; fast and default
    inbox bench dedup --sizes 10000 100000 --models fast
    inbox bench dedup --max-default 100000              # default model above this: extrapolated
    inbox bench dedup --json

Synthetic exports come from ``synth.generate`` (kept in ``--work`` between runs). Each run is a fresh
``inbox dedup`` process with an empty embedding cache (so embedding is paid), measured from the outside:
wall time, and peak RSS summed over the process and all its workers (sampled every 0.2 s), plus the
pairwise F1 against the synthetic labels. The dev set (../shared/data/dedup-dev) gives each model's
quality on real-looking messages. Nothing prints message text.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

DEV = REPO.parent / "shared" / "data" / "dedup-dev"
_CLI = "import sys; from flerkanal.cli import main; sys.argv[0] = 'inbox'; main()"


def _tree_rss(root: int) -> tuple[int, int]:
    """RSS in bytes of ``root`` and all its descendants together, and of the largest of them (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/statm", encoding="ascii") as f:
                pages = int(f.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, largest, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        largest = max(largest, rss.get(pid, 0))
        todo.extend(children.get(pid, ()))
    return total, largest


def measure(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd``; wall seconds, peak RSS of its process tree (all processes together), peak RSS of its
    largest process, and its output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = largest = 0
    while proc.poll() is None:
        tree, one = _tree_rss(proc.pid)
        peak, largest = max(peak, tree), max(largest, one)
        time.sleep(0.2)
    out, errors = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}… failed ({proc.returncode}): {errors[-2000:]}")
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(peak / 2**20),
            "largest_process_rss_mb": round(largest / 2**20), "stdout": out}


def _pair_f1(labels: Path, groups: Path) -> dict[str, float]:
    from dedup.evaluate import evaluate, read_groups, read_labels

    ev = evaluate(read_labels(labels), read_groups(groups))
    return {"pair_precision": round(ev.pair_precision, 4), "pair_recall": round(ev.pair_recall, 4),
            "pair_f1": round(ev.pair_f1, 4), "bcubed_f1": round(ev.bcubed_f1, 4)}


def dedup_cmd(files: list[Path], contacts: Path, out: Path, model: str, cache: Path, jobs: int | None) -> list[str]:
    cmd = [sys.executable, "-c", _CLI, "dedup", *map(str, files), "--contacts", str(contacts), "--out", str(out),
           "--model", model, "--cache-dir", str(cache), "--json", "--no-progress"]
    return [*cmd, "--jobs", str(jobs)] if jobs else cmd


def dev_quality(model: str, work: Path) -> dict[str, Any]:
    """The model's scores on the labelled dev set (warm model cache; fresh vector cache)."""
    out = work / f"dev-{model}.csv"
    cache = work / f"vectors-dev-{model}"
    shutil.rmtree(cache, ignore_errors=True)
    files = [DEV / f for f in ("sms.json", "mail.mbox", "dialog.json")]
    m = measure(dedup_cmd(files, DEV / "contacts.csv", out, model, cache, 1))
    return {"model": model, "seconds": m["seconds"], **_pair_f1(DEV / "labels.csv", out)}


def synth_set(n: int, work: Path) -> Path:
    from synth import generate

    folder = work / f"synth-{n}"
    if not (folder / "labels.csv").exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate(folder, n, seed=1)
    return folder


def run_size(n: int, model: str, work: Path, jobs: int | None) -> dict[str, Any]:
    folder = synth_set(n, work)
    out = work / f"groups-{n}-{model}.csv"
    cache = work / f"vectors-{n}-{model}"
    shutil.rmtree(cache, ignore_errors=True)  # cold: embedding is part of the cost
    files = [folder / "sms", folder / "mail.mbox", folder / "dialog.json"]
    m = measure(dedup_cmd(files, folder / "contacts.csv", out, model, cache, jobs))
    summary = json.loads(m.pop("stdout"))
    shutil.rmtree(cache, ignore_errors=True)
    total = summary["messages"] + summary["outbound_messages"]
    row: dict[str, Any] = {"messages": total, "model": model, **m,
                           "messages_per_second": round(total / m["seconds"]),
                           "workers": summary["run"]["workers"], "phases": summary["run"]["phase_seconds"]}
    if n <= 100_000:  # scoring 1M labels is itself slow; the 10k/100k scores say the same
        with (folder / "labels.csv").open(encoding="utf-8") as f:
            n_labels = sum(1 for _ in csv.reader(f)) - 1
        row["synthetic_labels"] = n_labels
        row.update({f"synthetic_{k}": v for k, v in _pair_f1(folder / "labels.csv", out).items()})
    out.unlink(missing_ok=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="inbox bench dedup", description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                    help="Synthetic export sizes in messages (default: 10000 100000 1000000).")
    ap.add_argument("--models", nargs="+", default=["fast", "default"],
                    help="Embedding models: fast, default, or any sentence-transformers name or path.")
    ap.add_argument("--max-default", type=int, default=100_000,
                    help="Largest size run with the default model; larger ones are extrapolated from it.")
    ap.add_argument("--jobs", type=int, default=None, help="Workers (default: inbox dedup's own default).")
    ap.add_argument("--work", type=Path, default=None, help="Folder for the synthetic sets (kept).")
    ap.add_argument("--no-dev", action="store_true", help="Skip the dev-set quality runs.")
    ap.add_argument("--json", action="store_true", help="Print one JSON document at the end.")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.gettempdir()) / "flerkanal-dedup-bench"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(), "runs": [],
                               "dev_set": []}
    if not args.no_dev and DEV.is_dir():
        for model in args.models:
            results["dev_set"].append(dev_quality(model, work))
            if not args.json:
                print(json.dumps(results["dev_set"][-1]), flush=True)
    for n in sorted(args.sizes):
        for model in args.models:
            if model != "fast" and n > args.max_default:
                base = [r for r in results["runs"] if r["model"] == model and r["messages"] > 0]
                if base:
                    ref = max(base, key=lambda r: r["messages"])
                    results["runs"].append({"messages": n, "model": model, "extrapolated_from": ref["messages"],
                                            "seconds": round(ref["seconds"] * n / ref["messages"])})
                continue
            results["runs"].append(run_size(n, model, work, args.jobs))
            if not args.json:
                print(json.dumps(results["runs"][-1]), flush=True)
    results["load_average_at_end"] = os.getloadavg()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"\n{'messages':>9} {'model':>8} {'seconds':>8} {'msg/s':>7} {'peak RSS MB':>11} {'synthetic F1':>12}")
        for r in results["runs"]:
            note = f"(extrapolated from {r['extrapolated_from']})" if "extrapolated_from" in r else ""
            print(f"{r['messages']:>9} {r['model']:>8} {r['seconds']:>8} {r.get('messages_per_second', ''):>7} "
                  f"{r.get('peak_rss_mb', ''):>11} {r.get('synthetic_pair_f1', ''):>12} {note}")
        for d in results["dev_set"]:
            print(f"dev set, {d['model']}: pair P {d['pair_precision']} R {d['pair_recall']} F1 {d['pair_f1']}, "
                  f"B-cubed F1 {d['bcubed_f1']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
