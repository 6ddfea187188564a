"""Normalising addresses and recognising Norwegian national ID numbers (no IO)."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from inbox.domain import Direction, Identity, IdentityKind, IncomingMessage

DEFAULT_REGION = "NO"
#: The longest address a mail can be delivered to (RFC 5321 4.5.3.1: a path holds at most 256 octets).
MAX_EMAIL_CHARS = 254

_FNR_CANDIDATE = re.compile(r"(?<!\d)(\d{6})[ .\-]?(\d{5})(?!\d)")
_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


@lru_cache(maxsize=65_536)  # the same few senders write again and again; parsing a number is costly
def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of a phone number (``+4791234567``), or None when it is not a valid number."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        num = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str | None:
    """Lower-cased bare address, or None when it does not look like one."""
    raw = raw.strip().strip("<>").strip()
    if "@" not in raw or " " in raw or len(raw) > MAX_EMAIL_CHARS:
        return None
    local, _, domain = raw.rpartition("@")
    if not local or "." not in domain:
        return None
    return raw.lower()


def fnr_is_valid(fnr: str, *, synthetic: bool | None = None) -> bool:
    """Whether ``fnr`` is a Norwegian national ID number: 11 ASCII digits, both mod-11 check digits right
    (a number whose check digit would be 10 is never issued), and a birth date that can be one.

    The date is read the way the registers write it: a d-nummer adds 40 to the day, an h-nummer (and the
    test numbers Nav's own test environments hand out) adds 40 to the month, and Skatteetaten's synthetic
    numbers add 80 to the month. ``synthetic=True`` demands the month + 80 convention, ``False`` forbids it,
    ``None`` (the default) accepts both.
    """
    if len(fnr) != 11 or not fnr.isascii() or not fnr.isdigit():
        return False
    d = [ord(c) - 48 for c in fnr]
    k1 = (11 - sum(w * x for w, x in zip(_W1, d[:9], strict=True)) % 11) % 11
    if k1 == 10 or k1 != d[9]:
        return False
    k2 = (11 - sum(w * x for w, x in zip(_W2, d[:10], strict=True)) % 11) % 11
    if k2 == 10 or k2 != d[10]:
        return False
    day, month = d[0] * 10 + d[1], d[2] * 10 + d[3]
    day -= 40 if day > 40 else 0  # d-nummer
    is_synthetic = month > 80
    month -= 80 if is_synthetic else 40 if month > 40 else 0
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    return synthetic is None or synthetic == is_synthetic


def find_fnrs(text: str) -> list[str]:
    """Valid national ID numbers written in a text (``12345678901``, ``123456 78901``)."""
    out: list[str] = []
    for m in _FNR_CANDIDATE.finditer(text):
        cand = m.group(1) + m.group(2)
        if fnr_is_valid(cand) and cand not in out:
            out.append(cand)
    return out


def mask_fnrs(text: str, placeholder: str = "<fnr>") -> str:
    """Replace every valid national ID number in ``text`` by ``placeholder``."""

    def repl(m: re.Match[str]) -> str:
        return placeholder if fnr_is_valid(m.group(1) + m.group(2)) else m.group(0)

    return _FNR_CANDIDATE.sub(repl, text)


def identity_for_address(channel: str, address: str) -> Identity | None:
    """The identity an address gives on a channel: a phone for SMS, an email address for email."""
    if channel == "sms":
        phone = normalise_phone(address)
        return Identity(IdentityKind.PHONE, phone) if phone else None
    if channel == "email":
        email = normalise_email(address)
        return Identity(IdentityKind.EMAIL, email) if email else None
    return None


_ADDRESS_IDENTITY: dict[tuple[str, str], Identity | None] = {}


def person_identity(msg: IncomingMessage) -> list[Identity]:
    """Identities that tie a message to its citizen (the sender inbound, the recipient outbound).

    Each address is normalised once (bounded cache): the same few addresses write again and again, and
    normalising one (a phone number above all) cost more than the rest of resolving it."""
    address = msg.sender if msg.direction == Direction.IN else msg.recipient
    cache_key = (msg.channel, address)
    if cache_key in _ADDRESS_IDENTITY:
        ident = _ADDRESS_IDENTITY[cache_key]
    else:
        if len(_ADDRESS_IDENTITY) > 100_000:
            _ADDRESS_IDENTITY.clear()
        ident = _ADDRESS_IDENTITY[cache_key] = identity_for_address(msg.channel.value, address)
    return [*msg.identities, ident] if ident is not None else list(msg.identities)
