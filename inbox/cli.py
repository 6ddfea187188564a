"""The ``inbox`` command. It parses arguments and calls the library; the work happens elsewhere."""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from inbox.access import Permission, Role, User
from inbox.config import Settings
from inbox.display import SafeConsole, printable
from inbox.domain import Quarantined, ThreadState
from inbox.errors import InboxError, PermissionDenied
from inbox.storage.repository import QueueEntry, Store

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
        """The user this command acts as: the OS account running it (:func:`inbox.config.os_user`). Only an
        admin may act as someone else (``--user``/``INBOX_USER``), and each time that is audited (``act-as``,
        recorded under the admin's own name). From here on the store is limited to what the user may see:
        a caseworker of an office unit gets a store scoped to that unit (:meth:`Store.scoped`), so every
        command that reads or changes a thread or person is refused outside it."""
        if self._user is None:
            from inbox import config

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
            self._store = store.scoped(_unit_scope(user))
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


def _unit_scope(user: User) -> str | None:
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
            ctx.invoke(tui)
        else:
            click.echo(ctx.get_help())


@cli.command()
@pass_ctx
def init(c: Ctx) -> None:
    """Create the database (or bring it up to date) by applying the migrations."""
    store = c.store(create=True)
    err.print(f"database ready: {store.engine.url.render_as_string(hide_password=True)}")


@cli.group()
def contacts() -> None:
    """The contact register: who a phone number or email address belongs to."""


@contacts.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_ctx
def contacts_import(c: Ctx, csv_file: Path, as_json: bool) -> None:
    """Load a register CSV with columns fnr, aktor_id, name, phone, email.

    Rows that cannot be read are reported with their line number and skipped; the rest is loaded.
    """
    c.require(Permission.IMPORT)
    from inbox.storage.repository import read_contacts_csv

    res = c.store().import_contacts(read_contacts_csv(csv_file))
    if as_json:
        out.print_json(data={"added": res.added, "updated": res.updated, "unchanged": res.unchanged,
                             "merged": res.merged, "problems": [_problem(p) for p in res.problems]})
    else:
        out.print(f"contacts: {res.added} added, {res.updated} updated, {res.unchanged} unchanged, {res.merged} "
                  f"merged with earlier unknown senders, {len(res.problems)} problems")
        for p in res.problems:
            err.print(f"  {p.source}:{p.position}: {p.reason}", markup=False)
    if res.problems and not (res.added or res.updated or res.unchanged):
        sys.exit(1)


def _problem(q: Quarantined) -> dict[str, str]:
    return {"source": q.source, "position": q.position, "reason": q.reason}


