"""Nearest-neighbour search across writers: "is this unknown writer's message a repeat of someone's?"

A citizen who writes from a borrowed phone or a new address, and does not sign with a name the matcher
can find, is an unknown writer: the matcher has no evidence of who it is, so it starts a new inquiry.
When such a message says it was sent before ("sendte e-post i går …", "har dere fått meldingen min?"),
this module looks for that earlier message among *everyone's* inbound messages of the matcher's window,
by exact cosine search over their vectors (one matrix product per chunk of queries; the window bounds
the work, so it is never all pairs over a whole file), and scores the nearest with the matcher's own
pair evidence and :class:`~dedup.scorer.Scorer`.

The result is a **hint, never a merge**. The scorer answers "the same inquiry, given the same person";
two writers with the same question (two parents asking about child benefit in October) score just as
high, and nothing in the wording tells them apart: measured on the dev set, merging on such hits made
only wrong joins, and on a 100k synthetic export the best-scoring other writer's message was the right one
for 25 of 6,010 unknown writers' messages. A hint therefore needs a lead as well: the message says it was sent
before, and the neighbour is on the channel it names, on the same subject, and shares a date, amount or
number with it (:func:`best_hint`). The hint names the other inquiry and its probability, for a
caseworker to check ("same person on a new number?"): the live inbox stores it with the decision, and
``inbox dedup`` counts it and writes it with ``--hints`` (:class:`HintFinder`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.features import Signals, asks_if_received, pair_features, referenced_channels, specifics
from dedup.normalise import fold
from dedup.scorer import Scorer

#: Words that open a sign-off ("Mvh Kari", "Takk, Tomasz"): not names.
_SIGN_OFF = frozenset({"mvh", "hilsen", "helsing", "vennlig", "vh", "takk", "tusen", "regards", "best", "kind",
                       "thanks", "pozdrawiam", "dziekuje", "mahadsanid", "med"})
#: "Kari Nordmann her" (Norwegian for "this is Kari Nordmann").
_HERE = re.compile(r"\b([A-ZÆØÅ][\w'-]+)(?:\s+[A-ZÆØÅ][\w'-]+){0,2}\s+her\b")
#: The last sentence: what follows the last full stop, question or exclamation mark or line break.
_LAST = re.compile(r"(?:^|[.!?\n])([^.!?\n]*)$")
_TRAILING = re.compile(r"[\s\d.,;:()/+-]+$")

#: Candidates scored per query (the nearest by cosine, from other writers).
NEIGHBOURS = 50
#: The probability a hint needs: above the matcher's merge threshold, since a hint interrupts a caseworker.
HINT_THRESHOLD = 0.9
#: How far back an earlier message is looked for (at most the matcher's window). On the dev set every
#: inquiry's messages lie within 6.4 days (94 % within 4); a longer reach only adds other writers' look-alikes
#: and, live, makes the first read of the window longer.
HINT_WINDOW = timedelta(days=7)
#: Below this cosine a neighbour is not scored: the search keeps to messages close in wording.
MIN_COSINE = 0.75


def signer(text: str) -> str:
    """The first name the writer gives for themself, folded, or "": from "Kari Nordmann her", else from a
    last sentence of one to three capitalised words after any sign-off word ("… dhacay. Amina Warsame",
    "Takk Tomasz", "Mvh Gunnar"), ID numbers and digits after it ignored. Only ever used to tell two
    writers apart, never to join them. (In a clean email text the lines after a closing phrase are gone
    with the signature: such a mail gives "".)"""
    here = _HERE.search(text)
    if here:
        return fold(here.group(1))
    body = _TRAILING.sub("", text)
    if body.endswith(("?", "!")):  # "Hjelp!", "Haster?": a sentence, not a signature
        return ""
    last = _LAST.search(body)
    words = last.group(1).replace(",", " ").split() if last else []
    while words and fold(words[0]) in _SIGN_OFF:
        words = words[1:]
    own_line = last is not None and body.endswith("\n" + last.group(1).strip())
    if len(words) == 1 and own_line and words[0].isalpha() and words[0].islower() and len(words[0]) >= 3:
        return fold(words[0])  # a first name in lower case on its own last line ("…på telefon?\neirik")
    if not 1 <= len(words) <= 3 or not all(w[:1].isupper() and not w[:2].isupper() for w in words):
        return ""
    return fold(words[0])


#: "det er Sander", "tu Agnieszka", "this is Mona": a writer introducing themself by first name.
_INTRODUCED = re.compile(
    r"\b(?:det er|dette er|her er|this is|it's|it is|tu|to ja|to znowu|це|это|waa|ana)\s+([A-ZÆØÅŁŚŻ][\w'-]+)",
    re.IGNORECASE)


def self_named(text: str) -> str:
    """The first name the writer gives for themself (:func:`signer`), or — failing that — the one they
    introduce themself with ("det er Sander som skriver", "tu Agnieszka"), folded; "" when neither."""
    own = signer(text)
    if own:
        return own
    return next((fold(m.group(1)) for m in _INTRODUCED.finditer(text) if m.group(1)[:1].isupper()), "")


@dataclass
class Entry:
    """One inbound message in the window: where it was filed, and its normalised text."""

    key: str
    group: int  # thread id (live) or group number (batch)
    person: int | None
    channel: str
    sent_at: datetime
    text: str
    fnrs: tuple[str, ...] = ()  # national ID numbers written in it (masked in ``text``)
    signer: str = ""  # the first name it is signed with (:func:`signer`)

    @cached_property
    def specifics(self) -> frozenset[str]:
        """The dates, amounts and numbers in it (:func:`dedup.features.specifics`)."""
        return specifics(self.text)

    @cached_property
    def signals(self) -> Signals:
        """The evidence the scorer reads, worked out only for the few messages that are someone's nearest."""
        return Signals.of(self.text, self.channel, self.sent_at)


