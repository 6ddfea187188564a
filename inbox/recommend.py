"""Suggest the channel to answer a thread on, ranked, each channel with reasons and evidence (no IO).

The rules follow what research on Nav caseworkers found about channel choice (see issue 6 and the
comments in ``recommend_policy.toml``): written channels for simple practical questions, face to face for
complex talks, first meetings and conflicts, a quick switch to phone or meeting when a written exchange goes
wrong, the user's digital skills, age, language and anxiety, and the caseworker's capacity.

How it works, in three explainable steps:

1. :func:`detect_signals` finds signals in the thread (curated Norwegian/English phrase patterns from the
   policy's ``[lexicon]``), in the profile and its notes, in the relationship and in the caseworker's load.
   Each :class:`Signal` carries :class:`Evidence`: which message and phrase, or which profile field.
2. The policy's rules drop signals that another makes irrelevant (``suppress``) or add one when two occur
   together (``combine``).
3. Each remaining signal is a factor whose weights are added to the channels; :func:`recommend` ranks the
   channels and gives every channel the reasons (in Norwegian or English) that moved it.

The policy comes from TOML text (:meth:`Policy.from_toml`); reading the file is the caller's business
(``inbox.recommend_cases.load_policy``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inbox.domain import Direction, ReplyChannel
from inbox.recommend_semantic import Concept, Embed, SemanticMatcher, Unit, concepts_from_mapping, split_sentences

__all__ = [
    "Acknowledgement",
    "CaseworkerLoad",
    "ChannelScore",
    "Evidence",
    "FactorRule",
    "LANGS",
    "Policy",
    "PolicyError",
    "Profile",
    "Reason",
    "Relationship",
    "SemanticMatcher",
    "Signal",
    "Suggestion",
    "ThreadInput",
    "ThreadMessage",
    "case_units",
    "detect_signals",
    "parse_channel",
    "rank",
    "recommend",
    "semantic_matcher",
]

LANGS = ("no", "en")
TARGET = "target"  # weight key for the channel a signal names (preferred, asked for, refused, replied on)


class PolicyError(ValueError):
    """The policy TOML is malformed or names an unknown channel, factor or phrase group."""


# --------------------------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class Profile:
    """The person: age group ("18-25"), language code, digital skills (low/ok/high), preferred channel."""

    age_group: str = ""
    lang: str = "nb"
    digital_skills: str = "ok"
    prefers: ReplyChannel | None = None
    interpreter_needed: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Relationship:
    first_contact: bool = False
    meetings_held: int = 0
    open_conflict: bool = False


@dataclass(frozen=True, slots=True)
class CaseworkerLoad:
    caseload: int = 0  # users the caseworker follows
    queue_waiting: int = 0  # threads waiting for an answer


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One message of the thread. ``channel`` is a reply-channel name or anything else the source said."""

    direction: Direction
    channel: str
    text: str
    sent: datetime | None = None


@dataclass(frozen=True, slots=True)
class ThreadInput:
    messages: tuple[ThreadMessage, ...]
    id: str = ""


