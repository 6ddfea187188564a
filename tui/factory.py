"""One factory builds the App, for the CLI, the demo and the tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import TYPE_CHECKING

from connectors.base import Connector
from inbox.matching import Matcher
from inbox.storage.repository import Store
from tui.services import Clock, Recommender, Services, default_recommender, utc_now

if TYPE_CHECKING:
    from tui.app import InboxApp


def build_app(store: Store, user: str, connectors: Mapping[str, Connector] | None = None, *,
              matcher: Matcher | None = None, recommend: Recommender = default_recommender, clock: Clock = utc_now,
              display_tz: tzinfo | None = None, refresh_seconds: float | None = 5.0, demo_feed: bool = False,
              unit: str | None = None, freeze_gc: bool = False, supervisor: bool = False,
              target_hours: float = 48.0) -> InboxApp:
    """The caseworker app over ``store`` for ``user``. ``demo_feed`` adds a trickle of new demo messages,
    delivered through the given (fake) connectors; ``freeze_gc`` (on when run from the CLI) keeps Python's
    full garbage collections from pausing input (see :meth:`tui.app.InboxApp.on_ready`). ``supervisor``
    opens the aggregates-only supervisor view instead of the queue (``target_hours``: its waiting target)."""
    from tui.app import InboxApp
    from tui.demo_feed import DemoFeed

    conns = dict(connectors or {})
    feed = None
    if demo_feed:
        from connectors.fake import FakeConnector

        fakes = {k: c for k, c in conns.items() if isinstance(c, FakeConnector)}
        feed = DemoFeed(fakes, clock=clock)
    if unit is not None:  # every thread and person the app touches is checked against the unit by the store
        store = store.scoped(unit)
    services = Services(store, user, conns, matcher=matcher, recommend=recommend, clock=clock, display_tz=display_tz,
                        refresh_seconds=refresh_seconds, feed=feed, unit=unit, supervisor=supervisor,
                        target_hours=target_hours)
    return InboxApp(services, freeze_gc=freeze_gc)


def run(store: Store, user: str, connectors: Mapping[str, Connector] | None = None, *,
        matcher: Matcher | None = None, unit: str | None = None) -> None:
    """Open the app on a configured database (``inbox`` / ``inbox tui``)."""
    build_app(store, user, connectors, matcher=matcher, unit=unit, freeze_gc=True).run()


def run_demo(store: Store, user: str, *, matcher: Matcher | None = None) -> None:
    """Open the app on the demo database, with local fake connectors that also deliver new messages."""
    from tui.demo_feed import demo_connectors

    build_app(store, user, demo_connectors(), matcher=matcher, demo_feed=True, freeze_gc=True).run()


def run_supervisor(store: Store, user: str, *, target_hours: float = 48.0) -> None:
    """Open the supervisor view (``inbox supervise``, or ``inbox`` for a supervisor): aggregates only."""
    build_app(store, user, supervisor=True, target_hours=target_hours, freeze_gc=True).run()
