"""The `inbox` command group: global options, the per-command context (settings, store, acting user) and
`inbox init`."""


from __future__ import annotations

import logging
import sys
from typing import Any

import click

from flerkanal.settings import Settings
from inbox.access import Permission, Role, User
from inbox.display import SafeConsole, printable
from inbox.domain import Quarantined
from inbox.errors import InboxError, PermissionDenied
from inbox.storage.repository import Store

log = logging.getLogger("inbox")


# Every string these print passes through inbox.display.printable: a message can never drive the terminal.
out = SafeConsole(highlight=False, soft_wrap=True)


err = SafeConsole(stderr=True, highlight=False)


class Ctx:
    """What every command gets: settings and a lazily opened store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None
        self._user: User | None = None

    def store(self, *, create: bool = False) -> Store:
        if self._store is None:
            self._store = Store.open(self.settings.database_url, create=create)
            if not create:
                from inbox.storage.database import schema_is_current

                self._store.check()
                if not schema_is_current(self._store.engine):
                    raise click.ClickException(
                        "the database is not initialised or is out of date: run `inbox init` first")
        return self._store

    def user(self) -> User:
        """The user this command acts as: the OS account running it (:func:`flerkanal.settings.os_user`). Only an
        admin may act as someone else (``--user``/``INBOX_USER``), and each time that is audited (``act-as``,
        recorded under the admin's own name). From here on the store is limited to what the user may see:
        a caseworker of an office unit gets a store scoped to that unit (:meth:`Store.scoped`), so every
        command that reads or changes a thread or person is refused outside it."""
        if self._user is None:
            from flerkanal import settings as config

            store = self.store()
            name, real = self.settings.user, config.os_user()
            if name != real:
                operator = store.user(real)  # refuses an OS account that is no user of this inbox
                if operator.role != Role.ADMIN:
                    raise PermissionDenied(
                        f"you are {real} on this machine, and only an admin may act as another user "
                        f"(--user / INBOX_USER {name}): leave it out to act as yourself")
                user = store.user(name)
                store.audit(real, "act-as", None, as_user=name,
                            command=click.get_current_context().command_path)
            else:
                user = store.user(name)
            self._user = user
            self._store = store.scoped(unit_scope(user))
        return self._user

    def require(self, permission: Permission) -> User:
        """The current user, if their role grants ``permission``; else a clear refusal."""
        user = self.user()
        user.require(permission)
        return user

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_ctx = click.make_pass_decorator(Ctx)


def unit_scope(user: User) -> str | None:
    """The office unit a caseworker is limited to (None: all units)."""
    return user.unit if user.role == Role.CASEWORKER and user.unit else None


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, _ = divmod(s, 60)
    if d:
        return f"{d}d {h}h"
    if h:
        return f"{h}h {m}m"
    return f"{m}m"


class InboxGroup(click.Group):
    """Turns flerkanal's own errors into clean one-line CLI errors (exit code 1)."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except InboxError as exc:
            raise click.ClickException(printable(str(exc), multiline=False)) from exc
        except OperationalError as exc:
            what = printable(str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__, multiline=False)
            if "locked" in what or "busy" in what:
                raise click.ClickException(
                    f"the database is locked by another process ({what}) and stayed locked past the wait "
                    "(INBOX_SQLITE_BUSY_SECONDS, default 30): try again, or find the process holding it") from exc
            raise click.ClickException(f"the database refused or could not be reached: {what}") from exc


# TUI (issue 7): invoke_without_command, so a bare `inbox` opens the TUI (see the end of cli()).
@click.group(cls=InboxGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", envvar="INBOX_DATABASE_URL", metavar="URL",
              help="Database URL (any SQLAlchemy URL; default: SQLite in the XDG data dir). "
                   "Env: INBOX_DATABASE_URL.")
@click.option("--user", "user", envvar="INBOX_USER", metavar="NAME",
              help="Who you are, for claims and the audit log (default: your OS user). Env: INBOX_USER.")
@click.option("--matcher", type=click.Choice(["embedding", "structural"]), envvar="INBOX_MATCHER",
              help="How messages are grouped into inquiries (default: embedding). Env: INBOX_MATCHER.")
@click.option("-v", "--verbose", count=True, help="More log output (never message text or ID numbers).")
@click.version_option(package_name="flerkanal")
@click.pass_context
def cli(ctx: click.Context, db: str | None, user: str | None, matcher: str | None, verbose: int) -> None:
    """flerkanal: one queue for SMS, email and activity-plan dialogue.

    Start with `inbox init`, load the register with `inbox contacts import`, import exports with
    `inbox ingest`, then work the queue with `inbox queue`, `inbox show` and `inbox claim`.
    Try it all on bundled demo data with `inbox demo`.
    """
    logging.basicConfig(level=logging.WARNING - 10 * min(verbose, 2), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    overrides: dict[str, Any] = {}
    if db:
        overrides["database_url"] = db
    if user:
        overrides["user"] = user
    if matcher:
        overrides["matcher"] = matcher
    ctx.obj = Ctx(Settings(**overrides))
    ctx.call_on_close(ctx.obj.close)
    # -- TUI (issue 7): a bare `inbox` opens the TUI on a terminal, and prints this help elsewhere. --------
    if ctx.invoked_subcommand is None:
        if sys.stdout.isatty():
            ctx.invoke(cli.commands["tui"])
        else:
            click.echo(ctx.get_help())


@cli.command()
@pass_ctx
def init(c: Ctx) -> None:
    """Create the database (or bring it up to date) by applying the migrations."""
    store = c.store(create=True)
    err.print(f"database ready: {store.engine.url.render_as_string(hide_password=True)}")


def problem_json(q: Quarantined) -> dict[str, str]:
    return {"source": q.source, "position": q.position, "reason": q.reason}


# -- TUI (issue 7) --------------------------------------------------------------------------------------------
def tui_factory() -> Any:
    """``tui.factory``, imported when used: importing it loads Textual, which `inbox --help` must not.
    The CLI is the one place that wires the TUI in (an explicit exception in the import contracts)."""
    from tui import factory

    return factory