# -------------------------------------------------------------------------------------------- output


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a signal rests on. ``source`` is message/profile/relationship/caseworker; ``ref`` says where."""

    source: str
    ref: str
    quote: str
    message: int | None = None  # 1-based position in the thread, for source == "message"
    matched: str = ""  # for a semantic hit: the exemplar of the factor's situation the quote matched
    similarity: float | None = None  # ... and how close it came (cosine similarity)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "ref": self.ref, "quote": self.quote, "message": self.message}
        if self.matched:
            out["matched"] = self.matched
            out["similarity"] = self.similarity
        return out


@dataclass(frozen=True, slots=True)
class Signal:
    """A detected factor, with its evidence; ``target`` is the channel it names, when it names one."""

    name: str
    evidence: tuple[Evidence, ...]
    target: ReplyChannel | None = None
    suppressed_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "factor": self.name,
            "target": self.target.value if self.target else None,
            "suppressed_by": self.suppressed_by or None,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Reason:
    factor: str
    text: str
    weight: float
    evidence: tuple[Evidence, ...]
    channel: str = ""  # in Suggestion.deciding / .against: the channel the reason speaks for or against

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "factor": self.factor,
            "text": self.text,
            "weight": self.weight,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.channel:
            out["channel"] = self.channel
        return out


@dataclass(frozen=True, slots=True)
class ChannelScore:
    channel: ReplyChannel
    score: float
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel.value,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A channel the same request also came on: acknowledge there, answer on the suggested channel."""

    channel: ReplyChannel
    text: str
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel.value, "text": self.text, "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(frozen=True, slots=True)
class Suggestion:
    ranked: tuple[ChannelScore, ...]
    signals: tuple[Signal, ...]
    acknowledge: tuple[Acknowledgement, ...] = ()
    lang: str = "en"
    id: str = ""
    #: The factors that put the first channel ahead of the second, largest lead first, with evidence.
    deciding: tuple[Reason, ...] = ()
    #: For each other channel (in rank order), the factor that most holds it below the first.
    against: tuple[Reason, ...] = ()

    @property
    def best(self) -> ReplyChannel:
        return self.ranked[0].channel

    @property
    def first_reason(self) -> Reason:
        """The reason that decided the suggestion most, with its evidence (for a one-line display)."""
        return next((r for r in self.deciding if _real(r.evidence)), None) or self.ranked[0].reasons[0]

    @property
    def factors(self) -> tuple[str, ...]:
        """Names of the factors that counted (not suppressed), in detection order."""
        seen: dict[str, None] = {}
        for s in self.signals:
            if not s.suppressed_by:
                seen.setdefault(s.name, None)
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "best": self.best.value,
            "lang": self.lang,
            "ranked": [c.to_dict() for c in self.ranked],
            "deciding": [r.to_dict() for r in self.deciding],
            "against": [r.to_dict() for r in self.against],
            "acknowledge": [a.to_dict() for a in self.acknowledge],
            "signals": [s.to_dict() for s in self.signals],
        }


# -------------------------------------------------------------------------------------------- policy

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
    "refuse_phone", "denial",
))
# fmt: on
# fmt: off
_NOTES_GROUPS = frozenset((
    "anxiety", "low_digital", "dialog_inactive", "dialog_active", "mobile_only", "phone_risk", "conflict",
    "travel", "multi_party", "minority", "video_dislike", "wellbeing", "preference",
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


# ------------------------------------------------------------------------------------------ helpers

_CHANNEL_WORDS: dict[str, ReplyChannel] = {
    "dialog": ReplyChannel.DIALOG,
    "dialogue": ReplyChannel.DIALOG,
    "aktivitetsplan": ReplyChannel.DIALOG,
    "aktivitetsplanen": ReplyChannel.DIALOG,
    "activity plan": ReplyChannel.DIALOG,
    "chat": ReplyChannel.DIALOG,
    "skriftlig": ReplyChannel.DIALOG,
    "sms": ReplyChannel.SMS,
    "text": ReplyChannel.SMS,
    "tekstmelding": ReplyChannel.SMS,
    "email": ReplyChannel.EMAIL,
    "e-mail": ReplyChannel.EMAIL,
    "epost": ReplyChannel.EMAIL,
    "e-post": ReplyChannel.EMAIL,
    "mail": ReplyChannel.EMAIL,
    "phone": ReplyChannel.PHONE,
    "telefon": ReplyChannel.PHONE,
    "call": ReplyChannel.PHONE,
    "calls": ReplyChannel.PHONE,
    "video": ReplyChannel.VIDEO,
    "videomøte": ReplyChannel.VIDEO,
    "teams": ReplyChannel.VIDEO,
    "meeting": ReplyChannel.MEETING,
    "møte": ReplyChannel.MEETING,
    "oppmøte": ReplyChannel.MEETING,
    "fysisk": ReplyChannel.MEETING,
    "fysisk møte": ReplyChannel.MEETING,
    "in person": ReplyChannel.MEETING,
}


def parse_channel(value: str | None) -> ReplyChannel | None:
    """A reply channel from its name or a common Norwegian/English word for it; None when unknown."""
    if not value:
        return None
    word = value.strip().lower()
    try:
        return ReplyChannel(word)
    except ValueError:
        pass
    if word in _CHANNEL_WORDS:
        return _CHANNEL_WORDS[word]
    for stem, channel in _CHANNEL_WORDS.items():
        if word.startswith(stem):
            return channel
    return None


_LOW = {"low", "lav", "lave", "svak", "svake", "weak", "poor", "none", "ingen", "dårlig", "limited", "begrenset"}
_HIGH = {"high", "høy", "høye", "god", "gode", "good", "strong", "sterk", "sterke", "very good", "expert"}


def _skill(value: str) -> str:
    v = value.strip().lower()
    return "low" if v in _LOW else "high" if v in _HIGH else "ok"


_NUMBER = re.compile(r"\d+")


def _is_young(age_group: str, below: int) -> bool:
    text = age_group.strip().lower()
    if text in {"young", "ung", "ungdom", "youth"}:
        return True
    m = _NUMBER.search(text)
    if m is None:
        return False
    return int(m.group()) < below and "+" not in text[m.end() : m.end() + 1]


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})

