"""Recall by kind of pair: which same-inquiry pairs a grouping finds, by what makes them hard.

A labelled set's same-inquiry pairs (inbound messages) fall into any of these kinds:

- ``cross_channel_unreferenced``: on two channels, and neither message says it was sent elsewhere;
- ``content_poor``: one of the two has under 60 characters of its own ("hallo?", "pengene kom, takk");
- ``other_language``: written in two languages (:func:`dedup.language.language`; too-short texts excepted);
- ``over_4_days``: sent more than four days apart;
- ``unknown_sender``: one of the two came from an address the contact register does not know.

``all`` counts every pair. The kinds overlap: a pair may be several at once.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dedup.features import referenced_channels
from dedup.language import language

KINDS = ("cross_channel_unreferenced", "content_poor", "other_language", "over_4_days", "unknown_sender", "all")
LONG_GAP = timedelta(days=4)
POOR = 60


@dataclass(frozen=True, slots=True)
class MessageFacts:
    channel: str
    sent_at: datetime
    length: int
    refers: bool  # says it was sent on another channel too
    language: str
    known_sender: bool


def facts(channel: str, sent_at: datetime, clean_text: str, known_sender: bool) -> MessageFacts:
    return MessageFacts(channel, sent_at, len(clean_text), bool(referenced_channels(clean_text)),
                        language(clean_text), known_sender)


def kinds(a: MessageFacts, b: MessageFacts) -> Iterable[str]:
    if a.channel != b.channel and not (a.refers or b.refers):
        yield "cross_channel_unreferenced"
    if min(a.length, b.length) < POOR:
        yield "content_poor"
    if "und" not in (a.language, b.language) and a.language != b.language:
        yield "other_language"
    if abs(a.sent_at - b.sent_at) > LONG_GAP:
        yield "over_4_days"
    if not (a.known_sender and b.known_sender):
        yield "unknown_sender"
    yield "all"


def recall_by_kind(labels: Mapping[str, Mapping[str, str]], groups: Mapping[str, str],
                   message_facts: Mapping[str, MessageFacts]) -> dict[str, dict[str, Any]]:
    """For each kind: same-inquiry pairs of that kind, how many the grouping put together, and the recall."""
    by_inquiry: dict[str, list[str]] = defaultdict(list)
    for key, row in labels.items():
        if row.get("direction", "in") == "in" and key in message_facts:
            by_inquiry[row["inquiry"]].append(key)
    pairs: dict[str, int] = defaultdict(int)
    found: dict[str, int] = defaultdict(int)
    for keys in by_inquiry.values():
        for a, b in itertools.combinations(sorted(keys), 2):
            together = a in groups and groups.get(a) == groups.get(b)
            for kind in kinds(message_facts[a], message_facts[b]):
                pairs[kind] += 1
                found[kind] += together
    return {k: {"pairs": pairs[k], "found": found[k], "recall": round(found[k] / pairs[k], 4) if pairs[k] else None}
            for k in KINDS}
