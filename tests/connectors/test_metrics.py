"""The daemon's Prometheus metrics on /metrics: scripted ingest through the daemon, then the exposition,
parsed with prometheus_client's own parser, must agree with the store."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from connectors.fake import FakeConnector
from connectors.metrics import SyncMetrics
from connectors.sync import SyncDaemon, SyncOptions, WebhookOptions
from connectors.webhooks import sign_request
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.errors import StorageError, TransientError
from inbox.storage.repository import Store
from tests.connectors.dovecot import free_port
from tests.connectors.test_sync import Scripted
from tests.connectors.twilio_server import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PUBLIC = "https://inbox.example.no/twilio"
FAST = SyncOptions(poll_seconds=0.05, backoff_initial=0.01, backoff_max=0.05, stop_grace=2.0)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def msg(n: int, channel: Channel) -> IncomingMessage:
    return IncomingMessage(channel, f"{channel.value}-{n}", Direction.IN, T0 + timedelta(minutes=n), f"melding {n}",
                           raw="{}", sender=f"+4791{n:06d}", recipient=OUR_NUMBER)


def scrape(url: str) -> Samples:
    resp = httpx.get(url, timeout=5)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    out: Samples = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'inbox.db'}")
    yield s
    s.close()


async def until(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_metrics_match_the_store_after_a_scripted_ingest(store: Store) -> None:
    sms = [msg(n, Channel.SMS) for n in range(10)]
    dialog = [msg(n, Channel.DIALOG) for n in range(5)]
    store.ingest(sms[:3])  # already there: found again as duplicates
    connectors = {"sms": FakeConnector(sms, page_size=4), "dialog": FakeConnector(dialog, page_size=10),
                  "broken": Scripted(*(TransientError("HTTP 503") for _ in range(10_000)))}
    daemon = SyncDaemon(store, connectors, options=replace(FAST, metrics_port=0))
    task = asyncio.create_task(daemon.run())
    try:
        await until(lambda: "metrics" in daemon.ports or task.done())
        await until(lambda: store.counts()["messages"] == 15 and daemon.health["broken"].errors_in_a_row >= 2
                    and daemon.health["dialog"].status == "ok" and daemon.health["sms"].status == "ok")
        url = f"http://127.0.0.1:{daemon.ports['metrics']}/metrics"
        samples = await asyncio.to_thread(scrape, url)
        stats = store.stats()
    finally:
        daemon.request_stop()
        await asyncio.wait_for(task, 10)

    assert value(samples, "flerkanal_queue_up") == 1
    assert value(samples, "flerkanal_queue_inquiries") == stats.open_inquiries > 0
    assert value(samples, "flerkanal_queue_messages") == stats.open_messages == 15
    oldest = value(samples, "flerkanal_queue_oldest_waiting_seconds")
    assert oldest is not None and stats.oldest_waiting_seconds is not None
    assert abs(oldest - stats.oldest_waiting_seconds) < 5
    assert value(samples, "flerkanal_ingested_messages_total", channel="sms") == 7
    assert value(samples, "flerkanal_ingested_messages_total", channel="dialog") == 5
    assert value(samples, "flerkanal_duplicate_messages_total", channel="sms") == 3
    assert value(samples, "flerkanal_duplicate_messages_total", channel="dialog") is None
    errors = value(samples, "flerkanal_connector_errors_total", connector="broken", kind="TransientError")
    assert errors is not None and errors >= 2
    assert value(samples, "flerkanal_connector_errors_total", connector="sms", kind="TransientError") is None
    for name in ("sms", "dialog"):
        last = value(samples, "flerkanal_connector_last_success_timestamp_seconds", connector=name)
        assert last is not None and abs(last - time.time()) < 60
        assert value(samples, "flerkanal_connector_up", connector=name) == 1
    assert value(samples, "flerkanal_connector_last_success_timestamp_seconds", connector="broken") is None
    assert value(samples, "flerkanal_connector_up", connector="broken") == 0
    assert value(samples, "flerkanal_ingest_batch_seconds_count") == 4  # the pulls that brought items: 3 + 1
    assert value(samples, "flerkanal_ingest_message_seconds_count") == 15  # every item, duplicates included
    assert value(samples, "flerkanal_ingest_message_seconds_bucket", le="+Inf") == 15


async def test_webhook_and_metrics_share_one_server(store: Store) -> None:
    port = free_port()
    options = SyncOptions(poll_seconds=0.05, backoff_initial=0.01, backoff_max=0.05, stop_grace=2.0,
                          metrics_port=port)
    hook = WebhookOptions(auth_token=AUTH_TOKEN, public_url=PUBLIC, account_sid=ACCOUNT_SID, port=port)
    daemon = SyncDaemon(store, {}, options=options, webhook=hook)
    task = asyncio.create_task(daemon.run())
    try:
        await until(lambda: "webhook" in daemon.ports or task.done())
        assert daemon.ports == {"webhook": port, "metrics": port}
        form = {"MessageSid": "SM" + "1" * 32, "AccountSid": ACCOUNT_SID, "From": "+4791234567", "To": OUR_NUMBER,
                "Body": "Hei, når er møtet?", "NumMedia": "0"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            for _ in range(2):  # Twilio retrying the same request: stored once
                resp = await http.post("/sms", data=form,
                                       headers={"X-Twilio-Signature": sign_request(AUTH_TOKEN, PUBLIC + "/sms", form)})
                assert resp.status_code == 200
            unsigned = await http.post("/sms", data=form)
            assert unsigned.status_code == 403
        samples = await asyncio.to_thread(scrape, f"http://127.0.0.1:{port}/metrics")
    finally:
        daemon.request_stop()
        await asyncio.wait_for(task, 10)
    assert store.counts()["messages"] == 1
    assert value(samples, "flerkanal_ingested_messages_total", channel="sms") == 1
    assert value(samples, "flerkanal_queue_messages") == store.stats().open_messages == 1


class DownStore(Store):
    def stats(self, now: datetime | None = None) -> Any:
        raise StorageError("cannot reach the database")


def gauges(metrics: SyncMetrics) -> dict[str, float]:
    text = metrics.render().decode()
    return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples if not s.labels}


def test_the_queue_gauges_are_read_at_scrape_time(store: Store) -> None:
    metrics = SyncMetrics(store)
    store.ingest([msg(n, Channel.EMAIL) for n in range(4)])
    got = gauges(metrics)
    assert got["flerkanal_queue_up"] == 1
    assert got["flerkanal_queue_messages"] == 4 == store.stats().open_messages
    assert got["flerkanal_queue_inquiries"] == store.stats().open_inquiries
    down = gauges(SyncMetrics(DownStore(store.engine)))  # registering reads nothing; a scrape does not fail
    assert down["flerkanal_queue_up"] == 0 and "flerkanal_queue_messages" not in down