# fmt: off
_NO_WORDS = frozenset((
    "og", "jeg", "eg", "ikke", "ikkje", "er", "det", "på", "til", "har", "som", "en", "et", "ei", "meg",
    "deg", "du", "dere", "dykk", "vi", "med", "om", "kan", "skal", "må", "vil", "min", "mitt", "mine", "fra",
    "frå", "av", "men", "så", "at", "hva", "kva", "når", "hvor", "kor", "takk", "hilsen", "helsing", "mvh",
    "nå", "hei", "ble", "blir", "fikk", "fått", "også", "bare", "berre", "denne", "dette", "den", "etter",
    "før", "enn", "hvis", "viss", "noe", "noko", "litt", "mye", "hos", "dag", "uke", "veke", "hadde", "var",
    "være", "vere",
))
# fmt: on
# fmt: off
_EN_WORDS = frozenset((
    "the", "and", "is", "to", "of", "my", "you", "have", "not", "please", "a", "for", "in", "it", "this",
    "that", "do", "did", "what", "when", "how", "can", "will", "hello", "hi", "thanks", "thank", "me", "am",
    "are", "was", "with", "be", "your", "i", "from", "about", "but", "if", "would", "could", "should", "get",
    "got", "been", "has", "there", "they", "we", "our", "an", "or", "at", "on", "just", "need", "know", "help",
))
# fmt: on
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Letters that Norwegian and English text do not use: Polish, Baltic, Turkish, Romanian, Czech and so on,
# and whole scripts (Cyrillic, Greek, Arabic, Hebrew, Ethiopic, Thai, CJK, ...).
_FOREIGN = re.compile(
    "[ąćęłńśźżčďěňřšťůžğışőűăâîșțđėįųūõ\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff"
    "\u0e00-\u0e7f\u1200-\u137f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)


def _other_language(text: str) -> bool:
    """True when the text looks written in neither Norwegian nor English."""
    if len(_FOREIGN.findall(text.lower())) >= 2:
        return True
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 4:
        return False
    known = sum(1 for w in words if w in _NO_WORDS or w in _EN_WORDS)
    return known / len(words) < 0.15


def _search(patterns: Patterns, text: str, denial: Patterns = ()) -> re.Match[str] | None:
    """The earliest match of any pattern; with ``denial``, a match that a denial word just before it in its
    clause cancels ("ingen uenighet", "no conflict") does not count."""
    best: re.Match[str] | None = None
    for p in patterns:
        for m in p.finditer(text) if denial else filter(None, [p.search(text)]):
            if not denial or not _denied(text, m.start(), denial):
                if best is None or m.start() < best.start():
                    best = m
                break
    return best


_CLAUSE = re.compile(r"[.,;:!?()\n–-]")


def _denied(text: str, start: int, denial: Patterns) -> bool:
    """Whether a denial word stands among the (at most two) words before ``start`` in its clause."""
    before = _CLAUSE.split(text[max(0, start - 60) : start])[-1]
    words = before.split()[-2:]
    return bool(words) and _search(denial, " ".join(words)) is not None


_TOKEN = re.compile(r"\S+")


def _quote(text: str, start: int, end: int) -> str:
    """The matched phrase widened to whole words; a short match gets a few words of context from its
    sentence."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    if end - start < 14:
        sentence_start = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
        stops = [i for i in (text.find(c, end) for c in ".!?\n") if i >= 0]
        sentence_end = min(stops, default=len(text))
        before = [m.start() for m in _TOKEN.finditer(text, sentence_start, start)][-3:]
        after = [m.end() for m in _TOKEN.finditer(text, end, sentence_end)][:3]
        start = before[0] if before else start
        end = after[-1] if after else end
    q = " ".join(text[start:end].split())
    return q if len(q) <= 100 else q[:97] + "..."


@dataclass(frozen=True, slots=True)
class _Msg:
    index: int  # 1-based
    message: ThreadMessage
    text: str  # apostrophes normalised

    def evidence(self, quote: str) -> Evidence:
        m = self.message
        when = f", {m.sent:%Y-%m-%d %H:%M}" if m.sent else ""
        ref = f"message {self.index} ({m.direction.value}, {m.channel}{when})"
        return Evidence("message", ref, quote, self.index)

    def match(self, patterns: Patterns, denial: Patterns = ()) -> Evidence | None:
        m = _search(patterns, self.text, denial)
        return self.evidence(_quote(self.text, m.start(), m.end())) if m else None


class _Found:
    """Collects signals in detection order, merging evidence for the same (name, target)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, ReplyChannel | None], list[Evidence]] = {}

    def add(self, name: str, evidence: Iterable[Evidence], target: ReplyChannel | None = None) -> None:
        ev = list(evidence)
        if not ev:
            return
        bucket = self.items.setdefault((name, target), [])
        for e in ev:
            if e not in bucket:
                bucket.append(e)

    def has(self, name: str, target: ReplyChannel | None = None) -> bool:
        return (name, target) in self.items

    def names(self) -> set[str]:
        return {n for n, _ in self.items}

    def signals(self) -> list[Signal]:
        return [Signal(n, tuple(ev), t) for (n, t), ev in self.items.items()]