@dataclass(frozen=True)
class Hint:
    """The nearest other writer's inquiry that scored above the threshold."""

    key: str
    group: int
    person: int | None
    cosine: float
    probability: float

    def as_evidence(self) -> dict[str, Any]:
        return {"similar": self.key, "similar_thread": self.group, "similar_person": self.person,
                "cosine": round(self.cosine, 3), "probability": round(self.probability, 3)}


class WindowIndex:
    """Unit vectors of inbound messages, with send times and writers, searched exactly within a time window.

    Rows are appended (in roughly time order) and numbered in that order; they are evicted by time. The
    arrays grow by doubling and are compacted when half of them is evicted, so memory follows the window,
    not the whole history. Many queries are answered with one matrix product (:meth:`nearest_many`).
    """

    def __init__(self) -> None:
        self._vecs: npt.NDArray[np.float32] | None = None
        self._times = np.zeros(0, dtype=np.float64)
        self._seqs = np.zeros(0, dtype=np.int64)
        self._persons = np.zeros(0, dtype=np.int64)  # -1: no person
        self._entries: list[Entry | None] = []
        self._n = 0  # rows used
        self._live = 0
        self.added = 0  # rows ever added: the next row's number
        self.keys: set[str] = set()

    def __len__(self) -> int:
        return self._live

    def add(self, entry: Entry, vec: npt.NDArray[Any]) -> int:
        """Index ``entry``; returns its number (-1 when its key is indexed already)."""
        if entry.key in self.keys:
            return -1
        v = np.asarray(vec, dtype=np.float32)
        if self._vecs is None:
            self._resize(64, v.shape[0])
        elif self._n == len(self._times):
            self._resize(2 * self._n)
        assert self._vecs is not None
        self._vecs[self._n] = v
        self._times[self._n] = entry.sent_at.timestamp()
        self._seqs[self._n] = self.added
        self._persons[self._n] = -1 if entry.person is None else entry.person
        self._entries.append(entry)
        self._n += 1
        self._live += 1
        self.added += 1
        self.keys.add(entry.key)
        return self.added - 1

    def _resize(self, cap: int, dim: int | None = None, keep: npt.NDArray[np.intp] | None = None) -> None:
        rows = np.arange(self._n) if keep is None else keep
        vecs = np.zeros((cap, dim if dim is not None else self._vecs.shape[1]),  # type: ignore[union-attr]
                        dtype=np.float32)
        times = np.full(cap, np.inf)
        seqs = np.zeros(cap, dtype=np.int64)
        persons = np.full(cap, -1, dtype=np.int64)
        if self._vecs is not None and len(rows):
            vecs[: len(rows)] = self._vecs[rows]
            times[: len(rows)] = self._times[rows]
            seqs[: len(rows)] = self._seqs[rows]
            persons[: len(rows)] = self._persons[rows]
        self._vecs, self._times, self._seqs, self._persons = vecs, times, seqs, persons

    def evict(self, before: datetime) -> None:
        """Forget messages sent before ``before``."""
        old = np.flatnonzero(self._times[: self._n] < before.timestamp())
        for i in old:
            e = self._entries[i]
            if e is not None:
                self.keys.discard(e.key)
                self._entries[i] = None
                self._live -= 1
        self._times[old] = np.inf  # never in a window again
        if self._vecs is not None and self._live < self._n // 2:
            keep = np.flatnonzero([e is not None for e in self._entries])
            self._resize(max(64, 2 * len(keep)), keep=keep)
            self._entries = [self._entries[i] for i in keep]
            self._n = self._live = len(keep)

    def nearest(self, vec: npt.NDArray[Any], since: datetime, until: datetime, *, exclude_person: int | None,
                k: int = NEIGHBOURS, min_cosine: float = MIN_COSINE) -> list[tuple[float, Entry]]:
        """The ``k`` rows sent in [since, until) nearest to ``vec`` with cosine ≥ ``min_cosine``, other
        writers only (``exclude_person``: the query's own person, whose messages the matcher compared)."""
        return self.nearest_many(np.asarray(vec, dtype=np.float32)[None, :], [since], [exclude_person],
                                 until=[until], k=k, min_cosine=min_cosine)[0]

    def nearest_many(self, vecs: npt.NDArray[Any], since: Sequence[datetime],
                     exclude_person: Sequence[int | None], *, until: Sequence[datetime] | None = None,
                     before: Sequence[int] | None = None, k: int = NEIGHBOURS, min_cosine: float = MIN_COSINE
                     ) -> list[list[tuple[float, Entry]]]:
        """:meth:`nearest` for each row of ``vecs``, in one matrix product; each query sees rows sent from
        its ``since``, and sent before its ``until`` or numbered below its ``before`` (added before it)."""
        m = len(vecs)
        if self._vecs is None or not self._live or not m:
            return [[] for _ in range(m)]
        n = self._n
        cos = np.asarray(vecs, dtype=np.float32) @ self._vecs[:n].T
        ok = (cos >= min_cosine) & (self._times[None, :n] >= np.array([t.timestamp() for t in since])[:, None])
        if until is not None:
            ok &= self._times[None, :n] < np.array([t.timestamp() for t in until])[:, None]
        if before is not None:
            ok &= self._seqs[None, :n] < np.asarray(before, dtype=np.int64)[:, None]
        own = np.array([-2 if p is None else p for p in exclude_person], dtype=np.int64)
        ok &= self._persons[None, :n] != own[:, None]
        out: list[list[tuple[float, Entry]]] = []
        for q in range(m):
            idx = np.flatnonzero(ok[q])
            if len(idx) > k:
                idx = idx[np.argpartition(-cos[q, idx], k - 1)[:k]]
            idx = idx[np.argsort(-cos[q, idx], kind="stable")]
            out.append([(float(cos[q, i]), e) for i in idx if (e := self._entries[i]) is not None])
        return out


