"""Prometheus metrics of the sync daemon (prometheus-client), served on ``/metrics``.

Every :class:`SyncMetrics` has a registry of its own (never the process-global one), so two daemons or
two tests in one process do not collide. What is exported:

``flerkanal_queue_inquiries``, ``flerkanal_queue_messages``, ``flerkanal_queue_oldest_waiting_seconds``
    The queue as ``Store.stats()`` sees it at scrape time: open unique inquiries (threads), the raw inbound
    messages in them, and how long the oldest open inquiry has waited (0 when the queue is empty). Read
    from the database on each scrape, so a caseworker closing threads in another process shows up.
``flerkanal_queue_up``
    1 when the last scrape could read the queue, 0 when the database could not be read.
``flerkanal_ingested_messages_total{channel}``
    Messages this daemon stored for the first time.
``flerkanal_duplicate_messages_total{channel}``
    Messages whose ingest found them already stored (a webhook and a pull bringing the same SMS, a page
    read again after a restart).
``flerkanal_quarantined_records_total{channel}``
    Records a connector could not read (kept in the quarantine table).
``flerkanal_connector_errors_total{connector,kind}``
    Failed pulls and stores by connector; ``kind`` is the error class (TransientError, RateLimited, …).
``flerkanal_connector_last_success_timestamp_seconds{connector}``
    Unix time of the connector's last successful pull-and-store (absent until the first).
``flerkanal_connector_up{connector}``
    1 after a success, 0 after an error.
``flerkanal_ingest_batch_seconds`` (histogram)
    Wall time of one ingest call (matching and storing one pull's items, or one webhook batch).
``flerkanal_ingest_message_seconds`` (histogram)
    The same time per message (one observation per message of the batch), i.e. the match latency.

No label ever carries message text, addresses or ID numbers: only channel and connector names.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from inbox.errors import InboxError

if TYPE_CHECKING:
    from inbox.storage.repository import Store
    from inbox.storage.writer import IngestSummary

log = logging.getLogger(__name__)

BATCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
MESSAGE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


_QUEUE_UP = ("flerkanal_queue_up", "1 when the queue could be read from the database")
_QUEUE = (
    ("flerkanal_queue_inquiries", "Open unique inquiries (threads) in the queue"),
    ("flerkanal_queue_messages", "Raw inbound messages in the open inquiries"),
    ("flerkanal_queue_oldest_waiting_seconds", "How long the oldest open inquiry has waited (0 when none)"),
)


class QueueCollector(Collector):
    """The queue gauges, read from the store at scrape time."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def describe(self) -> Iterable[Metric]:
        """The names, without reading the database (registration calls this)."""
        yield GaugeMetricFamily(*_QUEUE_UP)
        for name, doc in _QUEUE:
            yield GaugeMetricFamily(name, doc)

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(*_QUEUE_UP)
        try:
            stats = self.store.stats()
        except Exception as exc:  # a scrape must not fail because the database is away
            log.warning("metrics: cannot read the queue (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        values = (stats.open_inquiries, stats.open_messages, stats.oldest_waiting_seconds or 0.0)
        for (name, doc), value in zip(_QUEUE, values, strict=True):
            yield GaugeMetricFamily(name, doc, value=value)


class SyncMetrics:
    """The daemon's metrics; pass ``store`` to export the queue gauges as well."""

    def __init__(self, store: Store | None = None, *, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.ingested = Counter("flerkanal_ingested_messages", "Messages stored for the first time",
                                ["channel"], registry=r)
        self.duplicates = Counter("flerkanal_duplicate_messages", "Messages whose ingest found them already stored",
                                  ["channel"], registry=r)
        self.quarantined = Counter("flerkanal_quarantined_records", "Records that could not be read",
                                   ["channel"], registry=r)
        self.connector_errors = Counter("flerkanal_connector_errors", "Failed pulls or stores, by error class",
                                        ["connector", "kind"], registry=r)
        self.last_success = Gauge("flerkanal_connector_last_success_timestamp_seconds",
                                  "Unix time of the connector's last successful pull and store", ["connector"],
                                  registry=r)
        self.up = Gauge("flerkanal_connector_up", "1 after a successful pull, 0 after an error", ["connector"],
                        registry=r)
        self.batch_seconds = Histogram("flerkanal_ingest_batch_seconds", "Time to match and store one batch",
                                       buckets=BATCH_BUCKETS, registry=r)
        self.message_seconds = Histogram("flerkanal_ingest_message_seconds",
                                         "Time to match and store one message (batch time per message)",
                                         buckets=MESSAGE_BUCKETS, registry=r)
        if store is not None:
            r.register(QueueCollector(store))

    def connector_registered(self, name: str) -> None:
        """Make the connector's series exist (at 0) before anything happened."""
        self.up.labels(connector=name).set(0)

    def observe_ingest(self, summary: IngestSummary, seconds: float, count: int) -> None:
        for channel, n in summary.new.items():
            self.ingested.labels(channel=channel).inc(n)
        for channel, n in summary.present.items():
            self.duplicates.labels(channel=channel).inc(n)
        for channel, n in summary.quarantined.items():
            self.quarantined.labels(channel=channel or "unknown").inc(n)
        if count <= 0:
            return
        self.batch_seconds.observe(seconds)
        per_message = seconds / count
        for _ in range(count):
            self.message_seconds.observe(per_message)

    def connector_ok(self, name: str, when: float | None = None) -> None:
        self.last_success.labels(connector=name).set(time.time() if when is None else when)
        self.up.labels(connector=name).set(1)

    def connector_failed(self, name: str, exc: BaseException) -> None:
        self.connector_errors.labels(connector=name, kind=error_kind(exc)).inc()
        self.up.labels(connector=name).set(0)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    async def endpoint(self, request: Request) -> Response:
        """The ``/metrics`` Starlette endpoint (the queue read runs in a thread, off the event loop)."""
        body = await asyncio.to_thread(self.render)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


def error_kind(exc: BaseException) -> str:
    """The label for an error: the class name of flerkanal's own errors, else ``other``."""
    if isinstance(exc, InboxError):
        return type(exc).__name__
    if isinstance(exc, TimeoutError):
        return "Timeout"
    return "other"
