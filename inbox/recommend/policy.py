"""The policy: factor weights, rules, reason texts, phrase lists and semantic concepts, read from TOML
(:meth:`Policy.from_toml`; the shipped file is ``policy.toml`` beside this module)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inbox.domain import ReplyChannel
from inbox.recommend.model import LANGS, TARGET
from inbox.recommend.semantic import Concept, concepts_from_mapping


class PolicyError(ValueError):
    """The policy TOML is malformed or names an unknown channel, factor or phrase group."""



# fmt: off
_TEXT_GROUPS = frozenset((
    "simple_question", "simple_topic", "simple_appointment", "simple_quick", "payment_missing",
    "complex_meaning", "complex_transition", "complex_advice", "complex_health", "complex_worry",
    "complex_future", "complex_situation", "misunderstanding_explicit", "confusion_strong", "confusion_weak",
    "conflict", "relational", "anxiety_strong", "anxiety_context", "office_avoidance", "summary_request",
    "login_barrier", "low_digital", "phone_risk", "multi_party_explicit", "party", "meeting_word", "travel",
    "documents_together", "positive_news", "duplicate_mention", "urgency", "planning_talk", "request_marker",
    "acceptance", "accept_after", "accept_marker", "meeting_context", "negation", "negation_cancel",
    "prep_request", "channel_phone", "channel_meeting", "channel_meeting_any", "channel_video", "channel_sms",
    "channel_dialog", "channel_email", "direct_phone", "direct_sms", "refuse_video", "home_privacy",
    "refuse_phone", "denial", "prefer_over", "third_party", "pause_request", "vague_reason",
))
# fmt: on
# fmt: off
_NOTES_GROUPS = frozenset((
    "anxiety", "low_digital", "dialog_inactive", "dialog_active", "mobile_only", "phone_risk", "conflict",
    "travel", "multi_party", "minority", "video_dislike", "wellbeing", "preference",
    "unwelcome_news", "life_crisis",
))
# fmt: on
_COMPLEX_GROUPS = (
    "complex_meaning",
    "complex_transition",
    "complex_health",
    "complex_worry",
    "complex_future",
    "complex_situation",
    "complex_advice",
)
_FIRST_PERSON = frozenset(["jeg", "eg", "meg", "min", "mi", "mitt", "mine", "i", "me", "my", "mine", "myself"])
# None: a meeting that may be physical or on screen ("et møte", "meet").
_CHANNEL_GROUPS: tuple[tuple[ReplyChannel | None, str], ...] = (
    (ReplyChannel.PHONE, "channel_phone"),
    (None, "channel_meeting_any"),
    (ReplyChannel.MEETING, "channel_meeting"),
    (ReplyChannel.VIDEO, "channel_video"),
    (ReplyChannel.SMS, "channel_sms"),
    (ReplyChannel.DIALOG, "channel_dialog"),
    (ReplyChannel.EMAIL, "channel_email"),
)

Patterns = tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class FactorRule:
    """One factor's weights per channel (``target`` for the channel the signal names) and reason texts."""

    name: str
    weights: Mapping[str, float]
    pro: Mapping[str, str]
    con: Mapping[str, str]
    pro_by_channel: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    con_by_channel: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    finding: str = ""
    aliases: tuple[str, ...] = ()
    prior: Mapping[str, float] = field(default_factory=dict)  # the research's hand-set weights (fit starts here)
    fit: bool = True  # false: `inbox recommend fit` keeps the prior (a finding too clear, or too rare, to fit)

    def weight(self, channel: ReplyChannel, target: ReplyChannel | None) -> float:
        w = self.weights.get(channel.value, 0.0)
        if target is channel:
            w += self.weights.get(TARGET, 0.0)
        return w

    def text(self, channel: ReplyChannel, positive: bool, lang: str) -> str:
        by_channel = self.pro_by_channel if positive else self.con_by_channel
        texts = by_channel.get(channel.value) or (self.pro if positive else self.con)
        return texts.get(lang) or texts.get("en") or texts.get("no") or self.name


@dataclass(frozen=True, slots=True)
class CombineRule:
    all: tuple[str, ...]
    any: tuple[str, ...]
    then: str


