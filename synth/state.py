"""The state one run of the generator keeps, and the choices of words every channel shares.

:class:`Run` holds the random stream, the clock, the counters and the open output files; the channels
(:mod:`synth.sms`, :mod:`synth.mail`, :mod:`synth.dialog`) extend it with one method each that writes a
message, and :class:`synth.generator.Generator` puts them together. Every random draw happens in a fixed
order, so the same seed gives the same bytes.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from synth.clock import DAY, MON_EN_LONG, MON_NB, WD_EN_LONG, WD_NB, WD_NN, Clock
from synth.ids import mix
from synth.office import OFFICE_NAME, WINDOW_END
from synth.texts import (
    ALSO,
    CASEWORKERS,
    COURSES,
    EMPLOYERS,
    FOLLOW,
    FOREIGN,
    JOBS,
    THANKS,
    TIMES,
    WHEN,
    WHERE,
    Intent,
    Topic,
)

_API = "/2010-04-01/Accounts/{account}"


@dataclass(slots=True)
class Person:
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
    last_mail: Mail | None = None
    dialogs: list[Dialog] = field(default_factory=list)


@dataclass(slots=True)
class Mail:
    msgid: str
    refs: tuple[str, ...]
    subject: str
    from_name: str
    from_addr: str
    to_name: str
    t: int
    text: str
    office: bool


@dataclass(slots=True)
class Dialog:
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
class InquiryState:
    intent: Intent
    topic: Topic
    slots: dict[str, str]
    seen: list[tuple[str, int]] = field(default_factory=list)  # (channel, time) of messages so far
    mails: list[Mail] = field(default_factory=list)
    subject: str = ""
    mail_from: str = ""
    sms_to: str = ""
    dialog: Dialog | None = None


#: A str as a JSON string literal, non-ASCII kept (the exports are written as ready JSON text).
json_str: Callable[[str], str] = json.encoder.encode_basestring


def pick(r: Callable[[], float], seq: Sequence[str]) -> str:
    return seq[int(r() * len(seq))]


class Run:
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
        self.clock = Clock()
        self.end = int(WINDOW_END.timestamp())
        self.start = self.end - days * DAY
        self.salt = mix(seed, 0x5EED)
        self.account = f"AC{mix(seed, 0xAC):032x}"
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
        return mix(self.counter, self.salt)

    # -- people -------------------------------------------------------------------------------
    # -- time ---------------------------------------------------------------------------------

    def _awake(self, t: int) -> int:
        """Move a citizen's night-time message to the next morning."""
        tod = t % DAY
        if tod < 6 * 3600 + 1800:
            return t - tod + 7 * 3600 + int(self.r() * 2 * 3600)
        return t

    def _office_time(self, t: int) -> int:
        day = t - t % DAY
        tod = t % DAY
        if tod >= 15 * 3600 + 1800:
            day += DAY
            tod = 0
        if tod < 8 * 3600:
            tod = 8 * 3600 + int(self.r() * 3 * 3600)
        while self.clock.day(day // DAY).weekday >= 5:
            day += DAY
        return day + tod

    # -- one inquiry --------------------------------------------------------------------------

    def _slots(self, p: Person, topic: Topic, t0: int) -> dict[str, str]:
        r = self.r
        n = t0 // DAY
        day = self._day_slots.get(n)
        if day is None:
            d = self.clock.day(n).d
            prev = (d.month - 2) % 12
            wk = d.isocalendar()[1]
            w1, w2 = (wk - 3) % 52 + 1, (wk - 2) % 52 + 1
            day = self._day_slots[n] = {
                "month": MON_NB[d.month - 1],
                "month_en": MON_EN_LONG[d.month - 1],
                "prev_month": MON_NB[prev],
                "prev_month_en": MON_EN_LONG[prev],
                "weeks": f"{w1} og {w2}",
                "weeks_en": f"{w1} and {w2}",
            }
        past = n - 1 - int(r() * 20)
        dates = self._dates.get(past)
        if dates is None:
            d = self.clock.day(past).d
            dates = self._dates[past] = (f"{d.day}. {MON_NB[d.month - 1]}", f"{d.day} {MON_EN_LONG[d.month - 1]}")
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
            tm = pick(r, TIMES)
            course = COURSES[int(r() * len(COURSES))]
            job = JOBS[int(r() * len(JOBS))]
            emp = EMPLOYERS[int(r() * len(EMPLOYERS))]
            cw = CASEWORKERS[int(r() * len(CASEWORKERS))]
            amount = 800 + int(r() * 180) * 50
            pool.append(
                {
                    "weekday": WD_NB[wd],
                    "weekday_nn": WD_NN[wd],
                    "weekday_en": WD_EN_LONG[wd],
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

    def _lang(self, p: Person) -> str:
        """The language of one message: Polish/Ukrainian writers switch to simple bokmål at times."""
        if p.foreign and self.r() >= 0.6:
            return "nb"
        return p.lang

    def _ask(self, st: InquiryState, lang: str, *, sms: bool) -> str:
        if lang in FOREIGN:
            pool = FOREIGN[lang]["sms" if sms else "ask"]
            return pool[int(self.r() * len(pool))].format_map(st.slots)
        pool = (st.intent.sms if sms else st.intent.ask)[lang]
        text = pool[int(self.r() * len(pool))].format_map(st.slots)
        return text[0].upper() + text[1:] if text[0].islower() else text

    def _when(self, st: InquiryState, t: int, lang: str) -> tuple[str, str]:
        ch, t_prev = st.seen[-1] if st.seen else ("sms", t)
        days = (t - t_prev) // DAY
        when = WHEN[lang][0 if days <= 0 else 1 if days == 1 else 2 if days < 6 else 3]
        return when, WHERE[lang][ch]

    def _follow(self, st: InquiryState, t: int, lang: str) -> str:
        if lang in FOREIGN:
            return pick(self.r, FOREIGN[lang]["follow"]).format_map(st.slots)
        when, where = self._when(st, t, lang)
        slots = dict(st.slots, when=when, where=where, short=st.topic.short[lang])
        return pick(self.r, FOLLOW[lang]).format_map(slots)

    def _thanks(self, lang: str) -> str:
        if lang in FOREIGN:
            return pick(self.r, FOREIGN[lang]["thanks"])
        return pick(self.r, THANKS[lang])

    def _also(self, st: InquiryState, lang: str) -> str:
        if lang in FOREIGN or not st.seen or self.r() < 0.5:
            return ""
        return pick(self.r, ALSO[lang][st.seen[0][0]]) + " "

    def _reply_text(self, p: Person, st: InquiryState) -> tuple[str, str]:
        lang = "en" if p.lang in ("en", "pl", "uk") else "nb"
        return pick(self.r, st.intent.rep[lang]).format_map(st.slots), lang

    # -- SMS ----------------------------------------------------------------------------------
