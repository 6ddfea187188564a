"""What the app is given: store, connectors by channel, matcher, recommender, who is working, a clock.

The app never builds these itself; :mod:`tui.factory` does, for the CLI, the demo and the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Protocol

from connectors.base import Connector
from inbox.matching import Matcher
from inbox.storage.repository import Store

if TYPE_CHECKING:
    from inbox.recommend import Suggestion

Clock = Callable[[], datetime]
Recommender = Callable[[Store, int, str], "Suggestion"]


def utc_now() -> datetime:
    return datetime.now(UTC)


def default_recommender(store: Store, thread_id: int, user: str) -> Suggestion:
    """The reply-channel recommender over a stored thread with the shipped policy's phrase lists only
    (:func:`inbox.suggest.suggest_for_thread`). The application hands the app the configured one, with
    semantic detection (:func:`flerkanal.wiring.suggest_for_thread`)."""
    from inbox.suggest import suggest_for_thread

    return suggest_for_thread(store, thread_id, user)


class Feed(Protocol):
    """A trickle of new messages delivered while the app runs (the demo's: :class:`flerkanal.demo.feed.DemoFeed`)."""

    def next_delay(self) -> float:
        """Seconds until the next delivery."""
        ...

    def deliver(self) -> int:
        """Hand the next few messages to the connectors; how many."""
        ...

    async def sync(self, store: Store, matcher: Matcher | None = None) -> int:
        """Pull, store and save the cursors of what the connectors hold; how many messages were new."""
        ...


@dataclass(frozen=True)
class Services:
    """Everything the TUI talks to. Only ``store`` and ``user`` are required."""

    store: Store
    user: str
    connectors: Mapping[str, Connector] = field(default_factory=dict)
    """Written channels ("dialog", "sms", "email") → the connector that sends on them."""
    matcher: Matcher | None = None
    """Groups messages that arrive while the app runs (the demo feed); None: the structural matcher."""
    recommend: Recommender = default_recommender
    clock: Clock = utc_now
    """"Now", for waiting times; tests pass a fixed clock so snapshots do not change."""
    display_tz: tzinfo | None = None
    """Timezone for times on screen; None: the machine's local timezone."""
    refresh_seconds: float | None = 5.0
    """Seconds between queue refreshes (booked after the previous one finished); None: no refresh."""
    feed: Feed | None = None
    """The demo's trickle of new messages; None outside the demo."""
    unit: str | None = None
    """The office unit a caseworker is limited to (None: every unit)."""
    supervisor: bool = False
    """Supervisor mode: only the aggregates-only supervisor screen; no queue, no thread text."""
    target_hours: float = 48.0
    """The supervisor's waiting target in working hours (Mon–Fri); 48 = 2 working days."""

    def connector(self, channel: str) -> Connector | None:
        return self.connectors.get(channel)

    def now(self) -> datetime:
        return self.clock()

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.display_tz) if self.display_tz else when.astimezone()

