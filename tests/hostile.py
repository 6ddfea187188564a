"""A store holding what a hostile sender can write: control sequences, Rich markup and ID numbers in a mail's
sender name, subject and body, and in an SMS. Shared by the output, isolation and masking tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from inbox.domain import Channel, Direction, IncomingMessage
from inbox.storage.repository import Store

#: A valid synthetic fødselsnummer (mod-11), not one of the dev set's.
FNR = "01019010046"
FNR_SPACED = "010190 10046"

CLEAR = "\x1b[2J\x1b[H"  # clear the screen, cursor home
TITLE = "\x1b]0;pwned\x07"  # set the window title
LINK = "\x1b]8;;https://evil.example/login\x1b\\Nav.no\x1b]8;;\x1b\\"  # OSC 8: a URL hidden behind "Nav.no"
C1_CSI = "\x9b31m"  # CSI as one C1 character
RLO = "\u202e"  # right-to-left override
MARKUP = "[link=https://evil.example]Nav[/link][@click=app.quit]x[/]"

SENDER_NAME = f"Eve {TITLE}Hansen {MARKUP}"
SUBJECT = f"Søknad {FNR} {LINK} {C1_CSI}"
BODY = f"{CLEAR}Hei, fnr {FNR_SPACED}.\nSe {LINK}\r\nog {RLO}gpj.exe{C1_CSI} takk {MARKUP}"
SMS_BODY = f"{TITLE}{CLEAR}hei {FNR} {LINK}"

#: What must never reach a terminal: ESC, BEL, the C1 CSI, the bidi override.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Hostile:
    mail_thread: int
    sms_thread: int
    mail_person: int


def add_hostile(store: Store, *, when: datetime | None = None) -> Hostile:
    """Store one hostile mail and one hostile SMS (unknown senders), each its own inquiry."""
    at = when or datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    mail = IncomingMessage(Channel.EMAIL, "<hostile-1@evil.example>", Direction.IN, at, BODY, BODY,
                           sender="eve@evil.example", sender_name=SENDER_NAME, subject=SUBJECT)
    sms = IncomingMessage(Channel.SMS, "SMhostile0000000000000000000000001", Direction.IN, at + timedelta(minutes=5),
                          SMS_BODY, SMS_BODY, sender="+4799988877")
    store.ingest([mail, sms])
    keys = (mail.provider_key, sms.provider_key)
    by_channel = {m.channel.value: e for e in store.open_threads(limit=1000)
                  for m in store.thread(e.thread.id).messages if m.provider_key in keys}
    mt, st = by_channel["email"], by_channel["sms"]
    return Hostile(mt.thread.id, st.thread.id, mt.person.id)


def unsafe_in(text: str) -> list[str]:
    """The characters in ``text`` that could drive a terminal (empty: safe)."""
    return UNSAFE.findall(text)