def _profile_ev(fieldname: str, value: object) -> Evidence:
    return Evidence("profile", f"person.{fieldname}", str(value))


def _note_matches(notes: Sequence[str], patterns: Patterns, denial: Patterns = ()) -> list[Evidence]:
    out = []
    for i, note in enumerate(notes):
        m = _search(patterns, note.translate(_APOSTROPHES), denial)
        if m:
            out.append(Evidence("profile", f"person.notes[{i}]", note))
    return out


# ----------------------------------------------------------------------------------------- detection


ASK, ACCEPT, REFUSE = "ask", "accept", "refuse"


def _channel_requests(msg: _Msg, lex: Mapping[str, Patterns]) -> list[tuple[ReplyChannel | None, str, Evidence]]:
    """(channel, kind, evidence) for each channel the message asks for (ASK), says is fine (ACCEPT) or
    says no to (REFUSE); channel None is a meeting that may be physical or on screen.

    A marker ("kan vi", "helst", "could we") followed in the same sentence by a channel word is a wish; a
    negation between them makes it a refusal. A channel word followed by "i stedet"/"is best" is a wish,
    by "går fint"/"is fine" an acceptance.
    """
    text = msg.text
    out: list[tuple[ReplyChannel | None, str, Evidence]] = []

    def negated(between: str) -> bool:
        return bool(_search(lex["negation"], between)) and not _search(lex["negation_cancel"], between)

    for marker_group, kind in (("request_marker", ASK), ("accept_marker", ACCEPT)):
        for marker in lex[marker_group]:
            for m in marker.finditer(text):
                stop = min([i for i in (text.find(c, m.end()) for c in ".?!\n") if i >= 0], default=len(text))
                window = text[m.end() : min(stop, m.end() + 70)]
                for channel, group in _CHANNEL_GROUPS:
                    for p in lex[group]:
                        for cm in p.finditer(window):
                            quote = _quote(text, m.start(), m.end() + cm.end())
                            out.append(
                                (channel, REFUSE if negated(window[: cm.start()]) else kind, msg.evidence(quote))
                            )
    for channel, group in _CHANNEL_GROUPS:
        for p in lex[group]:
            for cm in p.finditer(text):
                tail = text[cm.end() : cm.end() + 30]
                for after_group, kind in (("acceptance", ASK), ("accept_after", ACCEPT)):
                    am = _search(lex[after_group], tail)
                    if am and am.start() <= 12 and not negated(tail[: am.end()]):
                        out.append((channel, kind, msg.evidence(_quote(text, cm.start(), cm.end() + am.end()))))
    direct: tuple[tuple[ReplyChannel, str], ...] = (
        (ReplyChannel.PHONE, "direct_phone"),
        (ReplyChannel.SMS, "direct_sms"),
    )
    for channel, group in direct:
        ev = msg.match(lex[group])
        if ev:
            out.append((channel, ASK, ev))
    for channel, group in ((ReplyChannel.VIDEO, "refuse_video"), (ReplyChannel.PHONE, "refuse_phone")):
        rm = _search(lex[group], text)
        if rm and not _search(lex["negation_cancel"], rm.group()):
            out.append((channel, REFUSE, msg.evidence(_quote(text, rm.start(), rm.end()))))
    return out


