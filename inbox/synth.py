"""Synthetic exports at any size, for benchmarks and load tests.

:func:`generate` writes the same five files the development set has (see ``shared/data/README.md``), only
larger and made from templates:

- ``sms/page-0000.json`` … — Twilio ``Messages.json`` list pages, newest first, ``pages_of`` messages a
  page, with Twilio's paging fields (``uri``, ``first_page_uri``, ``next_page_uri``, ``previous_page_uri``,
  ``page``, ``page_size``, ``start``, ``end``);
- ``mail.mbox`` — RFC 5322 mails, quoted-printable UTF-8; plain, HTML-only, multipart/alternative and a few
  with a PDF attached; replies carry ``In-Reply-To``/``References`` and quote the earlier mail in Gmail,
  Thunderbird or Outlook style (Norwegian or English headers);
- ``dialog.json`` — a JSON array of ``{"fnr", "aktorId", "dialoger": [DialogDTO]}``, one entry a person;
- ``contacts.csv`` — the contact register (``fnr,aktor_id,name,phone,email``); about 15 % of the writers
  are not in it;
- ``labels.csv`` — ``key,inquiry,person,direction`` for every message written, in writing order.

What the traffic looks like: people write about one of nine topics (dagpenger, AAP, meldekort, sykepenger,
kvalifiseringsstønad, tiltak/kurs, CV, møtetider, økonomisk sosialhjelp), each with a few intents and slots
(dates, weeks, amounts, courses, jobs), mostly in bokmål, some in nynorsk, English, Polish and Ukrainian.
An *inquiry* starts with one inbound message; with probability ``duplicate_rate`` the same request comes
again on another channel within four days (reworded, or as a "har dere fått meldingen min?"), some get a
same-channel reminder, ``reply_rate`` of the inquiries get an office reply (on one of the channels the
citizen used) and some of those a thank-you. A few write from a partner's phone or a second address, and
a few ask a new question as a reply in an old mail or dialogue thread.

Counts are exact: the three channels together hold exactly ``messages`` messages. Each person gets a
quota (random weights, rounded cumulatively so they sum to ``messages``); a person's last inquiry is cut
short when the quota runs out, and messages that would fall after the end of the window are not sent
(so the newest inquiries have no reply yet, as in a live queue).

With the defaults about 14 % of the messages are the office's (``reply_rate`` counts inquiries, and the
window's end and the quotas cut some replies off), about 28 % of the inquiries come on more than one inbound
message, and the office's name, address and SMS number are the development set's (``OFFICE_*``), so the
same settings read both.

Everything streams: people are generated one at a time and written as soon as they are done; SMS are
sorted newest-first through sorted runs of at most ``_RUN`` messages on disk and a merge. Memory stays
flat (about 60 MB for a million messages, which take about 20 s on one core). Provider ids (Twilio SIDs,
Message-IDs, dialogue ids) are unique within a run and the same for the same seed, whatever
``PYTHONHASHSEED`` is. The module uses the standard library only.
"""

from __future__ import annotations

import base64
import binascii
import functools
import heapq
import html
import json
import math
import random
import re
import shutil
import tempfile
import time
from array import array
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from inbox.identity import fnr_is_valid  # the one check; re-exported for the generator's users

__all__ = [
    "OFFICE_EMAIL",
    "OFFICE_NAME",
    "OFFICE_PHONE",
    "SynthSummary",
    "aktor_id_for_index",
    "fnr_is_valid",
    "generate",
    "make_fnr",
]

OFFICE_NAME = "Nav Grünerløkka"
OFFICE_EMAIL = "nav.grunerlokka@nav.example.no"
OFFICE_PHONE = "+4759446000"
# The window ends 26 November 2026 16:00 Oslo time. Event times are Oslo wall-clock seconds counted as if
# they were UTC ("naive local"), which keeps days and office hours simple; see _Clock.
WINDOW_END = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
_API = "/2010-04-01/Accounts/{account}"
_DAY = 86_400
_RUN = 50_000  # SMS kept in memory (about 15 MB) before a sorted run is spilled to disk

# --------------------------------------------------------------------------------------------------
# National ID numbers (fødselsnummer), actor ids, phone numbers
# --------------------------------------------------------------------------------------------------

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digits(nine: str) -> str | None:
    s = 0
    for c, w in zip(nine, _W1, strict=True):
        s += (ord(c) - 48) * w
    k1 = (11 - s % 11) % 11
    if k1 == 10:
        return None
    s = k1 * 2
    for c, w in zip(nine, _W2, strict=False):
        s += (ord(c) - 48) * w
    k2 = (11 - s % 11) % 11
    if k2 == 10:
        return None
    return f"{nine}{k1}{k2}"


def make_fnr(born: date, individual: int, *, synthetic: bool = True) -> str | None:
    """The fødselsnummer for a birth date and a three-digit individual number, or ``None`` when that
    individual number gives a check digit of 10 (no valid number exists; try the next one).

    Individual numbers 000–499 belong to people born 1900–1999, 500–999 to 2000–2039.
    """
    if not 0 <= individual <= 999:
        raise ValueError("individual number must be 0..999")
    month = born.month + (80 if synthetic else 0)
    return _check_digits(f"{born.day:02d}{month:02d}{born.year % 100:02d}{individual:03d}")


_BIRTH_FIRST = date(1950, 1, 1)
_BIRTH_DAYS = (date(2006, 12, 31) - _BIRTH_FIRST).days + 1
_BIRTH_FIRST_ORD = _BIRTH_FIRST.toordinal()
_BIRTH_STRIDE = 7919  # prime, does not divide _BIRTH_DAYS: i -> day is a bijection within a block


def _birth(day: int) -> tuple[str, int, int, int]:
    """Date digits DDMMYY (month + 80), their weighted sums for both check digits, and the first
    individual number of the birth year's range."""
    born = date.fromordinal(_BIRTH_FIRST_ORD + day)
    dd, mm, yy = born.day, born.month + 80, born.year % 100
    s1 = 3 * (dd // 10) + 7 * (dd % 10) + 6 * (mm // 10) + mm % 10 + 8 * (yy // 10) + 9 * (yy % 10)
    s2 = 5 * (dd // 10) + 4 * (dd % 10) + 3 * (mm // 10) + 2 * (mm % 10) + 7 * (yy // 10) + 6 * (yy % 10)
    return f"{dd:02d}{mm:02d}{yy:02d}", s1, s2, 0 if born.year < 2000 else 500


def fnr_for_index(i: int, seed: int = 0) -> str:
    """A synthetic fødselsnummer, unique for each ``i`` under one seed (up to about a million people)."""
    block, _ = divmod(i, _BIRTH_DAYS)
    if block >= 50:
        raise ValueError("too many people for unique synthetic national ID numbers")
    day = (i * _BIRTH_STRIDE + seed * 104_729) % _BIRTH_DAYS  # a bijection on days within one block
    digits, s1d, s2d, first = _birth(day)
    # For a fixed day, block -> (block * 17 + day) % 50 is a bijection, so numbers stay unique.
    base = first + (block * 17 + day) % 50 * 10
    start = i % 10
    for k in range(10):
        # Of any ten consecutive last digits at most one spoils each check digit, so this always ends.
        ind = base + (start + k) % 10
        a, b, c = ind // 100, ind // 10 % 10, ind % 10
        k1 = (11 - (s1d + 4 * a + 5 * b + 2 * c) % 11) % 11
        if k1 == 10:
            continue
        k2 = (11 - (s2d + 5 * a + 4 * b + 3 * c + 2 * k1) % 11) % 11
        if k2 == 10:
            continue
        return f"{digits}{ind:03d}{k1}{k2}"
    raise AssertionError("unreachable: no valid individual number in a block of ten")  # pragma: no cover


def aktor_id_for_index(i: int, seed: int = 0, *, _offsets: dict[int, int] = {}) -> str:  # noqa: B006
    """A 13-digit actor id starting with 2, unique for each ``i`` under one seed."""
    off = _offsets.get(seed)
    if off is None:
        off = _offsets[seed] = _mix(seed, 0xA0) % 10**12
    return f"2{(i * 608_379_224_137 + off) % 10**12:012d}"


def _phone_for_index(i: int, seed: int, *, _offsets: dict[int, int] = {}) -> str:  # noqa: B006
    off = _offsets.get(seed)
    if off is None:
        off = _offsets[seed] = _mix(seed, 0x47) % 10**7
    rest = (i * 3_141_593 + off) % 10**7  # unique for i < 10**7
    return f"+47{'49'[(i * 2_654_435_761 >> 7) & 1]}{rest:07d}"


def _phone_pretty(phone: str) -> str:
    d = phone[3:]
    return f"{d[:3]} {d[3:5]} {d[5:]}"


_M128 = (1 << 128) - 1


def _mix(n: int, salt: int) -> int:
    """A bijection on 128-bit integers (add, odd multiply, xor-shift): distinct n give distinct ids."""
    x = (n + salt) & _M128
    x = (x * 0x9E3779B97F4A7C15F39CC0605CEDC835) & _M128
    x ^= x >> 67
    x = (x * 0xD6E8FEB86659FD93A5B35D11C6A3E0F1) & _M128
    x ^= x >> 59
    return x


# --------------------------------------------------------------------------------------------------
# Time: all event times are "naive local" seconds (Oslo wall clock written as if it were UTC)
# --------------------------------------------------------------------------------------------------

_WD_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WD_EN_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WD_NB = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_WD_NN = ("måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "sundag")
_WD_NB_ABBR = ("man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn.")
_MON_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MON_EN_LONG = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MON_NB = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)
_MON_NB_ABBR = ("jan.", "feb.", "mar.", "apr.", "mai", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "des.")


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() + 1) % 7)


@dataclass(slots=True)
class _DayInfo:
    d: date
    weekday: int
    offset_h: int  # Oslo's UTC offset that day (1 or 2)
    rfc: str  # "Wed, 28 Oct 2026 "
    iso: str  # "2026-10-28T"
    asc_a: str  # "Wed Oct 28 "
    asc_b: str  # " 2026"
    gmail_nb: str  # "ons. 28. okt. 2026 kl. "
    gmail_en: str  # "On Wed, 28 Oct 2026 at "
    tbird: str  # "28.10.2026 "
    outlook_nb: str  # "28. oktober 2026 "
    outlook_en: str  # "Wednesday, 28 October 2026 "


class _Clock:
    def __init__(self) -> None:
        self._days: dict[int, _DayInfo] = {}
        self._dst: dict[int, tuple[date, date]] = {}

    def day(self, n: int) -> _DayInfo:
        info = self._days.get(n)
        if info is None:
            d = date(1970, 1, 1) + timedelta(days=n)
            span = self._dst.get(d.year)
            if span is None:
                span = self._dst[d.year] = (_last_sunday(d.year, 3), _last_sunday(d.year, 10))
            wd = d.weekday()
            info = _DayInfo(
                d=d,
                weekday=wd,
                offset_h=2 if span[0] <= d < span[1] else 1,
                rfc=f"{_WD_EN[wd]}, {d.day:02d} {_MON_EN[d.month - 1]} {d.year} ",
                iso=f"{d.isoformat()}T",
                asc_a=f"{_WD_EN[wd]} {_MON_EN[d.month - 1]} {d.day:2d} ",
                asc_b=f" {d.year}",
                gmail_nb=f"{_WD_NB_ABBR[wd]} {d.day}. {_MON_NB_ABBR[d.month - 1]} {d.year} kl. ",
                gmail_en=f"On {_WD_EN[wd]}, {d.day} {_MON_EN[d.month - 1]} {d.year} at ",
                tbird=f"{d.day:02d}.{d.month:02d}.{d.year} ",
                outlook_nb=f"{d.day}. {_MON_NB[d.month - 1]} {d.year} ",
                outlook_en=f"{_WD_EN_LONG[wd]}, {d.day} {_MON_EN_LONG[d.month - 1]} {d.year} ",
            )
            if len(self._days) > 20_000:
                self._days.clear()
            self._days[n] = info
        return info

    def utc(self, local: int) -> int:
        n = local // _DAY
        return local - (self._days.get(n) or self.day(n)).offset_h * 3600

    @staticmethod
    def hm(t: int) -> str:
        return _HMS[t % _DAY][:5]

    def twilio(self, utc: int) -> str:
        n = utc // _DAY
        return f"{(self._days.get(n) or self.day(n)).rfc}{_HMS[utc % _DAY]} +0000"

    def rfc2822(self, local: int) -> str:
        n = local // _DAY
        info = self._days.get(n) or self.day(n)
        return f"{info.rfc}{_HMS[local % _DAY]} +0{info.offset_h}00"

    def iso(self, local: int) -> str:
        n = local // _DAY
        info = self._days.get(n) or self.day(n)
        return f"{info.iso}{_HMS[local % _DAY]}+0{info.offset_h}:00"

    def asctime_utc(self, local: int) -> str:
        u = self.utc(local)
        n = u // _DAY
        info = self._days.get(n) or self.day(n)
        return f"{info.asc_a}{_HMS[u % _DAY]}{info.asc_b}"


_HMS: tuple[str, ...] = tuple(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))


# --------------------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------------------

T = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Intent:
    topic: str
    subj: dict[str, T]
    ask: dict[str, T]
    sms: dict[str, T]
    rep: dict[str, T]
    ctx: dict[str, T]  # context sentences that may come before the question (mail and dialogue)
    attach: str = ""  # file name a citizen sometimes attaches to a first mail


