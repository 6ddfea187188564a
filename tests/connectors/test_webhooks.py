"""The Twilio webhook app: signatures made with the real algorithm, replay rule, idempotency, status callbacks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from starlette.applications import Starlette

from connectors.base import PullResult
from connectors.sms_twilio import TwilioConnector, TwilioSettings
from connectors.webhooks import (
    EMPTY_TWIML,
    BatchingSink,
    DeliveryStatus,
    create_webhook_app,
    sign_request,
    status_advances,
)
from inbox.domain import IncomingMessage, Quarantined
from inbox.storage.repository import Store
from tests.connectors.twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    FakeTwilio,
    LoopbackServer,
    message_resource,
)

PUBLIC = "https://inbox.example.no/twilio"  # what Twilio calls; the test client reaches http://testserver


def inbound_form(sid: str = "SM" + "a" * 32, body: str = "Hei, når kommer pengene?", **extra: str) -> dict[str, str]:
    form = {
        "ToCountry": "NO", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "", "FromZip": "",
        "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": body, "FromCountry": "NO",
        "To": OUR_NUMBER, "ToZip": "", "NumSegments": "1", "MessageSid": sid, "AccountSid": ACCOUNT_SID,
        "From": "+4791485037", "ApiVersion": "2010-04-01",
    }
    form.update(extra)
    return form


def twilio_signature(token: str, url: str, form: dict[str, str], digest: Any = hashlib.sha1) -> str:
    """Twilio's algorithm written out: URL + each name and value in name order, HMAC, base64."""
    s = url + "".join(k + form[k] for k in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), s.encode(), digest).digest()).decode()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    def __init__(self, store: Store | None = None, *, fail: int = 0, delay: float = 0.0) -> None:
        self.items: list[IncomingMessage | Quarantined] = []
        self.statuses: list[DeliveryStatus] = []
        self.store = store
        self.fail = fail
        self.delay = delay

    async def on_message(self, item: IncomingMessage | Quarantined) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            self.fail -= 1
            raise RuntimeError("database down")
        self.items.append(item)
        if self.store is not None:
            await asyncio.to_thread(self.store.ingest, [item])

    async def on_status(self, status: DeliveryStatus) -> None:
        self.statuses.append(status)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:  # SQLite only (shadows the conftest's two-database fixture)
    s = Store.open(f"sqlite:///{tmp_path / 'inbox.db'}")
    yield s
    s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def rec(store: Store) -> Recorder:
    return Recorder(store)


def make_app(rec: Recorder, clock: Clock, **kw: Any) -> Starlette:
    return create_webhook_app(AUTH_TOKEN, PUBLIC, rec.on_message, rec.on_status, clock=clock, **kw)


@pytest.fixture
async def client(rec: Recorder, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(rec, clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def post(client: httpx.AsyncClient, path: str, form: dict[str, str], signature: str | None,
               headers: dict[str, str] | None = None) -> httpx.Response:
    hdrs = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    if signature is not None:
        hdrs["X-Twilio-Signature"] = signature
    return await client.post(path, content=urlencode(form), headers=hdrs)


async def test_a_signed_message_is_stored_and_answered_with_empty_twiml(client: httpx.AsyncClient, rec: Recorder,
                                                                        store: Store) -> None:
    form = inbound_form()
    resp = await post(client, "/sms", form, twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form))
    assert resp.status_code == 200
    assert resp.text == EMPTY_TWIML
    assert resp.headers["content-type"].startswith("text/xml")
    [msg] = rec.items
    assert isinstance(msg, IncomingMessage)
    assert (msg.provider_key, msg.sender, msg.recipient, msg.body) == (form["MessageSid"], "+4791485037",
                                                                      OUR_NUMBER, form["Body"])
    assert msg.status == "received" and msg.sent_at.tzinfo is not None
    assert store.counts()["messages"] == 1


async def test_the_helper_signs_like_twilio() -> None:
    form = inbound_form()
    assert sign_request(AUTH_TOKEN, PUBLIC + "/sms", form) == twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form)


async def test_a_delivery_repeated_is_stored_once(client: httpx.AsyncClient, rec: Recorder, store: Store) -> None:
    form = inbound_form()
    sig = twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form)
    for _ in range(3):  # Twilio's retry: the identical request
        resp = await post(client, "/sms", form, sig)
        assert resp.status_code == 200 and resp.text == EMPTY_TWIML
    # the same MessageSid signed differently (another URL query, e.g. a fallback URL's connection override)
    resp = await client.post("/sms?attempt=2", content=urlencode(form), headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(AUTH_TOKEN, PUBLIC + "/sms?attempt=2", form)})
    assert resp.status_code == 200
    assert len(rec.items) == 1
    assert store.counts()["messages"] == 1