_ECHO = re.compile(r"^\W*((?:[^\W_]+[\s,]*){1,5})\?")


def _echo_questions(msgs: Sequence[_Msg]) -> list[Evidence]:
    """Replies that open by echoing the caseworker's words back as a question ("Stanset??", "Which
    appointment?"): a sign the written exchange is not landing."""
    out = []
    last_out: set[str] = set()
    for m in msgs:
        if m.message.direction is Direction.OUT:
            last_out = {w.lower()[:5] for w in _WORD.findall(m.text) if len(w) >= 4}
            continue
        hit = _ECHO.match(m.text)
        if last_out and hit and any(w.lower()[:5] in last_out for w in _WORD.findall(hit.group(1)) if len(w) >= 4):
            out.append(m.evidence(hit.group(0).strip()))
    return out


def _back_and_forth(msgs: Sequence[_Msg]) -> list[Evidence]:
    """A written exchange that keeps going: two or more replies that still ask after the caseworker
    has written twice."""
    outs = [m for m in msgs if m.message.direction is Direction.OUT]
    if len(outs) < 2:
        return []
    asking = [m for m in msgs if m.message.direction is Direction.IN and m.index > outs[0].index and "?" in m.text]
    if len(asking) < 2:
        return []
    n_out, n_in = len(outs), len(asking)
    return [asking[-1].evidence(f"{n_out} answers from the office, {n_in} questions back")]


class _Ctx:
    """What the detectors share: the messages in their roles, the phrase lists and the collected signals."""

    def __init__(self, thread: ThreadInput, profile: Profile, policy: Policy) -> None:
        self.policy = policy
        self.lex = policy.text_lexicon
        self.nlex = policy.notes_lexicon
        self.notes = profile.notes
        self.found = _Found()
        self.msgs = [_Msg(i, m, m.text.translate(_APOSTROPHES)) for i, m in enumerate(thread.messages, start=1)]
        outs = [m.index for m in self.msgs if m.message.direction is Direction.OUT]
        self.inbound = [m for m in self.msgs if m.message.direction is Direction.IN]
        # The messages still waiting for an answer (after the office last wrote); all inbound if none are.
        self.pending = [m for m in self.inbound if m.index > max(outs, default=0)] or self.inbound
        # Inbound messages written after the office had answered something: where an exchange can go wrong.
        self.after_out = [m for m in self.inbound if outs and m.index > outs[0]]

    def _denial(self, group: str) -> Patterns:
        return self.lex["denial"] if group in self.policy.deniable else ()

    def text(self, group: str, messages: Sequence[_Msg]) -> list[Evidence]:
        """The first match of a phrase group in each message (a denied one does not count)."""
        return [e for m in messages if (e := m.match(self.lex[group], self._denial(group)))]

    def in_notes(self, group: str) -> list[Evidence]:
        return _note_matches(self.notes, self.nlex[group], self._denial(group))


def _detect_person(ctx: _Ctx, profile: Profile) -> None:
    """Preference, digital skills, use of the activity plan, age and language."""
    found, policy = ctx.found, ctx.policy
    if profile.prefers:
        found.add("prefers_channel", [_profile_ev("prefers", profile.prefers.value)], profile.prefers)
    else:  # a recorded note ("foretrekker telefon")
        for i, note in enumerate(ctx.notes):
            pm = _search(ctx.nlex["preference"], note)
            preferred = parse_channel(pm.group("channel")) if pm and "channel" in pm.re.groupindex else None
            if preferred:
                found.add("prefers_channel", [Evidence("profile", f"person.notes[{i}]", note)], preferred)
                break

    skill = _skill(profile.digital_skills)
    low_ev = ctx.text("low_digital", ctx.inbound) + ctx.in_notes("low_digital")
    if skill == "low":
        low_ev.insert(0, _profile_ev("digital_skills", profile.digital_skills))
    found.add("low_digital_skills", low_ev)
    if skill == "high" and not low_ev:
        found.add("high_digital_skills", [_profile_ev("digital_skills", profile.digital_skills)])
    found.add("dialog_login_barrier_mobile", ctx.text("login_barrier", ctx.inbound))
    found.add("dialog_inactive", ctx.in_notes("dialog_inactive"))
    if not found.has("dialog_inactive"):
        found.add("dialog_active", ctx.in_notes("dialog_active"))
    found.add("mobile_only", ctx.in_notes("mobile_only"))
    found.add("phone_misunderstanding_risk", ctx.in_notes("phone_risk") + ctx.text("phone_risk", ctx.inbound))

    if _is_young(profile.age_group, policy.young_below_age):
        found.add("young_phone_sms", [_profile_ev("age_group", profile.age_group)])
    minority_ev = []
    if profile.lang and profile.lang.strip().lower() not in policy.written_languages:
        minority_ev.append(_profile_ev("lang", profile.lang))
    minority_ev += ctx.in_notes("minority")
    minority_ev += [m.evidence(_quote(m.text, 0, min(len(m.text), 40))) for m in ctx.inbound if _other_language(m.text)]
    found.add("minority_language", minority_ev)
    if profile.interpreter_needed:
        found.add("interpreter_needed", [_profile_ev("interpreter_needed", "true")])


