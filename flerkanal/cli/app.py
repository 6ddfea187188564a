"""The terminal UI and the figures: `inbox tui`, `supervise`, `stats` and `demo`."""


from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from flerkanal.cli.ingest import run_ingest
from flerkanal.cli.root import Ctx, cli, err, fmt_duration, out, pass_ctx, tui_factory, unit_scope
from flerkanal.cli.threads import entry_json, print_queue
from inbox.access import Permission, Role


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts and cron.")
# -- supervisor figures (issue 8): the target and a fixed "now"; the same figures as `inbox supervise`. --------
@click.option("--target-hours", type=click.FloatRange(min=0), default=48.0, show_default=True,
              help="Waiting target in working hours (Mon-Fri); 48 = 2 working days.")
@click.option("--now", "at", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]), default=None,
              help="Compute the figures as of this time (UTC) instead of now.")
@pass_ctx
def stats(c: Ctx, as_json: bool, target_hours: float = 48.0, at: datetime | None = None) -> None:
    """Queue length and waiting times, counted in unique inquiries (not raw messages)."""
    c.require(Permission.VIEW_STATS)
    from inbox.supervise import gather
    from inbox.workdays import target_label

    f = gather(c.store(), at.replace(tzinfo=UTC) if at else None, target_hours=target_hours)
    s = f.stats
    if as_json:
        out.print_json(data=f.as_dict())
        return
    out.print(f"open inquiries: {s.open_inquiries} ({s.claimed} claimed) from {s.open_messages} messages")
    out.print(f"oldest waiting: {fmt_duration(s.oldest_waiting_seconds)} · median {fmt_duration(s.waiting_p50_seconds)}"
              f" · 90th percentile {fmt_duration(s.waiting_p90_seconds)}")
    out.print("by channel: " + ", ".join(f"{k} {v}" for k, v in s.by_channel.items()))
    out.print("by number of channels: " + ", ".join(f"{k}: {v}" for k, v in s.by_channel_count.items()))
    out.print(f"waiting beyond {target_label(target_hours)}: {f.waiting_beyond_target}")
    for name, load in f.caseworkers.items():
        out.print(f"  {name}: {load['claimed']} claimed, {load['answered_today']} answered today", markup=False)
    for h in f.connectors:
        out.print(f"  connector {h.name}: {h.status}, last success {fmt_duration(h.lag_seconds)} ago"
                  + (f", {h.errors_in_a_row} errors in a row ({h.error})" if h.errors_in_a_row else ""), markup=False)


def _configured_connectors(config: str | None) -> dict[str, Any]:
    """The connectors of the sync configuration, for sending replies from the TUI ({} without one)."""
    from connectors.config import find_config, load_config

    path = find_config(config)
    return dict(load_config(path).build().connectors) if path is not None else {}


@cli.command("tui")
@click.option("--config", "config", metavar="FILE", envvar="INBOX_CONFIG",
              help="Connector configuration used to send replies (default: ~/.config/flerkanal/config.toml).")
@pass_ctx
def tui(c: Ctx, config: str | None = None) -> None:
    """Open the caseworker terminal UI on the configured database (the same as a bare `inbox`).

    The queue of inquiries in fair order; open one to see its messages on every channel, claim it,
    answer once on the suggested channel. Replies are sent through the connectors configured for
    `inbox sync`; without a configuration they are recorded, not sent. Press ? in the app for every key.
    """
    # supervisor mode (issue 8): a supervisor gets the aggregates-only supervisor view, not a refusal
    if c.user().role == Role.SUPERVISOR:
        click.get_current_context().invoke(supervise)
        return
    user = c.require(Permission.READ_THREADS)
    from flerkanal.wiring import suggest_for_thread

    tui_factory().run(c.store(), c.settings.user, connectors=_configured_connectors(config), unit=unit_scope(user),
                      recommend=suggest_for_thread)


