"""One factory builds the App, for the CLI, the demo and the tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import TYPE_CHECKING

from connectors.base import Connector
from inbox.matching import Matcher
from inbox.storage.repository import Store
from tui.services import Clock, Feed, Recommender, Services, default_recommender, utc_now

if TYPE_CHECKING:
    from tui.app import InboxApp


def build_app(store: Store, user: str, connectors: Mapping[str, Connector] | None = None, *,
              matcher: Matcher | None = None, recommend: Recommender = default_recommender, clock: Clock = utc_now,
              display_tz: tzinfo | None = None, refresh_seconds: float | None = 5.0, feed: Feed | None = None,
              unit: str | None = None, freeze_gc: bool = False, supervisor: bool = False,
              target_hours: float = 48.0) -> InboxApp:
    """The caseworker app over ``store`` for ``user``. ``feed`` (the demo's) delivers a trickle of new
    messages through the given (fake) connectors; ``freeze_gc`` (on when run from the CLI) keeps Python's
    full garbage collections from pausing input (see :meth:`tui.app.InboxApp.on_ready`). ``supervisor``
    opens the aggregates-only supervisor view instead of the queue (``target_hours``: its waiting target)."""
    from tui.app import InboxApp

    conns = dict(connectors or {})
    if unit is not None:  # every thread and person the app touches is checked against the unit by the store
        store = store.scoped(unit)
    services = Services(store, user, conns, matcher=matcher, recommend=recommend, clock=clock, display_tz=display_tz,
                        refresh_seconds=refresh_seconds, feed=feed, unit=unit, supervisor=supervisor,
                        target_hours=target_hours)
    return InboxApp(services, freeze_gc=freeze_gc)


def run(store: Store, user: str, connectors: Mapping[str, Connector] | None = None, *,
        matcher: Matcher | None = None, unit: str | None = None, recommend: Recommender = default_recommender) -> None:
    """Open the app on a configured database (``inbox`` / ``inbox tui``)."""
    build_app(store, user, connectors, matcher=matcher, unit=unit, recommend=recommend, freeze_gc=True).run()


def run_demo(store: Store, user: str, connectors: Mapping[str, Connector], feed: Feed, *,
             matcher: Matcher | None = None, recommend: Recommender = default_recommender) -> None:
    """Open the app on the demo database, with local fake ``connectors`` and the ``feed`` that delivers new
    messages through them."""
    build_app(store, user, connectors, matcher=matcher, feed=feed, recommend=recommend, freeze_gc=True).run()


def run_supervisor(store: Store, user: str, *, target_hours: float = 48.0) -> None:
    """Open the supervisor view (``inbox supervise``, or ``inbox`` for a supervisor): aggregates only."""
    build_app(store, user, supervisor=True, target_hours=target_hours, freeze_gc=True).run()
