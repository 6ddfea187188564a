"""``inbox recommend``: suggest the channel to answer on, and evaluate the suggestions on labelled cases.

The command only parses arguments and prints; the work is done by :mod:`inbox.recommend` (the rules) and
:mod:`inbox.recommend.cases` (reading cases, evaluation).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from flerkanal.cli.kit import DefaultGroup
from flerkanal.cli.root import Ctx, pass_ctx
from flerkanal.cli.root import out as stdout
from inbox.access import Permission
from inbox.display import SafeConsole, printable, safe_json
from inbox.errors import ConfigError, ParseError
from inbox.recommend import LANGS, ChannelScore, Policy, Reason, SemanticMatcher, Suggestion
from inbox.recommend.cases import (
    Case,
    CaseResult,
    Evaluation,
    ReadResult,
    evaluate,
    load_policy,
    read_cases,
    suggest_all,
)

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
        "deciding": "avgjørende",
        "against": "mot",
        "by_factor": "Treff per faktor",
        "bad_file": "{n} av {total} linjer kunne ikke leses",
        "first": "dette er den første",
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
        "deciding": "deciding",
        "against": "against",
        "by_factor": "Hits by factor",
        "bad_file": "{n} of {total} lines could not be read",
        "first": "this is the first",
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
    "inbox/recommend/policy.toml).",
)
_LANG_OPT = click.option(
    "--lang",
    type=click.Choice(LANGS),
    default=None,
    help="Language of the output and the reasons: en (English) or no (Norwegian). Default: INBOX_LANG, else "
    "the policy's settings.lang (en).",
)
_SEMANTIC_OPT = click.option(
    "--semantic/--no-semantic",
    default=None,
    help="Also detect situations by meaning with the sentence-embedding model (default: on, unless "
    "INBOX_RECOMMEND_SEMANTIC=false). --no-semantic uses the phrase lists only and loads no model.",
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


def _lang(lang: str | None, policy: Policy) -> str:
    """--lang, else INBOX_LANG, else the policy's settings.lang."""
    from flerkanal.settings import Settings

    chosen = lang or Settings().lang or policy.lang
    if chosen not in LANGS:
        raise click.ClickException(f"INBOX_LANG must be one of {', '.join(LANGS)}, not {chosen!r}")
    return chosen


def _semantic(policy: Policy, enabled: bool | None) -> SemanticMatcher | None:
    from flerkanal.wiring import suggest_semantic

    matcher: SemanticMatcher | None = suggest_semantic(policy, enabled=enabled)
    return matcher


def _report_errors(read: ReadResult, lang: str) -> None:
    """One line per file that had unreadable lines: how many, and the first reason."""
    by_source: dict[str, list[ParseError]] = {}
    for err in read.errors:
        by_source.setdefault(err.source, []).append(err)
    lab = _LABELS[lang]
    for source, errs in by_source.items():
        total = len(errs) + sum(1 for c in read.cases if c.position)
        first = errs[0]
        if not first.position:  # the file as a whole could not be read
            click.echo(f"error: {printable(f'{source}: {first.reason}', multiline=False)}", err=True)
            continue
        count = lab["bad_file"].format(n=len(errs), total=total)
        more = f"; {lab['first']}" if len(errs) > 1 else ""
        line = f"{source}:{first.position}: {first.reason} ({count}{more})"
        click.echo(f"error: {printable(line, multiline=False)}", err=True)


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
    for r in s.deciding[:reasons]:
        console.print(f"  {lab['deciding']}: {_reason_line(r)}")
    for r in s.against:
        console.print(f"  {lab['against']} {escape(r.channel)}: {_reason_line(r, 1)}")
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
@_SEMANTIC_OPT
@click.option(
    "--reasons",
    "n_reasons",
    type=click.IntRange(1, 20),
    default=4,
    show_default=True,
    help="How many reasons to show for the first channel (half as many for the others).",
)
def suggest(
    cases_file: Path, as_json: bool, lang: str | None, policy_file: Path | None, n_reasons: int, semantic: bool | None
) -> None:
    """Print the ranked reply channels, with reasons and evidence, for each case in CASES.jsonl.

    CASES.jsonl has one case per line: person, relationship, caseworker and thread (the format of
    shared/data/recommend-dev/cases.jsonl; `expected` is ignored here). A line that cannot be read is
    reported on stderr with its file and line number, the rest still goes through, and the exit status
    is then 1.
    """
    policy = _policy(policy_file)
    lg = _lang(lang, policy)
    read = read_cases(cases_file)
    results = suggest_all(read.cases, policy, lang=lg, semantic=_semantic(policy, semantic) if read.cases else None)
    if as_json:
        click.echo(safe_json([r.suggestion.to_dict() for r in results]))
    else:
        console = _console()
        for r in results:
            _print_suggestion(console, r.suggestion, policy, lg, n_reasons)
    _report_errors(read, lg)
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
@_SEMANTIC_OPT
def eval_cmd(
    cases_file: Path, as_json: bool, lang: str | None, policy_file: Path | None, semantic: bool | None
) -> None:
    """Score the suggestions against the labels in CASES.jsonl.

    A hit is a case whose first suggested channel is in `expected.best` or `expected.acceptable`; an
    exact hit has it in `expected.best`. Each miss is listed with the reasons that put its first channel
    first and those of the expected channel. With --json, prints one object with cases, hits, exact,
    hit_rate, exact_rate, factor_seen, by_factor (cases, hits, exact, factor_seen per research factor the
    cases test), misses and errors. Lines that cannot be read are summed up in one line per file on stderr.
    """
    policy = _policy(policy_file)
    lg = _lang(lang, policy)
    read = read_cases(cases_file)
    ev = evaluate(read.cases, policy, lang=lg, semantic=_semantic(policy, semantic) if read.cases else None)
    if as_json:
        click.echo(safe_json(_evaluation_dict(ev, policy, read.errors)))
    elif read.cases or not read.errors:
        lab = _LABELS[lg]
        console = _console()
        console.print(f"{lab['cases']}: {ev.cases}")
        console.print(f"{lab['hits']}: {ev.hits}/{ev.cases} ({ev.hit_rate:.0%})")
        console.print(f"{lab['exact']}: {ev.exact}/{ev.cases} ({ev.exact_rate:.0%})")
        console.print()
        console.print(f"[bold]{lab['by_factor']}[/bold]")
        for factor, row in ev.by_factor(policy).items():
            console.print(f"  {escape(factor)}: {row['hits']}/{row['cases']}")
        console.print()
        console.print(f"[bold]{lab['misses']}[/bold]" if ev.misses else lab["none"])
        for r in ev.misses:
            _print_miss(console, r, policy, lg)
    _report_errors(read, lg)
    if read.errors:
        sys.exit(1)


