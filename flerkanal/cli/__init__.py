"""The ``inbox`` command. It parses arguments and calls the library; the work happens elsewhere.

One module per command group; importing this package registers them all on :data:`cli`:

    root       the group, global options, the per-command context, `inbox init`
    ingest     `inbox ingest`
    threads    `queue`, `show`, `claim`, `release`, `close`, `split`, `merge`, `undo`, `suggest`, `reply`, `quarantine`
    people     `contacts import`, `profile`, `users`, `audit`
    app        `tui`, `supervise`, `stats`, `demo`
    sync       `sync`, `connectors`
    dedup      `dedup` (batch grouping, training, evaluation)
    recommend  `recommend` (channel suggestion over case files, fitting, the agreement report)
    bench      `bench` (commands that print figures)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.markup import escape

from flerkanal.cli import app, bench, ingest, people, threads  # noqa: F401  (each registers its commands)
from flerkanal.cli.dedup import dedup
from flerkanal.cli.recommend import recommend
from flerkanal.cli.root import cli, err
from flerkanal.cli.sync import connectors, sync
from inbox.errors import InboxError

cli.add_command(sync)
cli.add_command(connectors)
cli.add_command(dedup)
cli.add_command(recommend)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="inbox", standalone_mode=True)
    except InboxError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(2)


__all__ = ["cli", "main"]
