"""``inbox recommend``: suggest the channel to answer on, and evaluate the suggestions on labelled cases.

The command only parses arguments and prints; the work is done by :mod:`inbox.recommend` (the rules) and
:mod:`inbox.recommend_cases` (reading cases, evaluation).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from inbox.clikit import DefaultGroup
from inbox.display import SafeConsole, printable, safe_json
from inbox.errors import ConfigError, ParseError
from inbox.recommend import LANGS, ChannelScore, Policy, Reason, Suggestion
from inbox.recommend_cases import CaseResult, Evaluation, evaluate, load_policy, read_cases, suggest_all

__all__ = ["recommend"]

_LABELS = {
    "no": {
        "rank": "#",
        "channel": "Kanal",
        "score": "Poeng",
        "reasons": "Begrunnelser (bevis)",
        "suggest": "Foreslått kanal",
        "acknowledge": "Kvitter ut",
        "cases": "saker",
        "hits": "treff (første kanal er beste eller akseptabel)",
        "exact": "eksakte treff (første kanal er beste)",
        "misses": "Bom",
        "expected": "forventet",
        "got": "fikk",
        "factor": "faktor",
        "seen": "sett",
        "not_seen": "ikke sett",
        "why_first": "hvorfor {channel} kom først",
        "why_not": "{channel} (forventet) fikk {score}",
        "none": "Ingen bom.",
    },
    "en": {
        "rank": "#",
        "channel": "Channel",
        "score": "Score",
        "reasons": "Reasons (evidence)",
        "suggest": "Suggested channel",
        "acknowledge": "Acknowledge",
        "cases": "cases",
        "hits": "hits (first channel is best or acceptable)",
        "exact": "exact hits (first channel is best)",
        "misses": "Misses",
        "expected": "expected",
        "got": "got",
        "factor": "factor",
        "seen": "seen",
        "not_seen": "not seen",
        "why_first": "why {channel} came first",
        "why_not": "{channel} (expected) scored {score}",
        "none": "No misses.",
    },
}

_CASES_ARG = click.argument(
    "cases_file", metavar="CASES.jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
_POLICY_OPT = click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Policy TOML with weights, rules, reason texts and phrase lists (default: the shipped "
    "inbox/recommend_policy.toml).",
)
_LANG_OPT = click.option(
    "--lang",
    type=click.Choice(LANGS),
    default=None,
    help="Language of the reasons: no (Norwegian) or en (English). Default: the policy's settings.lang.",
)
_JSON_OPT = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")


@click.group(
    "recommend",
    cls=DefaultGroup,
    default="suggest",
    help="""Suggest the channel to answer a thread on (dialog, sms, email, phone, video, meeting).

    Channels are ranked by rules from research on Nav caseworkers: written answers for simple practical
    questions, face to face for complex talks, first meetings and conflicts, a quick switch to phone or a
    meeting when a written exchange goes wrong, the user's digital skills, age, language and anxiety, and
    the caseworker's capacity. Every channel comes with its reasons and the evidence (which message and
    phrase, or which profile field).

    `inbox recommend CASES.jsonl` is short for `inbox recommend suggest CASES.jsonl`.
    """,
)
def recommend() -> None:
    """Suggest reply channels."""


def _policy(policy_file: Path | None) -> Policy:
    try:
        return load_policy(policy_file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _report_errors(errors: tuple[ParseError, ...]) -> None:
    for err in errors:
        click.echo(f"error: {printable(str(err), multiline=False)}", err=True)


def _console() -> SafeConsole:
    return SafeConsole(file=sys.stdout, highlight=False, soft_wrap=False)


def _reason_line(reason: Reason, max_evidence: int = 2) -> str:
    sign = "+" if reason.weight > 0 else "−" if reason.weight < 0 else "·"
    ev = "; ".join(
        f"msg {e.message}: «{escape(e.quote)}»" if e.message else f"{escape(e.ref)}={escape(e.quote)}"
        for e in reason.evidence[:max_evidence]
        if e.source != "policy"
    )
    more = f" (+{len(reason.evidence) - max_evidence})" if len(reason.evidence) > max_evidence else ""
    return f"{sign}{abs(reason.weight):g} {escape(reason.text)}" + (f" — {ev}{more}" if ev else "")


def _channel_reasons(score: ChannelScore, limit: int) -> str:
    reasons = list(score.reasons)
    meaningful = [r for r in reasons if r.factor not in ("channel_baseline", "no_factor")]
    shown = (meaningful or reasons)[:limit]
    return "\n".join(_reason_line(r) for r in shown)


def _print_suggestion(console: SafeConsole, s: Suggestion, policy: Policy, lang: str, reasons: int) -> None:
    lab = _LABELS[lang]
    best = s.ranked[0]
    name = escape(policy.channel_name(best.channel, lang))
    console.print(f"[bold]{escape(s.id or '?')}[/bold]  {lab['suggest']}: [bold]{name}[/bold] ({best.score:g})")
    table = Table(show_lines=True)
    table.add_column(lab["rank"], justify="right")
    table.add_column(lab["channel"])
    table.add_column(lab["score"], justify="right")
    table.add_column(lab["reasons"], overflow="fold")
    for i, c in enumerate(s.ranked, start=1):
        limit = reasons if i == 1 else max(1, reasons // 3)
        table.add_row(str(i), escape(c.channel.value), f"{c.score:g}", _channel_reasons(c, limit))
    console.print(table)
    for ack in s.acknowledge:
        console.print(f"  {lab['acknowledge']}: {escape(ack.text)}")
    console.print()


@recommend.command("suggest")
@_CASES_ARG
@_JSON_OPT
@_LANG_OPT
@_POLICY_OPT
@click.option(
    "--reasons",
    "n_reasons",
    type=click.IntRange(1, 20),
    default=4,
    show_default=True,
    help="How many reasons to show for the first channel (half as many for the others).",
)
def suggest(cases_file: Path, as_json: bool, lang: str | None, policy_file: Path | None, n_reasons: int) -> None:
    """Print the ranked reply channels, with reasons and evidence, for each case in CASES.jsonl.

    CASES.jsonl has one case per line: person, relationship, caseworker and thread (the format of
    shared/data/recommend-dev/cases.jsonl; `expected` is ignored here). A line that cannot be read is
    reported on stderr with its file and line number, the rest still goes through, and the exit status
    is then 1.
    """
    policy = _policy(policy_file)
    read = read_cases(cases_file)
    results = suggest_all(read.cases, policy, lang=lang)
    if as_json:
        click.echo(safe_json([r.suggestion.to_dict() for r in results]))
    else:
        console = _console()
        for r in results:
            _print_suggestion(console, r.suggestion, policy, lang or policy.lang, n_reasons)
    _report_errors(read.errors)
    if read.errors:
        sys.exit(1)


def _print_miss(console: SafeConsole, r: CaseResult, policy: Policy, lang: str) -> None:
    lab = _LABELS[lang]
    exp = r.case.expected
    assert exp is not None
    s = r.suggestion
    seen = lab["seen"] if r.factor_seen(policy) else lab["not_seen"]
    acceptable = f" / {', '.join(c.value for c in exp.acceptable)}" if exp.acceptable else ""
    console.print(
        f"[bold]{escape(r.case.id)}[/bold] ({escape(r.case.position)}): {lab['expected']} "
        f"{', '.join(c.value for c in exp.best)}{acceptable}, {lab['got']} [bold]{s.best.value}[/bold]"
        f" — {lab['factor']} {escape(exp.factor)} ({seen})"
    )
    console.print("  " + "  ".join(f"{c.channel.value}:{c.score:g}" for c in s.ranked))
    console.print(f"  {lab['why_first'].format(channel=s.best.value)}:")
    for reason in s.ranked[0].reasons:
        console.print(f"    {_reason_line(reason)}")
    wanted = next((c for c in s.ranked if c.channel == exp.best[0]), None)
    if wanted is not None:
        console.print(f"  {lab['why_not'].format(channel=wanted.channel.value, score=f'{wanted.score:g}')}:")
        for reason in wanted.reasons:
            console.print(f"    {_reason_line(reason)}")
    console.print()


def _evaluation_dict(ev: Evaluation, policy: Policy, errors: tuple[ParseError, ...]) -> dict[str, Any]:
    out = ev.to_dict(policy)
    out["errors"] = [{"source": e.source, "position": e.position, "reason": e.reason} for e in errors]
    return out


@recommend.command("eval")
@_CASES_ARG
@_JSON_OPT
@_LANG_OPT
@_POLICY_OPT
def eval_cmd(cases_file: Path, as_json: bool, lang: str | None, policy_file: Path | None) -> None:
    """Score the suggestions against the labels in CASES.jsonl.

    A hit is a case whose first suggested channel is in `expected.best` or `expected.acceptable`; an
    exact hit has it in `expected.best`. Each miss is listed with the reasons that put its first channel
    first and those of the expected channel. With --json, prints one object with cases, hits, exact,
    hit_rate, exact_rate, misses and errors.
    """
    policy = _policy(policy_file)
    read = read_cases(cases_file)
    ev = evaluate(read.cases, policy, lang=lang)
    lg = lang or policy.lang
    if as_json:
        click.echo(safe_json(_evaluation_dict(ev, policy, read.errors)))
    else:
        lab = _LABELS[lg]
        console = _console()
        console.print(f"{lab['cases']}: {ev.cases}")
        console.print(f"{lab['hits']}: {ev.hits}/{ev.cases} ({ev.hit_rate:.0%})")
        console.print(f"{lab['exact']}: {ev.exact}/{ev.cases} ({ev.exact_rate:.0%})")
        console.print()
        console.print(f"[bold]{lab['misses']}[/bold]" if ev.misses else lab["none"])
        for r in ev.misses:
            _print_miss(console, r, policy, lg)
    _report_errors(read.errors)
    if read.errors:
        sys.exit(1)
