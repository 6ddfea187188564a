"""The generator: people, their inquiries over the window, and :func:`generate`, which writes a run."""

from __future__ import annotations

import math
import random
import shutil
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from synth.clock import DAY
from synth.dialog import DialogChannel
from synth.ids import BIRTH_DAYS, aktor_id_for_index, fnr_for_index, phone_for_index
from synth.mail import MailChannel
from synth.sms import SmsChannel
from synth.state import InquiryState, Person
from synth.texts import (
    BY_TOPIC,
    DOMAINS,
    EN_FIRST,
    EN_LAST,
    HOURS,
    NB_FIRST,
    NB_LAST,
    OTHERS,
    PL_NAMES,
    PROFILES,
    PROFILES_FOREIGN,
    TOPIC_KEYS,
    TOPICS,
    UK_NAMES,
    fold,
)


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


class Generator(SmsChannel, MailChannel, DialogChannel):
    """One run: people are made one at a time, and each person's inquiries written on their channels."""

    def person(self, i: int) -> Person:
        r = self.r
        x = r()
        lang = "nb" if x < 0.70 else "nn" if x < 0.82 else "en" if x < 0.92 else "pl" if x < 0.96 else "uk"
        if lang == "nb" or lang == "nn":
            first = NB_FIRST[int(r() * len(NB_FIRST))]
            last = NB_LAST[int(r() * len(NB_LAST))]
        elif lang == "en":
            first = EN_FIRST[int(r() * len(EN_FIRST))]
            last = EN_LAST[int(r() * len(EN_LAST))]
        else:
            names = PL_NAMES if lang == "pl" else UK_NAMES
            first, last = names[int(r() * len(names))].split(" ", 1)
        name = f"{first} {last}"
        f, la = fold(first), fold(last)
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
        profiles = PROFILES_FOREIGN if lang == "pl" or lang == "uk" else PROFILES
        z = r()
        w = r()
        seed = self.seed
        return Person(
            idx=i,
            pid=f"p{i + 1:06d}",
            lang=lang,
            first=first,
            name=name,
            fnr=fnr_for_index(i, seed),
            aktor=aktor_id_for_index(i, seed),
            phone=phone_for_index(i, seed),
            email=f"{local}@{DOMAINS[int(r() * len(DOMAINS))]}",
            alt_email=f"{la}.{f}{i}@{DOMAINS[int(r() * len(DOMAINS))]}" if r() < 0.1 else "",
            partner_phone=phone_for_index(i - 1, seed) if i > 0 and r() < 0.06 else "",
            in_register=r() < 0.85,
            channels=profiles[int(r() * len(profiles))],
            client="gmail" if z < 0.5 else "outlook" if z < 0.8 else "thunderbird",
            mail_format="plain" if w < 0.7 else "alternative" if w < 0.9 else "html",
            topics=(TOPIC_KEYS[int(r() * 9)], TOPIC_KEYS[int(r() * 9)]),
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
            hours = HOURS
            while left > 0:
                if n < len(starts):
                    t0 = starts[n]
                else:
                    t0 = starts[-1] + int(r() * (end - starts[-1]))
                    starts.append(t0)
                n += 1
                # The citizen writes at a waking hour of that day (never after the window's end).
                t = t0 - t0 % DAY + hours[int(r() * len(hours))] * 3600 + int(r() * 3600)
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

    def inquiry(self, p: Person, inq: str, t0: int, left: int) -> int:
        """Generate one inquiry's messages (at most ``left``); returns how many were written."""
        r = self.r
        x = r()
        topic = TOPICS[p.topics[0] if x < 0.45 else p.topics[1] if x < 0.65 else TOPIC_KEYS[int(r() * 9)]]
        intents = BY_TOPIC[topic.key]
        intent = intents[int(r() * len(intents))]
        chans = p.channels
        ch0 = chans[int(r() * len(chans))]
        events: list[tuple[int, str, str]] = [(t0, "first", ch0)]
        last_in = t0
        if r() < self.dup_rate:
            others = OTHERS[chans][ch0]
            t1 = self._awake(t0 + 1800 + int(r() * 4 * DAY))
            events.append((t1, "dup" if r() < 0.6 else "follow", others[int(r() * len(others))]))
            last_in = t1
        if r() < 0.1:
            t2 = self._awake(t0 + DAY + int(r() * 5 * DAY))
            events.append((t2, "follow", ch0))
            last_in = max(last_in, t2)
        if r() < self.reply_rate:
            tr = self._office_time(last_in + 3600 + int(r() * 3 * DAY))
            chr_ = ch0 if r() < 0.5 else events[-1][2]
            events.append((tr, "reply", chr_))
            if r() < 0.25:
                events.append((self._awake(tr + 1200 + int(r() * DAY)), "thanks", chr_))
        if len(events) > 1:
            end = self.end
            events = [e for e in events if e[0] <= end]
            events.sort()
            del events[left:]
        self.inquiries += 1
        st = InquiryState(intent, topic, self._slots(p, topic, t0))
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
    if n_people > 50 * BIRTH_DAYS:
        raise ValueError("too many people for unique synthetic national ID numbers")
    began = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wr = random.Random(seed * 7919 + 17)
    weights = array("d", (0.4 + wr.expovariate(1.0) for _ in range(n_people)))
    total = math.fsum(weights)
    gen = Generator(
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
