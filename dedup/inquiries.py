"""A person's open inquiries: which of their threads still take new messages (:func:`open_inquiries`), the
bounded set of candidates a new message is scored against (:func:`bounded`), and of those, the messages that
state each inquiry's request (:func:`opening_requests`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox.domain import Channel, Direction
from inbox.matching import CandidateMessage

#: How long after the office's last answer an answered inquiry still takes a follow-up or a closer.
ANSWERED_OPEN = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class OpenInquiry:
    """A person's inquiry that still takes new messages: when they last wrote, and when the office last answered
    after that (None while it waits for an answer)."""

    last_in: datetime
    answered_at: datetime | None
    #: The writer's last message in it closes the matter ("pengene kom, takk"): it still takes a follow-up or a
    #: closer, but no new request.
    closed_by_writer: bool = False


def open_inquiries(history: Sequence[CandidateMessage], now: datetime,
                   is_closer: Callable[[CandidateMessage], bool] | None = None) -> dict[int, OpenInquiry]:
    """The inquiries in ``history`` (a person's messages in time order) that are open at ``now``: not closed,
    and either waiting for an answer or answered less than :data:`ANSWERED_OPEN` ago. ``is_closer`` tells
    whether a message closes its matter (:attr:`OpenInquiry.closed_by_writer`)."""
    last_msg: dict[int, CandidateMessage] = {}
    last_in: dict[int, datetime] = {}
    last_out: dict[int, datetime] = {}
    closed: set[int] = set()
    for c in history:
        if c.thread_id is None:
            continue
        if c.thread_state == "closed":
            closed.add(c.thread_id)
        if c.direction == Direction.IN:
            last_in[c.thread_id] = c.sent_at
            last_msg[c.thread_id] = c
        else:
            last_out[c.thread_id] = c.sent_at
    out: dict[int, OpenInquiry] = {}
    for tid, t_in in last_in.items():
        answered = last_out.get(tid)
        if answered is not None and answered < t_in:
            answered = None
        if tid in closed or (answered is not None and now - answered > ANSWERED_OPEN):
            continue
        out[tid] = OpenInquiry(t_in, answered, is_closer is not None and is_closer(last_msg[tid]))
    return out


#: The most open inquiries of a person a new message is scored against (the latest), and the most of each
#: inquiry's inbound messages (its latest): the work per message stays bounded however long inquiries stay open.
MAX_OPEN_INQUIRIES = 12
PER_INQUIRY = 4


def bounded(inbound: Sequence[CandidateMessage]) -> list[CandidateMessage]:
    """``inbound`` (in time order) cut to the latest :data:`PER_INQUIRY` messages of each of the latest
    :data:`MAX_OPEN_INQUIRIES` inquiries, still in time order."""
    by_thread: dict[int | None, list[CandidateMessage]] = {}
    for c in inbound:
        by_thread.setdefault(c.thread_id, []).append(c)
    if len(by_thread) <= MAX_OPEN_INQUIRIES and all(len(cs) <= PER_INQUIRY for cs in by_thread.values()):
        return list(inbound)
    latest = sorted(by_thread, key=lambda t: by_thread[t][-1].sent_at)[-MAX_OPEN_INQUIRIES:]
    keep = {id(c) for t in latest for c in by_thread[t][-PER_INQUIRY:]}
    return [c for c in inbound if id(c) in keep]


def opening_requests(inbound: Sequence[CandidateMessage], rich: Sequence[bool], channel: Channel) -> list[int]:
    """Which of ``inbound`` (a person's candidates in time order, :func:`bounded`) a new message on ``channel`` is
    compared with, as indexes: of each inquiry, the first message that states something (``rich``: more than a
    few words; any message where none does), and the first such on the new message's own channel.

    An inquiry is the request it opened with. Its later messages — a repeat with more detail, a follow-up, a
    remark on the side — add wording a person's *next* request on a neighbouring matter easily resembles
    (same writer, same benefit, same days); compared with every one of them, such a request joins the first
    through its best-matching side message. A repeat, a reminder or an answer to the office's question still
    resembles what was asked first."""
    rich_threads = {c.thread_id for c, r in zip(inbound, rich, strict=True) if r}
    seen: set[int | None] = set()
    seen_here: set[int | None] = set()
    chosen: list[int] = []
    for i, (c, r) in enumerate(zip(inbound, rich, strict=True)):
        if not r and c.thread_id in rich_threads:
            continue
        first = c.thread_id not in seen
        first_here = c.channel == channel and c.thread_id not in seen_here
        seen.add(c.thread_id)
        if c.channel == channel:
            seen_here.add(c.thread_id)
        if first or first_here:
            chosen.append(i)
    return chosen