async def test_concurrent_duplicates_store_once(rec: Recorder, clock: Clock, store: Store) -> None:
    rec.delay = 0.05
    app = make_app(rec, clock)
    form = inbound_form()
    sig = twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        answers = await asyncio.gather(*(post(c, "/sms", form, sig) for _ in range(5)))
    assert [a.status_code for a in answers] == [200] * 5
    assert len(rec.items) == 1 and store.counts()["messages"] == 1


@pytest.mark.parametrize("case", ["unsigned", "empty", "wrong-token", "tampered-body", "other-url", "added-field",
                                  "garbage"])
async def test_forged_or_unsigned_requests_are_refused(client: httpx.AsyncClient, rec: Recorder, store: Store,
                                                      case: str) -> None:
    form = inbound_form()
    url = PUBLIC + "/sms"
    sig: str | None = twilio_signature(AUTH_TOKEN, url, form)
    if case == "unsigned":
        sig = None
    elif case == "empty":
        sig = ""
    elif case == "wrong-token":
        sig = twilio_signature("not-the-token", url, form)
    elif case == "tampered-body":
        form = {**form, "Body": "Send pengene til konto 1234"}
    elif case == "other-url":
        sig = twilio_signature(AUTH_TOKEN, "https://evil.example/twilio/sms", form)
    elif case == "added-field":
        form = {**form, "Extra": "1"}
    else:
        sig = "bm90IGEgc2lnbmF0dXJl"
    resp = await post(client, "/sms", form, sig)
    assert resp.status_code == 403
    assert rec.items == [] and store.counts()["messages"] == 0


async def test_a_replay_after_the_retry_window_is_refused(rec: Recorder, clock: Clock, store: Store) -> None:
    rec.fail = 1  # the first attempt fails: nothing is stored by it
    app = make_app(rec, clock, retry_window=300)
    form = inbound_form()
    sig = twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        assert (await post(c, "/sms", form, sig)).status_code == 500
        clock.now += 301
        assert (await post(c, "/sms", form, sig)).status_code == 403
    assert rec.items == [] and store.counts()["messages"] == 0


async def test_a_retry_within_the_window_after_a_failure_is_stored(rec: Recorder, clock: Clock,
                                                                  store: Store) -> None:
    rec.fail = 1
    app = make_app(rec, clock)
    form = inbound_form()
    sig = twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        assert (await post(c, "/sms", form, sig)).status_code == 500
        clock.now += 60
        resp = await post(c, "/sms", form, sig)
        assert resp.status_code == 200 and resp.text == EMPTY_TWIML
        clock.now += 600  # and a late replay of the stored request is refused
        assert (await post(c, "/sms", form, sig)).status_code == 403
    assert len(rec.items) == 1 and store.counts()["messages"] == 1


async def test_sha256_signatures_with_the_settings_header(client: httpx.AsyncClient, rec: Recorder) -> None:
    form = inbound_form()
    sig = twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form, hashlib.sha256)
    settings = {"X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"}
    assert (await post(client, "/sms", form, sig, settings)).status_code == 200
    assert (await post(client, "/sms", inbound_form("SM" + "b" * 32), sig, settings)).status_code == 403
    assert len(rec.items) == 1


async def test_another_account_is_refused_when_the_account_is_configured(rec: Recorder, clock: Clock) -> None:
    app = make_app(rec, clock, account_sid=ACCOUNT_SID)
    form = inbound_form(AccountSid="AC" + "9" * 32)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        assert (await post(c, "/sms", form, twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form))).status_code == 403
    assert rec.items == []


async def test_oversized_and_non_form_bodies_are_refused(client: httpx.AsyncClient, rec: Recorder) -> None:
    form = inbound_form(body="x" * 70_000)
    assert (await post(client, "/sms", form, twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form))).status_code == 413
    resp = await client.post("/sms", json={"Body": "hei"}, headers={"X-Twilio-Signature": "abc"})
    assert resp.status_code == 403
    assert rec.items == []


async def test_a_signed_but_unreadable_message_is_kept_in_quarantine(client: httpx.AsyncClient, rec: Recorder,
                                                                     store: Store) -> None:
    form = inbound_form()
    del form["From"]
    resp = await post(client, "/sms", form, twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form))
    assert resp.status_code == 200
    [item] = rec.items
    assert isinstance(item, Quarantined) and item.reason == "missing field 'from'" and item.channel == "sms"
    assert store.counts()["quarantined"] == 1


