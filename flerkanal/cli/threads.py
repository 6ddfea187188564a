"""Working the queue: `inbox queue`, `show`, `claim`, `release`, `close`, `split`, `merge`, `undo`, `suggest`,
`reply` and `quarantine`."""


from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from flerkanal.cli.root import Ctx, cli, fmt_duration, out, pass_ctx, problem_json, unit_scope
from inbox.access import Permission
from inbox.display import SafeConsole, printable
from inbox.domain import ThreadState
from inbox.storage.repository import QueueEntry


def entry_json(e: QueueEntry, now: datetime) -> dict[str, Any]:
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


def masked(value: Any) -> Any:
    """``value`` (a string, or JSON-like data) with every national ID number in its strings masked as ``<fnr>``."""
    from inbox.identity import mask_fnrs

    if isinstance(value, str):
        return mask_fnrs(value)
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


def _masked_entries(entries: Sequence[QueueEntry]) -> list[QueueEntry]:
    return [QueueEntry(e.thread, dataclasses.replace(e.person, name=masked(e.person.name)) if e.person else None,
                       masked(e.preview)) for e in entries]


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
                               "channel": channel, "unit": unit_scope(user)}
    entries = c.store().open_threads(limit=limit, offset=offset, **filters)
    # names and previews of every inquiry listed: a read of each person's data, audited per thread
    c.store().audit_threads(c.settings.user, "list", [e.thread.id for e in entries], via="cli",
                            include_ids=include_ids)
    if not include_ids:
        entries = _masked_entries(entries)
    if as_json:
        now = datetime.now(UTC)
        out.print_json(data=[entry_json(e, now) for e in entries])
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
        reasons = {k: masked(v) for k, v in reasons.items()}
    replies = [r | {"body": r["body"] if include_ids else mask_fnrs(r["body"])} for r in store.replies(thread)]
    t = view.thread
    if as_json:
        out.print_json(data={
            **entry_json(QueueEntry(t, view.person, ""), datetime.now(UTC)),
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
        lang = (r.get("evidence") or {}).get("language")
        lang = f" · {escape(printable(str(lang), multiline=False))}" if lang else ""
        out.rule(f"{arrow} #{m.id} {m.channel.value} · {m.sent_at.astimezone().strftime('%Y-%m-%d %H:%M')}{lang}"
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
@click.option("--limit", default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def quarantine(c: Ctx, limit: int, as_json: bool) -> None:
    """Records that could not be read: which file, which position, why."""
    c.require(Permission.ADMINISTER)
    items = c.store().quarantined(limit)
    if as_json:
        out.print_json(data=[problem_json(q) | {"channel": q.channel} for q in items])
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
@click.argument("thread", type=int)
@click.option("--lang", type=click.Choice(["no", "en"]), default=None, help="Language of the reasons.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def suggest(c: Ctx, thread: int, lang: str | None, as_json: bool) -> None:
    """Suggest the channel to answer a thread on, ranked, with the reasons and their evidence.

    The reasons quote the messages and the profile: the view is audited, and ID numbers are masked.
    """
    c.require(Permission.WORK_THREADS)
    from flerkanal.wiring import suggest_for_thread

    s = suggest_for_thread(c.store(), thread, c.settings.user, lang=lang)
    c.store().audit(c.settings.user, "suggest", thread, via="cli")
    if as_json:
        out.print_json(data=masked(s.to_dict()))
        return
    for i, ch in enumerate(s.ranked, 1):
        out.print(f"{i}. [bold]{ch.channel.value}[/] ({ch.score:.1f})")
        for r in ch.reasons:
            out.print(f"   - {masked(r.text)}", markup=False)


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
    from flerkanal.wiring import suggest_for_thread

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


@cli.command("prepare-suggestions")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def prepare_suggestions(c: Ctx, as_json: bool) -> None:
    """Embed the sentences and notes of every open thread for the channel suggestion, so that opening one
    costs no model call.

    `inbox ingest` and `inbox sync` do this as messages arrive; this is for threads stored before they did,
    or with INBOX_WARM_SUGGESTIONS=false. Texts embedded before are looked up, not embedded again. Prints
    counts only.
    """
    c.require(Permission.IMPORT)
    from flerkanal.wiring import suggest_semantic, warm_suggestions
    from inbox.suggest import default_policy

    store = c.store()
    ids: list[int] = []
    if suggest_semantic(default_policy(), model=c.settings.model) is not None:  # None: semantic detection off
        while page := store.open_threads(limit=1000, offset=len(ids)):
            ids += [e.thread.id for e in page]
    embedded = warm_suggestions(store, ids, model=c.settings.model) if ids else 0
    if as_json:
        out.print_json(data={"threads": len(ids), "embedded": embedded})
    else:
        out.print(f"{len(ids)} open threads prepared: {embedded} sentences and notes embedded, the rest were cached")