def _intent(
    topic: str,
    *,
    ctx: tuple[T, T, T],
    subj: T,
    subj_en: T,
    ask: T,
    sms: T,
    nn: tuple[T, T],
    en: tuple[T, T],
    rep: T,
    rep_en: T,
    attach: str = "",
) -> _Intent:
    return _Intent(
        topic=topic,
        subj={"nb": subj, "nn": subj, "en": subj_en},
        ask={"nb": ask, "nn": nn[0], "en": en[0]},
        sms={"nb": sms, "nn": nn[1], "en": en[1]},
        rep={"nb": rep, "en": rep_en},
        ctx={"nb": ctx[0], "nn": ctx[1], "en": ctx[2]},
        attach=attach,
    )


@dataclass(frozen=True, slots=True)
class _Topic:
    key: str
    short: dict[str, str]  # "about {short}" in each language


_TOPICS: dict[str, _Topic] = {
    t.key: t
    for t in (
        _Topic(
            "dagpenger",
            {
                "nb": "dagpengene",
                "nn": "dagpengane",
                "en": "my unemployment benefit (dagpenger)",
                "pl": "zasiłku dla bezrobotnych (dagpenger)",
                "uk": "допомоги по безробіттю (dagpenger)",
            },
        ),
        _Topic(
            "aap",
            {
                "nb": "AAP-en min",
                "nn": "AAP-en min",
                "en": "my work assessment allowance (AAP)",
                "pl": "świadczenia AAP",
                "uk": "виплати AAP",
            },
        ),
        _Topic(
            "meldekort",
            {
                "nb": "meldekortet",
                "nn": "meldekortet",
                "en": "my meldekort (employment status form)",
                "pl": "meldekortu",
                "uk": "meldekort",
            },
        ),
        _Topic(
            "sykepenger",
            {
                "nb": "sykepengene",
                "nn": "sjukepengane",
                "en": "my sickness benefit (sykepenger)",
                "pl": "zasiłku chorobowego (sykepenger)",
                "uk": "лікарняних (sykepenger)",
            },
        ),
        _Topic(
            "kvp",
            {
                "nb": "kvalifiseringsstønaden",
                "nn": "kvalifiseringsstønaden",
                "en": "my qualification benefit (KVP)",
                "pl": "świadczenia KVP",
                "uk": "виплати KVP",
            },
        ),
        _Topic(
            "tiltak",
            {"nb": "kurset", "nn": "kurset", "en": "the course", "pl": "kursu", "uk": "курсу"},
        ),
        _Topic(
            "cv",
            {"nb": "CV-en min", "nn": "CV-en min", "en": "my CV", "pl": "mojego CV", "uk": "мого резюме (CV)"},
        ),
        _Topic(
            "mote",
            {"nb": "møtet", "nn": "møtet", "en": "the meeting", "pl": "spotkania", "uk": "зустрічі"},
        ),
        _Topic(
            "sosialhjelp",
            {
                "nb": "søknaden om sosialhjelp",
                "nn": "søknaden om sosialhjelp",
                "en": "my application for financial assistance",
                "pl": "pomocy socjalnej",
                "uk": "соціальної допомоги",
            },
        ),
    )
}