@dataclass(frozen=True, slots=True)
class Policy:
    """Weights, rules, reason texts and phrase lists; build it with :meth:`from_toml`."""

    factors: Mapping[str, FactorRule]
    text_lexicon: Mapping[str, Patterns]
    notes_lexicon: Mapping[str, Patterns]
    channel_names: Mapping[str, Mapping[str, str]]  # lang -> channel -> name
    suppress: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    combine: tuple[CombineRule, ...] = ()
    acknowledge_text: Mapping[str, str] = field(default_factory=dict)
    no_factor_text: Mapping[str, str] = field(default_factory=dict)
    lang: str = "no"
    written_languages: frozenset[str] = frozenset({"nb", "nn", "no", "en"})
    young_below_age: int = 26
    caseload_high: int = 100
    queue_high: int = 30
    duplicate_window_hours: float = 72.0
    complex_min_categories: int = 2
    long_message_words: int = 45
    tie_order: tuple[ReplyChannel, ...] = tuple(ReplyChannel)
    concepts: tuple[Concept, ...] = ()  # [semantic.concepts]: situations matched by meaning
    background: tuple[str, ...] = ()  # [semantic].background: sentences about nothing in particular
    semantic_floor: float = 0.0
    denial: tuple[str, ...] = ()  # [semantic].denial: words that deny what follows ("ingen", "not")
    deniable: frozenset[str] = frozenset()  # [lexicon].deniable: phrase groups a denial before them cancels

    @classmethod
    def from_toml(cls, text: str) -> Policy:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"policy is not valid TOML: {exc}") from exc
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Policy:
        settings = _table(data, "settings")
        lang = str(settings.get("lang", "no"))
        if lang not in LANGS:
            raise PolicyError(f"settings.lang must be one of {LANGS}, not {lang!r}")
        factors = {
            name: _factor(name, _as_table(raw, f"factors.{name}")) for name, raw in _table(data, "factors").items()
        }
        rules = _table(data, "rules")
        suppress = {}
        for key, victims in _table(rules, "suppress").items():
            suppress[key] = tuple(_names(victims, f"rules.suppress.{key}"))
        combine = []
        for i, raw in enumerate(rules.get("combine", [])):
            tbl = _as_table(raw, f"rules.combine[{i}]")
            then = str(tbl.get("then", ""))
            if then not in factors:
                raise PolicyError(f"rules.combine[{i}].then names no factor: {then!r}")
            combine.append(
                CombineRule(tuple(_names(tbl.get("all", []), "all")), tuple(_names(tbl.get("any", []), "any")), then)
            )
        lexicon = _table(data, "lexicon")
        text_lex = _lexicon(_table(lexicon, "text"), _TEXT_GROUPS, "lexicon.text")
        notes_lex = _lexicon(_table(lexicon, "notes"), _NOTES_GROUPS, "lexicon.notes")
        names: dict[str, dict[str, str]] = {lg: {} for lg in LANGS}
        for ch, raw in _table(data, "channels").items():
            _channel(ch, "channels")
            for lg, name in _as_table(raw, f"channels.{ch}").items():
                names.setdefault(str(lg), {})[ch] = str(name)
        tie = tuple(
            _channel(c, "settings.tie_order") for c in settings.get("tie_order", [c.value for c in ReplyChannel])
        )
        tie += tuple(c for c in ReplyChannel if c not in tie)
        semantic = _table(data, "semantic")
        try:
            concepts = concepts_from_mapping(
                _table(semantic, "concepts"), float(semantic.get("threshold", 0.05)), list(factors)
            )
        except ValueError as exc:
            raise PolicyError(str(exc)) from exc
        denial = semantic.get("denial", [])
        if not isinstance(denial, list) or not all(isinstance(w, str) for w in denial):
            raise PolicyError("semantic.denial must be a list of words")
        deniable = frozenset(_names(lexicon.get("deniable", []), "lexicon.deniable"))
        unknown = deniable - _TEXT_GROUPS - _NOTES_GROUPS
        if unknown:
            raise PolicyError(f"lexicon.deniable: unknown phrase groups {sorted(unknown)}")
        if deniable and not text_lex["denial"]:
            raise PolicyError("lexicon.deniable needs the lexicon.text.denial patterns")
        background = semantic.get("background", [])
        if not isinstance(background, list) or not all(isinstance(b, str) for b in background):
            raise PolicyError("semantic.background must be a list of strings")
        try:
            return cls(
                factors=factors,
                text_lexicon=text_lex,
                notes_lexicon=notes_lex,
                channel_names=names,
                suppress=suppress,
                combine=tuple(combine),
                acknowledge_text=_texts(_table(data, "acknowledge"), "acknowledge"),
                no_factor_text=_texts(_table(_table(data, "texts"), "no_factor"), "texts.no_factor"),
                lang=lang,
                written_languages=frozenset(
                    str(x).lower() for x in settings.get("written_languages", ["nb", "nn", "no", "en"])
                ),
                young_below_age=int(settings.get("young_below_age", 26)),
                caseload_high=int(settings.get("caseload_high", 100)),
                queue_high=int(settings.get("queue_high", 30)),
                duplicate_window_hours=float(settings.get("duplicate_window_hours", 72)),
                complex_min_categories=int(settings.get("complex_min_categories", 2)),
                long_message_words=int(settings.get("long_message_words", 45)),
                tie_order=tie,
                concepts=concepts,
                background=tuple(background),
                semantic_floor=float(semantic.get("floor", 0.0)),
                denial=tuple(denial),
                deniable=deniable,
            )
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"bad value in [settings]: {exc}") from exc

    def channel_name(self, channel: ReplyChannel, lang: str) -> str:
        return self.channel_names.get(lang, {}).get(channel.value) or channel.value


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    return _as_table(data.get(key, {}), key)


