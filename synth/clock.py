"""Time for the exports: every event time is "naive local" seconds (the Oslo wall clock written as if it
were UTC), which keeps days and office hours simple; :class:`Clock` turns them into each export's format
(Twilio's UTC dates, RFC 2822 with Oslo's offset, ISO 8601, mbox ``From`` lines, mail clients' quote
headers) with Oslo's summer time. Weekday and month names in English, bokmål and nynorsk are here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DAY = 86_400

WD_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WD_EN_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WD_NB = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
WD_NN = ("måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "sundag")
WD_NB_ABBR = ("man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn.")
MON_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MON_EN_LONG = (
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
MON_NB = (
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
MON_NB_ABBR = ("jan.", "feb.", "mar.", "apr.", "mai", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "des.")


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() + 1) % 7)


@dataclass(slots=True)
class DayInfo:
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


class Clock:
    def __init__(self) -> None:
        self._days: dict[int, DayInfo] = {}
        self._dst: dict[int, tuple[date, date]] = {}

    def day(self, n: int) -> DayInfo:
        info = self._days.get(n)
        if info is None:
            d = date(1970, 1, 1) + timedelta(days=n)
            span = self._dst.get(d.year)
            if span is None:
                span = self._dst[d.year] = (_last_sunday(d.year, 3), _last_sunday(d.year, 10))
            wd = d.weekday()
            info = DayInfo(
                d=d,
                weekday=wd,
                offset_h=2 if span[0] <= d < span[1] else 1,
                rfc=f"{WD_EN[wd]}, {d.day:02d} {MON_EN[d.month - 1]} {d.year} ",
                iso=f"{d.isoformat()}T",
                asc_a=f"{WD_EN[wd]} {MON_EN[d.month - 1]} {d.day:2d} ",
                asc_b=f" {d.year}",
                gmail_nb=f"{WD_NB_ABBR[wd]} {d.day}. {MON_NB_ABBR[d.month - 1]} {d.year} kl. ",
                gmail_en=f"On {WD_EN[wd]}, {d.day} {MON_EN[d.month - 1]} {d.year} at ",
                tbird=f"{d.day:02d}.{d.month:02d}.{d.year} ",
                outlook_nb=f"{d.day}. {MON_NB[d.month - 1]} {d.year} ",
                outlook_en=f"{WD_EN_LONG[wd]}, {d.day} {MON_EN_LONG[d.month - 1]} {d.year} ",
            )
            if len(self._days) > 20_000:
                self._days.clear()
            self._days[n] = info
        return info

    def utc(self, local: int) -> int:
        n = local // DAY
        return local - (self._days.get(n) or self.day(n)).offset_h * 3600

    @staticmethod
    def hm(t: int) -> str:
        return _HMS[t % DAY][:5]

    def twilio(self, utc: int) -> str:
        n = utc // DAY
        return f"{(self._days.get(n) or self.day(n)).rfc}{_HMS[utc % DAY]} +0000"

    def rfc2822(self, local: int) -> str:
        n = local // DAY
        info = self._days.get(n) or self.day(n)
        return f"{info.rfc}{_HMS[local % DAY]} +0{info.offset_h}00"

    def iso(self, local: int) -> str:
        n = local // DAY
        info = self._days.get(n) or self.day(n)
        return f"{info.iso}{_HMS[local % DAY]}+0{info.offset_h}:00"

    def asctime_utc(self, local: int) -> str:
        u = self.utc(local)
        n = u // DAY
        info = self._days.get(n) or self.day(n)
        return f"{info.asc_a}{_HMS[u % DAY]}{info.asc_b}"


_HMS: tuple[str, ...] = tuple(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))