_INTENTS: tuple[_Intent, ...] = (
    # dagpenger
    _intent(
        "dagpenger",
        ctx=(
            (
                "Jeg mistet jobben som {job} i {prev_month} og sendte søknad om dagpenger {date}.",
                "Det er snart tre uker siden jeg søkte om dagpenger, og jeg har ikke hørt noe.",
                "Jeg er permittert fra {employer} og søkte om dagpenger {date}.",
            ),
            ("Eg miste jobben som {job} i {prev_month} og sende søknad om dagpengar {date}.",),
            ("I lost my job as {job_en} in {prev_month_en} and applied for dagpenger on {date_en}.",),
        ),
        subj=("Søknad om dagpenger", "Når kommer svar på dagpengesøknaden?", "Status dagpenger"),
        subj_en=("Status of my dagpenger application",),
        ask=(
            "Når kan jeg regne med å få svar på søknaden?",
            "Kan dere si noe om hvor lang tid behandlingen tar nå?",
            "Jeg lurer på om søknaden er ferdig behandlet, og når jeg i så fall får pengene.",
        ),
        sms=(
            "søkte dagpenger {date}. Når får jeg svar?",
            "har dere sett på dagpengesøknaden min? Har ikke fått noe brev enda.",
            "hvor lang tid tar det å få svar på dagpenger nå? Søkte {date}.",
        ),
        nn=(
            ("Når kan eg rekne med svar på søknaden?", "Kor lang tid tek sakshandsaminga no?"),
            ("søkte dagpengar {date}. Når får eg svar?",),
        ),
        en=(
            ("When can I expect a decision on my application?", "How long is the processing time now?"),
            ("I applied for dagpenger on {date_en}. When will I hear back?",),
        ),
        rep=(
            "Søknaden din om dagpenger er mottatt og er komplett. Saksbehandlingstiden er nå rundt fire "
            "uker, "
            "og du får beskjed på nav.no når vedtaket er klart.",
            "Søknaden din er behandlet, og vedtaket ligger på nav.no. Første utbetaling kommer når du har "
            "sendt meldekort.",
        ),
        rep_en=(
            "We have received your application for dagpenger, and it is complete. The processing time is "
            "currently about four weeks; you will be notified on nav.no when the decision is ready.",
        ),
    ),
    _intent(
        "dagpenger",
        ctx=(
            (
                "Jeg søkte om dagpenger {date} etter at jeg ble permittert fra {employer}.",
                "Sluttattest og arbeidsavtale er lastet opp på nav.no.",
            ),
            ("Eg søkte om dagpengar {date}.",),
            ("I applied for dagpenger on {date_en} after being laid off from {employer_en}.",),
        ),
        subj=("Mangler det noe i dagpengesøknaden?", "Dokumentasjon til søknad om dagpenger"),
        subj_en=("Documents for my dagpenger application",),
        ask=(
            "Er søknaden komplett, eller må jeg sende inn noe mer?",
            "Jeg fikk brev om at det mangler dokumentasjon, men skjønner ikke hva dere trenger. Kan dere forklare?",
        ),
        sms=(
            "fikk brev om at det mangler dokumentasjon på dagpengesøknaden. Hva mangler?",
            "må jeg sende inn mer til dagpengesøknaden? Søkte {date}.",
        ),
        nn=(
            ("Er søknaden komplett, eller må eg sende inn meir?",),
            ("fekk brev om at det manglar dokumentasjon til dagpengesøknaden. Kva manglar?",),
        ),
        en=(
            ("Is my application complete, or do you need more documents from me?",),
            ("got a letter saying documents are missing for my dagpenger application. What is missing?",),
        ),
        rep=(
            "Vi mangler dokumentasjon på det siste arbeidsforholdet ditt. Last opp sluttattest eller "
            "oppsigelse på nav.no under «Ettersende dokumentasjon».",
            "Søknaden din er komplett, og du trenger ikke sende inn noe mer nå.",
        ),
        rep_en=(
            "We are missing documentation of your last employment. Please upload a termination letter or "
            "a certificate of employment on nav.no.",
        ),
        attach="sluttattest.pdf",
    ),
    _intent(
        "dagpenger",
        ctx=(
            (
                "Jeg har ikke hatt inntekt siden {date}, og sparepengene er nesten brukt opp.",
                "Jeg venter fortsatt på svar på dagpengesøknaden.",
            ),
            ("Eg har ikkje hatt inntekt sidan {date}.",),
            ("I have had no income since {date_en}.",),
        ),
        subj=("Forskudd på dagpenger?",),
        subj_en=("Advance on dagpenger",),
        ask=(
            "Er det mulig å få forskudd på dagpengene? Husleia forfaller den 1.",
            "Kan jeg søke om forskudd mens jeg venter på vedtak?",
        ),
        sms=(
            "kan jeg få forskudd på dagpenger? Har ikke penger til husleia.",
            "hvordan søker jeg forskudd på dagpenger?",
        ),
        nn=(
            ("Er det mogleg å få forskot på dagpengane? Husleiga forfell den 1.",),
            ("kan eg få forskot på dagpengar? Har ikkje pengar til husleiga.",),
        ),
        en=(
            ("Is it possible to get an advance on the benefit? My rent is due on the 1st.",),
            ("can I get an advance on dagpenger? I can't pay my rent.",),
        ),
        rep=(
            "Du kan søke om forskudd på dagpenger på nav.no. Slike søknader behandles vanligvis i løpet av få dager.",
        ),
        rep_en=(
            "You can apply for an advance on dagpenger on nav.no. Such applications are usually handled "
            "within a few days.",
        ),
    ),
    # AAP
    _intent(
        "aap",
        ctx=(
            (
                "Jeg er fortsatt syk og går på AAP.",
                "Legen min mener jeg trenger mer behandling før jeg kan jobbe igjen.",
            ),
            ("Eg er framleis sjuk og går på AAP.",),
            ("I am still ill and receive AAP.",),
        ),
        subj=("AAP – forlengelse", "Går AAP-perioden min ut?"),
        subj_en=("Extension of AAP",),
        ask=(
            "AAP-perioden min går snart ut. Kan den forlenges?",
            "Hva skjer når AAP-perioden er slutt og jeg fortsatt ikke er frisk?",
        ),
        sms=("AAP-en min går ut snart. Kan den forlenges?", "hva skjer når AAP er slutt? Er fortsatt syk."),
        nn=(
            ("AAP-perioden min går snart ut. Kan han forlengjast?",),
            ("AAP-en min går ut snart. Kan han forlengjast?",),
        ),
        en=(("My AAP period ends soon. Can it be extended?",), ("my AAP ends soon. Can it be extended?",)),
        rep=(
            "AAP kan forlenges i noen tilfeller, blant annet når du venter på behandling. Vi setter opp "
            "et møte "
            "for å gå gjennom planen, og du får innkalling i aktivitetsplanen.",
        ),
        rep_en=(
            "AAP can be extended in some cases, for example while you wait for treatment. We will set up a "
            "meeting to go through your plan.",
        ),
    ),
    _intent(
        "aap",
        ctx=(
            (
                "Jeg har hatt arbeidsavklaringspenger siden i fjor.",
                "Jeg har ikke jobbet noe i perioden, og meldekortet ble sendt i tide.",
            ),
            ("Eg har ikkje arbeidd noko i perioden.",),
            ("I have not worked at all in the period.",),
        ),
        subj=("Lavere utbetaling av AAP", "AAP ikke utbetalt"),
        subj_en=("My AAP payment",),
        ask=(
            "Utbetalingen av AAP denne gangen var {amount} kroner lavere enn vanlig. Hvorfor?",
            "Jeg har ikke fått AAP utbetalt denne perioden. Har det skjedd noe?",
        ),
        sms=("hvorfor er AAP {amount} kr lavere denne gangen?", "har ikke fått AAP denne perioden. Hva skjer?"),
        nn=(
            ("Utbetalinga av AAP var {amount} kroner lågare enn vanleg. Kvifor?",),
            ("kvifor er AAP {amount} kr lågare no?",),
        ),
        en=(
            ("My AAP payment this time was {amount} kroner lower than usual. Why?",),
            ("why is my AAP {amount} kr lower this time?",),
        ),
        rep=(
            "Utbetalingen ble lavere fordi meldekortet viste arbeidede timer i perioden. Du ser beregningen "
            "under «Utbetalinger» på nav.no.",
            "Meldekortet kom inn etter fristen, så utbetalingen er forsinket. Pengene kommer i løpet av noen "
            "virkedager.",
        ),
        rep_en=(
            "The payment was lower because your meldekort showed hours worked in the period. You can see the "
            "calculation under «Payments» on nav.no.",
        ),
    ),
    _intent(
        "aap",
        ctx=(
            ("Jeg har hatt arbeidsavklaringspenger siden i fjor og føler meg litt bedre nå.",),
            ("Eg har hatt arbeidsavklaringspengar sidan i fjor.",),
            ("I have been receiving AAP since last year and feel a bit better now.",),
        ),
        subj=("Jobbe litt ved siden av AAP?",),
        subj_en=("Working while on AAP",),
        ask=(
            "Jeg har fått tilbud om noen timer i uka som {job}. Kan jeg jobbe ved siden av AAP, og hva "
            "betyr det for utbetalingen?",
        ),
        sms=("kan jeg jobbe noen timer i uka mens jeg har AAP?",),
        nn=(
            ("Eg har fått tilbod om nokre timar i veka som {job}. Kan eg jobbe ved sida av AAP?",),
            ("kan eg jobbe nokre timar i veka medan eg har AAP?",),
        ),
        en=(
            ("I have been offered a few hours a week as {job_en}. Can I work while receiving AAP?",),
            ("can I work a few hours a week while on AAP?",),
        ),
        rep=(
            "Du kan jobbe ved siden av AAP. Timene fører du på meldekortet, og utbetalingen blir redusert "
            "tilsvarende. Avtal gjerne med veilederen din først.",
        ),
        rep_en=(
            "You can work while receiving AAP. Report the hours on your meldekort, and the payment is "
            "reduced accordingly.",
        ),
    ),
    # meldekort
    _intent(
        "meldekort",
        ctx=(
            ("Jeg har dagpenger og sender meldekort hver fjortende dag.", "Det har vært en kaotisk uke med sykt barn."),
            ("Eg sender meldekort kvar fjortande dag.",),
            ("I receive dagpenger and send the meldekort every two weeks.",),
        ),
        subj=("Meldekort sendt for sent", "Glemte meldekortet"),
        subj_en=("Late meldekort",),
        ask=(
            "Jeg glemte å sende meldekortet for uke {weeks} innen fristen. Mister jeg pengene for hele perioden?",
            "Meldekortet for uke {weeks} ble sendt en dag for sent. Hva betyr det for utbetalingen?",
        ),
        sms=(
            "glemte meldekortet for uke {weeks}! Har sendt det nå. Får jeg penger likevel?",
            "sendte meldekortet for sent. Mister jeg utbetalingen?",
        ),
        nn=(
            ("Eg gløymde å sende meldekortet for veke {weeks} innan fristen. Mistar eg pengane for heile perioden?",),
            ("gløymde meldekortet for veke {weeks}. Får eg pengar likevel?",),
        ),
        en=(
            (
                "I forgot to send the meldekort for weeks {weeks_en} before the deadline. Will I lose the "
                "payment for the whole period?",
            ),
            ("forgot my meldekort for weeks {weeks_en}, sent it now. Will I still get paid?",),
        ),
        rep=(
            "Meldekortet er mottatt. Når det kommer inn etter fristen, kan utbetalingen for perioden bli "
            "redusert, men du mister ikke retten til ytelsen. Du får brev når det er behandlet.",
        ),
        rep_en=(
            "We have received the meldekort. When it arrives after the deadline, the payment for the period "
            "may be reduced, but you keep your right to the benefit.",
        ),
    ),
    _intent(
        "meldekort",
        ctx=(
            ("Jeg tok noen ekstravakter hos {employer} i forrige periode.", "Jeg oppdaget det da lønnsslippen kom."),
            ("Eg oppdaga det då lønnsslippen kom.",),
            ("I noticed it when my payslip came.",),
        ),
        subj=("Feil på meldekortet", "Rette meldekort"),
        subj_en=("Mistake on my meldekort",),
        ask=(
            "Jeg har ført feil antall timer på meldekortet for uke {weeks}. Hvordan retter jeg det?",
            "På meldekortet skrev jeg at jeg ikke hadde jobbet, men jeg hadde en vakt hos {employer}. Hva gjør jeg nå?",
        ),
        sms=(
            "har skrevet feil timer på meldekortet uke {weeks}. Hvordan endrer jeg?",
            "hvordan retter jeg et meldekort som allerede er sendt?",
        ),
        nn=(
            ("Eg har ført feil tal timar på meldekortet for veke {weeks}. Korleis rettar eg det?",),
            ("har ført feil timar på meldekortet veke {weeks}. Korleis endrar eg?",),
        ),
        en=(
            ("I entered the wrong number of hours on the meldekort for weeks {weeks_en}. How do I correct it?",),
            ("wrong hours on my meldekort for weeks {weeks_en}. How do I fix it?",),
        ),
        rep=(
            "Du kan korrigere meldekortet selv på nav.no: velg perioden under «Meldekort» og trykk «Endre». "
            "Det som eventuelt er utbetalt for mye, blir trukket senere.",
        ),
        rep_en=(
            "You can correct the meldekort yourself on nav.no: choose the period under «Meldekort» and press «Change».",
        ),
    ),
    _intent(
        "meldekort",
        ctx=(
            ("Jeg har prøvd både på mobilen og på PC.",),
            ("Eg har prøvd både på mobilen og på PC.",),
            ("I have tried both on my phone and on my computer.",),
        ),
        subj=("Får ikke sendt meldekort",),
        subj_en=("Cannot submit meldekort",),
        ask=("Jeg får ikke sendt meldekortet, siden står bare og laster. Fristen er snart ute. Hva gjør jeg?",),
        sms=("meldekortet vil ikke sendes, får feilmelding. Fristen går ut i dag!",),
        nn=(
            ("Eg får ikkje sendt meldekortet, sida står berre og lastar. Kva gjer eg?",),
            ("meldekortet vil ikkje sendast, får feilmelding. Fristen går ut i dag!",),
        ),
        en=(
            ("I can't submit my meldekort, the page just keeps loading. The deadline is close. What should I do?",),
            ("can't submit meldekort, I get an error. Deadline is today!",),
        ),
        rep=(
            "Det var en feil på nav.no i går som nå er rettet. Prøv igjen; meldekort som sendes i dag "
            "regnes som levert i tide.",
        ),
        rep_en=(
            "There was an error on nav.no yesterday that has now been fixed. Please try again; meldekort "
            "sent today count as on time.",
        ),
    ),
    # sykepenger
    _intent(
        "sykepenger",
        ctx=(
            ("Jeg har vært sykmeldt siden {date}.", "Arbeidsgiveren min sier at inntektsmeldingen er sendt."),
            ("Eg har vore sjukmeld sidan {date}.",),
            ("I have been on sick leave since {date_en}.",),
        ),
        subj=("Sykepenger ikke utbetalt", "Ingen sykepenger for {month}"),
        subj_en=("Sickness benefit not paid",),
        ask=(
            "Jeg har ikke fått utbetalt sykepenger for {month}. Når kommer pengene?",
            "Det er gått flere uker uten sykepenger. Hva er status på saken min?",
        ),
        sms=(
            "har ikke fått sykepenger for {month}. Når kommer de?",
            "hvor blir sykepengene av? Har ventet i flere uker.",
        ),
        nn=(
            ("Eg har ikkje fått utbetalt sjukepengar for {month}. Når kjem pengane?",),
            ("har ikkje fått sjukepengar for {month}. Når kjem dei?",),
        ),
        en=(
            ("I have not received sickness benefit for {month_en}. When will it be paid?",),
            ("haven't received sykepenger for {month_en}. When will it come?",),
        ),
        rep=(
            "Saken din ventet på inntektsmelding fra arbeidsgiveren. Den er nå mottatt, og sykepengene "
            "utbetales i løpet av 3–5 virkedager.",
            "Sykepengene for {month} ble utbetalt i går. Vedtaket finner du på nav.no.",
        ),
        rep_en=(
            "Your case was waiting for the income report from your employer. It has now arrived, and the "
            "benefit will be paid within 3–5 working days.",
        ),
    ),
    _intent(
        "sykepenger",
        ctx=(
            ("Jeg er sykmeldt fra jobben som {job}.",),
            ("Eg er sjukmeld frå jobben som {job}.",),
            ("I am on sick leave from my job as {job_en}.",),
        ),
        subj=("Ny sykmelding", "Forlenget sykmelding"),
        subj_en=("Extended sick leave",),
        ask=(
            "Legen har forlenget sykmeldingen min med fire uker. Må jeg gjøre noe for at sykepengene skal fortsette?",
        ),
        sms=("har fått ny sykmelding fra legen. Må jeg sende noe til dere?",),
        nn=(
            ("Legen har forlengt sjukmeldinga mi med fire veker. Må eg gjere noko?",),
            ("har fått ny sjukmelding. Må eg sende noko til dykk?",),
        ),
        en=(
            ("My doctor has extended my sick leave by four weeks. Do I need to do anything to keep the benefit?",),
            ("got a new sick note from my doctor. Do I need to send you anything?",),
        ),
        rep=(
            "Sykmeldingen kommer automatisk til oss fra legen. Du sender søknaden om sykepenger som "
            "dukker opp på nav.no etter perioden.",
        ),
        rep_en=(
            "The sick note comes to us automatically from your doctor. Submit the application that "
            "appears on nav.no after the period.",
        ),
        attach="sykmelding.pdf",
    ),
    _intent(
        "sykepenger",
        ctx=(
            ("Jeg har vært 100 % sykmeldt siden {date}.",),
            ("Eg har vore 100 % sjukmeld sidan {date}.",),
            ("I have been on full sick leave since {date_en}.",),
        ),
        subj=("Gradert sykmelding og jobb",),
        subj_en=("Graded sick leave",),
        ask=(
            "Jeg skal begynne å jobbe 50 % igjen fra {weekday}. Hvordan fungerer gradert sykmelding og sykepenger da?",
        ),
        sms=("skal jobbe 50% fra {weekday}. Hvordan blir det med sykepengene?",),
        nn=(
            ("Eg skal byrje å jobbe 50 % att frå {weekday_nn}. Korleis fungerer gradert sjukmelding då?",),
            ("skal jobbe 50% frå {weekday_nn}. Korleis blir det med sjukepengane?",),
        ),
        en=(
            ("I am going back to work 50% from {weekday_en}. How does graded sick leave work then?",),
            ("going back to work 50% from {weekday_en}. What happens to my sykepenger?",),
        ),
        rep=(
            "Med gradert sykmelding får du sykepenger for den delen du ikke jobber. Legen skriver en "
            "gradert sykmelding, og du fyller ut søknaden på nav.no som vanlig.",
        ),
        rep_en=(
            "With graded sick leave you get sickness benefit for the part you do not work. Your doctor "
            "issues a graded sick note.",
        ),
    ),
    # kvalifiseringsstønad
    _intent(
        "kvp",
        ctx=(
            ("Jeg er med i kvalifiseringsprogrammet.", "Husleia forfaller den 1."),
            ("Eg er med i kvalifiseringsprogrammet.",),
            ("I am in the qualification programme.",),
        ),
        subj=("Utbetaling av kvalifiseringsstønad", "KVP – når kommer pengene?"),
        subj_en=("Qualification benefit payment",),
        ask=(
            "Når blir kvalifiseringsstønaden for {month} utbetalt?",
            "Stønaden har ikke kommet inn på kontoen min denne måneden. Har det skjedd noe?",
        ),
        sms=(
            "når kommer kvalifiseringsstønaden for {month}? Må betale husleie.",
            "KVP har ikke kommet på konto. Hva skjer?",
        ),
        nn=(
            ("Når blir kvalifiseringsstønaden for {month} utbetalt?",),
            ("når kjem kvalifiseringsstønaden for {month}?",),
        ),
        en=(
            ("When will the qualification benefit for {month_en} be paid?",),
            ("when will KVP for {month_en} be paid? Rent is due.",),
        ),
        rep=(
            "Kvalifiseringsstønaden for {month} er utbetalt i dag og er på kontoen din i løpet av ett til "
            "to virkedager.",
        ),
        rep_en=(
            "The qualification benefit for {month_en} was paid today and will be in your account within "
            "one or two working days.",
        ),
    ),
    _intent(
        "kvp",
        ctx=(
            ("Jeg er med i kvalifiseringsprogrammet.",),
            ("Eg er med i kvalifiseringsprogrammet.",),
            ("I am in the qualification programme.",),
        ),
        subj=("Fravær fra programmet", "Syk – kan ikke møte"),
        subj_en=("Absence from the programme",),
        ask=(
            "Jeg er syk og kan ikke møte i programmet denne uka. Blir det trekk i stønaden?",
            "Barnet mitt er sykt, så jeg må være hjemme i dag og i morgen. Hvem skal jeg gi beskjed til?",
        ),
        sms=(
            "er syk og kommer ikke på programmet i dag. Blir det trekk?",
            "barnet er sykt, må være hjemme i dag. Gir beskjed her.",
        ),
        nn=(
            ("Eg er sjuk og kan ikkje møte i programmet denne veka. Blir det trekk i stønaden?",),
            ("er sjuk og kjem ikkje på programmet i dag.",),
        ),
        en=(
            ("I am ill and cannot attend the programme this week. Will my benefit be reduced?",),
            ("I'm sick and can't come to the programme today. Will there be a deduction?",),
        ),
        rep=(
            "Takk for beskjed. Dokumentert fravær på grunn av sykdom gir ikke trekk. Ta med egenmelding "
            "neste gang du er her.",
        ),
        rep_en=("Thank you for letting us know. Documented absence due to illness does not lead to a deduction.",),
    ),
    # tiltak og kurs
    _intent(
        "tiltak",
        ctx=(
            (
                "Jeg har søkt en del jobber som {job} uten å få napp.",
                "Veilederen min nevnte at det finnes kurs gjennom Nav.",
            ),
            ("Eg har søkt ein del jobbar som {job} utan å få napp.",),
            ("I have applied for several jobs as {job_en} without luck.",),
        ),
        subj=("Søknad om kurs", "Spørsmål om {course}"),
        subj_en=("Applying for a course",),
        ask=(
            "Kan jeg få plass på {course}? Hvordan søker jeg?",
            "Jeg vil gjerne ta {course} for å få bedre sjanser på jobb. Er det mulig via Nav?",
        ),
        sms=("kan jeg få gå på {course}? Hvordan søker jeg?", "er det plass på {course} snart?"),
        nn=(("Kan eg få plass på {course}? Korleis søkjer eg?",), ("kan eg få gå på {course}?",)),
        en=(
            ("Could I get a place on a course ({course_en})? How do I apply?",),
            ("can I take a course ({course_en})? How do I apply?",),
        ),
        rep=(
            "Vi har sendt forespørsel om plass på {course}. Neste oppstart er om tre uker, og du får svar i "
            "aktivitetsplanen.",
            "Du kan søke om {course} gjennom veilederen din. Jeg har lagt inn et forslag i aktivitetsplanen.",
        ),
        rep_en=(
            "We have requested a place for you on the course. The next start is in three weeks; you will "
            "get an answer in the activity plan.",
        ),
    ),
    _intent(
        "tiltak",
        ctx=((), (), ()),
        subj=("Oppstart på tiltak", "Når starter kurset?"),
        subj_en=("Course start",),
        ask=(
            "Jeg har fått plass på {course}, men har ikke fått informasjon om oppmøte. Når og hvor starter det?",
            "Får jeg dekket reiseutgifter til {course}?",
        ),
        sms=("når starter {course}? Har ikke fått info om oppmøte.", "får jeg dekket buss til kurset?"),
        nn=(
            ("Eg har fått plass på {course}, men har ikkje fått informasjon om oppmøte. Når startar det?",),
            ("når startar {course}? Har ikkje fått info.",),
        ),
        en=(
            (
                "I have been given a place on the course, but I have had no information about when it "
                "starts. Where should I go?",
            ),
            ("when does the course start? Got no info.",),
        ),
        rep=(
            "Kurset starter mandag kl. 09.00. Innkallingen med adresse ligger i aktivitetsplanen. "
            "Reiseutgifter kan du søke om under «Tilleggsstønader» på nav.no.",
        ),
        rep_en=("The course starts on Monday at 09:00. The invitation with the address is in your activity plan.",),
    ),
    _intent(
        "tiltak",
        ctx=(
            ("Jeg har fått fast jobb som {job} hos {employer}.",),
            ("Eg har fått fast jobb som {job}.",),
            ("I have been offered a permanent job as {job_en}.",),
        ),
        subj=("Avslutte tiltaket?",),
        subj_en=("Leaving the course",),
        ask=("Jeg har fått jobbtilbud og vil avslutte {course}. Hva må jeg gjøre?",),
        sms=("har fått jobb og vil slutte på kurset. Hva gjør jeg?",),
        nn=(
            ("Eg har fått jobbtilbod og vil avslutte {course}. Kva må eg gjere?",),
            ("har fått jobb og vil slutte på kurset.",),
        ),
        en=(
            ("I have been offered a job and want to leave the course. What do I need to do?",),
            ("got a job and want to quit the course. What do I do?",),
        ),
        rep=("Gratulerer med jobben! Jeg avslutter tiltaket fra dagen du begynner. Husk å føre det på meldekortet.",),
        rep_en=(
            "Congratulations on the job! I will end the course from the day you start. Remember to report "
            "it on your meldekort.",
        ),
    ),
    # CV
    _intent(
        "cv",
        ctx=(
            (
                "Jeg søker jobb som {job} og har oppdatert CV-en på nav.no.",
                "Jeg har lite erfaring med å skrive søknader.",
            ),
            ("Eg søkjer jobb som {job} og har oppdatert CV-en.",),
            ("I am looking for work as {job_en} and have updated my CV.",),
        ),
        subj=("CV til gjennomsyn", "Kan dere se på CV-en min?"),
        subj_en=("Feedback on my CV",),
        ask=(
            "Kan noen se over CV-en min og gi tilbakemelding før jeg sender flere søknader?",
            "Jeg har lagt inn CV-en på nav.no. Ser den grei ut for arbeidsgivere?",
        ),
        sms=("har oppdatert CV-en. Kan veilederen se på den?", "kan noen se over CV-en min?"),
        nn=(("Kan nokon sjå over CV-en min og gi tilbakemelding?",), ("kan nokon sjå over CV-en min?",)),
        en=(
            ("Could someone look at my CV and give me feedback before I send more applications?",),
            ("I updated my CV. Could my adviser look at it?",),
        ),
        rep=(
            "Jeg har sett på CV-en din. Den er ryddig, men skriv gjerne mer om arbeidsoppgavene i siste "
            "jobb. Vi kan gå gjennom den sammen på neste møte.",
        ),
        rep_en=(
            "I have looked at your CV. It is tidy, but please add more about your tasks in your last job. "
            "We can go through it at our next meeting.",
        ),
        attach="CV.pdf",
    ),
    _intent(
        "cv",
        ctx=(
            ("Jeg søker jobb som {job} og har oppdatert CV-en på nav.no.",),
            ("Eg søkjer jobb som {job} og har oppdatert CV-en.",),
            ("I am looking for work as {job_en} and have updated my CV.",),
        ),
        subj=("CV-en vises ikke",),
        subj_en=("My CV is not visible",),
        ask=("Det står at CV-en min ikke er synlig for arbeidsgivere. Hvordan endrer jeg det?",),
        sms=("CV-en min er ikke synlig for arbeidsgivere. Hvordan fikser jeg det?",),
        nn=(
            ("Det står at CV-en min ikkje er synleg for arbeidsgjevarar. Korleis endrar eg det?",),
            ("CV-en min er ikkje synleg. Korleis fiksar eg det?",),
        ),
        en=(
            ("It says my CV is not visible to employers. How do I change that?",),
            ("my CV is not visible to employers. How do I fix it?",),
        ),
        rep=("Du må samtykke til at CV-en deles. Gå til «CV» på nav.no og velg «Del CV-en med arbeidsgivere».",),
        rep_en=("You need to consent to sharing your CV. Go to «CV» on nav.no and choose to share it with employers.",),
    ),
    # møtetider
    _intent(
        "mote",
        ctx=(
            ("Jeg har fått innkalling til møte {weekday} kl. {time}.",),
            ("Eg har fått innkalling til møte {weekday_nn} kl. {time}.",),
            ("I have been invited to a meeting on {weekday_en} at {time_en}.",),
        ),
        subj=("Flytte møtet {weekday}", "Ny møtetid?"),
        subj_en=("Moving our meeting",),
        ask=(
            "Kan vi flytte møtet {weekday} kl. {time}? Jeg har legetime samtidig.",
            "Er det mulig å få en annen tid enn {weekday} kl. {time}? Jeg skal på jobbintervju samme dag.",
        ),
        sms=(
            "kan vi flytte møtet {weekday} kl {time}? Har legetime.",
            "passer ikke {weekday} kl {time}. Kan vi finne ny tid?",
        ),
        nn=(
            ("Kan vi flytte møtet {weekday_nn} kl. {time}? Eg har legetime same tid.",),
            ("kan vi flytte møtet {weekday_nn} kl {time}?",),
        ),
        en=(
            ("Could we move the meeting on {weekday_en} at {time_en}? I have a doctor's appointment then.",),
            ("can we move the meeting on {weekday_en} at {time_en}?",),
        ),
        rep=(
            "Det går fint. Jeg har flyttet møtet til samme tid neste uke, og ny innkalling ligger i aktivitetsplanen.",
        ),
        rep_en=(
            "That is fine. I have moved the meeting to the same time next week; the new invitation is in "
            "your activity plan.",
        ),
    ),
    _intent(
        "mote",
        ctx=((), (), ()),
        subj=("Forsinket til møtet",),
        subj_en=("Late for the meeting",),
        ask=("Jeg blir dessverre litt forsinket til møtet i dag kl. {time}.",),
        sms=(
            "kommer 15 min for sent til møtet kl {time}, bussen er forsinket.",
            "beklager, blir litt sen til møtet i dag.",
        ),
        nn=(
            ("Eg blir dessverre litt forseinka til møtet i dag kl. {time}.",),
            ("kjem 15 min for seint til møtet kl {time}.",),
        ),
        en=(
            ("I am afraid I will be a little late for the meeting today at {time_en}.",),
            ("running 15 min late for the meeting at {time_en}, sorry.",),
        ),
        rep=("Takk for beskjed, vi venter på deg.",),
        rep_en=("Thanks for letting us know, we will wait for you.",),
    ),
    _intent(
        "mote",
        ctx=(
            ("Jeg har fått innkalling til møte {weekday} kl. {time}.",),
            ("Eg har fått innkalling til møte {weekday_nn} kl. {time}.",),
            ("I have been invited to a meeting on {weekday_en} at {time_en}.",),
        ),
        subj=("Tolk til møtet",),
        subj_en=("Interpreter for the meeting",),
        ask=("Kan dere bestille tolk til møtet {weekday}? Jeg forstår ikke alt på norsk.",),
        sms=("trenger tolk på møtet {weekday}. Kan dere bestille?",),
        nn=(("Kan de bestille tolk til møtet {weekday_nn}?",), ("treng tolk på møtet {weekday_nn}.",)),
        en=(
            (
                "Could you book an interpreter for the meeting on {weekday_en}? I do not understand "
                "everything in Norwegian.",
            ),
            ("I need an interpreter at the meeting on {weekday_en}.",),
        ),
        rep=("Vi har bestilt tolk til møtet {weekday} kl. {time}. Velkommen!",),
        rep_en=("We have booked an interpreter for the meeting on {weekday_en} at {time_en}.",),
    ),
    # økonomisk sosialhjelp
    _intent(
        "sosialhjelp",
        ctx=(
            ("Jeg har ingen inntekt akkurat nå og har brukt opp sparepengene.",),
            ("Eg har inga inntekt akkurat no.",),
            ("I have no income at the moment and my savings are gone.",),
        ),
        subj=("Søknad om økonomisk sosialhjelp", "Nødhjelp"),
        subj_en=("Financial assistance",),
        ask=(
            "Jeg har søkt om økonomisk sosialhjelp. Når får jeg svar?",
            "Kan jeg få nødhjelp til mat denne uka? Jeg har {amount} kroner igjen på konto.",
        ),
        sms=("har søkt sosialhjelp, når får jeg svar?", "har ikke penger til mat. Kan jeg få nødhjelp?"),
        nn=(("Eg har søkt om økonomisk sosialhjelp. Når får eg svar?",), ("har søkt sosialhjelp, når får eg svar?",)),
        en=(
            ("I have applied for financial assistance (sosialhjelp). When will I get an answer?",),
            ("I have no money for food. Can I get emergency help?",),
        ),
        rep=(
            "Søknaden din er under behandling. Vi trenger kontoutskrift for de siste tre månedene før vi kan "
            "fatte vedtak.",
            "Du kan komme innom kontoret i dag mellom 10 og 14, så ser vi på nødhjelp.",
        ),
        rep_en=(
            "Your application is being processed. We need bank statements for the last three months "
            "before we can decide.",
        ),
    ),
    _intent(
        "sosialhjelp",
        ctx=(
            ("Jeg har bare AAP, og etter husleia er det nesten ingenting igjen.",),
            ("Eg har berre AAP, og etter husleiga er det nesten ingenting att.",),
            ("I only have AAP, and after rent there is almost nothing left.",),
        ),
        subj=("Hjelp med strømregning", "Depositum"),
        subj_en=("Help with a bill",),
        ask=(
            "Kan jeg få hjelp til strømregningen på {amount} kroner?",
            "Jeg har fått ny leilighet, men mangler penger til depositum. Kan Nav hjelpe?",
        ),
        sms=("kan jeg få hjelp til strømregning på {amount} kr?", "trenger hjelp med depositum til ny leilighet."),
        nn=(
            ("Kan eg få hjelp til straumrekninga på {amount} kroner?",),
            ("kan eg få hjelp til straumrekning på {amount} kr?",),
        ),
        en=(
            ("Can I get help to pay the electricity bill of {amount} kroner?",),
            ("can I get help with my electricity bill of {amount} kr?",),
        ),
        rep=(
            "Send søknad om økonomisk sosialhjelp på nav.no og legg ved regningen. Vi behandler den så raskt vi kan.",
            "Nav kan gi garanti for depositum. Send søknad med husleiekontrakten vedlagt.",
        ),
        rep_en=(
            "Please apply for financial assistance on nav.no and attach the bill. We will process it as "
            "quickly as we can.",
        ),
    ),
)