def run_ingest(store: Store, files: Sequence[Path], settings: Settings, *, progress: bool,
               counts: dict[Path, int] | None = None) -> Any:
    """Parse all files, sort by time (so threads form in the order people wrote), store in batches.
    ``counts`` gets the number of messages read from each file."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from inbox.ingest import read_files
    from inbox.services import build_matcher

    items = read_files(files, office_addresses=frozenset(a.lower() for a in settings.office_emails),
                       counts=counts)
    matcher = build_matcher(settings.matcher, model=settings.model)
    if not progress:
        return store.ingest(items, batch_size=settings.batch_size, matcher=matcher)
    with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("ingest", total=len(items))
        return store.ingest(items, batch_size=settings.batch_size, matcher=matcher,
                            progress=lambda n: bar.advance(task, n))


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
        data["problems"] = [_problem(p) for p in summary.problems]
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


def _entry_json(e: QueueEntry, now: datetime) -> dict[str, Any]:
    t = e.thread
    return {
        "thread": t.id,
        "state": t.state.value,
        "person": e.person.name if e.person else None,
        "in_register": bool(e.person and e.person.in_register),
        "channels": [ch.value for ch in t.channels],
        "messages": t.message_count,
        "inbound": t.inbound_count,
        "first_contact": t.first_contact.isoformat(),
        "last_activity": t.last_activity.isoformat(),
        "waiting_seconds": (now - t.first_contact).total_seconds(),
        "claimed_by": t.claimed_by or None,
    }


def print_queue(entries: Sequence[QueueEntry], *, title: str = "queue", total: int | None = None,
                offset: int = 0) -> None:
    """The queue as a table: fitted to a terminal's width, at full width when piped or redirected (a pipe has
    no width; rich would assume 80 columns and cut names and previews). ``total``: how many the filters
    match in all, for a footer that says when the list is cut short."""
    now = datetime.now(UTC)
    terminal = out.is_terminal
    table = Table(title=title, show_edge=False, pad_edge=False)
    for col in ("thread", "person", "channels", "msgs", "waiting", "claimed", "preview"):
        table.add_column(col, no_wrap=True, overflow="ellipsis",
                         max_width=40 if col == "preview" and terminal else None,
                         min_width=len(col) if col not in ("preview", "person") else 8)
    for e in entries:
        t = e.thread
        preview = " ".join(e.preview.split())[:60]
        # Text, not markup: a name like "[link=…]" stays text; printable: no control sequences.
        table.add_row(str(t.id), _cell(e.person.name if e.person else "?"), ",".join(t.channels),
                      str(t.inbound_count), fmt_duration((now - t.first_contact).total_seconds()),
                      _cell(t.claimed_by or ""), _cell(preview))
    if terminal:
        out.print(table)
    else:
        SafeConsole(file=out.file, width=100_000, highlight=False, soft_wrap=True).print(table)
    if total is not None and (offset or len(entries) < total):
        where = f"{offset + 1}–{offset + len(entries)}" if offset and entries else str(len(entries))
        out.print(f"{where} of {total} shown (--limit, --offset)")


def _masked(value: Any) -> Any:
    """``value`` (a string, or JSON-like data) with every national ID number in its strings masked as ``<fnr>``."""
    from inbox.identity import mask_fnrs

    if isinstance(value, str):
        return mask_fnrs(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def _masked_entries(entries: Sequence[QueueEntry]) -> list[QueueEntry]:
    return [QueueEntry(e.thread, dataclasses.replace(e.person, name=_masked(e.person.name)) if e.person else None,
                       _masked(e.preview)) for e in entries]


def _cell(value: str) -> Text:
    """A table cell from data: one line, no markup, no control characters."""
    return Text(printable(value, multiline=False))


@cli.command()
@click.option("--limit", default=50, show_default=True,
              help="How many threads to list (a footer says when more match, e.g. \"50 of 81 shown\").")
@click.option("--offset", default=0, help="Skip this many threads (paging).")
@click.option("--mine", is_flag=True, help="Only threads claimed by you.")
@click.option("--unclaimed", is_flag=True, help="Only threads nobody has claimed.")
@click.option("--channel", type=click.Choice(["sms", "email", "dialog"]), help="Only threads on this channel.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per thread, in a list).")
@click.option("--include-ids", is_flag=True, help="Show national ID numbers in names and previews (masked as <fnr> "
              "by default; caseworkers and admins only).")
@pass_ctx
def queue(c: Ctx, limit: int, offset: int, mine: bool, unclaimed: bool, channel: str | None,
          as_json: bool, include_ids: bool = False) -> None:
    """Open inquiries in fair order: whoever first contacted the office earliest, on any channel, first.

    A person who writes on three channels does not jump ahead of one who wrote once. Piped or redirected,
    the table is printed at full width (nothing cut to 80 columns).
    """
    user = c.require(Permission.READ_THREADS)
    if include_ids:
        user.require(Permission.INCLUDE_IDS)
    filters: dict[str, Any] = {"claimed_by": c.settings.user if mine else None, "unclaimed": unclaimed,
                               "channel": channel, "unit": _unit_scope(user)}
    entries = c.store().open_threads(limit=limit, offset=offset, **filters)
    # names and previews of every inquiry listed: a read of each person's data, audited per thread
    c.store().audit_threads(c.settings.user, "list", [e.thread.id for e in entries], via="cli",
                            include_ids=include_ids)
    if not include_ids:
        entries = _masked_entries(entries)
    if as_json:
        now = datetime.now(UTC)
        out.print_json(data=[_entry_json(e, now) for e in entries])
    else:
        print_queue(entries, total=c.store().count_open_threads(**filters), offset=offset)


@cli.command()
@click.argument("thread", type=int)
@click.option("--raw", is_flag=True, help="Show each message verbatim (full mail with quotes and headers).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--include-ids", is_flag=True, help="Show national ID numbers (masked as <fnr> by default).")
@pass_ctx
def show(c: Ctx, thread: int, raw: bool, as_json: bool, include_ids: bool) -> None:
    """One inquiry's messages across channels, in time order, with why they were grouped.

    Every view is recorded in the audit log (who, which thread, when). National ID numbers in the text
    are masked unless --include-ids is given (caseworkers and admins only).
    """
    from inbox.identity import mask_fnrs

    user = c.require(Permission.READ_THREADS)
    if include_ids:
        user.require(Permission.INCLUDE_IDS)
    store = c.store()
    view = store.thread(thread)  # the store refuses a thread of another office unit
    store.audit(c.settings.user, "read", thread, via="cli", include_ids=include_ids)
    if not include_ids:
        view = dataclasses.replace(
            view, person=dataclasses.replace(view.person, name=mask_fnrs(view.person.name)) if view.person else None,
            messages=tuple(dataclasses.replace(m, body=mask_fnrs(m.body), clean_body=mask_fnrs(m.clean_body),
                                               subject=mask_fnrs(m.subject), sender_name=mask_fnrs(m.sender_name))
                           for m in view.messages))
    reasons = store.match_reasons(thread)
    if not include_ids:
        reasons = {k: _masked(v) for k, v in reasons.items()}
    replies = [r | {"body": r["body"] if include_ids else mask_fnrs(r["body"])} for r in store.replies(thread)]
    t = view.thread
    if as_json:
        out.print_json(data={
            **_entry_json(QueueEntry(t, view.person, ""), datetime.now(UTC)),
            "messages": [{
                "id": m.id, "key": m.key, "channel": m.channel.value, "direction": m.direction.value,
                "sent": m.sent_at.isoformat(), "subject": m.subject, "text": m.body if raw else m.clean_body,
                "match": reasons.get(m.id, {}),
            } for m in view.messages],
            "replies": [_reply_json(r) for r in replies],
        }, ensure_ascii=False)
        return
    who = escape(printable(view.person.name, multiline=False)) if view.person else "unknown sender"
    out.print(f"[bold]thread {t.id}[/] · {who} · {t.state.value}"
              + (f" · claimed by {escape(t.claimed_by)}" if t.claimed_by else "")
              + f" · first contact {t.first_contact.astimezone().strftime('%Y-%m-%d %H:%M')}")
    for m in view.messages:
        arrow = "→" if m.direction.value == "in" else "←"
        r = reasons.get(m.id, {})
        why = escape(printable(str(r.get("reason", "")), multiline=False))
        score = f" {r['score']:.2f}" if isinstance(r.get("score"), int | float) else ""
        subject = escape(printable(m.subject, multiline=False))
        out.rule(f"{arrow} #{m.id} {m.channel.value} · {m.sent_at.astimezone().strftime('%Y-%m-%d %H:%M')}"
                 + (f" · {subject}" if subject else "") + (f" · [dim]{why}{score}[/]" if why else ""),
                 align="left")
        out.print(m.body if raw else (m.clean_body or m.body), markup=False)
        ev = r.get("evidence") or {}
        if "similar_thread" in ev and ev["similar_thread"] != t.id:
            # an unknown writer's message that reads like another writer's inquiry: a hint, never merged
            out.print(f"[yellow]looks like thread {ev['similar_thread']}[/] (another writer, probability "
                      f"{ev.get('probability', 0):.2f}): the same person on a new address? If so: "
                      f"inbox merge {ev['similar_thread']} {t.id}")
    for r in replies:
        suggested = r["suggested_channel"]
        out.rule(f"← reply {r['id']} {r['channel']} · {r['created_at'].astimezone().strftime('%Y-%m-%d %H:%M')} · "
                 f"by {escape(r['by_user'])} · [bold]{escape(delivery(r))}[/]"
                 + (f" · [dim]suggested {suggested}[/]" if suggested and suggested != r["channel"] else ""),
                 align="left")
        if r["body"]:
            out.print(r["body"], markup=False)


def delivery(reply: dict[str, Any]) -> str:
    """A reply's delivery state in words: sent (with the channel's status), recorded but not sent, planned
    (a call or meeting), or failed."""
    state, status = reply["state"], reply.get("status") or ""
    if state == "sent":
        return f"sent ({status})" if status and status != "sent" else "sent"
    if state == "recorded":
        return "recorded, not sent"
    return f"{state} ({status})" if status and status != state else state


def _reply_json(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "channel": r["channel"], "state": r["state"], "status": r["status"] or None,
            "delivery": delivery(r), "by": r["by_user"], "at": r["created_at"].isoformat(),
            "suggested": r["suggested_channel"] or None, "text": r["body"]}


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
# -- end supervisor figures (issue 8) --------------------------------------------------------------------------


@cli.command()
@click.option("--limit", default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def quarantine(c: Ctx, limit: int, as_json: bool) -> None:
    """Records that could not be read: which file, which position, why."""
    c.require(Permission.ADMINISTER)
    items = c.store().quarantined(limit)
    if as_json:
        out.print_json(data=[_problem(q) | {"channel": q.channel} for q in items])
        return
    if not items:
        out.print("nothing quarantined")
    for q in items:
        out.print(f"{q.source}:{q.position}: {q.reason}", markup=False)


@cli.command()
@click.argument("thread", type=int, required=False)
@click.option("--next", "next_", is_flag=True, help="Claim the first unclaimed thread in fair order.")
@pass_ctx
def claim(c: Ctx, thread: int | None, next_: bool) -> None:
    """Claim a thread so no other caseworker works it at the same time."""
    c.require(Permission.WORK_THREADS)
    store = c.store()
    if next_:
        tid = store.claim_next(c.settings.user)
        if tid is None:
            out.print("nothing to claim")
            return
        out.print(f"claimed thread {tid}")
        return
    if thread is None:
        raise click.UsageError("give a THREAD id or --next")
    if store.claim(thread, c.settings.user):
        out.print(f"claimed thread {thread}")
    else:
        out.print(f"thread {thread} is already claimed by you")


@cli.command()
@click.argument("thread", type=int)
@pass_ctx
def release(c: Ctx, thread: int) -> None:
    """Give a claimed thread back to the queue."""
    c.require(Permission.WORK_THREADS)
    c.store().release(thread, c.settings.user)
    out.print(f"released thread {thread}")


@cli.command("close")
@click.argument("thread", type=int)
@pass_ctx
def close_(c: Ctx, thread: int) -> None:
    """Close a thread (nothing more to do)."""
    c.require(Permission.WORK_THREADS)
    c.store().set_state(thread, ThreadState.CLOSED, c.settings.user)
    out.print(f"closed thread {thread}")


# -- TUI (issue 7) --------------------------------------------------------------------------------------------
def _tui() -> Any:
    """``tui.factory``, imported when used: importing it loads Textual, which `inbox --help` must not.
    The CLI is the one place that wires the TUI in (an explicit exception in the import contracts)."""
    from tui import factory

    return factory


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
    _tui().run(c.store(), c.settings.user, connectors=_configured_connectors(config), unit=_unit_scope(user))
# -- end TUI (issue 7) ----------------------------------------------------------------------------------------


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
    _tui().run_supervisor(store, c.settings.user, target_hours=target_hours)
# -- end supervisor view (issue 8) -----------------------------------------------------------------------------


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
    from inbox.demo import demo_contacts, demo_files
    from inbox.storage.repository import read_contacts_csv

    store = c.store(create=True)
    store.import_contacts(read_contacts_csv(demo_contacts()))
    summary = run_ingest(store, demo_files(), c.settings, progress=False)
    entries = store.open_threads(limit=100)
    if as_json:
        out.print_json(data=[_entry_json(e, datetime.now(UTC)) for e in entries])
        return
    # -- TUI (issue 7): on a terminal the demo opens the TUI; --no-tui or a pipe prints the table. ---------
    if not no_tui and sys.stdout.isatty():
        from inbox.services import build_matcher

        _tui().run_demo(store, c.settings.user, matcher=build_matcher(c.settings.matcher, model=c.settings.model))
        return
    d = summary.as_dict()
    err.print(f"demo database: {store.engine.url.render_as_string(hide_password=True)}", markup=False, soft_wrap=True)
    err.print(f"imported {d['new']} messages into {d['threads_created']} threads")
    print_queue(entries, title="demo queue")


@cli.command()
@click.argument("message", type=int)
@pass_ctx
def split(c: Ctx, message: int) -> None:
    """Move a message out of its thread into a new inquiry of its own.

    MESSAGE is the message's id: the #N on its line in `inbox show THREAD` ("id" in `inbox show THREAD --json`).

    Recorded in the audit log and used as a labelled pair when the scorer is refitted.
    """
    c.require(Permission.WORK_THREADS)
    tid = c.store().split(message, c.settings.user)
    out.print(f"message {message} is now thread {tid}")


@cli.command()
@click.argument("into", type=int)
@click.argument("other", type=int)
@click.option("--force", is_flag=True, help="Merge even though the threads are from different registered persons "
              "(needs --reason).")
@click.option("--reason", default="", metavar="TEXT",
              help="Why two registered persons' threads are one inquiry; recorded in the audit log.")
@pass_ctx
def merge(c: Ctx, into: int, other: int, force: bool, reason: str) -> None:
    """Merge thread OTHER into thread INTO (the same inquiry arrived twice).

    Threads from two different registered persons are not merged unless --force with a --reason, which the
    audit log records with the merge.
    """
    c.require(Permission.WORK_THREADS)
    if force and not reason.strip():
        raise click.UsageError("--force needs --reason: why are two registered persons' threads one inquiry?")
    if reason and not force:
        raise click.UsageError("--reason goes with --force")
    moved = c.store().merge(into, other, c.settings.user, force_reason=reason if force else "")
    out.print(f"moved {len(moved)} messages from thread {other} into thread {into}")


@cli.command()
@pass_ctx
def undo(c: Ctx) -> None:
    """Undo your most recent split or merge."""
    c.require(Permission.WORK_THREADS)
    res = c.store().undo(c.settings.user)
    out.print(f"undid {res['undid']}: {len(res['messages'])} message(s) back in thread {res['thread']}")


@cli.command()
@click.argument("person", type=int)
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="Change a field: age_group, language, interpreter, digital_skills, preferred_channel, notes, "
                   "meetings_held, open_conflict. Repeatable.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--include-ids", is_flag=True, help="Show national ID numbers in the name and notes (masked as <fnr> "
              "by default).")
@pass_ctx
def profile(c: Ctx, person: int, assignments: tuple[str, ...], as_json: bool, include_ids: bool = False) -> None:
    """Show or edit a person's profile (used by the reply-channel suggestion).

    Every view is recorded in the audit log; national ID numbers are masked unless --include-ids.
    """
    user = c.require(Permission.WORK_THREADS)
    if include_ids:
        user.require(Permission.INCLUDE_IDS)
    store = c.store()
    if assignments:
        fields: dict[str, Any] = {}
        for a in assignments:
            key, sep, value = a.partition("=")
            if not sep:
                raise click.UsageError(f"--set takes FIELD=VALUE, not {a!r}")
            key = key.strip()
            if key in ("interpreter", "open_conflict"):
                fields[key] = value.strip().lower() in ("1", "true", "yes", "ja")
            elif key == "meetings_held":
                fields[key] = int(value)
            else:
                fields[key] = value
        try:
            data = store.update_profile(person, c.settings.user, **fields)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    else:
        data = store.profile(person)
        store.audit(c.settings.user, "read-profile", None, person_id=person, via="cli", include_ids=include_ids)
    if not include_ids:
        data = _masked(data)
    if as_json:
        out.print_json(data=data)
    else:
        for k, v in data.items():
            out.print(f"{k:18} {v}", markup=False)


@cli.command()
@click.argument("thread", type=int)
@click.option("--lang", type=click.Choice(["no", "en"]), default=None, help="Language of the reasons.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def suggest(c: Ctx, thread: int, lang: str | None, as_json: bool) -> None:
    """Suggest the channel to answer a thread on, ranked, with the reasons and their evidence.

    The reasons quote the messages and the profile: the view is audited, and ID numbers are masked.
    """
    c.require(Permission.WORK_THREADS)
    from inbox.services import suggest_for_thread

    s = suggest_for_thread(c.store(), thread, c.settings.user, lang=lang)
    c.store().audit(c.settings.user, "suggest", thread, via="cli")
    if as_json:
        out.print_json(data=_masked(s.to_dict()))
        return
    for i, ch in enumerate(s.ranked, 1):
        out.print(f"{i}. [bold]{ch.channel.value}[/] ({ch.score:.1f})")
        for r in ch.reasons:
            out.print(f"   - {_masked(r.text)}", markup=False)


@cli.command()
@click.argument("thread", type=int)
@click.option("--channel", required=True,
              type=click.Choice(["dialog", "sms", "email", "phone", "video", "meeting"]),
              help="The channel you answer (or will answer) on.")
@click.option("--body", default="", help="What you wrote, or a note of the planned call or meeting.")
@click.option("--record-only", is_flag=True,
              help="Record a written answer (dialog, sms, email) without sending it: you sent it some other way. "
                   "Required for written channels, since this command never sends.")
@pass_ctx
def reply(c: Ctx, thread: int, channel: str, body: str, record_only: bool) -> None:
    """Record the answer to a thread; a choice other than the suggestion is recorded as an override.

    This command never sends anything. A call, video or meeting is recorded as planned. A written answer
    (dialog, sms, email) is sent from the TUI (`inbox`), through the connector configured for that channel;
    here it is refused unless --record-only says you sent it some other way, and it is then recorded as
    "recorded, not sent". `inbox show` lists every reply with its delivery state.
    """
    c.require(Permission.WORK_THREADS)
    from inbox.services import suggest_for_thread

    written = channel in ("dialog", "sms", "email")
    if written and not record_only:
        raise click.UsageError(
            f"`inbox reply` does not send: to send on {channel}, answer in the TUI (`inbox`), which sends through "
            f"the {channel} connector of your configuration; to record an answer you sent some other way, add "
            "--record-only")
    store = c.store()
    s = suggest_for_thread(store, thread, c.settings.user)
    state = "recorded" if written else "planned"
    store.record_reply(thread, channel=channel, user=c.settings.user, body=body, state=state,
                       suggested=s.best.value, factors=s.factors, status="not sent" if written else "")
    note = "" if channel == s.best.value else f" (override: suggested {s.best.value})"
    what = f"answer on {channel} recorded, not sent" if written else f"{channel} planned"
    out.print(f"thread {thread}: {what}{note}; the thread counts as answered", markup=False)


@cli.group()
def users() -> None:
    """Users and roles (caseworker, supervisor, admin). The first user added ends set-up mode.

    The first user must be an admin (usually yourself: `inbox users add $USER --role admin`), and the last
    admin can be neither demoted nor removed, so there is always someone who can add users.
    """


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--unit", default="", help="Office unit (a caseworker sees that unit's persons and unassigned ones).")
@pass_ctx
def users_add(c: Ctx, name: str, role: str, unit: str) -> None:
    """Add a user or change their role. Only an admin may (or anyone while no user exists yet).

    The first user must be an admin, and the last admin keeps that role: either is refused with a hint.
    """
    c.require(Permission.ADMINISTER)
    try:
        c.store().add_user(name, Role(role), unit, by=c.settings.user)
    except ValueError as exc:  # not an OS account name
        raise click.UsageError(str(exc)) from exc
    out.print(f"{name}: {role}" + (f" in {unit}" if unit else ""), markup=False)


@users.command("remove")
@click.argument("name")
@pass_ctx
def users_remove(c: Ctx, name: str) -> None:
    """Remove a user. The last admin cannot be removed: make another user admin first."""
    c.require(Permission.ADMINISTER)
    c.store().remove_user(name, by=c.settings.user)
    out.print(f"{name}: removed", markup=False)


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def users_list(c: Ctx, as_json: bool) -> None:
    """List users and their roles."""
    c.require(Permission.ADMINISTER)
    rows = [{"name": u.name, "role": u.role.value, "unit": u.unit} for u in c.store().users()]
    if as_json:
        out.print_json(data=rows)
    else:
        for r in rows:
            out.print(f"{r['name']:20} {r['role']:11} {r['unit']}", markup=False)


@cli.command()
@click.option("--user", "who", help="Only events by this user.")
@click.option("--thread", type=int, help="Only events on this thread.")
@click.option("--person", type=int, help="Only events about this person (their threads and profile).")
@click.option("--since", type=click.DateTime(), help="From this time (UTC).")
@click.option("--until", type=click.DateTime(), help="Up to this time (UTC).")
@click.option("--limit", default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def audit(c: Ctx, who: str | None, thread: int | None, person: int | None, since: datetime | None,
          until: datetime | None, limit: int, as_json: bool) -> None:
    """Who did what to which thread, when: reads, claims, replies, splits, merges (admins only).

    The log is append-only: the database refuses changes to it.
    """
    c.require(Permission.ADMINISTER)
    events = c.store().audit_events(
        user=who, thread_id=thread, person_id=person, limit=limit,
        since=since.replace(tzinfo=UTC) if since else None, until=until.replace(tzinfo=UTC) if until else None)
    if as_json:
        out.print_json(data=[e | {"at": e["at"].isoformat()} for e in events])
        return
    for e in events:
        out.print(f"{e['at']:%Y-%m-%d %H:%M:%S} {e['user']:12} {e['action']:8} "
                  f"thread={e['thread_id'] or '-'} {e['detail']}", markup=False)


def _register_groups() -> None:
    """Command groups that live in their own modules."""
    from inbox.cli_dedup import dedup
    from inbox.cli_recommend import recommend
    from inbox.cli_sync import connectors, sync

    cli.add_command(sync)
    cli.add_command(connectors)

    cli.add_command(dedup)
    cli.add_command(recommend)
    recommend.add_command(recommend_report)


@click.command("report")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def recommend_report(c: Ctx, as_json: bool) -> None:
    """How often caseworkers answered on the suggested channel, by research factor."""
    c.require(Permission.VIEW_STATS)
    r = c.store().recommend_report()
    if as_json:
        out.print_json(data=r)
        return
    if not r["replies"]:
        out.print("no replies with a suggestion recorded yet")
        return
    out.print(f"{r['agreed']} of {r['replies']} replies on the suggested channel ({r['agreement']:.0%})")
    for f, v in r["by_factor"].items():
        out.print(f"  {f:28} {v['agreed']}/{v['replies']} ({v['agreement']:.0%})")


_register_groups()


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
    from inbox.synth import generate

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
    from inbox.bench import bench_stats as run

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
    from inbox.bench import bench_match as run

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
    from dedup.bench import main as run

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

    First every suggestion embeds its thread's sentences and notes afresh (no vector cache): the worst
    case. Then the same threads again behind the vector cache, as the TUI runs once a thread was shown."""
    from inbox.bench import bench_suggest as run

    r = run(n, suggestions, model)
    if as_json:
        out.print_json(data=r)
        return
    click.echo(f"suggest: {r['suggestions']} suggestions over {r['threads']} threads "
               f"({r['stored_messages']} messages stored), torch threads {r['torch_threads']}: "
               f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, max {r['max_ms']} ms; a thread seen before "
               f"(vector cache): p50 {r['seen_before']['p50_ms']} ms, p95 {r['seen_before']['p95_ms']} ms "
               f"(model and exemplars loaded in {r['model_load_seconds']} s)")


@bench.command("ingest")
@click.option("--n", "n", default=100_000, show_default=True, help="Messages to generate and import.")
@click.option("--db", "bench_db", metavar="URL", multiple=True,
              help="Database(s) to measure; default: a temporary SQLite file. Repeatable.")
@click.option("--json", "as_json", is_flag=True)
def bench_ingest(n: int, bench_db: tuple[str, ...], as_json: bool) -> None:
    """Generate realistic synthetic exports, then time parsing + storing them (messages/s)."""
    from inbox.bench import bench_ingest as run

    results = run(n, list(bench_db))
    if as_json:
        out.print_json(data=results)
    else:
        for r in results:
            out.print(f"{r['database']}: {r['messages']} messages in {r['seconds']:.1f} s = "
                      f"{r['messages_per_second']:.0f} msgs/s (parse {r['parse_seconds']:.1f} s, "
                      f"store {r['store_seconds']:.1f} s)")


def main(argv: Sequence[str] | None = None) -> None:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="inbox", standalone_mode=True)
    except InboxError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(2)


__all__ = ["cli", "main"]


if __name__ == "__main__":
    main()
