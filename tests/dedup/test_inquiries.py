"""Which of a person's earlier messages a new one is compared with: each open inquiry's opening request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dedup.inquiries import opening_requests
from inbox.domain import Channel, Direction
from inbox.matching import CandidateMessage

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def cand(i: int, thread: int, channel: Channel) -> CandidateMessage:
    return CandidateMessage(i, thread, 1, f"k{i}", channel, Direction.IN, T0 + timedelta(hours=i), "", f"text {i}",
                            "open")


def test_each_inquiry_is_compared_by_its_first_message_that_says_something() -> None:
    inbound = [cand(0, 1, Channel.SMS), cand(1, 1, Channel.SMS), cand(2, 1, Channel.SMS),
               cand(3, 2, Channel.SMS), cand(4, 2, Channel.SMS)]
    # Thread 1 opens with "hallo?" (poor): its first message with content stands for it; thread 2 opens with one.
    rich = [False, True, True, True, True]
    assert opening_requests(inbound, rich, Channel.SMS) == [1, 3]


def test_the_first_message_on_the_new_messages_channel_is_compared_too() -> None:
    # An inquiry opened by e-mail and repeated by SMS: a new SMS is compared with both openings, a new
    # dialogue message (a channel the inquiry was never on) only with the first.
    inbound = [cand(0, 1, Channel.EMAIL), cand(1, 1, Channel.EMAIL), cand(2, 1, Channel.SMS), cand(3, 1, Channel.SMS)]
    rich = [True, True, True, True]
    assert opening_requests(inbound, rich, Channel.SMS) == [0, 2]
    assert opening_requests(inbound, rich, Channel.DIALOG) == [0]
    assert opening_requests(inbound, rich, Channel.EMAIL) == [0]


def test_an_inquiry_of_only_short_messages_is_compared_by_its_first() -> None:
    inbound = [cand(0, 1, Channel.SMS), cand(1, 1, Channel.SMS), cand(2, 2, Channel.SMS)]
    assert opening_requests(inbound, [False, False, True], Channel.SMS) == [0, 2]
    assert opening_requests([], [], Channel.SMS) == []
