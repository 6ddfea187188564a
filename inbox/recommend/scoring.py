"""Scoring: the policy's rules and weights applied to the detected signals, the channels ranked, the deciding
reasons and the reasons against each other channel."""

from __future__ import annotations

from collections.abc import Sequence

from inbox.domain import ReplyChannel
from inbox.recommend.detect import detect_signals
from inbox.recommend.model import (
    LANGS,
    Acknowledgement,
    CaseworkerLoad,
    ChannelScore,
    Evidence,
    Profile,
    Reason,
    Relationship,
    Signal,
    Suggestion,
    ThreadInput,
    _real,
)
from inbox.recommend.phrases import parse_channel
from inbox.recommend.policy import FactorRule, Policy
from inbox.recommend.semantic import SemanticMatcher


def _apply_rules(signals: list[Signal], policy: Policy) -> list[Signal]:
    """Add combined factors, then mark suppressed ones."""
    names = {s.name for s in signals}
    for rule in policy.combine:
        if all(n in names for n in rule.all) and (not rule.any or any(n in names for n in rule.any)):
            parts = set(rule.all) | {n for n in rule.any if n in names}
            ev = tuple(e for s in signals if s.name in parts for e in s.evidence)
            signals.append(Signal(rule.then, ev))
            names.add(rule.then)
    suppressed_by: dict[str, str] = {}
    for key, victims in policy.suppress.items():
        if key in names:
            for v in victims:
                suppressed_by.setdefault(v, key)
    return [Signal(s.name, s.evidence, s.target, suppressed_by.get(s.name, "")) for s in signals]


def recommend(
    thread: ThreadInput,
    profile: Profile,
    relationship: Relationship,
    load: CaseworkerLoad,
    policy: Policy,
    *,
    lang: str | None = None,
    semantic: SemanticMatcher | None = None,
) -> Suggestion:
    """Rank the reply channels for a thread; each channel carries the reasons and evidence that moved it.
    ``semantic`` (built from the policy's concepts and an embedder) adds detection by meaning."""
    signals = detect_signals(thread, profile, relationship, load, policy, semantic)
    return rank(signals, thread, policy, lang=lang)


def rank(signals: Sequence[Signal], thread: ThreadInput, policy: Policy, *, lang: str | None = None) -> Suggestion:
    """Apply the policy's rules and weights to detected signals (see :func:`detect_signals`)."""
    lang = lang or policy.lang
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    signals = _apply_rules(list(signals), policy)
    scores: dict[ReplyChannel, float] = dict.fromkeys(ReplyChannel, 0.0)
    reasons: dict[ReplyChannel, list[Reason]] = {c: [] for c in ReplyChannel}
    counted = [(s, rule) for s in signals if not s.suppressed_by and (rule := policy.factors.get(s.name))]
    for s, rule in counted:
        for channel in ReplyChannel:
            w = rule.weight(channel, s.target)
            if w == 0:
                continue
            scores[channel] += w
            name = policy.channel_name(s.target or channel, lang)
            text = rule.text(channel, w > 0, lang).format(channel=name)
            reasons[channel].append(Reason(s.name, text, w, s.evidence))
    for channel, rs in reasons.items():
        if not rs:
            text = policy.no_factor_text.get(lang, "{channel}").format(channel=policy.channel_name(channel, lang))
            rs.append(Reason("no_factor", text, 0.0, (Evidence("policy", "factors", "no factor applies"),)))
    order = {c: i for i, c in enumerate(policy.tie_order)}
    ranked = sorted(ReplyChannel, key=lambda c: (-round(scores[c], 6), order[c]))
    top, second = ranked[0], ranked[1]

    def margin(r: Reason, other: ReplyChannel) -> float:
        """How much the reason's factor puts the top channel ahead of ``other``."""
        rule = policy.factors.get(r.factor)
        sig = next((s for s, _ in counted if s.name == r.factor and s.evidence == r.evidence), None)
        if rule is None or sig is None:
            return 0.0
        return rule.weight(top, sig.target) - rule.weight(other, sig.target)

    def ordered(c: ReplyChannel) -> tuple[Reason, ...]:
        if c is top:  # the reasons that decided the ranking first
            return tuple(sorted(reasons[c], key=lambda r: (-margin(r, second), r.factor == "channel_baseline")))
        return tuple(sorted(reasons[c], key=lambda r: (r.factor == "channel_baseline", -abs(r.weight))))

    deciding = _deciding(counted, top, second, policy, lang)
    result = [ChannelScore(c, round(scores[c], 2), ordered(c)) for c in ranked]
    if not any(_real(r.evidence) for r in result[0].reasons if r.factor != "channel_baseline"):
        # only defaults moved the first channel: lead with what set it apart, with its evidence
        lead = next((r for r in deciding if _real(r.evidence)), None)
        if lead is not None:
            result[0] = ChannelScore(top, result[0].score, (lead, *result[0].reasons))
    return Suggestion(
        ranked=tuple(result),
        signals=tuple(signals),
        acknowledge=_acknowledge(signals, top, thread, policy, lang),
        lang=lang,
        id=thread.id,
        deciding=deciding,
        against=tuple(_against(counted, top, c, policy, lang) for c in ranked[1:]),
    )


