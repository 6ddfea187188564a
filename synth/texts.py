"""The generator's words, loaded from the JSON files in ``synth/data/`` (see the ``about`` field in each).

- ``intents.json``: the nine topics and, per topic, what people ask and what the office answers;
- ``phrases.json``: greetings, closings, reminders, thanks, the office's signatures, Polish and Ukrainian;
- ``names.json``: made-up names, caseworkers, courses, jobs, employers and meeting times.

Lists become tuples, in file order: the generator draws from them by index, so the same files and the same
seed give the same bytes. Channel habits and hour weights are numbers, not words, and stay here.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

T = tuple[str, ...]
#: Languages the templates are written in; Polish and Ukrainian writers use FOREIGN.
LANGS = ("nb", "nn", "en")


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files("synth").joinpath("data", name).read_text(encoding="utf-8"))
    return data


def _by_lang(d: dict[str, list[str]]) -> dict[str, T]:
    return {lang: tuple(texts) for lang, texts in d.items()}


def _pairs(rows: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a, b in rows)


@dataclass(frozen=True, slots=True)
class Intent:
    """One kind of request within a topic, with its wordings per language."""

    topic: str
    subj: dict[str, T]
    ask: dict[str, T]
    sms: dict[str, T]
    rep: dict[str, T]
    ctx: dict[str, T]  # context sentences that may come before the question (mail and dialogue)
    attach: str = ""  # file name a citizen sometimes attaches to a first mail


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    short: dict[str, str]  # "about {short}" in each language


def _intent(d: dict[str, Any]) -> Intent:
    subj = d["subject"]
    return Intent(
        topic=d["topic"],
        subj={"nb": tuple(subj["nb"]), "nn": tuple(subj["nb"]), "en": tuple(subj["en"])},
        ask=_by_lang(d["ask"]),
        sms=_by_lang(d["sms"]),
        rep=_by_lang(d["reply"]),
        ctx=_by_lang(d["context"]),
        attach=d.get("attachment", ""),
    )


_intents = _load("intents.json")
TOPICS: dict[str, Topic] = {key: Topic(key, dict(short)) for key, short in _intents["topics"].items()}
INTENTS: tuple[Intent, ...] = tuple(_intent(d) for d in _intents["intents"])
BY_TOPIC: dict[str, tuple[Intent, ...]] = {k: tuple(i for i in INTENTS if i.topic == k) for k in TOPICS}
TOPIC_KEYS = tuple(TOPICS)

_phrases = _load("phrases.json")
GREET = _by_lang(_phrases["greet"])
CLOSE = _by_lang(_phrases["close"])
EXTRA = _by_lang(_phrases["extra"])
SMS_HI: T = tuple(_phrases["sms_hi"])
DIALOG_HI = _by_lang(_phrases["dialog_hi"])
PARTNER: dict[str, str] = dict(_phrases["partner"])
SMS_BYE = _by_lang(_phrases["sms_bye"])
ALSO: dict[str, dict[str, T]] = {lang: _by_lang(d) for lang, d in _phrases["also"].items()}
WHERE: dict[str, dict[str, str]] = {lang: dict(d) for lang, d in _phrases["where"].items()}
FOLLOW = _by_lang(_phrases["follow"])
FOLLOW_SUBJ = _by_lang(_phrases["follow_subj"])
THANKS = _by_lang(_phrases["thanks"])
ANOTHER = _by_lang(_phrases["another"])
WHEN = _by_lang(_phrases["when"])
OFFICE_GREET = _by_lang(_phrases["office_greet"])
OFFICE_CLOSE = _by_lang(_phrases["office_close"])
OFFICE_SIGN = _by_lang(_phrases["office_sign"])
DIALOG_SIGN: T = tuple(_phrases["dialog_sign"])
#: Polish and Ukrainian: a few generic messages per kind (ask, sms, subj, follow, thanks, greet, close).
FOREIGN: dict[str, dict[str, T]] = {lang: _by_lang(d) for lang, d in _phrases["foreign"].items()}

_names = _load("names.json")
NB_FIRST: T = tuple(_names["nb_first"])
NB_LAST: T = tuple(_names["nb_last"])
EN_FIRST: T = tuple(_names["en_first"])
EN_LAST: T = tuple(_names["en_last"])
PL_NAMES: T = tuple(_names["pl_names"])
UK_NAMES: T = tuple(_names["uk_names"])
CASEWORKERS = _pairs(_names["caseworkers"])  # (name, NAV ident)
COURSES = _pairs(_names["courses"])  # (bokmål, English)
JOBS = _pairs(_names["jobs"])
EMPLOYERS = _pairs(_names["employers"])
TIMES: T = tuple(_names["times"])
del _intents, _phrases, _names

# Channel habits: a weighted pool each person draws channels from (SMS-, mail-, dialogue-minded, mixed).
PROFILES: tuple[tuple[str, ...], ...] = (
    ("sms",) * 6 + ("email",) * 2 + ("dialog",) * 2,
    ("sms",) * 6 + ("email",) * 2 + ("dialog",) * 2,
    ("sms",) * 6 + ("email",) * 2 + ("dialog",) * 2,
    ("sms",) * 2 + ("email",) * 6 + ("dialog",) * 2,
    ("sms",) * 2 + ("email",) * 6 + ("dialog",) * 2,
    ("sms",) * 2 + ("email",) * 2 + ("dialog",) * 6,
    ("sms",) * 2 + ("email",) * 2 + ("dialog",) * 6,
    ("sms",) * 2 + ("email",) * 2 + ("dialog",) * 6,
    ("sms", "email", "dialog"),
    ("sms", "email", "dialog"),
)
PROFILES_FOREIGN = tuple(("sms",) * 3 + pr for pr in PROFILES)
# For each profile and first channel: the pool a second channel is drawn from.
OTHERS: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {
    pr: {
        c: tuple(o for o in pr if o != c) or tuple(o for o in ("sms", "email", "dialog") if o != c)
        for c in ("sms", "email", "dialog")
    }
    for pr in (*PROFILES, *PROFILES_FOREIGN)
}
DOMAINS: T = ("example.no",) * 6 + ("example.com",) * 3 + ("example.net",)
_HOUR_WEIGHTS = (0, 0, 0, 0, 0, 0, 1, 4, 7, 9, 9, 8, 7, 8, 8, 7, 5, 4, 4, 4, 5, 5, 3, 1)
#: Hours of the day, each as often as people write then.
HOURS: tuple[int, ...] = tuple(h for h, w in enumerate(_HOUR_WEIGHTS) for _ in range(w))
_FOLD = str.maketrans(
    {
        "æ": "ae",
        "ø": "o",
        "å": "a",
        "é": "e",
        "ü": "u",
        "ö": "o",
        "ä": "a",
        "ł": "l",
        "ś": "s",
        "ż": "z",
        "ź": "z",
        "ć": "c",
        "ń": "n",
        "ó": "o",
        "ą": "a",
        "ę": "e",
        " ": "",
        "'": "",
        "-": "",
    }
)


@functools.lru_cache(maxsize=4096)
def fold(name: str) -> str:
    """A name as it would appear in an email address: lower case, ASCII, no spaces."""
    return name.lower().translate(_FOLD)