_BY_TOPIC: dict[str, tuple[_Intent, ...]] = {k: tuple(i for i in _INTENTS if i.topic == k) for k in _TOPICS}
_TOPIC_KEYS = tuple(_TOPICS)
# Channel habits: a weighted pool each person draws channels from (SMS-, mail-, dialogue-minded, mixed).
_PROFILES: tuple[tuple[str, ...], ...] = (
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
_PROFILES_FOREIGN = tuple(("sms",) * 3 + pr for pr in _PROFILES)
# For each profile and first channel: the pool a second channel is drawn from.
_OTHERS: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {
    pr: {
        c: tuple(o for o in pr if o != c) or tuple(o for o in ("sms", "email", "dialog") if o != c)
        for c in ("sms", "email", "dialog")
    }
    for pr in (*_PROFILES, *_PROFILES_FOREIGN)
}

# Polish and Ukrainian: a few generic messages; the topic goes in as {short}.
_FOREIGN: dict[str, dict[str, T]] = {
    "pl": {
        "ask": (
            "Dzień dobry, mam pytanie w sprawie {short}. Kiedy mogę spodziewać się odpowiedzi?",
            "Dzień dobry. Piszę w sprawie {short}. Czy czegoś brakuje w mojej sprawie?",
            "Dzień dobry, nie rozumiem listu w sprawie {short}. Czy ktoś może mi to wyjaśnić?",
        ),
        "sms": (
            "Dzień dobry, pytanie w sprawie {short}. Kiedy będzie decyzja?",
            "Czy coś brakuje w sprawie {short}? Proszę o odpowiedź.",
        ),
        "subj": ("Pytanie", "Moja sprawa"),
        "follow": ("Dzień dobry, czy dostaliście moją wiadomość w sprawie {short}? Nadal czekam na odpowiedź.",),
        "thanks": ("Dziękuję za odpowiedź!", "Dziękuję bardzo."),
        "greet": ("Dzień dobry,",),
        "close": ("Pozdrawiam",),
    },
    "uk": {
        "ask": (
            "Добрий день! У мене питання щодо {short}. Коли буде відповідь?",
            "Добрий день. Пишу щодо {short}. Чи чогось не вистачає у моїй справі?",
            "Добрий день, я не розумію листа щодо {short}. Поясніть, будь ласка.",
        ),
        "sms": (
            "Добрий день, питання щодо {short}. Коли буде рішення?",
            "Чи все гаразд із {short}? Чекаю відповіді.",
        ),
        "subj": ("Питання", "Моя справа"),
        "follow": ("Добрий день, чи отримали ви моє повідомлення щодо {short}? Досі чекаю на відповідь.",),
        "thanks": ("Дякую за відповідь!", "Щиро дякую."),
        "greet": ("Добрий день,",),
        "close": ("З повагою",),
    },
}

_GREET: dict[str, T] = {
    "nb": ("Hei,", "Hei!", "Hei Nav,", "Hallo.", "Til Nav", "God dag."),
    "nn": ("Hei,", "Hei!", "Hallo."),
    "en": ("Hello,", "Hi,", "Dear NAV,", "Dear Sir or Madam,"),
}
_CLOSE: dict[str, T] = {
    "nb": ("Med vennlig hilsen", "Mvh", "Hilsen", "Vennlig hilsen", "På forhånd takk.\n\nMvh"),
    "nn": ("Venleg helsing", "Helsing", "Mvh"),
    "en": ("Kind regards,", "Best regards,", "Thank you in advance.\n\nKind regards,", "Regards,"),
}
_EXTRA: dict[str, T] = {
    "nb": ("Håper på svar snart.", "Dere kan gjerne ringe meg.", "Takk for hjelpen.", "", "", ""),
    "nn": ("Håpar på svar snart.", "De kan gjerne ringje meg.", "", ""),
    "en": ("I hope to hear from you soon.", "You are welcome to call me.", "", ""),
}
_SMS_HI: T = ("Hei, ", "Hei! ", "Hallo, ", "Hei. ", "", "", "")
_DIALOG_HI: dict[str, T] = {"nb": ("Hei!", "Hei.", "Hallo!"), "nn": ("Hei!", "Hei."), "en": ("Hello!", "Hi.")}
_PARTNER: dict[str, str] = {
    "nb": " Dette er {name}, jeg låner telefonen til samboeren min.",
    "nn": " Dette er {name}, eg lånar telefonen til sambuaren min.",
    "en": " This is {name}, I am using my partner's phone.",
    "pl": " Tu {name}, piszę z telefonu partnera.",
    "uk": " Це {name}, пишу з телефону чоловіка.",
}
_SMS_BYE: dict[str, T] = {
    "nb": (" Mvh {first}", " {name}", " Hilsen {first}", " - {first}", "", "", ""),
    "nn": (" Mvh {first}", " {name}", " Helsing {first}", "", ""),
    "en": (" Thanks, {first}", " {name}", " Regards {first}", "", ""),
    "pl": (" Pozdrawiam, {first}", " {name}", ""),
    "uk": (" Дякую, {first}", " {name}", ""),
}
_ALSO: dict[str, dict[str, T]] = {
    "nb": {
        "sms": ("Sendte SMS om dette også.", "Jeg har også sendt SMS om dette, men skriver her for sikkerhets skyld."),
        "email": ("Jeg har også sendt e-post om dette.", "Sendte mail om det samme, men prøver her også."),
        "dialog": ("Skrev også i aktivitetsplanen.", "Jeg har skrevet om dette i aktivitetsplanen også."),
    },
    "nn": {
        "sms": ("Sende SMS om dette òg.",),
        "email": ("Eg har òg sendt e-post om dette.",),
        "dialog": ("Skreiv òg i aktivitetsplanen.",),
    },
    "en": {
        "sms": ("I also sent a text message about this.",),
        "email": ("I have also sent an email about this.",),
        "dialog": ("I also wrote about this in the activity plan.",),
    },
}
_WHERE: dict[str, dict[str, str]] = {
    "nb": {"sms": "på SMS", "email": "på e-post", "dialog": "i aktivitetsplanen"},
    "nn": {"sms": "på SMS", "email": "på e-post", "dialog": "i aktivitetsplanen"},
    "en": {"sms": "by text message", "email": "by email", "dialog": "in the activity plan"},
}
_FOLLOW: dict[str, T] = {
    "nb": (
        "Hei, har dere fått meldingen min om {short}? Sendte den {when}.",
        "Har dere fått det jeg skrev {where} {when}? Har ikke fått svar.",
        "Hei igjen. Jeg venter fortsatt på svar om {short}. Har noen sett på det?",
        "Purring: jeg skrev til dere {when} om {short} og har ikke hørt noe.",
        "Bare sjekker at meldingen min kom fram. Det gjelder {short}.",
        "har dere fått meldingen min?",
    ),
    "nn": (
        "Hei, har de fått meldinga mi om {short}? Sende ho {when}.",
        "Eg ventar framleis på svar om {short}. Har nokon sett på det?",
        "Har de fått det eg skreiv {where} {when}?",
    ),
    "en": (
        "Hi, did you receive my message about {short}? I sent it {when}.",
        "I am still waiting for an answer about {short}. Has anyone looked at it?",
        "Did you get what I wrote {where} {when}?",
    ),
}
_FOLLOW_SUBJ: dict[str, T] = {
    "nb": ("Har dere fått meldingen min?", "Purring", "Venter på svar"),
    "nn": ("Har de fått meldinga mi?", "Purring"),
    "en": ("Did you get my message?", "Reminder"),
}
_THANKS: dict[str, T] = {
    "nb": (
        "Takk for svar!",
        "Tusen takk, da venter jeg på brevet.",
        "Ok, takk for hjelpen.",
        "Supert, takk!",
        "Takk. Da gjør jeg det.",
    ),
    "nn": ("Takk for svar!", "Tusen takk, då ventar eg på brevet.", "Ok, takk for hjelpa."),
    "en": ("Thank you for the answer!", "Great, thanks for your help.", "Thanks, that helps."),
}
_ANOTHER: dict[str, T] = {
    "nb": ("Et annet spørsmål:", "Jeg har et nytt spørsmål, ikke om det forrige.", "En ting til:"),
    "nn": ("Eit anna spørsmål:", "Ein ting til:"),
    "en": ("Another question:", "One more thing, not about the above:"),
}
_WHEN: dict[str, T] = {
    "nb": ("i dag", "i går", "for noen dager siden", "for en uke siden"),
    "nn": ("i dag", "i går", "for nokre dagar sidan", "for ei veke sidan"),
    "en": ("today", "yesterday", "a few days ago", "a week ago"),
}

_OFFICE_GREET: dict[str, T] = {
    "nb": ("Hei {first},", "Hei {first}!", "Hei,"),
    "en": ("Dear {first},", "Hello {first},"),
}
_OFFICE_CLOSE: dict[str, T] = {
    "nb": ("Ta gjerne kontakt igjen hvis noe er uklart.", "Si fra hvis du har flere spørsmål.", ""),
    "en": ("You are welcome to contact us again if anything is unclear.", ""),
}
_OFFICE_SIGN: dict[str, T] = {
    "nb": (
        "Med vennlig hilsen\n{veileder}, veileder\n{office}",
        "Vennlig hilsen\n{office}",
        "Hilsen {veileder}\n{office}",
    ),
    "en": ("Best regards\n{veileder}, adviser\n{office}", "Kind regards\n{office}"),
}
_DIALOG_SIGN: T = (" Hilsen {veileder}, veileder", " Mvh {veileder}", " Hilsen veileder {veileder}", "")

_CASEWORKERS: tuple[tuple[str, str], ...] = (
    ("Marius", "Z990123"),
    ("Anette", "Z990245"),
    ("Siri", "Z990318"),
    ("Thomas", "Z990402"),
    ("Ingvild", "Z990517"),
    ("Kjetil", "Z990633"),
    ("Hanna", "Z990741"),
    ("Rune", "Z990856"),
)

_NB_FIRST: T = (
    "Kari",
    "Ola",
    "Ingrid",
    "Lars",
    "Silje",
    "Jonas",
    "Hanne",
    "Erik",
    "Marte",
    "Anders",
    "Tone",
    "Magnus",
    "Ida",
    "Sindre",
    "Ragnhild",
    "Kristian",
    "Hilde",
    "Eirik",
    "Nina",
    "Torstein",
    "Sofie",
    "Håkon",
    "Camilla",
    "Øystein",
    "Linn",
    "Petter",
    "Marit",
    "Vegard",
    "Åse",
    "Fredrik",
    "Synnøve",
    "Bjørn",
    "Astrid",
    "Jørgen",
    "Kjersti",
    "Geir",
    "Tuva",
    "Sigurd",
    "Mona",
    "Even",
    "Kari-Anne",
    "Jan Erik",
)
_NB_LAST: T = (
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Svendsen",
    "Eide",
    "Knutsen",
    "Martinsen",
    "Bakken",
    "Mathisen",
    "Lie",
    "Aasen",
    "Fjeld",
    "Myhre",
    "Tveit",
    "Vik",
    "Brekke",
    "Rønning",
    "Sæther",
    "Aune",
    "Nygård",
)
_EN_FIRST: T = (
    "James",
    "Sarah",
    "Daniel",
    "Emily",
    "Michael",
    "Laura",
    "Thomas",
    "Anna",
    "Carlos",
    "Maria",
    "John",
    "Grace",
    "Priya",
    "David",
    "Fatima",
    "Ahmed",
    "Lucia",
    "Peter",
)
_EN_LAST: T = (
    "Walker",
    "Smith",
    "Brown",
    "Evans",
    "Fischer",
    "Müller",
    "Garcia",
    "Rossi",
    "Okafor",
    "Mensah",
    "Sharma",
    "Chen",
    "O'Connor",
    "Novak",
    "Hassan",
    "Ali",
)
_PL_NAMES: T = (
    "Agnieszka Nowak",
    "Tomasz Wiśniewski",
    "Katarzyna Wójcik",
    "Piotr Kamiński",
    "Magdalena Lewandowska",
    "Paweł Zieliński",
    "Joanna Szymańska",
    "Marek Dąbrowski",
    "Ewa Kaczmarek",
    "Krzysztof Mazur",
)
_UK_NAMES: T = (
    "Olena Kovalenko",
    "Andrii Shevchenko",
    "Iryna Bondarenko",
    "Oleksandr Tkachenko",
    "Nataliia Kravchenko",
    "Dmytro Melnyk",
    "Yuliia Boiko",
    "Serhii Koval",
)
_COURSES: tuple[tuple[str, str], ...] = (
    ("truckførerkurs", "forklift licence course"),
    ("norskkurs", "Norwegian course"),
    ("kurs i Excel", "Excel course"),
    ("AMO-kurs i renhold", "cleaning course"),
    ("kurs i kundeservice", "customer service course"),
    ("jobbklubb", "job club"),
    ("kurs i matlaging for storkjøkken", "catering course"),
    ("førerkort klasse C", "truck licence (class C)"),
)
_JOBS: tuple[tuple[str, str], ...] = (
    ("lagermedarbeider", "warehouse worker"),
    ("butikkmedarbeider", "shop assistant"),
    ("assistent i barnehage", "kindergarten assistant"),
    ("sjåfør", "driver"),
    ("renholder", "cleaner"),
    ("kokk", "cook"),
    ("helsefagarbeider", "healthcare worker"),
    ("IT-konsulent", "IT consultant"),
    ("regnskapsmedarbeider", "accounting clerk"),
    ("snekker", "carpenter"),
    ("servitør", "waiter"),
)
_EMPLOYERS: tuple[tuple[str, str], ...] = (
    ("en byggevarekjede", "a building supplies chain"),
    ("kommunen", "the municipality"),
    ("et vikarbyrå", "a temp agency"),
    ("et hotell i sentrum", "a hotel in the city centre"),
    ("en dagligvarebutikk", "a grocery shop"),
    ("et rørleggerfirma", "a plumbing firm"),
    ("et flyttebyrå", "a removal company"),
)
_TIMES: T = ("09.00", "09.30", "10.00", "10.30", "11.00", "12.30", "13.00", "13.30", "14.00")
_DOMAINS: T = ("example.no",) * 6 + ("example.com",) * 3 + ("example.net",)
_HOUR_WEIGHTS = (0, 0, 0, 0, 0, 0, 1, 4, 7, 9, 9, 8, 7, 8, 8, 7, 5, 4, 4, 4, 5, 5, 3, 1)
_HOURS: tuple[int, ...] = tuple(h for h, w in enumerate(_HOUR_WEIGHTS) for _ in range(w))
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
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
_PDF_B64 = base64.encodebytes(_PDF).decode("ascii").rstrip("\n")

# GSM 03.38: which bodies fit 160 characters a segment, and which need UCS-2.
_GSM = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXT = "^{}\\[~]|€"
_NOT_GSM = re.compile("[^" + re.escape(_GSM) + "]")
_NOT_GSM_EXT = re.compile("[^" + re.escape(_GSM + _GSM_EXT) + "]")
_GSM_EXT_RE = re.compile("[" + re.escape(_GSM_EXT) + "]")


@functools.lru_cache(maxsize=4096)
def _fold(name: str) -> str:
    """A name as it would appear in an email address: lower case, ASCII, no spaces."""
    return name.lower().translate(_FOLD)


def sms_segments(body: str) -> int:
    """How many SMS segments Twilio bills ``body`` as (GSM-7 160/153, otherwise UCS-2 70/67)."""
    if _NOT_GSM.search(body) is None:
        n = len(body)
    elif _NOT_GSM_EXT.search(body) is None:
        n = len(body) + len(_GSM_EXT_RE.findall(body))
    else:
        n = len(body.encode("utf-16-le")) // 2
        return 1 if n <= 70 else -(-n // 67)
    return 1 if n <= 160 else -(-n // 153)


# --------------------------------------------------------------------------------------------------
# MIME helpers
# --------------------------------------------------------------------------------------------------

_Q_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
_header_cache: dict[str, str] = {}


def encode_header(text: str) -> str:
    """RFC 2047 Q-encoded words for non-ASCII text (folded so no line passes 76 characters)."""
    if text.isascii():
        return text
    hit = _header_cache.get(text)
    if hit is not None:
        return hit
    words: list[str] = []
    cur: list[str] = []
    size = 0
    for ch in text:
        piece = "".join(chr(b) if b in _Q_SAFE else "_" if b == 32 else f"={b:02X}" for b in ch.encode("utf-8"))
        if size + len(piece) > 60:
            words.append("=?utf-8?q?" + "".join(cur) + "?=")
            cur, size = [], 0
        cur.append(piece)
        size += len(piece)
    words.append("=?utf-8?q?" + "".join(cur) + "?=")
    out = "\n ".join(words)
    if len(_header_cache) > 50_000:
        _header_cache.clear()
    _header_cache[text] = out
    return out


def format_address(name: str, addr: str) -> str:
    """``Name <addr>`` with the display name quoted or encoded as needed."""
    if not name:
        return addr
    if not name.isascii():
        return f"{encode_header(name)} <{addr}>"
    if set(name) <= _ATEXT:
        return f"{name} <{addr}>"
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + f'" <{addr}>'


def _qp(text: str) -> bytes:
    out = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    if out.startswith(b"From "):
        out = b"=46" + out[1:]
    return out.replace(b"\nFrom ", b"\n=46rom ")


def _html(own: str, quote_head: str = "", quoted: str = "") -> str:
    parts = ["<html><body>"]
    for p in own.split("\n\n"):
        parts.append("<p>" + html.escape(p, quote=False).replace("\n", "<br>") + "</p>")
    if quote_head:
        parts.append('<div class="quote">' + html.escape(quote_head, quote=False).replace("\n", "<br>") + "</div>")
        parts.append("<blockquote>")
        for p in quoted.split("\n\n"):
            parts.append("<p>" + html.escape(p, quote=False).replace("\n", "<br>") + "</p>")
        parts.append("</blockquote>")
    parts.append("</body></html>")
    return "".join(parts)


_OFFICE_ADDR = format_address(OFFICE_NAME, OFFICE_EMAIL)
_CT_PLAIN = 'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n'
_CT_HTML = 'Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n'


# --------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SynthSummary:
    """What :func:`generate` wrote."""

    out_dir: Path
    messages: int
    sms: int
    email: int
    dialog: int
    inbound: int
    outbound: int
    people: int
    people_in_register: int
    inquiries: int
    sms_pages: int
    seconds: float
    files: tuple[Path, ...] = field(default=())

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else float("inf")


@dataclass(slots=True)
class _Person:
    idx: int
    pid: str
    lang: str
    first: str
    name: str
    fnr: str
    aktor: str
    phone: str
    email: str
    alt_email: str
    partner_phone: str
    in_register: bool
    channels: tuple[str, ...]  # weighted pool to draw channels from
    client: str  # gmail | thunderbird | outlook
    mail_format: str  # plain | alternative | html
    topics: tuple[str, str]  # two favourite topics
    casual: bool
    slots: dict[str, str]
    foreign: bool  # writes Polish or Ukrainian (and simple bokmål at times)
    last_mail: _Mail | None = None
    dialogs: list[_Dialog] = field(default_factory=list)


@dataclass(slots=True)
class _Mail:
    msgid: str
    refs: tuple[str, ...]
    subject: str
    from_name: str
    from_addr: str
    to_name: str
    t: int
    text: str
    office: bool


class _Generator:
    def __init__(
        self, out: Path, *, seed: int, duplicate_rate: float, reply_rate: float, days: int, pages_of: int
    ) -> None:
        self.out = out
        self.seed = seed
        self.rng = random.Random(seed)
        self.r = self.rng.random
        self.dup_rate = duplicate_rate
        self.reply_rate = reply_rate
        self.pages_of = pages_of
        self.clock = _Clock()
        self.end = int(WINDOW_END.timestamp())
        self.start = self.end - days * _DAY
        self.salt = _mix(seed, 0x5EED)
        self.account = f"AC{_mix(seed, 0xAC):032x}"
        self.api = _API.format(account=self.account)
        self.counter = 0
        self.dialog_counter = 100_000
        self._day_slots: dict[int, dict[str, str]] = {}
        self._dates: dict[int, tuple[str, str]] = {}
        self._pool = self._slot_pool(4096)
        self._addr_cache: dict[tuple[str, str], str] = {}
        self.n_sms = self.n_email = self.n_dialog = self.n_in = self.n_out = 0
        self.inquiries = 0
        self.people_in_register = 0
        (out / "sms").mkdir(parents=True, exist_ok=True)
        for old in (out / "sms").glob("page-*.json"):
            old.unlink()
        self.labels = open(out / "labels.csv", "w", encoding="utf-8", newline="", buffering=1 << 20)  # noqa: SIM115
        self.labels.write("key,inquiry,person,direction\r\n")
        self.label_buf: list[str] = []
        self.out_buf: list[str] = []  # contacts.csv rows not yet written
        self.dialog_buf: list[str] = []
        self.contacts = open(out / "contacts.csv", "w", encoding="utf-8", newline="", buffering=1 << 20)  # noqa: SIM115
        self.contacts.write("fnr,aktor_id,name,phone,email\r\n")
        self.mbox = open(out / "mail.mbox", "wb", buffering=1 << 20)  # noqa: SIM115
        self.dialog = open(out / "dialog.json", "w", encoding="utf-8", buffering=1 << 20)  # noqa: SIM115
        self.dialog.write("[")
        self.dialog_first = True
        self.sms_buf: list[tuple[int, str, str, bool, str, str]] = []  # (utc, sid, body, out, from, to)
        self.tmp = Path(tempfile.mkdtemp(prefix=".sms-runs-", dir=out))
        self.runs: list[Path] = []

    # -- small helpers ------------------------------------------------------------------------

    def next_id(self) -> int:
        self.counter += 1
        return _mix(self.counter, self.salt)

    # -- people -------------------------------------------------------------------------------

    def person(self, i: int) -> _Person:
        r = self.r
        x = r()
        lang = "nb" if x < 0.70 else "nn" if x < 0.82 else "en" if x < 0.92 else "pl" if x < 0.96 else "uk"
        if lang == "nb" or lang == "nn":
            first = _NB_FIRST[int(r() * len(_NB_FIRST))]
            last = _NB_LAST[int(r() * len(_NB_LAST))]
        elif lang == "en":
            first = _EN_FIRST[int(r() * len(_EN_FIRST))]
            last = _EN_LAST[int(r() * len(_EN_LAST))]
        else:
            names = _PL_NAMES if lang == "pl" else _UK_NAMES
            first, last = names[int(r() * len(names))].split(" ", 1)
        name = f"{first} {last}"
        f, la = _fold(first), _fold(last)
        style = int(r() * 4)
        local = (
            f"{f}.{la}{i}"
            if style == 0
            else f"{f}{i}.{la}"
            if style == 1
            else f"{f}_{la}{i}"
            if style == 2
            else f"{f[0]}{la}{i}"
        )
        profiles = _PROFILES_FOREIGN if lang == "pl" or lang == "uk" else _PROFILES
        z = r()
        w = r()
        seed = self.seed
        return _Person(
            idx=i,
            pid=f"p{i + 1:06d}",
            lang=lang,
            first=first,
            name=name,
            fnr=fnr_for_index(i, seed),
            aktor=aktor_id_for_index(i, seed),
            phone=_phone_for_index(i, seed),
            email=f"{local}@{_DOMAINS[int(r() * len(_DOMAINS))]}",
            alt_email=f"{la}.{f}{i}@{_DOMAINS[int(r() * len(_DOMAINS))]}" if r() < 0.1 else "",
            partner_phone=_phone_for_index(i - 1, seed) if i > 0 and r() < 0.06 else "",
            in_register=r() < 0.85,
            channels=profiles[int(r() * len(profiles))],
            client="gmail" if z < 0.5 else "outlook" if z < 0.8 else "thunderbird",
            mail_format="plain" if w < 0.7 else "alternative" if w < 0.9 else "html",
            topics=(_TOPIC_KEYS[int(r() * 9)], _TOPIC_KEYS[int(r() * 9)]),
            casual=r() < 0.25,
            slots={"first": first, "name": name, "lang": lang if lang in ("nb", "nn", "en") else "nb"},
            foreign=lang == "pl" or lang == "uk",
        )

    def run_person(self, i: int, quota: int) -> None:
        p = self.person(i)
        if p.in_register:
            self.people_in_register += 1
            self.out_buf.append(f"{p.fnr},{p.aktor},{p.name},{p.phone},{p.email}\r\n")
        if quota > 0:
            r = self.r
            start, end = self.start, self.end
            span = end - start
            starts = [start + int(r() * span) for _ in range(max(1, math.ceil(quota / 1.7)))]
            starts.sort()
            n = 0
            left = quota
            hours = _HOURS
            while left > 0:
                if n < len(starts):
                    t0 = starts[n]
                else:
                    t0 = starts[-1] + int(r() * (end - starts[-1]))
                    starts.append(t0)
                n += 1
                # The citizen writes at a waking hour of that day (never after the window's end).
                t = t0 - t0 % _DAY + hours[int(r() * len(hours))] * 3600 + int(r() * 3600)
                if t > end:
                    t = end - int(r() * 8 * 3600)
                left -= self.inquiry(p, f"{p.pid}-i{n}", t, left)
            if p.dialogs:
                self._write_dialogs(p)
        if len(self.label_buf) >= 8192:
            self.labels.write("".join(self.label_buf))
            self.label_buf.clear()
        if len(self.out_buf) >= 1024:
            self.contacts.write("".join(self.out_buf))
            self.out_buf.clear()
        if len(self.dialog_buf) >= 512:
            self.dialog.write("".join(self.dialog_buf))
            self.dialog_buf.clear()

    # -- time ---------------------------------------------------------------------------------

    def _awake(self, t: int) -> int:
        """Move a citizen's night-time message to the next morning."""
        tod = t % _DAY
        if tod < 6 * 3600 + 1800:
            return t - tod + 7 * 3600 + int(self.r() * 2 * 3600)
        return t

    def _office_time(self, t: int) -> int:
        day = t - t % _DAY
        tod = t % _DAY
        if tod >= 15 * 3600 + 1800:
            day += _DAY
            tod = 0
        if tod < 8 * 3600:
            tod = 8 * 3600 + int(self.r() * 3 * 3600)
        while self.clock.day(day // _DAY).weekday >= 5:
            day += _DAY
        return day + tod

    # -- one inquiry --------------------------------------------------------------------------

    def inquiry(self, p: _Person, inq: str, t0: int, left: int) -> int:
        """Generate one inquiry's messages (at most ``left``); returns how many were written."""
        r = self.r
        x = r()
        topic = _TOPICS[p.topics[0] if x < 0.45 else p.topics[1] if x < 0.65 else _TOPIC_KEYS[int(r() * 9)]]
        intents = _BY_TOPIC[topic.key]
        intent = intents[int(r() * len(intents))]
        chans = p.channels
        ch0 = chans[int(r() * len(chans))]
        events: list[tuple[int, str, str]] = [(t0, "first", ch0)]
        last_in = t0
        if r() < self.dup_rate:
            others = _OTHERS[chans][ch0]
            t1 = self._awake(t0 + 1800 + int(r() * 4 * _DAY))
            events.append((t1, "dup" if r() < 0.6 else "follow", others[int(r() * len(others))]))
            last_in = t1
        if r() < 0.1:
            t2 = self._awake(t0 + _DAY + int(r() * 5 * _DAY))
            events.append((t2, "follow", ch0))
            last_in = max(last_in, t2)
        if r() < self.reply_rate:
            tr = self._office_time(last_in + 3600 + int(r() * 3 * _DAY))
            chr_ = ch0 if r() < 0.5 else events[-1][2]
            events.append((tr, "reply", chr_))
            if r() < 0.25:
                events.append((self._awake(tr + 1200 + int(r() * _DAY)), "thanks", chr_))
        if len(events) > 1:
            end = self.end
            events = [e for e in events if e[0] <= end]
            events.sort()
            del events[left:]
        self.inquiries += 1
        st = _InquiryState(intent, topic, self._slots(p, topic, t0))
        seen = st.seen
        for t, kind, ch in events:
            if ch == "sms":
                self._sms(p, inq, st, t, kind)
            elif ch == "email":
                self._email(p, inq, st, t, kind)
            else:
                self._dialog(p, inq, st, t, kind)
            seen.append((ch, t))
        return len(events)

    def _slots(self, p: _Person, topic: _Topic, t0: int) -> dict[str, str]:
        r = self.r
        n = t0 // _DAY
        day = self._day_slots.get(n)
        if day is None:
            d = self.clock.day(n).d
            prev = (d.month - 2) % 12
            wk = d.isocalendar()[1]
            w1, w2 = (wk - 3) % 52 + 1, (wk - 2) % 52 + 1
            day = self._day_slots[n] = {
                "month": _MON_NB[d.month - 1],
                "month_en": _MON_EN_LONG[d.month - 1],
                "prev_month": _MON_NB[prev],
                "prev_month_en": _MON_EN_LONG[prev],
                "weeks": f"{w1} og {w2}",
                "weeks_en": f"{w1} and {w2}",
            }
        past = n - 1 - int(r() * 20)
        dates = self._dates.get(past)
        if dates is None:
            d = self.clock.day(past).d
            dates = self._dates[past] = (f"{d.day}. {_MON_NB[d.month - 1]}", f"{d.day} {_MON_EN_LONG[d.month - 1]}")
        pool = self._pool
        slots = {**pool[int(r() * len(pool))], **day, **p.slots}
        slots["short"] = topic.short[p.lang]
        slots["date"], slots["date_en"] = dates
        return slots

    def _slot_pool(self, size: int) -> list[dict[str, str]]:
        """Random combinations of the slots that do not depend on the day or the person."""
        r = self.r
        pool = []
        for _ in range(size):
            wd = int(r() * 5)
            tm = _pick(r, _TIMES)
            course = _COURSES[int(r() * len(_COURSES))]
            job = _JOBS[int(r() * len(_JOBS))]
            emp = _EMPLOYERS[int(r() * len(_EMPLOYERS))]
            cw = _CASEWORKERS[int(r() * len(_CASEWORKERS))]
            amount = 800 + int(r() * 180) * 50
            pool.append(
                {
                    "weekday": _WD_NB[wd],
                    "weekday_nn": _WD_NN[wd],
                    "weekday_en": _WD_EN_LONG[wd],
                    "time": tm,
                    "time_en": tm.replace(".", ":"),
                    "course": course[0],
                    "course_en": course[1],
                    "job": job[0],
                    "job_en": job[1],
                    "employer": emp[0],
                    "employer_en": emp[1],
                    "amount": f"{amount:,}".replace(",", " "),
                    "veileder": cw[0],
                    "veileder_id": cw[1],
                    "office": OFFICE_NAME,
                }
            )
        return pool

    # -- texts --------------------------------------------------------------------------------

    def _lang(self, p: _Person) -> str:
        """The language of one message: Polish/Ukrainian writers switch to simple bokmål at times."""
        if p.foreign and self.r() >= 0.6:
            return "nb"
        return p.lang

    def _ask(self, st: _InquiryState, lang: str, *, sms: bool) -> str:
        if lang in _FOREIGN:
            pool = _FOREIGN[lang]["sms" if sms else "ask"]
            return pool[int(self.r() * len(pool))].format_map(st.slots)
        pool = (st.intent.sms if sms else st.intent.ask)[lang]
        text = pool[int(self.r() * len(pool))].format_map(st.slots)
        return text[0].upper() + text[1:] if text[0].islower() else text

    def _when(self, st: _InquiryState, t: int, lang: str) -> tuple[str, str]:
        ch, t_prev = st.seen[-1] if st.seen else ("sms", t)
        days = (t - t_prev) // _DAY
        when = _WHEN[lang][0 if days <= 0 else 1 if days == 1 else 2 if days < 6 else 3]
        return when, _WHERE[lang][ch]

    def _follow(self, st: _InquiryState, t: int, lang: str) -> str:
        if lang in _FOREIGN:
            return _pick(self.r, _FOREIGN[lang]["follow"]).format_map(st.slots)
        when, where = self._when(st, t, lang)
        slots = dict(st.slots, when=when, where=where, short=st.topic.short[lang])
        return _pick(self.r, _FOLLOW[lang]).format_map(slots)

    def _thanks(self, lang: str) -> str:
        if lang in _FOREIGN:
            return _pick(self.r, _FOREIGN[lang]["thanks"])
        return _pick(self.r, _THANKS[lang])

    def _also(self, st: _InquiryState, lang: str) -> str:
        if lang in _FOREIGN or not st.seen or self.r() < 0.5:
            return ""
        return _pick(self.r, _ALSO[lang][st.seen[0][0]]) + " "

    def _reply_text(self, p: _Person, st: _InquiryState) -> tuple[str, str]:
        lang = "en" if p.lang in ("en", "pl", "uk") else "nb"
        return _pick(self.r, st.intent.rep[lang]).format_map(st.slots), lang

    # -- SMS ----------------------------------------------------------------------------------

    def _sms(self, p: _Person, inq: str, st: _InquiryState, t: int, kind: str) -> None:
        r = self.r
        lang = p.lang
        if p.foreign and r() >= 0.6:
            lang = "nb"
        short_lang = "nb" if p.foreign else lang
        out = kind == "reply"
        if out:
            text, rl = self._reply_text(p, st)
            if rl == "en":
                body = f"Hi {p.first}. {text} Regards, {OFFICE_NAME}"
            else:
                body = f"Hei {p.first}. {text} Hilsen {OFFICE_NAME}"
            frm, to = OFFICE_PHONE, st.sms_to or p.phone
        else:
            partner = bool(p.partner_phone) and r() < 0.5
            if kind == "follow":
                body = self._follow(st, t, lang)
            elif kind == "thanks":
                body = self._thanks(lang)
            else:
                also = self._also(st, short_lang) if kind == "dup" and lang == short_lang else ""
                body = self._ask(st, lang, sms=True)
                if (lang == "nb" or lang == "nn") and r() < 0.6:
                    hi = _SMS_HI[int(r() * len(_SMS_HI))]
                    body = hi + (body[0].lower() + body[1:] if hi.endswith(", ") else body)
                body = also + body
            if partner:
                body += _PARTNER[lang].format_map(st.slots)
            elif kind != "thanks" or r() < 0.3:
                bye = _SMS_BYE[lang]
                body += bye[int(r() * len(bye))].format_map(st.slots)
            if p.casual and r() < 0.5:
                body = body.lower()
            frm = p.partner_phone if partner else p.phone
            to = OFFICE_PHONE
            st.sms_to = frm
        clk = self.clock
        u = clk.utc(t)
        self.counter += 1
        sid = f"SM{_mix(self.counter, self.salt):032x}"
        self.sms_buf.append((u, sid, body, out, frm, to))
        if len(self.sms_buf) >= _RUN:
            self._spill()
        self.n_sms += 1
        if out:
            self.label_buf.append(f"sms:{sid},{inq},{p.pid},out\r\n")
            self.n_out += 1
        else:
            self.label_buf.append(f"sms:{sid},{inq},{p.pid},in\r\n")
            self.n_in += 1

    def _sms_json(self, rec: tuple[int, str, str, bool, str, str]) -> str:
        """One Twilio message resource as JSON, keys in Twilio's order."""
        u, sid, body, out, frm, to = rec
        date = self.clock.twilio(u)
        api = self.api
        return (
            f'{{"account_sid":"{self.account}","api_version":"2010-04-01","body":{_json_str(body)},'
            f'"date_created":"{date}","date_sent":"{date}","date_updated":"{date}",'
            f'"direction":"{"outbound-api" if out else "inbound"}","error_code":null,"error_message":null,'
            f'"from":"{frm}","to":"{to}","messaging_service_sid":null,"num_media":"0",'
            f'"num_segments":"{sms_segments(body)}","price":null,"price_unit":"USD","sid":"{sid}",'
            f'"status":"{"delivered" if out else "received"}",'
            f'"subresource_uris":{{"media":"{api}/Messages/{sid}/Media.json"}},'
            f'"uri":"{api}/Messages/{sid}.json"}}'
        )

    def _spill(self) -> None:
        """Write the buffered SMS, newest first, as one sorted run on disk."""
        self.sms_buf.sort(key=itemgetter(0), reverse=True)
        path = self.tmp / f"run-{len(self.runs):05d}.tsv"
        js = self._sms_json
        with open(path, "w", encoding="utf-8", buffering=1 << 20) as f:
            f.writelines(f"{rec[0]}\t{rec[1]}\t{js(rec)}\n" for rec in self.sms_buf)
        self.runs.append(path)
        self.sms_buf = []

    # -- email --------------------------------------------------------------------------------

    def _addr(self, name: str, addr: str) -> str:
        cache = self._addr_cache
        key = (name, addr)
        hit = cache.get(key)
        if hit is None:
            if len(cache) > 4096:
                cache.clear()
            hit = cache[key] = format_address(name, addr)
        return hit

    def _msgid(self, p: _Person | None) -> str:
        x = self.next_id()
        if p is None:
            return f"<{x:032x}@nav.example.no>"
        if p.client == "gmail":
            b64 = binascii.b2a_base64(x.to_bytes(16, "big"), newline=False).decode("ascii")
            return f"<CA{b64[:22]}@mail.gmail.com>"
        if p.client == "outlook":
            return f"<{x:032X}@eurprd07.prod.outlook.com>"
        h = f"{x:032x}"
        return f"<{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}@{p.email.rsplit('@', 1)[1]}>"

    def _quote(self, style: str, lang: str, parent: _Mail) -> tuple[str, str]:
        """(header, quoted block) for a reply that quotes ``parent`` in a client's style."""
        c = self.clock
        info = c.day(parent.t // _DAY)
        hm = c.hm(parent.t)
        en = lang == "en"
        if style == "outlook":
            head = (
                f"From: {parent.from_name} <{parent.from_addr}>\nSent: {info.outlook_en}{hm}\n"
                f"To: {parent.to_name}\nSubject: {parent.subject}"
                if en
                else f"Fra: {parent.from_name} <{parent.from_addr}>\nSendt: {info.outlook_nb}{hm}\n"
                f"Til: {parent.to_name}\nEmne: {parent.subject}"
            )
            return "________________________________\n" + head if self.r() < 0.3 else head, parent.text
        quoted = ("> " + parent.text.replace("\n", "\n> ")).replace("> \n", ">\n")
        if style == "gmail":
            head = (
                f"{info.gmail_en}{hm}, {parent.from_name} <{parent.from_addr}> wrote:"
                if en
                else f"{info.gmail_nb}{hm} skrev {parent.from_name} <{parent.from_addr}>:"
            )
        else:
            head = (
                f"On {info.tbird}{hm}, {parent.from_name} wrote:"
                if en
                else f"Den {info.tbird}{hm}, skrev {parent.from_name}:"
            )
        return head, quoted

    def _email(self, p: _Person, inq: str, st: _InquiryState, t: int, kind: str) -> None:
        r = self.r
        out = kind == "reply"
        parent: _Mail | None = None
        attach = ""
        if out:
            text, lang = self._reply_text(p, st)
            citizen = next((m for m in reversed(st.mails) if not m.office), None)
            parent = citizen
            own = (
                _pick(r, _OFFICE_GREET[lang]).format_map(st.slots)
                + "\n\n"
                + text
                + ("\n\n" + c if (c := _pick(r, _OFFICE_CLOSE[lang])) else "")
                + "\n\n"
                + _pick(r, _OFFICE_SIGN[lang]).format_map(st.slots)
            )
            from_name, from_addr = OFFICE_NAME, OFFICE_EMAIL
            to_name, to_addr = (citizen.from_name, citizen.from_addr) if citizen else (p.name, p.email)
            style = "outlook" if r() < 0.7 else "gmail"
            fmt = "plain"
        else:
            lang = self._lang(p)
            base = lang if lang in ("nb", "nn", "en") else "nb"
            from_name = p.name
            from_addr = st.mail_from or (p.alt_email if p.alt_email and r() < 0.4 else p.email)
            st.mail_from = from_addr
            to_name, to_addr = OFFICE_NAME, OFFICE_EMAIL
            style = p.client
            fmt = p.mail_format
            close = _FOREIGN[lang]["close"] if lang in _FOREIGN else _CLOSE[base]
            sign = _pick(r, close) + "\n" + p.name
            if r() < 0.25:
                sign += "\n" + ("+47 " if r() < 0.5 else "") + _phone_pretty(p.phone)
            if r() < 0.15:
                sign += f"\nfnr. {p.fnr[:6]} {p.fnr[6:]}" if r() < 0.5 else f"\n{p.fnr}"
            if kind == "follow":
                parent = st.mails[-1] if st.mails else None
                own = self._follow(st, t, lang) + "\n\n" + sign
            elif kind == "thanks":
                parent = next((m for m in reversed(st.mails) if m.office), None)
                own = self._thanks(lang) + "\n\n" + p.first
            else:
                greet = _pick(r, _FOREIGN[lang]["greet"] if lang in _FOREIGN else _GREET[base])
                body = self._ask(st, lang, sms=False)
                if lang == base:
                    ctx = st.intent.ctx[base]
                    if ctx and r() < 0.85:
                        lead = _pick(r, ctx).format_map(st.slots)
                        if r() < 0.4:
                            more = _pick(r, ctx).format_map(st.slots)
                            if more != lead:
                                lead += " " + more
                        body = lead + " " + body
                    body = self._also(st, base) + body
                    if kind == "first" and p.last_mail is not None and p.last_mail.t < t and r() < 0.08:
                        parent = p.last_mail
                        body = _pick(r, _ANOTHER[base]) + " " + body
                    extra = _pick(r, _EXTRA[base])
                    if extra:
                        body += "\n\n" + extra
                    if st.intent.attach and kind == "first" and r() < 0.2:
                        attach = st.intent.attach
                        body += "\n\n" + ("Attached: " if base == "en" else "Vedlagt: ") + attach
                own = f"{greet}\n\n{body}\n\n{sign}"
        if parent is not None:
            subject = parent.subject
            prefix = "RE: " if (out and style == "outlook") or lang == "en" else "SV: "
            if not subject.upper().startswith(("SV:", "RE:", "AW:")):
                subject = prefix + subject
            head, quoted = self._quote(style, lang, parent)
            text = f"{own}\n\n{head}\n{quoted}\n" if style != "outlook" else f"{own}\n\n{head}\n\n{quoted}\n"
            refs = (*parent.refs, parent.msgid)
        else:
            if st.subject:
                subject = st.subject
            elif kind == "follow":
                base = lang if lang in ("nb", "nn", "en") else "nb"
                subject = _pick(r, _FOLLOW_SUBJ[base])
            elif lang in _FOREIGN:
                subject = _pick(r, _FOREIGN[lang]["subj"])
            else:
                subject = _pick(r, st.intent.subj[lang]).format_map(st.slots)
            text = own + "\n"
            refs = ()
            head = ""
        if not st.subject:
            st.subject = subject.removeprefix("SV: ").removeprefix("RE: ")
        msgid = self._msgid(None if out else p)
        clk = self.clock
        hdr = [
            f"From {from_addr} {clk.asctime_utc(t)}\n"
            f"From: {_OFFICE_ADDR if out else self._addr(from_name, from_addr)}\n"
            f"To: {self._addr(to_name, to_addr) if out else _OFFICE_ADDR}\n"
            f"Subject: {encode_header(subject)}\nDate: {clk.rfc2822(t)}\nMessage-ID: {msgid}\n"
        ]
        if refs:
            hdr.append(f"In-Reply-To: {refs[-1]}\nReferences: " + "\n ".join(refs) + "\n")
        if attach:
            boundary = f"=_mixed_{msgid[1:13]}"
            inner = _CT_HTML if fmt == "html" else _CT_PLAIN
            payload = _html(own) if fmt == "html" else text
            hdr.append(f'Content-Type: multipart/mixed; boundary="{boundary}"\nMIME-Version: 1.0\n\n')
            blob = (
                ("".join(hdr) + f"--{boundary}\n{inner}\n").encode("utf-8")
                + _qp(payload)
                + (
                    f'\n--{boundary}\nContent-Type: application/pdf; name="{attach}"\n'
                    f'Content-Disposition: attachment; filename="{attach}"\nContent-Transfer-Encoding: base64\n\n'
                    f"{_PDF_B64}\n--{boundary}--\n"
                ).encode("ascii")
            )
        elif fmt == "plain":
            hdr.append(_CT_PLAIN + "MIME-Version: 1.0\n\n")
            blob = "".join(hdr).encode("utf-8") + _qp(text)
        else:
            htm = _html(own, head, parent.text) if parent is not None else _html(own)
            if fmt == "html":
                hdr.append(_CT_HTML + "MIME-Version: 1.0\n\n")
                blob = "".join(hdr).encode("utf-8") + _qp(htm) + b"\n"
            else:
                boundary = f"=_alt_{msgid[1:13]}"
                hdr.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\nMIME-Version: 1.0\n\n')
                blob = (
                    "".join(hdr).encode("utf-8")
                    + f"--{boundary}\n{_CT_PLAIN}\n".encode("ascii")
                    + _qp(text)
                    + f"\n--{boundary}\n{_CT_HTML}\n".encode("ascii")
                    + _qp(htm)
                    + f"\n--{boundary}--\n".encode("ascii")
                )
        self.mbox.write(blob)
        self.mbox.write(b"\n")
        mail = _Mail(msgid, refs, subject, from_name, from_addr, to_name, t, text.rstrip("\n"), out)
        st.mails.append(mail)
        if not out:
            p.last_mail = mail
        self.n_email += 1
        if out:
            self.label_buf.append(f"email:{msgid},{inq},{p.pid},out\r\n")
            self.n_out += 1
        else:
            self.label_buf.append(f"email:{msgid},{inq},{p.pid},in\r\n")
            self.n_in += 1

    # -- dialogue -----------------------------------------------------------------------------

    def _dialog(self, p: _Person, inq: str, st: _InquiryState, t: int, kind: str) -> None:
        r = self.r
        out = kind == "reply"
        dlg = st.dialog
        lang = self._lang(p)
        base = lang if lang in ("nb", "nn", "en") else "nb"
        if out:
            text, _ = self._reply_text(p, st)
            tekst = f"Hei {p.first}! {text}" + _pick(r, _DIALOG_SIGN).format_map(st.slots)
        elif kind == "follow":
            tekst = self._follow(st, t, lang)
        elif kind == "thanks":
            tekst = self._thanks(lang)
        else:
            tekst = self._ask(st, lang, sms=False)
            ctx = st.intent.ctx[base]
            if lang == base and ctx and r() < 0.6:
                tekst = _pick(r, ctx).format_map(st.slots) + " " + tekst
            if lang == base:
                tekst = self._also(st, base) + tekst
            if r() < 0.3 and lang == base:
                tekst = _pick(r, _DIALOG_HI[base]) + " " + tekst
            if dlg is None and kind == "first" and p.dialogs and r() < 0.1:
                old = p.dialogs[-1]
                if old.t < t and len(old.items) < 40:
                    dlg = old
                    if lang == base:
                        tekst = _pick(r, _ANOTHER[base]) + " " + tekst
        if dlg is None:
            self.dialog_counter += 1
            if lang in _FOREIGN:
                title = _pick(r, _FOREIGN[lang]["subj"])
            else:
                title = _pick(r, st.intent.subj[base]).format_map(st.slots)
            did = str(self.dialog_counter)
            aktivitet = f'"{400_000 + self.dialog_counter}"' if st.topic.key == "tiltak" and r() < 0.5 else "null"
            dlg = _Dialog(id=did, head=f'{{"id":"{did}","aktivitetId":{aktivitet},"overskrift":{_json_str(title)},')
            p.dialogs.append(dlg)
        st.dialog = dlg
        hid = f"{dlg.id}{len(dlg.items):02d}"
        sendt = self.clock.iso(t)
        tj = _json_str(tekst)
        who = f'"VEILEDER","avsenderId":"{st.slots["veileder_id"]}"' if out else '"BRUKER","avsenderId":null'
        dlg.items.append(
            f'{{"id":"{hid}","dialogId":"{dlg.id}","avsender":{who},"sendt":"{sendt}",'
            f'"lest":true,"viktig":false,"tekst":{tj}}}'
        )
        if not dlg.first:
            dlg.first = sendt
        dlg.last, dlg.last_text, dlg.answered, dlg.t = sendt, tj, out, t
        self.n_dialog += 1
        if out:
            self.label_buf.append(f"dialog:{hid},{inq},{p.pid},out\r\n")
            self.n_out += 1
        else:
            self.label_buf.append(f"dialog:{hid},{inq},{p.pid},in\r\n")
            self.n_in += 1

    def _write_dialogs(self, p: _Person) -> None:
        parts = [f'{{"fnr":"{p.fnr}","aktorId":"{p.aktor}","dialoger":[']
        for n, d in enumerate(p.dialogs):
            parts.append(
                f'{"," if n else ""}{d.head}"sisteTekst":{d.last_text},"sisteDato":"{d.last}",'
                f'"opprettetDato":"{d.first}","historisk":false,"lest":true,"venterPaSvar":false,'
                f'"ferdigBehandlet":{"true" if d.answered else "false"},"lestAvBrukerTidspunkt":null,'
                f'"erLestAvBruker":true,"oppfolgingsperiode":null,"henvendelser":['
            )
            parts.append(",".join(d.items))
            parts.append('],"egenskaper":[],"kontorsperreEnhetId":null}')
        parts.append("]}")
        self.dialog_buf.append(("\n" if self.dialog_first else ",\n") + "".join(parts))
        self.dialog_first = False

    # -- finishing ----------------------------------------------------------------------------

    def _sms_stream(self) -> Generator[tuple[int, str, str], None, None]:
        """All SMS as (time, sid, JSON), newest first: the sorted runs on disk merged with the last one,
        which is still in memory."""
        self.sms_buf.sort(key=itemgetter(0), reverse=True)
        js = self._sms_json
        last = ((rec[0], rec[1], js(rec)) for rec in self.sms_buf)
        if not self.runs:
            yield from last
            return
        files = [open(path, encoding="utf-8", buffering=1 << 18) for path in self.runs]  # noqa: SIM115
        try:

            def rows(f: IO[str]) -> Iterator[tuple[int, str, str]]:
                for ln in f:
                    u, sid, line = ln.rstrip("\n").split("\t", 2)
                    yield int(u), sid, line

            yield from heapq.merge(*(rows(f) for f in files), last, key=itemgetter(0), reverse=True)
        finally:
            for f in files:
                f.close()

    def _write_pages(self) -> int:
        total = self.n_sms
        size = self.pages_of
        pages = max(1, -(-total // size))
        base = f"{self.api}/Messages.json?PageSize={size}"
        stream = self._sms_stream()
        try:
            return self._pages(stream, total, size, pages, base)
        finally:
            stream.close()

    def _pages(self, stream: Iterator[tuple[int, str, str]], total: int, size: int, pages: int, base: str) -> int:
        prev_last = ""
        width = max(4, len(str(pages - 1)))
        for k in range(pages):
            rows = [row for _, row in zip(range(size), stream, strict=False)]
            start = k * size
            first_sid = rows[0][1] if rows else ""
            last_sid = rows[-1][1] if rows else ""
            uri = f"{base}&Page={k}" + (f"&PageToken=PA{prev_last}" if k else "")
            nxt = f'"{base}&Page={k + 1}&PageToken=PA{last_sid}"' if k + 1 < pages else "null"
            prv = f'"{base}&Page={k - 1}&PageToken=PB{first_sid}"' if k else "null"
            with open(self.out / "sms" / f"page-{k:0{width}d}.json", "w", encoding="utf-8") as f:
                f.write(f'{{"end":{start + max(len(rows) - 1, 0)},"first_page_uri":"{base}&Page=0","messages":[\n')
                f.write(",\n".join(row[2] for row in rows))
                f.write(
                    f'\n],"next_page_uri":{nxt},"page":{k},"page_size":{size},"previous_page_uri":{prv},'
                    f'"start":{start},"uri":"{uri}"}}\n'
                )
            prev_last = last_sid
        return pages

    def close(self) -> int:
        self.dialog.write("".join(self.dialog_buf) + ("\n]\n" if not self.dialog_first else "]\n"))
        self.labels.write("".join(self.label_buf))
        self.contacts.write("".join(self.out_buf))
        for f in (self.labels, self.contacts, self.dialog):
            f.close()
        self.mbox.close()
        try:
            return self._write_pages()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass(slots=True)
class _Dialog:
    """A dialogue thread being built; henvendelser are kept as ready JSON text."""

    id: str
    head: str  # '{"id":..,"aktivitetId":..,"overskrift":..,'
    items: list[str] = field(default_factory=list)
    first: str = ""
    last: str = ""
    last_text: str = "null"  # JSON
    answered: bool = False
    t: int = 0


@dataclass(slots=True)
class _InquiryState:
    intent: _Intent
    topic: _Topic
    slots: dict[str, str]
    seen: list[tuple[str, int]] = field(default_factory=list)  # (channel, time) of messages so far
    mails: list[_Mail] = field(default_factory=list)
    subject: str = ""
    mail_from: str = ""
    sms_to: str = ""
    dialog: _Dialog | None = None


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


_json_str: Callable[[str], str] = json.encoder.encode_basestring


def _pick(r: Callable[[], float], seq: Sequence[str]) -> str:
    return seq[int(r() * len(seq))]


def _json_dumps(obj: Any) -> str:
    return _JSON.encode(obj)


def generate(
    out_dir: Path,
    messages: int,
    *,
    people: int | None = None,
    duplicate_rate: float = 0.25,
    seed: int = 0,
    pages_of: int = 1000,
    reply_rate: float = 0.3,
    days: int = 60,
) -> SynthSummary:
    """Write synthetic exports with exactly ``messages`` messages into ``out_dir``.

    ``people`` defaults to one person per 4.3 messages, as in the development set (at most about a
    million people); some get no messages at all and only appear in the register. ``duplicate_rate``
    is the share of inquiries that reach the office a second time, on another channel, within four
    days; ``reply_rate`` the share that get an office reply; ``days`` the length of the window that
    ends on 26 November 2026. The total is exact: ``sms + email + dialog == messages``. Same arguments,
    same bytes.
    """
    if messages < 0:
        raise ValueError("messages must be >= 0")
    if pages_of < 1:
        raise ValueError("pages_of must be >= 1")
    if not 0.0 <= duplicate_rate <= 1.0 or not 0.0 <= reply_rate <= 1.0:
        raise ValueError("rates must be between 0 and 1")
    if days < 1:
        raise ValueError("days must be >= 1")
    n_people = people if people is not None else max(1, math.ceil(messages / 4.3))
    if n_people < 1:
        raise ValueError("people must be >= 1")
    if n_people > 50 * _BIRTH_DAYS:
        raise ValueError("too many people for unique synthetic national ID numbers")
    began = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wr = random.Random(seed * 7919 + 17)
    weights = array("d", (0.4 + wr.expovariate(1.0) for _ in range(n_people)))
    total = math.fsum(weights)
    gen = _Generator(
        out_dir, seed=seed, duplicate_rate=duplicate_rate, reply_rate=reply_rate, days=days, pages_of=pages_of
    )
    try:
        cum = 0.0
        done = 0
        for i in range(n_people):
            cum += weights[i]
            target = messages if i == n_people - 1 else min(messages, int(cum * messages / total))
            quota = target - done
            before = gen.n_in + gen.n_out
            gen.run_person(i, quota)
            done += gen.n_in + gen.n_out - before
        pages = gen.close()
    except BaseException:
        shutil.rmtree(gen.tmp, ignore_errors=True)
        raise
    written = gen.n_in + gen.n_out
    sms_dir = out_dir / "sms"
    return SynthSummary(
        out_dir=out_dir,
        messages=written,
        sms=gen.n_sms,
        email=gen.n_email,
        dialog=gen.n_dialog,
        inbound=gen.n_in,
        outbound=gen.n_out,
        people=n_people,
        people_in_register=gen.people_in_register,
        inquiries=gen.inquiries,
        sms_pages=pages,
        seconds=time.perf_counter() - began,
        files=(
            *sorted(sms_dir.glob("page-*.json")),
            out_dir / "mail.mbox",
            out_dir / "dialog.json",
            out_dir / "contacts.csv",
            out_dir / "labels.csv",
        ),
    )
