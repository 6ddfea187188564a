"""``inbox sync`` and ``inbox connectors``: run the channel connectors, and show how they are doing.

CLI wiring only: the daemon is :mod:`connectors.sync`, the configuration :mod:`connectors.config`. The
connectors package is imported inside the commands, so importing this module (and ``inbox --help``)
stays cheap and the inbox core never imports connectors.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape
from rich.table import Table

from flerkanal.cli.root import Ctx, err, fmt_duration, out

if TYPE_CHECKING:
    from connectors.config import SyncConfig
    from connectors.sync import SyncDaemon
    from inbox.health import ConnectorHealth

__all__ = ["connectors", "sync"]


CONNECTOR_NAMES = ("sms", "email", "dialog")

config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), envvar="INBOX_CONFIG",
    metavar="FILE",
    help="The TOML configuration (default: config.toml in the user config dir, e.g. "
         "~/.config/flerkanal/config.toml). Env: INBOX_CONFIG.",
)


def _load(config_file: Path | None) -> SyncConfig:
    from connectors.config import default_config_path, load_config

    cfg = load_config(config_file)
    if not cfg.names:
        where = str(cfg.path) if cfg.path else f"{default_config_path()} (not found)"
        raise click.ClickException(f"no connector is configured in {where}: add an [sms], [email] or [dialog] "
                                   "section (see docs/configuration.md), or pass --config FILE")
    return cfg


def _install_signals(daemon: SyncDaemon) -> None:
    """First SIGINT/SIGTERM: stop gracefully. Second: exit at once (safe: the cursor only ever moves after
    the messages are stored)."""
    loop = asyncio.get_running_loop()
    seen = 0

    def on_signal() -> None:
        nonlocal seen
        seen += 1
        if seen == 1:
            err.print("stopping… (once more to quit at once; nothing is lost either way)")
            daemon.request_stop()
        else:
            os._exit(130)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)


async def _run_once(daemon: SyncDaemon) -> dict[str, ConnectorHealth]:
    _install_signals(daemon)
    return await daemon.run_once()


async def _run(daemon: SyncDaemon) -> None:
    _install_signals(daemon)
    await daemon.run()


@click.command("sync")
@config_option
@click.option("--once", is_flag=True,
              help="Pull every connector until it has nothing more, store, and exit (no webhook server).")
@click.option("--only", multiple=True, type=click.Choice(CONNECTOR_NAMES),
              help="Run only this connector (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="With --once: print the summary as JSON.")
@click.pass_obj
def sync(c: Ctx, config_file: Path | None, once: bool, only: tuple[str, ...], as_json: bool) -> None:
    """Pull SMS, email and dialogue messages into the inbox, and serve the Twilio webhooks.

    Runs every configured connector at once; each backs off on its own when its service fails, and one
    failing connector never stops the others. A connector's position (cursor) is saved only after the
    messages it covers are stored, so stopping or killing the daemon at any moment loses nothing and
    stores nothing twice. Stop with Ctrl-C or SIGTERM. `inbox connectors` shows how each is doing.
    """
    from inbox.access import Permission

    c.require(Permission.IMPORT)
    from connectors.sync import SyncDaemon
    from flerkanal.wiring import arrival_warmer, build_matcher

    built = _load(config_file).build(only)
    store = c.store()
    warm = arrival_warmer(c.settings)  # the new messages' sentences embedded for the suggestion as they arrive
    matcher = build_matcher(c.settings.matcher, model=c.settings.model, share_model=warm is not None)
    daemon = SyncDaemon(store, built.connectors, matcher=matcher, options=built.options,
                        webhook=None if once else built.webhook, poll_seconds=built.poll_seconds,
                        after_ingest=None if warm is None else lambda summary: warm(store, summary.threads))
    if not once:
        err.print(f"syncing {', '.join(built.connectors)}"
                  + (f"; webhooks on {built.webhook.host}:{built.webhook.port}" if built.webhook else "")
                  + (f"; metrics on {built.options.metrics_host}:{built.options.metrics_port}/metrics"
                     if built.options.metrics_port is not None else ""))
        asyncio.run(_run(daemon))
        return
    health = asyncio.run(_run_once(daemon))
    failed = [h for h in health.values() if h.status != "ok"]
    if as_json:
        from inbox.health import summarise

        out.print_json(data=summarise(health.values()))
    else:
        table = Table(title="sync --once", show_edge=False)
        for col in ("connector", "new", "already stored", "quarantined", "status"):
            table.add_column(col, justify="left" if col in ("connector", "status") else "right")
        for h in health.values():
            table.add_row(h.name, str(h.new), str(h.duplicates), str(h.quarantined), escape(_status(h)))
        out.print(table)
        for h in failed:
            err.print(f"[red]{escape(h.name)}[/]: {escape(h.last_error or h.status)}")
    if failed:
        sys.exit(1)


def _status(h: ConnectorHealth) -> str:
    if h.status == "ok":
        return "ok"
    return f"{h.status}: {h.last_error}" if h.last_error else h.status


def _when(dt: datetime | None, now: datetime) -> str:

    if dt is None:
        return "never"
    return f"{dt.astimezone():%Y-%m-%d %H:%M:%S} ({fmt_duration((now - dt).total_seconds())} ago)"


def _short(text: str | None, width: int = 48) -> str:
    if not text:
        return "-"
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command("connectors")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (full cursors).")
@click.pass_obj
def connectors(c: Ctx, config_file: Path | None, as_json: bool) -> None:
    """Show each configured connector: where it connects, its health, last success, last error and cursor.

    Health is what the sync daemon last recorded in the database (so it works from any machine sharing
    it). Secrets are never shown: only the environment variable or file each one is read from, and
    whether it can be read.
    """
    from inbox.access import Permission

    c.require(Permission.ADMINISTER)
    cfg = _load(config_file)
    options = cfg.options()
    stale_after = 3 * options.poll_seconds + options.backoff_max + 60
    store = c.store()
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for info in cfg.describe():
        health = store.load_health(info.name)
        cursor = store.get_cursor(info.name)
        status = "never synced"
        if health is not None:
            status = health.status
            if health.mode == "once":
                status += " (sync --once)"
            elif health.status != "stopped" and health.updated_at is not None and (
                    now - health.updated_at).total_seconds() > stale_after:
                status += " (stale: is the daemon running?)"
            if health.status == "retrying" and health.retry_at is not None:
                status += f", next try {health.retry_at.astimezone():%H:%M:%S}"
        if info.problem:
            status = f"misconfigured: {info.problem}"
        rows.append({
            "name": info.name, "channel": info.channel, "target": info.target, "secrets": info.secrets,
            "problem": info.problem, "status": status,
            "last_success": health.last_success.isoformat() if health and health.last_success else None,
            "last_error": health.last_error if health else "",
            "last_error_at": health.last_error_at.isoformat() if health and health.last_error_at else None,
            "errors_in_a_row": health.errors_in_a_row if health else 0,
            "reported_at": health.updated_at.isoformat() if health and health.updated_at else None,
            "cursor": cursor,
            "_health": health,
        })
    if as_json:
        out.print_json(data={"config": str(cfg.path) if cfg.path else None,
                             "connectors": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]})
        return
    err.print(f"config: {cfg.path or '(environment only)'}")
    for r in rows:
        h: ConnectorHealth | None = r["_health"]
        last_error = "-"
        if h is not None and h.last_error:
            last_error = f"{h.last_error} ({_when(h.last_error_at, now)})"
        out.print(f"[bold]{escape(r['name'])}[/]  {escape(r['target'])}")
        for label, value in (("secrets from", r["secrets"]), ("status", r["status"]),
                             ("last success", _when(h.last_success if h else None, now)),
                             ("last error", last_error), ("cursor", _short(r["cursor"], 100))):
            out.print(f"  {label:13} {escape(value)}")
    if any(r["problem"] for r in rows):
        sys.exit(1)