def says_it_wrote_before(text: str) -> bool:
    """Whether a message says it was sent on another channel too ("sendte også e-post", "skrev i
    aktivitetsplanen i går") or asks whether an earlier message arrived ("har dere fått meldingen min?"):
    only then is there an earlier message to look for among everyone's. (Measured on a synthetic export,
    each message this picked out among unknown writers' new inquiries did repeat an earlier inquiry sent
    from another address; general words like "sent" or "tried" picked out five times as many, mostly not.)"""
    return asks_if_received(text) or bool(referenced_channels(text))


def best_hint(scorer: Scorer, threshold: float, sig: Signals, neighbours: Sequence[tuple[float, Entry]],
              fnrs: Sequence[str] = (), signed: str = "") -> Hint | None:
    """The best-scoring neighbour at or above ``threshold`` (at least :data:`HINT_THRESHOLD`), scored as the
    matcher scores a pair, with no identity evidence between the writers (none is known: that is why it is
    a hint), for a message that says it wrote before (the caller checks :func:`says_it_wrote_before`).

    Wording alone is no lead: many people ask the same thing in the same words (measured on synthetic
    exports, the nearest other writer's message was the right one for 2 % of such messages). A neighbour
    must also share a date, amount or number with the message, be on the channel it names (when it names
    one) and be on the same subject. Texts that give different national ID numbers (``fnrs``: the
    query's) or are signed with different first names (``signed``) are two people."""
    best: Hint | None = None
    threshold = max(threshold, HINT_THRESHOLD)
    for cos, e in neighbours:
        # the cheap tests first: most neighbours fail one, and their full evidence is not worked out
        if ((sig.refs and (e.channel not in sig.refs or e.channel == sig.channel)) or not sig.specifics & e.specifics
                or (fnrs and e.fnrs and not set(fnrs) & set(e.fnrs)) or (signed and e.signer and signed != e.signer)):
            continue
        ev = pair_features(sig, e.signals, cos, identity_via_text=False, answered_between=False)
        if ev.values["topic_conflict"]:
            continue
        p = scorer.score(ev).probability
        if p >= threshold and (best is None or p > best.probability):
            best = Hint(e.key, e.group, e.person, cos, p)
    return best


