"""Text shown on screen, in one place: waiting times, channel badges, names, previews, masking.

Plain functions over domain objects and Rich ``Text``; nothing here imports Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from rich.text import Text

from inbox.display import printable
from inbox.domain import Person
from inbox.identity import fnr_is_valid

# Fixed foreground and background, so a badge reads the same in light and dark themes.
BADGE_STYLE = {
    "sms": "bold #1b1b1b on #a3d9a5",
    "email": "bold #1b1b1b on #9cc9f0",
    "dialog": "bold #1b1b1b on #f3d58a",
    "phone": "bold #1b1b1b on #d9b3f0",
    "video": "bold #1b1b1b on #f0b3c8",
    "meeting": "bold #1b1b1b on #c8c8c8",
}
BADGE_LABEL = {"sms": "sms", "email": "eml", "dialog": "dlg", "phone": "tlf", "video": "vid", "meeting": "mte"}
CHANNEL_NAME = {"sms": "SMS", "email": "email", "dialog": "dialogue", "phone": "phone call",
                "video": "video meeting", "meeting": "meeting"}

# Eleven digits, or six and five with a space, dot or dash between (``010190 12345``).
_FNR = re.compile(r"(?<!\d)(\d{6})([ .\-]?)(\d{5})(?!\d)")
_SPACE = re.compile(r"\s+")


def waiting(seconds: float) -> str:
    """Compact waiting time: ``45m``, ``5h 12m``, ``3d 4h``."""
    s = max(0, int(seconds))
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m = s // 60
    if d:
        return f"{d}d {h}h"
    if h:
        return f"{h}h {m:02d}m"
    return f"{m}m"


def badge(channel: str) -> Text:
    return Text(BADGE_LABEL.get(channel, channel[:3]), style=BADGE_STYLE.get(channel, "reverse"))


def badges(channels: Iterable[str]) -> Text:
    """One badge per channel an inquiry arrived on, in a fixed order."""
    order = ["sms", "email", "dialog"]
    chans = sorted(set(channels), key=lambda c: (order.index(c) if c in order else 9, c))
    return Text(" ").join(badge(c) for c in chans)


def person_label(person: Person | None, fallback: str = "unknown sender") -> str:
    """The person's name; an address for a sender not in the register gets a ``?`` in front."""
    if person is None:
        return f"? {fallback}"
    name = shown(person.name, multiline=False) or fallback
    return name if person.in_register else f"? {name}"


def one_line(text: str, width: int | None = None) -> str:
    """Whitespace collapsed to single spaces, cut to ``width`` with an ellipsis; safe to show (:func:`shown`)."""
    flat = _SPACE.sub(" ", shown(text, multiline=False)).strip()
    if width is not None and len(flat) > width:
        return flat[: max(0, width - 1)] + "…"
    return flat


def mask_ids(text: str) -> str:
    """National ID numbers masked to their last two digits: any 11 digits in a row, and a valid number
    written with a separator (``010190 12345``)."""

    def repl(m: re.Match[str]) -> str:
        digits = m.group(1) + m.group(3)
        if m.group(2) and not fnr_is_valid(digits):
            return m.group(0)
        return "•" * 9 + digits[-2:]

    return _FNR.sub(repl, text)


def shown(text: str, *, multiline: bool = True) -> str:
    """Text from a message or a person as it may appear on screen: control characters made visible
    (:func:`inbox.display.printable`) and ID numbers masked."""
    return mask_ids(printable(text, multiline=multiline))


def field(text: str) -> str:
    """A one-line field (subject, address, user name) as it may appear on screen: see :func:`shown`."""
    return shown(text, multiline=False)


def stamp(when: datetime, now: datetime) -> str:
    """``26.11 14:05``; with the year when it is not this year's."""
    if when.year != now.year:
        return when.strftime("%d.%m.%Y %H:%M")
    return when.strftime("%d.%m %H:%M")


def channel_name(channel: str) -> str:
    return CHANNEL_NAME.get(channel, channel)