def _detect_relationship_and_load(ctx: _Ctx, relationship: Relationship, load: CaseworkerLoad) -> None:
    found, policy = ctx.found, ctx.policy
    if relationship.first_contact:
        found.add("first_meeting_face_to_face", [Evidence("relationship", "relationship.first_contact", "true")])
    elif relationship.meetings_held <= 0:
        found.add("no_meeting_yet", [Evidence("relationship", "relationship.meetings_held", "0")])
    else:
        held = str(relationship.meetings_held)
        found.add("established_relationship", [Evidence("relationship", "relationship.meetings_held", held)])
    conflict_ev = ctx.text("conflict", ctx.inbound) + ctx.in_notes("conflict")
    if relationship.open_conflict:
        conflict_ev.insert(0, Evidence("relationship", "relationship.open_conflict", "true"))
    found.add("conflict_meet_in_person", conflict_ev)

    cap_ev = []
    if load.caseload >= policy.caseload_high:
        cap_ev.append(Evidence("caseworker", "caseworker.caseload", str(load.caseload)))
    if load.queue_waiting >= policy.queue_high:
        cap_ev.append(Evidence("caseworker", "caseworker.queue_waiting", str(load.queue_waiting)))
    found.add("capacity_gatekeeper", cap_ev)


@dataclass
class _Wishes:
    """Channels the pending messages ask for (None: a meeting, physical or on screen) or refuse."""

    asked: dict[ReplyChannel | None, list[Evidence]] = field(default_factory=dict)
    accepted: dict[ReplyChannel | None, list[Evidence]] = field(default_factory=dict)
    refused: dict[ReplyChannel, list[Evidence]] = field(default_factory=dict)
    asking_messages: set[int] = field(default_factory=set)


def _detect_wishes(ctx: _Ctx) -> _Wishes:
    wishes = _Wishes()
    for m in ctx.pending:
        about_appointment = m.match(ctx.lex["simple_appointment"]) is not None
        for channel, kind, ev in _channel_requests(m, ctx.lex):
            if channel is ReplyChannel.MEETING and about_appointment and kind != REFUSE:
                continue  # "can I come in at 2 instead?" is about an existing appointment, not a new meeting
            if kind == REFUSE:
                if channel is not None:
                    wishes.refused.setdefault(channel, []).append(ev)
                continue
            (wishes.asked if kind == ASK else wishes.accepted).setdefault(channel, []).append(ev)
            wishes.asking_messages.add(m.index)
    return wishes


def _add_wishes(ctx: _Ctx, wishes: _Wishes) -> None:
    found = ctx.found
    video_ev = wishes.refused.pop(ReplyChannel.VIDEO, []) + ctx.in_notes("video_dislike")
    video_ev += [e for m in ctx.inbound if m not in ctx.pending and (e := m.match(ctx.lex["refuse_video"]))]
    if any(_search(ctx.lex["channel_video"], m.text) for m in ctx.msgs):
        video_ev += ctx.text("home_privacy", ctx.inbound)  # privacy at home counts once video is on the table
    found.add("video_too_personal_at_home", video_ev)
    for channel, ev in wishes.refused.items():
        found.add("refused_channel", ev, channel)
    for target, ev in wishes.asked.items():
        if target is None:
            if ReplyChannel.MEETING not in wishes.asked and ReplyChannel.VIDEO not in wishes.asked:
                found.add("asks_to_meet", ev)
        elif target not in wishes.refused and not (target is ReplyChannel.VIDEO and video_ev):
            found.add("asked_for_channel", ev, target)
    for target, ev in wishes.accepted.items():
        refused_video = target is ReplyChannel.VIDEO and bool(video_ev)
        if target is not None and target not in wishes.asked and target not in wishes.refused and not refused_video:
            found.add("accepts_channel", ev, target)