class HintFinder:
    """The batch driver's search: fed every inbound row of the merged output in time order, it answers, for
    the rows that are an unknown writer's new inquiry, the hint the live matcher would store.

    Each query sees the rows fed before it, from its window's start. Queries are answered in chunks, one
    matrix product each; only the window is held (vectors and normalised texts), so memory does not grow
    with the run.
    """

    CHUNK = 64  # queries per matrix product: its (queries × window) result is the pass's main memory

    def __init__(self, scorer: Scorer, threshold: float, window: timedelta) -> None:
        self.scorer = scorer
        self.threshold = threshold
        self.window = window
        self.index = WindowIndex()
        self.unknown = 0  # unknown writers' new inquiries
        self.queries = 0  # those that say they wrote before: looked for
        self._pending: list[tuple[Entry, npt.NDArray[Any], int]] = []

    def add(self, entry: Entry, vec: npt.NDArray[Any], *, query: bool) -> list[tuple[Entry, Hint]]:
        """Index ``entry`` (with ``query``, also look for its hint); returns the hints found so far."""
        seq = self.index.add(entry, vec)
        self.unknown += query and seq >= 0
        if query and seq >= 0 and says_it_wrote_before(entry.text):
            self.queries += 1
            self._pending.append((entry, vec, seq))
            if len(self._pending) >= self.CHUNK:
                return self.flush()
        elif not self._pending and self.index.added % 4096 == 0:
            self.index.evict(entry.sent_at - self.window)
        return []

    def flush(self) -> list[tuple[Entry, Hint]]:
        """Answer the queries waiting; returns (query, hint) for those with a hint."""
        if not self._pending:
            return []
        entries = [e for e, _, _ in self._pending]
        near = self.index.nearest_many(np.stack([np.asarray(v, dtype=np.float32) for _, v, _ in self._pending]),
                                       [e.sent_at - self.window for e in entries], [e.person for e in entries],
                                       before=[s for _, _, s in self._pending])
        out = []
        for e, found in zip(entries, near, strict=True):
            hint = best_hint(self.scorer, self.threshold, e.signals, found, e.fnrs, e.signer) if found else None
            if hint is not None:
                out.append((e, hint))
        self._pending.clear()
        self.index.evict(entries[-1].sent_at - self.window)
        return out
