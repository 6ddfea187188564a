"""`inbox ingest`: import export files (Twilio, mbox, dialogue dumps) into the queue."""


from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from flerkanal.cli.root import Ctx, cli, err, out, pass_ctx, problem_json
from flerkanal.settings import Settings
from inbox.access import Permission
from inbox.storage.repository import Store


def run_ingest(store: Store, files: Sequence[Path], settings: Settings, *, progress: bool,
               counts: dict[Path, int] | None = None) -> Any:
    """Parse all files, sort by time (so threads form in the order people wrote), store in batches.
    ``counts`` gets the number of messages read from each file."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from flerkanal.wiring import arrival_warmer, build_matcher
    from inbox.ingest import read_files

    items = read_files(files, office_addresses=frozenset(a.lower() for a in settings.office_emails),
                       counts=counts)
    warm = arrival_warmer(settings)
    matcher = build_matcher(settings.matcher, model=settings.model, share_model=warm is not None)
    if not progress:
        summary = store.ingest(items, batch_size=settings.batch_size, matcher=matcher)
        if warm is not None:  # the new messages' sentences embedded now: opening a thread costs no model call
            warm(store, summary.threads)
        return summary
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("importing", total=len(items))
        summary = store.ingest(items, batch_size=settings.batch_size, matcher=matcher,
                               progress=lambda n: bar.advance(task, n))
        if warm is not None:
            threads = bar.add_task("embedding for suggestions", total=len(summary.threads))
            warm(store, summary.threads, progress=lambda n: bar.advance(threads, n))
    return summary


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@pass_ctx
def ingest(c: Ctx, files: tuple[Path, ...], as_json: bool, progress: bool | None) -> None:
    """Import exported logs; the format of each file is detected from its content.

    Reads Twilio message lists (Messages.json pages, a directory of them, or the CSV log), mbox files,
    Maildir folders, single .eml files and activity-plan dialogue dumps (DialogDTO). Importing the same
    file again stores nothing new. Records that cannot be read are quarantined with file, position and
    reason (see `inbox quarantine`) and the rest goes through; so are files a folder holds that are not
    read (hidden files, links to folders), with the reason.

    \b
    Exit status:
      0  every input held messages (stored now or before; some records may be quarantined)
      1  an input held no message that could be read (an unrecognised or empty file, or every record
         quarantined); the other inputs are still stored
      2  wrong usage (a missing file, an unknown option)
    """
    c.require(Permission.IMPORT)
    store = c.store()
    show = err.is_terminal if progress is None else progress
    counts: dict[Path, int] = {}
    summary = run_ingest(store, files, c.settings, progress=show, counts=counts)
    data = summary.as_dict()
    empty = [f for f in files if not counts.get(f)]
    if as_json:
        data["problems"] = [problem_json(p) for p in summary.problems]
        data["inputs_without_messages"] = [str(f) for f in empty]
        out.print_json(data=data)
        if empty:
            sys.exit(1)
        return
    table = Table(title="ingest", show_edge=False)
    for col in ("channel", "new", "already present", "quarantined"):
        table.add_column(col, justify="right" if col != "channel" else "left")
    for ch, row in data["by_channel"].items():
        table.add_row(ch, str(row["new"]), str(row["already_present"]), str(row["quarantined"]))
    table.add_row("all", str(data["new"]), str(data["already_present"]), str(data["quarantined"]))
    out.print(table)
    out.print(f"{data['threads_created']} new inquiries")
    for p in summary.problems[:20]:
        err.print(f"[yellow]quarantined[/] {escape(f'{p.source}:{p.position}: {p.reason}')}")
    if len(summary.problems) > 20:
        err.print(f"… and {len(summary.problems) - 20} more: see `inbox quarantine`")
    for f in empty:
        err.print(f"[red]error[/]: {escape(str(f))}: no message could be read from it (reasons above)")
    if empty:
        sys.exit(1)
