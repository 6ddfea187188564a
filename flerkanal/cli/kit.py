"""Small click helpers shared by the CLI modules."""

from __future__ import annotations

from typing import Any

import click


class DefaultGroup(click.Group):
    """A group that runs ``default`` when the first argument is not one of its subcommands.

    ``inbox recommend cases.jsonl`` then means ``inbox recommend suggest cases.jsonl``, while
    ``inbox recommend eval cases.jsonl`` still reaches ``eval``.
    """

    def __init__(self, *args: Any, default: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_command = default

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if self.default_command and (not args or args[0] not in self.commands) and not (
            args and args[0] in ("--help", "-h")
        ):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)
