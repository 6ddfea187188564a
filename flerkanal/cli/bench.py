"""`inbox bench`: commands that print figures (not tests)."""


from __future__ import annotations

from pathlib import Path

import click

from flerkanal.cli.root import cli, out


@cli.group()
def bench() -> None:
    """Benchmarks: commands that print figures (not tests)."""


@bench.command("generate")
@click.option("--messages", "n", default=100_000, show_default=True, help="How many messages to write.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for sms/ (Messages.json pages), mail.mbox, dialog.json, contacts.csv, labels.csv.")
@click.option("--people", type=int, default=None, help="Number of people (default: one per ~4 messages).")
@click.option("--duplicate-rate", type=float, default=0.25, show_default=True,
              help="Share of inquiries that are sent again on another channel.")
@click.option("--seed", type=int, default=0, show_default=True)
def bench_generate(n: int, out_dir: Path, people: int | None, duplicate_rate: float, seed: int) -> None:
    """Write realistic synthetic exports (streamed; 1M messages fit in little memory)."""
    from synth import generate

    s = generate(out_dir, n, people=people, duplicate_rate=duplicate_rate, seed=seed)
    out.print(f"wrote {n} messages to {out_dir} in {s.seconds:.1f} s ({s.per_second:.0f} msgs/s)")


@bench.command("stats")
@click.option("--messages", "n", default=1_000_000, show_default=True, help="Messages to seed.")
@click.option("--db", "bench_db", metavar="URL", multiple=True,
              help="Database(s) to measure (PostgreSQL: a fresh database is created beside the one named). "
                   "Default: a temporary SQLite file. Repeatable.")
@click.option("--json", "as_json", is_flag=True)
def bench_stats(n: int, bench_db: tuple[str, ...], as_json: bool) -> None:
    """Seed N messages, then time one refresh of all supervisor figures (target ≤ 200 ms at 1M)."""
    from flerkanal.bench import bench_stats as run

    results = run(n, list(bench_db))
    if as_json:
        out.print_json(data=results)
    else:
        for r in results:
            out.print(f"{r['database']}: {r['messages']} messages, {r['threads']} threads: refresh p50 "
                      f"{r['refresh_ms_p50']} ms, p95 {r['refresh_ms_p95']} ms (seeded in {r['seed_seconds']} s)")


@bench.command("match")
@click.option("--messages", "n", default=1_000_000, show_default=True, help="Messages stored before measuring.")
@click.option("--new", default=200, show_default=True, help="New messages to match, one at a time.")
@click.option("--model", default="default", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_match(n: int, new: int, model: str, as_json: bool) -> None:
    """Latency of embed + score + assign for one new message with N stored (target p95 ≤ 150 ms at 1M)."""
    from flerkanal.bench import bench_match as run

    r = run(n, new, model)
    if as_json:
        out.print_json(data=r)
    else:
        out.print(f"{r['new_messages']} new messages with {r['stored_messages']} stored: p50 {r['p50_ms']} ms, "
                  f"p95 {r['p95_ms']} ms, max {r['max_ms']} ms; model load {r['model_load_seconds']} s; "
                  f"peak RSS {r['peak_rss_mb']} MB")
        for kind, v in r["by_sender"].items():
            out.print(f"  {kind} senders: {v['messages']} messages, p50 {v['p50_ms']} ms, p95 {v['p95_ms']} ms")


@bench.command("dedup", add_help_option=False,
               context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench_dedup(args: tuple[str, ...]) -> None:
    """Batch dedup at 10k, 100k and 1M messages, default and fast model: wall time, peak RSS, dev-set F1.

    Options (see `inbox bench dedup --help`): --sizes, --models, --max-default, --jobs, --work, --no-dev,
    --json.
    """
    from flerkanal.bench_dedup import main as run

    raise SystemExit(run(list(args)))


@bench.command("suggest")
@click.option("-n", "n", type=click.IntRange(10), default=2000, show_default=True,
              help="Messages to seed the store with.")
@click.option("--suggestions", type=click.IntRange(1), default=200, show_default=True,
              help="Suggestions to time (threads drawn at random).")
@click.option("--model", default="default", show_default=True, help="Sentence-embedding model.")
@click.option("--json", "as_json", is_flag=True)
def bench_suggest(n: int, suggestions: int, model: str, as_json: bool) -> None:
    """Time the reply-channel suggestion for stored threads once the model is loaded (p50/p95 in ms).

    Cold: no vector cache at all, every suggestion embeds its thread's sentences and notes (the worst case).
    Stored thread: new messages arrive through the arrival path (stored, then their thread's sentences
    embedded, as ingest and sync do) and their threads are suggested for. Seen before: the cold threads
    again behind the vector cache."""
    from flerkanal.bench import bench_suggest as run

    r = run(n, suggestions, model)
    if as_json:
        out.print_json(data=r)
        return
    st = r["stored_thread"]
    click.echo(f"suggest: {r['suggestions']} suggestions over {r['threads']} threads "
               f"({r['stored_messages']} messages stored), torch threads {r['torch_threads']}: "
               f"cold (nothing cached) p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, max {r['max_ms']} ms; "
               f"stored thread (sentences embedded on arrival) p50 {st['p50_ms']} ms, p95 {st['p95_ms']} ms, "
               f"{st['embedded_at_suggestion']} texts embedded at suggestion (arrival paid p50 "
               f"{st['arrival_warm_p50_ms']} ms, p95 {st['arrival_warm_p95_ms']} ms); a thread seen before: "
               f"p50 {r['seen_before']['p50_ms']} ms, p95 {r['seen_before']['p95_ms']} ms "
               f"(model and exemplars loaded in {r['model_load_seconds']} s)")


@bench.command("ingest")
@click.option("--n", "n", default=100_000, show_default=True, help="Messages to generate and import.")
@click.option("--db", "bench_db", metavar="URL", multiple=True,
              help="Database(s) to measure; default: a temporary SQLite file. Repeatable.")
@click.option("--json", "as_json", is_flag=True)
def bench_ingest(n: int, bench_db: tuple[str, ...], as_json: bool) -> None:
    """Generate realistic synthetic exports, then time parsing + storing them (messages/s)."""
    from flerkanal.bench import bench_ingest as run

    results = run(n, list(bench_db))
    if as_json:
        out.print_json(data=results)
    else:
        for r in results:
            out.print(f"{r['database']}: {r['messages']} messages in {r['seconds']:.1f} s = "
                      f"{r['messages_per_second']:.0f} msgs/s (parse {r['parse_seconds']:.1f} s, "
                      f"store {r['store_seconds']:.1f} s)")