def _as_table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where} must be a table")
    return value


def _names(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where} must be a list of factor names")
    return list(value)


def _channel(name: Any, where: str) -> ReplyChannel:
    try:
        return ReplyChannel(str(name))
    except ValueError:
        raise PolicyError(f"{where}: unknown channel {name!r}") from None


def _texts(value: Any, where: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in _as_table(value, where).items()}


def _weights(raw: Any, where: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for key, w in _as_table(raw, where).items():
        if key != TARGET:
            _channel(key, where)
        if not isinstance(w, int | float) or isinstance(w, bool):
            raise PolicyError(f"{where}.{key} must be a number")
        weights[key] = float(w)
    return weights


def _factor(name: str, raw: Mapping[str, Any]) -> FactorRule:
    weights = _weights(raw.get("weights", {}), f"factors.{name}.weights")
    prior = _weights(raw["prior"], f"factors.{name}.prior") if "prior" in raw else dict(weights)
    by: dict[str, dict[str, dict[str, str]]] = {"pro_by_channel": {}, "con_by_channel": {}}
    for kind in by:
        for ch, texts in _as_table(raw.get(kind, {}), f"factors.{name}.{kind}").items():
            _channel(ch, f"factors.{name}.{kind}")
            by[kind][ch] = _texts(texts, f"factors.{name}.{kind}.{ch}")
    return FactorRule(
        name=name,
        weights=weights,
        pro=_texts(raw.get("pro", {}), f"factors.{name}.pro"),
        con=_texts(raw.get("con", {}), f"factors.{name}.con"),
        pro_by_channel=by["pro_by_channel"],
        con_by_channel=by["con_by_channel"],
        finding=str(raw.get("finding", "")).strip(),
        aliases=tuple(_names(raw.get("aliases", []), f"factors.{name}.aliases")),
        prior=prior,
        fit=bool(raw.get("fit", True)),
    )


def _lexicon(raw: Mapping[str, Any], known: frozenset[str], where: str) -> dict[str, Patterns]:
    out: dict[str, Patterns] = {g: () for g in known}
    for group, patterns in raw.items():
        if group not in known:
            raise PolicyError(f"{where}.{group}: unknown phrase group (known: {', '.join(sorted(known))})")
        if not isinstance(patterns, list):
            raise PolicyError(f"{where}.{group} must be a list of patterns")
        compiled = []
        for p in patterns:
            try:
                compiled.append(re.compile(str(p), re.IGNORECASE))
            except re.error as exc:
                raise PolicyError(f"{where}.{group}: bad pattern {p!r}: {exc}") from exc
        out[group] = tuple(compiled)
    return out
