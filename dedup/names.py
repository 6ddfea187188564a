"""Who wrote a message, as far as names tell: persons' full names found in a text (:class:`NameIndex`), and the
full names unknown writers signed recent messages with (:class:`MentionIndex`). Used by
:class:`dedup.matcher.InquiryMatcher` and the batch driver's context (:class:`dedup.batch.MemoryContext`)."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from datetime import datetime

from dedup.normalise import fold


class NameIndex:
    """Finds persons' full names written in a text (diacritics and case folded); grows with :meth:`add`.

    A name is found when its first name is followed, within three words, by its last name (middle names
    may be skipped), or when a name of five or more words is written out in full.
    """

    def __init__(self, names: Mapping[int, str] | None = None) -> None:
        self.size = 0
        self._tokens: dict[int, tuple[str, ...]] = {}
        self._by_first_last: dict[str, dict[str, list[tuple[tuple[str, ...], int]]]] = {}
        self._long: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for pid, name in (names or {}).items():
            self.add(pid, name)

    def add(self, pid: int, name: str) -> None:
        self.size += 1
        toks = tuple(re.findall(r"\w+", fold(name)))
        self._tokens[pid] = toks
        if len(toks) >= 2:
            self._by_first_last.setdefault(toks[0], {}).setdefault(toks[-1], []).append((toks, pid))
            if len(toks) >= 5:  # an exact run longer than the 3-token look-ahead
                self._long.setdefault(toks[0], []).append((toks, pid))

    def household(self, pid: int, first: str) -> set[int]:
        """Other persons named ``first`` (folded) with the same last name as ``pid``: who, in the household of
        the holder of a shared phone or address, signs with that first name."""
        own = self._tokens.get(pid, ())
        if len(own) < 2 or own[0] == first:
            return set()
        return {p for _full, p in self._by_first_last.get(first, {}).get(own[-1], ()) if p != pid}

    def find(self, text: str) -> set[int]:
        toks = re.findall(r"\w+", fold(text))
        found: set[int] = set()
        for i, t in enumerate(toks):
            lasts = self._by_first_last.get(t)
            if lasts is None:
                continue
            for last in set(toks[i + 1 : i + 4]):
                for _full, pid in lasts.get(last, ()):
                    found.add(pid)
            for full, pid in self._long.get(t, ()):
                if toks[i : i + len(full)] == list(full):
                    found.add(pid)
        return found


def name_pairs(text: str) -> set[tuple[str, str]]:
    """(first, last) pairs of capitalised words at most three words apart, folded: where a full name can
    be written in ``text`` ("Gunnar Myrvold her", "Mvh Anne Marie Hansen")."""
    toks = [t for t in _WORD.findall(text) if not t.isdigit()]
    pairs: set[tuple[str, str]] = set()
    for i, t in enumerate(toks):
        if len(t) < 2 or not t[0].isupper():
            continue
        for u in toks[i + 1 : i + 4]:
            if len(u) >= 2 and u[0].isupper():
                pairs.add((fold(t), fold(u)))
    return pairs


def name_key(name: str) -> tuple[str, str] | None:
    """A full name's (first, last) pair, folded; None for a single word."""
    toks = [t for t in _WORD.findall(fold(name)) if not t.isdigit()]
    return (toks[0], toks[-1]) if len(toks) >= 2 else None


_WORD = re.compile(r"\w+")


class MentionIndex:
    """Full names written in recent messages of unknown senders: which persons wrote a given name.

    The name index finds a *person's* name in a text; this is the other way round. An unknown number
    texts "Gunnar Myrvold her, …" and a day later an unknown address writes with the display name
    "Gunnar Myrvold": the second is found as the first's writer. Entries are kept in arrival (time)
    order and dropped by :meth:`evict`, so the index covers a sliding window only.
    """

    def __init__(self) -> None:
        self._by_pair: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
        self._order: deque[tuple[datetime, tuple[str, str]]] = deque()

    def __len__(self) -> int:
        return len(self._order)

    def add(self, person: int, sent_at: datetime, text: str) -> None:
        for pair in name_pairs(text):
            self._by_pair.setdefault(pair, []).append((sent_at, person))
            self._order.append((sent_at, pair))

    def find(self, name: str, since: datetime, until: datetime) -> set[int]:
        key = name_key(name)
        if key is None:
            return set()
        return {p for t, p in self._by_pair.get(key, ()) if since <= t <= until}

    def evict(self, cutoff: datetime) -> None:
        """Forget names written before ``cutoff``."""
        while self._order and self._order[0][0] < cutoff:
            _, pair = self._order.popleft()
            kept = [e for e in self._by_pair.get(pair, ()) if e[0] >= cutoff]
            if kept:
                self._by_pair[pair] = kept
            else:
                self._by_pair.pop(pair, None)
