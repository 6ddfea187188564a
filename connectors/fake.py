"""An in-memory connector: for tests, the demo, and as the reference the contract tests hold others to."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from connectors.base import Connector, OutgoingReply, PullResult, SendResult
from inbox.domain import Channel, IncomingMessage, Quarantined
from inbox.errors import PermanentError


class FakeConnector(Connector):
    """Serves pre-loaded (or later added) messages in order; the cursor is the count already served."""

    name = "fake"
    channel = Channel.SMS
    can_push = True
    can_mark_handled = True

    def __init__(self, messages: Sequence[IncomingMessage | Quarantined] = (), *, page_size: int = 50,
                 channel: Channel = Channel.SMS) -> None:
        self._messages: list[IncomingMessage | Quarantined] = list(messages)
        self.page_size = page_size
        self.sent: list[OutgoingReply] = []
        self.handled: list[str] = []
        self._arrived = asyncio.Event()
        self._channel = channel
        self.closed = False

    def add(self, *messages: IncomingMessage | Quarantined) -> None:
        self._messages.extend(messages)
        self._arrived.set()

    async def pull(self, cursor: str | None) -> PullResult:
        try:
            start = max(0, int(cursor or 0))
        except ValueError:  # an unreadable cursor: start over; the store skips what it already has
            start = 0
        page = self._messages[start : start + self.page_size]
        end = start + len(page)
        return PullResult(page, str(end), more=end < len(self._messages))

    async def send(self, reply: OutgoingReply) -> SendResult:
        if not reply.to:
            raise PermanentError("a reply needs a recipient")
        self.sent.append(reply)
        return SendResult(f"fake-{len(self.sent)}", "sent", reply.conversation)

    async def wait_for_new(self, wait_seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._arrived.wait(), wait_seconds)
        except TimeoutError:
            return False
        self._arrived.clear()
        return True

    async def mark_handled(self, conversation: str) -> None:
        self.handled.append(conversation)

    async def close(self) -> None:
        self.closed = True