async def test_status_callbacks_update_the_delivery_status_once_each(client: httpx.AsyncClient,
                                                                     rec: Recorder, clock: Clock) -> None:
    sid = "SM" + "c" * 32

    def form(status: str, **extra: str) -> dict[str, str]:
        return {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
                "AccountSid": ACCOUNT_SID, "From": OUR_NUMBER, "To": "+4791485037", "ApiVersion": "2010-04-01",
                **extra}

    for f in (form("sent"), form("delivered"), form("delivered")):
        resp = await post(client, "/status", f, twilio_signature(AUTH_TOKEN, PUBLIC + "/status", f))
        assert resp.status_code == 200 and resp.text == EMPTY_TWIML
    failed = form("undelivered", ErrorCode="30003")
    assert (await post(client, "/status", failed, "forged")).status_code == 403
    assert [(s.sid, s.status) for s in rec.statuses] == [(sid, "sent"), (sid, "delivered")]
    clock.now += 1000  # a late replay of a genuine callback
    f = form("sent")
    assert (await post(client, "/status", f, twilio_signature(AUTH_TOKEN, PUBLIC + "/status", f))).status_code == 403
    assert len(rec.statuses) == 2


def test_status_ranking() -> None:
    assert status_advances("", "queued") and status_advances("sent", "delivered")
    assert not status_advances("delivered", "sent") and not status_advances("failed", "queued")


async def test_batching_sink_group_commits_into_the_store(clock: Clock, store: Store) -> None:
    sink = BatchingSink(store.ingest)
    app = create_webhook_app(AUTH_TOKEN, PUBLIC, sink, clock=clock)
    forms = [inbound_form(f"SM{i:032x}", f"melding {i}") for i in range(60)]
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            answers = await asyncio.gather(
                *(post(c, "/sms", f, twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", f)) for f in forms))
    finally:
        await sink.aclose()
    assert {a.status_code for a in answers} == {200}
    assert store.counts()["messages"] == 60 and sink.stored == 60
    assert sink.batches < 60


async def test_a_failing_batch_fails_its_requests(clock: Clock) -> None:
    def broken(items: Any) -> None:
        raise RuntimeError("disk full")

    sink = BatchingSink(broken)
    app = create_webhook_app(AUTH_TOKEN, PUBLIC, sink, clock=clock)
    form = inbound_form()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            resp = await post(c, "/sms", form, twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form))
    finally:
        await sink.aclose()
    assert resp.status_code == 500


async def test_over_real_http_and_then_the_backfill_finds_it_already_stored(store: Store) -> None:
    """uvicorn on loopback receives the webhook; the SDK backfill lists the same SID; stored once."""
    sink = BatchingSink(store.ingest)
    hook_app = create_webhook_app(AUTH_TOKEN, PUBLIC, sink)
    fake = FakeTwilio()
    form = inbound_form()
    with LoopbackServer(hook_app) as hook_srv:
        async with httpx.AsyncClient(base_url=hook_srv.url) as c:
            resp = await post(c, "/sms", form, twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form))
        assert resp.status_code == 200 and resp.text == EMPTY_TWIML
    assert sink.stored == 1  # and the app's lifespan closed the sink on its own loop
    fake.add(message_resource(form["MessageSid"], body=form["Body"], from_=form["From"], sent=datetime.now(UTC)))
    with LoopbackServer(fake.app) as api_srv:
        conn = TwilioConnector(TwilioSettings(ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, api_base_url=api_srv.url))
        try:
            res: PullResult = await conn.pull(None)
        finally:
            await conn.close()
    summary = store.ingest(res.items)
    assert [i.provider_key for i in res.items if isinstance(i, IncomingMessage)] == [form["MessageSid"]]
    assert sum(summary.new.values()) == 0 and sum(summary.present.values()) == 1
    assert store.counts()["messages"] == 1


async def test_no_text_or_phone_number_reaches_the_logs(rec: Recorder, clock: Clock,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rec.fail = 1
    app = make_app(rec, clock)
    form = inbound_form(body="Mitt kontonummer er hemmelig")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        assert (await post(c, "/sms", form, "forged")).status_code == 403
        assert (await post(c, "/sms", form, twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form))).status_code == 500
        del form["From"]
        assert (await post(c, "/sms", form, twilio_signature(AUTH_TOKEN, PUBLIC + "/sms", form))).status_code == 200
    assert "refused" in caplog.text and "failed" in caplog.text
    assert "hemmelig" not in caplog.text and "+4791485037" not in caplog.text
