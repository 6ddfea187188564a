"""Reading the text: phrase-list search (with denials), quotes for the evidence, channel names, skills, age
and language; the messages of a thread in their roles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from inbox.domain import ReplyChannel
from inbox.recommend.model import Evidence, Signal, ThreadMessage
from inbox.recommend.policy import Patterns

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
