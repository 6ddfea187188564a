"""Where a message that points somewhere belongs, before its wording is compared: a content-poor message ("hallo?",
"noe nytt?", "pengene kom, takk") to the open inquiry its few words point to, and an explicit reference with a
day ("sendte e-post i går") to the one inquiry that wrote that day. Used by :class:`dedup.matcher.InquiryMatcher`;
``signals_of`` gives a candidate's :class:`~dedup.features.Signals` (the matcher's cached reading)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import timedelta

from dedup.features import Signals, mentioned_channels, names_day_of
from dedup.inquiries import OpenInquiry
from inbox.domain import IncomingMessage
from inbox.matching import CandidateMessage, MatchDecision

#: A content-poor message that names neither a subject nor a channel is taken as a follow-up only this soon.
CONTENT_POOR_UNPOINTED = timedelta(days=7)


def content_poor_decision(msg: IncomingMessage, sig: Signals, inbound: list[CandidateMessage],
                          open_threads: Mapping[int, OpenInquiry], identity: str, effective: int | None,
                          new: MatchDecision, signals_of: Callable[[CandidateMessage], Signals],
                          window: timedelta) -> MatchDecision | None:
    """Where a content-poor message ("hallo?", "noe nytt?", "pengene kom, takk") belongs: the open inquiry
    its few words point to (a topic, a channel or a date it names), else — for a follow-up — the one still
    waiting for an answer, else the latest, on its own channel first; an inquiry its writer closed only when
    nothing else is open. A new inquiry when it names a subject none of the open inquiries has; None when
    nothing points back and nothing was written lately: then it is compared as any other message."""
    by_thread: dict[int, list[CandidateMessage]] = {}
    for c in inbound:
        by_thread.setdefault(c.thread_id or 0, []).append(c)
    recent = {t: cs for t, cs in by_thread.items() if msg.sent_at - cs[-1].sent_at <= window}
    if not recent:
        return None
    # A matter its writer already closed takes a follow-up or a closer only when nothing else is open.
    recent = {t: cs for t, cs in recent.items() if not open_threads[t].closed_by_writer} or recent
    sigs = {t: [signals_of(c) for c in cs] for t, cs in recent.items()}
    named = mentioned_channels(sig.text) - {msg.channel.value}

    def pointed(t: int) -> int:
        topics = set().union(*(x.topics for x in sigs[t]))
        channels = {c.channel.value for c in recent[t]}
        return len(sig.topics & topics) * 2 + len(named & channels) + len(
            sig.specifics & set().union(*(x.specifics for x in sigs[t])))

    closer = sig.closer and not sig.followup
    scores = {t: pointed(t) for t in recent}
    top = max(scores.values())
    if top == 0 and sig.topics and not (sig.followup or closer):
        # A short message on a subject none of the open inquiries has: a new request in few words ("glemte
        # møtet, kan vi ta ny tid?"); its wording is too short for the scorer to tell it from a follow-up.
        return dataclasses.replace(new, reason=new.reason + " (a short message on a subject of its own)")
    tied = [t for t, v in scores.items() if v == top]
    if top > 0 and len(tied) == 1:
        how = "names the subject or channel of this inquiry"
    elif top == 0 and not any(msg.sent_at - recent[t][-1].sent_at <= CONTENT_POOR_UNPOINTED for t in tied):
        return None  # nothing points back, and nothing was written lately: compare it as any message
    elif closer:
        tied = [t for t in tied if msg.sent_at - recent[t][-1].sent_at <= CONTENT_POOR_UNPOINTED] or tied
        how = "a closer to the latest inquiry"
    elif waiting := [t for t in tied if open_threads[t].answered_at is None]:
        tied = waiting
        how = "a follow-up to the inquiry still waiting for an answer"
    else:
        how = "a short follow-up to the latest inquiry"
    same_channel = [t for t in tied if any(c.channel == msg.channel for c in recent[t])]
    pick = max(same_channel or tied, key=lambda t: recent[t][-1].sent_at)
    latest = recent[pick][-1]
    return MatchDecision(pick, 0.9, f"content-poor message: {how}",
                         {"joins": latest.key, "identity": identity, "content_poor": how}, effective)


def dated_reference_decision(sig: Signals, inbound: list[CandidateMessage], identity: str, effective: int | None,
                             signals_of: Callable[[CandidateMessage], Signals]) -> MatchDecision | None:
    """An explicit reference resolved by channel and day: the message says it was sent before on a day ("sendte
    e-post i går", "skrev i aktivitetsplanen mandag", "wysłałam e-mail 22.10"), and exactly one open inquiry
    has a message sent that day (on the channel named, when one is). It joins that inquiry when the two
    share a topic; otherwise (or when two inquiries wrote that day) the evidence decides as for any message."""
    if not sig.written_on:
        return None
    hits: dict[int, CandidateMessage] = {}
    topics: dict[int, frozenset[str]] = {}
    for c in inbound:
        cs = signals_of(c)
        tid = c.thread_id or 0
        topics[tid] = topics.get(tid, frozenset()) | cs.topics
        if names_day_of(sig, cs) and (not sig.refs or c.channel.value in sig.refs):
            hits.setdefault(tid, c)
    if len(hits) != 1:
        return None
    tid, c = next(iter(hits.items()))
    if not sig.topics & topics[tid]:
        return None
    elsewhere = c.channel.value in sig.refs and c.channel.value != sig.channel
    how = "says it was also sent on the other channel" if elsewhere else "says it was sent before"
    who = f", {identity}" if identity and identity != "registered sender" else ""
    return MatchDecision(tid, 0.95, f"same inquiry: {how}, on the day that message was sent; same topic{who}",
                         {"matched": c.key, "identity": identity, "dated_reference": c.sent_at.date().isoformat()},
                         effective)