def _detect_content(ctx: _Ctx, wishes: _Wishes, relationship: Relationship) -> None:
    """What the pending request is about."""
    found, lex, policy, pending = ctx.found, ctx.lex, ctx.policy, ctx.pending
    simple_ev: list[Evidence] = []
    for m in pending:
        question = m.match(lex["simple_question"])
        # A question about the appointment counts, unless it asks for another way to meet.
        appointment = None if m.index in wishes.asking_messages else m.match(lex["simple_appointment"])
        topic = m.match(lex["simple_topic"]) or appointment
        if question and topic:
            simple_ev += [question, topic]
        simple_ev += [e for e in (m.match(lex["simple_quick"]), m.match(lex["payment_missing"])) if e]
    found.add("simple_practical_written", simple_ev)

    complex_ev = [ev[0] for group in _COMPLEX_GROUPS if (ev := ctx.text(group, pending))]
    if len(complex_ev) >= policy.complex_min_categories:
        found.add("richness_complex_content", complex_ev)
    for m in pending:
        words = [w.lower() for w in _WORD.findall(m.text)]
        first_person = sum(w in _FIRST_PERSON for w in words)
        if len(words) >= policy.long_message_words and first_person >= 4:
            found.add("long_personal_message", [m.evidence(f"{len(words)} words, {first_person} about the writer")])

    strong = ctx.text("misunderstanding_explicit", ctx.inbound) + ctx.text("confusion_strong", ctx.after_out)
    weak = ctx.text("confusion_weak", ctx.after_out) + _echo_questions(ctx.msgs) + _back_and_forth(ctx.msgs)
    if strong or len(weak) >= 2:
        found.add("misunderstanding_switch_channel", strong + weak)

    relational_ev = ctx.text("relational", ctx.inbound)
    if relational_ev:
        found.add("hidden_relational_need", relational_ev + ctx.in_notes("wellbeing"))

    anxiety_ev = ctx.in_notes("anxiety") + ctx.text("anxiety_strong", ctx.inbound)
    found.add("anxiety_video_or_written_prep", anxiety_ev + ctx.text("anxiety_context", ctx.inbound))
    found.add("office_avoidance", ctx.text("office_avoidance", pending))
    # A summary of a meeting or talk (not of an earlier written message).
    talked = [m for m in pending if m.match(lex["meeting_context"])]
    found.add("written_summary_after_meeting", ctx.text("summary_request", talked))
    found.add("written_preparation", ctx.text("prep_request", pending))

    multi_ev = ctx.text("multi_party_explicit", pending)
    if ctx.text("meeting_word", pending):
        for m in pending:
            parties = {pm.group().lower() for p in lex["party"] for pm in p.finditer(m.text)}
            if len(parties) >= 2:
                multi_ev.append(m.evidence(", ".join(sorted(parties))))
        multi_ev += ctx.in_notes("multi_party")
    found.add("multi_party_coordination", multi_ev)

    found.add("travel_distance", ctx.text("travel", ctx.inbound) + ctx.in_notes("travel"))
    found.add("work_together_on_documents", ctx.text("documents_together", pending))
    found.add("planning_talk", ctx.text("planning_talk", pending))
    found.add("urgency", ctx.text("urgency", pending))
    if not relationship.first_contact:
        found.add("digital_followup_established", ctx.text("positive_news", pending))


def _detect_duplicates(ctx: _Ctx) -> None:
    """The same request on several channels: pending messages on two or more channels close in time, or
    the person saying they have written elsewhere."""
    pending = ctx.pending
    dup_ev = ctx.text("duplicate_mention", pending)
    if len({m.message.channel for m in pending}) >= 2:
        times = [m.message.sent for m in pending if m.message.sent]
        span_h = (max(times) - min(times)).total_seconds() / 3600 if len(times) >= 2 else 0.0
        if span_h <= ctx.policy.duplicate_window_hours:
            dup_ev = [m.evidence(f"{m.message.channel}: " + _quote(m.text, 0, min(len(m.text), 50))) for m in pending]
    ctx.found.add("same_request_multiple_channels", dup_ev)


#: At most this many sentences and notes of a case are compared (the most telling first), so a long thread
#: costs no more than a short one.
MAX_UNITS = 24