def _deciding(
    counted: Sequence[tuple[Signal, FactorRule]],
    top: ReplyChannel,
    second: ReplyChannel,
    policy: Policy,
    lang: str,
) -> tuple[Reason, ...]:
    """The factors that put ``top`` ahead of ``second``, largest lead first, each with its evidence. A
    factor that counts against ``second`` rather than for ``top`` is worded as the reason against it."""
    out: list[tuple[float, Reason]] = []
    for s, rule in counted:
        lead = rule.weight(top, s.target) - rule.weight(second, s.target)
        if lead <= 0:
            continue
        w_top = rule.weight(top, s.target)
        if w_top > 0 or rule.weight(second, s.target) >= 0:
            text = rule.text(top, True, lang).format(channel=policy.channel_name(s.target or top, lang))
            out.append((lead, Reason(s.name, text, round(lead, 2), s.evidence, channel=top.value)))
        else:
            text = rule.text(second, False, lang).format(channel=policy.channel_name(s.target or second, lang))
            out.append((lead, Reason(s.name, text, round(lead, 2), s.evidence, channel=second.value)))
    out.sort(key=lambda x: (-x[0], x[1].factor == "channel_baseline"))
    reasons = [r for _, r in out]
    if not any(_real(r.evidence) for r in reasons):  # every suggestion shows at least one piece of evidence
        extra = next(((s, rule) for s, rule in counted if _real(s.evidence)), None)
        if extra is not None:
            s, rule = extra
            w = rule.weight(top, s.target)
            text = rule.text(top, w >= 0, lang).format(channel=policy.channel_name(s.target or top, lang))
            reasons.append(Reason(s.name, text, round(w, 2), s.evidence, channel=top.value))
    return tuple(reasons)


def _against(
    counted: Sequence[tuple[Signal, FactorRule]], top: ReplyChannel, other: ReplyChannel, policy: Policy, lang: str
) -> Reason:
    """The one factor that most holds ``other`` below ``top``."""
    best: tuple[float, Signal, FactorRule] | None = None
    for s, rule in counted:
        lead = rule.weight(top, s.target) - rule.weight(other, s.target)
        if lead > 0 and (best is None or lead > best[0] or (lead == best[0] and best[1].name == "channel_baseline")):
            best = (lead, s, rule)
    if best is None:
        text = policy.no_factor_text.get(lang, "{channel}").format(channel=policy.channel_name(other, lang))
        return Reason("no_factor", text, 0.0, (Evidence("policy", "factors", "no factor applies"),), other.value)
    lead, s, rule = best
    negative = rule.weight(other, s.target) < 0
    channel = other if negative else top
    text = rule.text(channel, not negative, lang).format(channel=policy.channel_name(s.target or channel, lang))
    return Reason(s.name, text, round(-lead, 2), s.evidence, channel=other.value)


def _acknowledge(
    signals: Sequence[Signal], answer: ReplyChannel, thread: ThreadInput, policy: Policy, lang: str
) -> tuple[Acknowledgement, ...]:
    dup = next((s for s in signals if s.name == "same_request_multiple_channels" and not s.suppressed_by), None)
    if dup is None:
        return ()
    per_channel: dict[ReplyChannel, list[Evidence]] = {}
    for e in dup.evidence:
        if e.message is None:
            continue
        ch = parse_channel(thread.messages[e.message - 1].channel)
        if ch and ch is not answer:
            per_channel.setdefault(ch, []).append(e)
    template = policy.acknowledge_text.get(lang, "")
    return tuple(
        Acknowledgement(
            ch,
            template.format(channel=policy.channel_name(ch, lang), answer=policy.channel_name(answer, lang)),
            tuple(ev),
        )
        for ch, ev in per_channel.items()
    )
