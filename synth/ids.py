"""National ID numbers (fødselsnummer), actor ids and phone numbers for made-up people.

Each is a function of an index and a seed, unique within a run, and the same whatever
``PYTHONHASHSEED`` is. Checking a number is the core's job (:func:`inbox.identity.fnr_is_valid`,
re-exported here, with ``synthetic=True`` for the month + 80 convention).
"""

from __future__ import annotations

from datetime import date

from inbox.identity import fnr_is_valid  # the one check; re-exported for the generator's users

__all__ = [
    "BIRTH_DAYS",
    "aktor_id_for_index",
    "fnr_for_index",
    "fnr_is_valid",
    "make_fnr",
    "mix",
    "phone_for_index",
    "phone_pretty",
]

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
BIRTH_DAYS = (date(2006, 12, 31) - _BIRTH_FIRST).days + 1
_BIRTH_FIRST_ORD = _BIRTH_FIRST.toordinal()
_BIRTH_STRIDE = 7919  # prime, does not divide BIRTH_DAYS: i -> day is a bijection within a block


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
    block, _ = divmod(i, BIRTH_DAYS)
    if block >= 50:
        raise ValueError("too many people for unique synthetic national ID numbers")
    day = (i * _BIRTH_STRIDE + seed * 104_729) % BIRTH_DAYS  # a bijection on days within one block
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
        off = _offsets[seed] = mix(seed, 0xA0) % 10**12
    return f"2{(i * 608_379_224_137 + off) % 10**12:012d}"


def phone_for_index(i: int, seed: int, *, _offsets: dict[int, int] = {}) -> str:  # noqa: B006
    off = _offsets.get(seed)
    if off is None:
        off = _offsets[seed] = mix(seed, 0x47) % 10**7
    rest = (i * 3_141_593 + off) % 10**7  # unique for i < 10**7
    return f"+47{'49'[(i * 2_654_435_761 >> 7) & 1]}{rest:07d}"


def phone_pretty(phone: str) -> str:
    d = phone[3:]
    return f"{d[:3]} {d[3:5]} {d[5:]}"


_M128 = (1 << 128) - 1


def mix(n: int, salt: int) -> int:
    """A bijection on 128-bit integers (add, odd multiply, xor-shift): distinct n give distinct ids."""
    x = (n + salt) & _M128
    x = (x * 0x9E3779B97F4A7C15F39CC0605CEDC835) & _M128
    x ^= x >> 67
    x = (x * 0xD6E8FEB86659FD93A5B35D11C6A3E0F1) & _M128
    x ^= x >> 59
    return x