def case_units(thread: ThreadInput, profile: Profile) -> list[Unit]:
    """The sentences and notes of a case that semantic detection compares, most telling first: the pending
    request, the recorded notes, what the caseworker wrote (latest first), the person's earlier messages."""
    msgs = list(enumerate(thread.messages, start=1))
    outs = [i for i, m in msgs if m.direction is Direction.OUT]
    last_out = max(outs, default=0)
    inbound = [(i, m) for i, m in msgs if m.direction is Direction.IN]
    pending = [(i, m) for i, m in inbound if i > last_out] or inbound
    pending_ids = {i for i, _ in pending}

    def sentences(source: str, i: int, m: ThreadMessage) -> list[Unit]:
        when = f", {m.sent:%Y-%m-%d %H:%M}" if m.sent else ""
        ref = f"message {i} ({m.direction.value}, {m.channel}{when})"
        text = m.text.translate(_APOSTROPHES)
        return [Unit(source, s, ref, i) for s in split_sentences(text)]

    units: list[Unit] = []
    for i, m in reversed(pending):
        units += sentences("request", i, m)
    for n, note in enumerate(profile.notes):
        for s in split_sentences(note.translate(_APOSTROPHES), min_words=2) or [note]:
            units.append(Unit("notes", s, f"person.notes[{n}]"))
    for i, m in reversed([(i, m) for i, m in msgs if m.direction is Direction.OUT][-2:]):  # the latest two
        units += sentences("caseworker", i, m)
    for i, m in reversed([(i, m) for i, m in inbound if i not in pending_ids][-3:]):  # the latest three
        units += sentences("inbound", i, m)
    return units[:MAX_UNITS]


def semantic_matcher(policy: Policy, embedder: Embed) -> SemanticMatcher:
    """The policy's concepts matched with ``embedder`` (build once; exemplar vectors are kept)."""
    return SemanticMatcher(
        embedder, policy.concepts, policy.background, floor=policy.semantic_floor, denial=policy.denial
    )


def _detect_semantic(ctx: _Ctx, thread: ThreadInput, profile: Profile, semantic: SemanticMatcher) -> None:
    for hit in semantic.match(case_units(thread, profile)):
        u = hit.unit
        source = "message" if u.message is not None else "profile"
        ev = Evidence(source, u.ref, _clip(u.text), u.message, matched=hit.exemplar, similarity=hit.similarity)
        ctx.found.add(hit.concept.factor, [ev], hit.concept.target)


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _detect_after_conversation(ctx: _Ctx) -> None:
    """What happened last: the caseworker's latest entry records a call or meeting, and the person has
    written since. Details given by voice are easily lost; a written summary can be reread."""
    outs = [m for m in ctx.msgs if m.message.direction is Direction.OUT]
    if not outs:
        return
    last = outs[-1]
    talked = parse_channel(last.message.channel) in (ReplyChannel.PHONE, ReplyChannel.MEETING, ReplyChannel.VIDEO)
    if talked and any(m.index > last.index for m in ctx.inbound):
        ctx.found.add("after_conversation", [last.evidence(_clip(last.text, 100))])


def detect_signals(
    thread: ThreadInput,
    profile: Profile,
    relationship: Relationship,
    load: CaseworkerLoad,
    policy: Policy,
    semantic: SemanticMatcher | None = None,
) -> list[Signal]:
    """Every factor found in the case, with evidence, before the policy's suppress/combine rules. With a
    ``semantic`` matcher, situations described in other words than the phrase lists' count too."""
    ctx = _Ctx(thread, profile, policy)
    ctx.found.add("channel_baseline", [Evidence("policy", "factors.channel_baseline", "baseline")])
    if ctx.inbound:  # answer where the person last wrote
        last = ctx.inbound[-1]
        channel = parse_channel(last.message.channel)
        if channel:
            ctx.found.add("reply_channel", [last.evidence(last.message.channel)], channel)
    _detect_relationship_and_load(ctx, relationship, load)
    _detect_person(ctx, profile)
    wishes = _detect_wishes(ctx)
    _detect_content(ctx, wishes, relationship)
    _detect_duplicates(ctx)
    _add_wishes(ctx, wishes)
    _detect_after_conversation(ctx)
    if semantic is not None:
        _detect_semantic(ctx, thread, profile, semantic)
    return ctx.found.signals()


# ------------------------------------------------------------------------------------------- scoring


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


def _real(evidence: Sequence[Evidence]) -> bool:
    return any(e.source != "policy" for e in evidence)


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