def _labelled(files: tuple[Path, ...], lang: str) -> list[list[Case]]:
    sets = []
    for f in files:
        read = read_cases(f)
        _report_errors(read, lang)
        if read.errors:
            raise click.ClickException(f"{f}: fix the unreadable lines first")
        sets.append([c for c in read.cases if c.expected])
    return sets


@recommend.command("fit")
@click.argument(
    "files", metavar="CASES.jsonl...", nargs=-1, required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@_POLICY_OPT
@_SEMANTIC_OPT
@_JSON_OPT
@click.option("--l2", type=click.FloatRange(0.0), default=0.02, show_default=True,
              help="Pull towards the policy's current weights (higher: stay closer to them).")
@click.option("--write", "write_to", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the weights fitted on all files into this policy TOML (the weights lines only).")
def fit_cmd(files: tuple[Path, ...], policy_file: Path | None, semantic: bool | None, as_json: bool, l2: float,
            write_to: Path | None) -> None:
    """Fit the factor weights to labelled cases, and validate the fit across files.

    Out of set first: for each file, the weights are fitted on the other files and scored on it (a file
    written by another hand than the rest says how the suggestion holds on new cases). Then as shipped:
    fitted on all files and scored on each. Each file counts alike in a fit, however many cases it has.
    With --write, the weights fitted on all files replace the
    `weights = {...}` lines of the policy TOML; comments, texts and phrase lists are kept.
    """
    from inbox.recommend.fit import case_signals, file_weights, fit_weights, hits, with_weights, write_weights

    policy = _policy(policy_file)
    sets = _labelled(files, "en")
    matcher = _semantic(policy, semantic)
    signals = [case_signals(cases, policy, matcher) for cases in sets]
    report: dict[str, Any] = {"out_of_set": [], "as_shipped": [], "before_fit": []}
    for i, (f, cases) in enumerate(zip(files, sets, strict=True)):
        report["before_fit"].append({"file": str(f), "cases": len(cases), "hits": hits(cases, signals[i], policy)})
        if len(sets) > 1:
            train = [c for j, cs in enumerate(sets) if j != i for c in cs]
            train_sig = [s for j, ss in enumerate(signals) if j != i for s in ss]
            cw = file_weights([len(cs) for j, cs in enumerate(sets) if j != i])
            fitted = with_weights(policy, fit_weights(train, train_sig, policy, l2=l2, case_weights=cw).weights)
            scored = hits(cases, signals[i], fitted)
            report["out_of_set"].append({"file": str(f), "cases": len(cases), "hits": scored})
    every = [c for cs in sets for c in cs]
    every_sig = [s for ss in signals for s in ss]
    result = fit_weights(every, every_sig, policy, l2=l2, case_weights=file_weights([len(cs) for cs in sets]))
    shipped = with_weights(policy, result.weights)
    for f, cases, sig in zip(files, sets, signals, strict=True):
        report["as_shipped"].append({"file": str(f), "cases": len(cases), "hits": hits(cases, sig, shipped)})
    if write_to is not None:
        source = policy_file or write_to
        text = source.read_text(encoding="utf-8") if source.exists() else ""
        names = ", ".join(f.name if f.name != "cases.jsonl" else f"{f.parent.name}/{f.name}" for f in files)
        note = f"on {len(every)} cases ({names}), l2 {l2:g}"
        write_to.write_text(write_weights(text, result.weights, note), encoding="utf-8")
        report["written"] = str(write_to)
    if as_json:
        click.echo(safe_json(report))
        return
    for title, key in (("out of set (fitted on the other files)", "out_of_set"),
                       ("as shipped (fitted on all files)", "as_shipped"), ("before fitting", "before_fit")):
        for row in report[key]:
            rate = row["hits"] / row["cases"] if row["cases"] else 0.0
            click.echo(f"{title}: {row['file']}: {row['hits']}/{row['cases']} ({rate:.0%})")
    if write_to is not None:
        click.echo(f"weights written to {write_to}")


@recommend.command("report")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def recommend_report(c: Ctx, as_json: bool) -> None:
    """How often caseworkers answered on the suggested channel, by research factor."""
    c.require(Permission.VIEW_STATS)
    r = c.store().recommend_report()
    if as_json:
        stdout.print_json(data=r)
        return
    if not r["replies"]:
        stdout.print("no replies with a suggestion recorded yet")
        return
    stdout.print(f"{r['agreed']} of {r['replies']} replies on the suggested channel ({r['agreement']:.0%})")
    for f, v in r["by_factor"].items():
        stdout.print(f"  {f:28} {v['agreed']}/{v['replies']} ({v['agreement']:.0%})")
