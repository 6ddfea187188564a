"""People and users: `inbox contacts import`, `profile`, `users`, `audit`."""


from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from flerkanal.cli.root import Ctx, cli, err, out, pass_ctx, problem_json
from flerkanal.cli.threads import masked
from inbox.access import Permission, Role


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
    from inbox.contacts import read_contacts_csv

    res = c.store().import_contacts(read_contacts_csv(csv_file))
    if as_json:
        out.print_json(data={"added": res.added, "updated": res.updated, "unchanged": res.unchanged,
                             "merged": res.merged, "problems": [problem_json(p) for p in res.problems]})
    else:
        out.print(f"contacts: {res.added} added, {res.updated} updated, {res.unchanged} unchanged, {res.merged} "
                  f"merged with earlier unknown senders, {len(res.problems)} problems")
        for p in res.problems:
            err.print(f"  {p.source}:{p.position}: {p.reason}", markup=False)
    if res.problems and not (res.added or res.updated or res.unchanged):
        sys.exit(1)


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
        data = masked(data)
    if as_json:
        out.print_json(data=data)
    else:
        for k, v in data.items():
            out.print(f"{k:18} {v}", markup=False)


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