# -- supervisor view (issue 8) ---------------------------------------------------------------------------------
@cli.command()
@click.option("--target-hours", type=click.FloatRange(min=0), default=48.0, show_default=True,
              help="Waiting target in working hours (Mon-Fri); 48 = 2 working days.")
@pass_ctx
def supervise(c: Ctx, target_hours: float = 48.0) -> None:
    """Open the supervisor view: queue length now and over time (unique inquiries vs raw messages),
    waiting times, inquiries beyond the target, caseworkers' load and connector health. Aggregates only:
    no message text, names or ID numbers. Refreshes on its own; press ? for every key."""
    c.require(Permission.VIEW_STATS)
    store = c.store()
    store.snapshot()  # so the chart has a point for now; the sync daemon records the rest
    tui_factory().run_supervisor(store, c.settings.user, target_hours=target_hours)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the queue as JSON instead of a table.")
@click.option("--no-tui", is_flag=True, help="Print the queue table instead of opening the TUI "
              "(the default when stdout is not a terminal).")
@click.option("--keep", is_flag=True, help="Keep the temporary demo database after the demo and say where it is.")
@pass_ctx
def demo(c: Ctx, as_json: bool, no_tui: bool, keep: bool) -> None:
    """Load the bundled demo data (a few dozen messages on three channels) and open the TUI on it.

    The demo always uses a fresh temporary SQLite database, removed when it ends (--keep keeps it and says
    where it is), never the one INBOX_DATABASE_URL configures: only a --db given on this command line is
    used instead. Replies go to local fake connectors, which also deliver a few new messages while you watch.
    With --no-tui, or when stdout is not a terminal, it prints the queue instead.
    """
    import shutil
    import tempfile

    from click.core import ParameterSource

    root = click.get_current_context().find_root()
    tmp: Path | None = None
    if root.get_parameter_source("db") != ParameterSource.COMMANDLINE:
        tmp = Path(tempfile.mkdtemp(prefix="flerkanal-demo-"))
        c.close()  # a store opened on the configured database is not the demo's
        c.settings = c.settings.model_copy(update={"database_url": f"sqlite:///{tmp / 'demo.db'}"})
    try:
        _run_demo(c, as_json=as_json, no_tui=no_tui)
    finally:
        if tmp is not None:
            c.close()
            if keep:
                err.print(f"demo database kept: {c.settings.database_url} "
                          f"(for example: inbox --db {c.settings.database_url} queue)", markup=False, soft_wrap=True)
            else:
                shutil.rmtree(tmp, ignore_errors=True)


def _run_demo(c: Ctx, *, as_json: bool, no_tui: bool) -> None:
    from flerkanal.demo import demo_contacts, demo_files
    from inbox.contacts import read_contacts_csv

    store = c.store(create=True)
    store.import_contacts(read_contacts_csv(demo_contacts()))
    summary = run_ingest(store, demo_files(), c.settings, progress=False)
    entries = store.open_threads(limit=100)
    if as_json:
        out.print_json(data=[entry_json(e, datetime.now(UTC)) for e in entries])
        return
    # -- TUI (issue 7): on a terminal the demo opens the TUI; --no-tui or a pipe prints the table. ---------
    if not no_tui and sys.stdout.isatty():
        from flerkanal.demo.feed import DemoFeed, demo_connectors
        from flerkanal.wiring import build_matcher, suggest_for_thread

        conns = demo_connectors()
        tui_factory().run_demo(store, c.settings.user, conns, DemoFeed(conns), recommend=suggest_for_thread,
                               matcher=build_matcher(c.settings.matcher, model=c.settings.model))
        return
    d = summary.as_dict()
    err.print(f"demo database: {store.engine.url.render_as_string(hide_password=True)}", markup=False, soft_wrap=True)
    err.print(f"imported {d['new']} messages into {d['threads_created']} threads")
    print_queue(entries, title="demo queue")
