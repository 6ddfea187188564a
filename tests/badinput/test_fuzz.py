"""Property tests (hypothesis) of the readers, the record parsers and the Twilio webhook.

1. Any bytes read as an mbox, a JSON export or a CSV log: ``read_any`` never raises, each item is a storable
   message or a quarantined record with a reason, and the store takes them all.
2. Any Twilio-like dict: ``parse_twilio_message`` returns a message or raises ``RecordError``, nothing else.
3. The same for dialogue henvendelser (``parse_henvendelse``).
4. The webhook: without a valid signature → 403 and nothing stored; with one, over any (odd-unicode) form →
   200, stored once however often it is posted within the retry window, and 403 as a replay after it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from connectors.webhooks import create_webhook_app, sign_request
from inbox.domain import Identity, IdentityKind, IncomingMessage, Quarantined
from inbox.parsers import parse_henvendelse, parse_twilio_message, read_any
from inbox.parsers.common import RecordError
from inbox.storage.repository import Store
from tests.badinput.corpus import MAIL_CASES, TWILIO_CSV_HEADER, good_mail, henvendelse, twilio_message

FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def store(workdir: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{workdir / 'inbox.db'}")
    yield s
    s.close()


def assert_storable(m: IncomingMessage) -> None:
    for text in (m.provider_key, m.body, m.raw, m.sender, m.recipient, m.sender_name, m.subject, m.status,
                 m.conversation, m.in_reply_to, *m.references, *(i.value for i in m.identities),
                 *(a.name for a in m.attachments)):
        assert not UNSTORABLE.search(text), m.provider_key
    assert m.sent_at.tzinfo is not None
    m.sent_at.astimezone(UTC)  # times are stored in UTC: never out of range


# -- strategies -------------------------------------------------------------------------------------------------
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)  # lone surrogates and NUL included
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), ANY_TEXT)
JSON_VALUES = st.recursive(JSON_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)), max_leaves=25)

OFFSETS = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59))
AWARE = st.builds(lambda dt, off: dt.replace(tzinfo=timezone(off)),
                  st.datetimes(), OFFSETS)  # years 1 to 9999, any offset: some leave the UTC range
def mostly(valid: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``valid`` three times in four, so records often get past a field's check."""
    return st.one_of(valid, valid, valid, odd)


RFC_DATES = mostly(AWARE.map(format_datetime), ANY_TEXT | st.sampled_from([
    "Tue, 03 Nov 2026 09:15:00 +0000", "Tue, 03 Nov 2026 99:00:00 +9999", "Fri, 31 Dec 9999 23:59:59 -1200",
    "Mon, 01 Jan 0001 00:00:00 +0100", "Mon, 1 Jan 99999999999999999999 00:00:00 +0000",
    "Mon, 1 Jan 2020 99999999999999999999:00:00 +0000", "03 Nov 2026", ""]))
ISO_DATES = mostly(AWARE.map(datetime.isoformat), AWARE.map(lambda d: d.replace(tzinfo=None).isoformat()) | ANY_TEXT
                   | st.sampled_from(["2026-11-03T09:15:00Z", "9999-12-31T23:59:59-12:00", "20261103"]))


ODD = st.one_of(st.none(), st.integers(), st.booleans(), st.floats(), ANY_TEXT,
                st.lists(st.text(max_size=3), max_size=2),
                st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@st.composite
def mutated_record(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """A record with every field plausible, then up to three fields dropped or given an odd value (wrong type,
    odd text), so the parser gets past its first checks as often as it fails them."""
    record = {key: draw(strategy) for key, strategy in fields.items()}
    for key in draw(st.lists(st.sampled_from(list(fields)), max_size=draw(st.sampled_from([0, 0, 1, 3])),
                             unique=True)):
        if draw(st.booleans()):
            del record[key]
        else:
            record[key] = draw(ODD)
    return record


SIDS = mostly(st.uuids().map(lambda u: "SM" + u.hex) | st.uuids().map(lambda u: "MM" + u.hex),
              st.sampled_from(["CA" + "1" * 32, "SM", "", "   "]))
PHONES = mostly(st.sampled_from(["+4791234567", "+4759446000", "91234567", "not a phone"]), ANY_TEXT)
TWILIO_DICTS = mutated_record({
    "sid": SIDS, "body": ANY_TEXT, "from": PHONES, "to": PHONES,
    "direction": mostly(st.sampled_from(["inbound", "outbound-api", "outbound-reply"]), st.just("")),
    "date_sent": RFC_DATES, "date_created": RFC_DATES, "status": st.sampled_from(["received", "delivered", "failed"]),
    "num_media": st.just("0"),
})
HENVENDELSER = mutated_record({
    "id": st.uuids().map(str), "dialogId": st.just("d1"),
    "avsender": mostly(st.sampled_from(["BRUKER", "VEILEDER"]), ANY_TEXT),
    "avsenderId": st.just("Z999999"), "sendt": ISO_DATES, "tekst": ANY_TEXT, "lest": st.booleans(),
}) | mutated_record({
    "dialog_id": st.just("d2"), "avsender_type": st.sampled_from(["BRUKER", "VEILEDER"]), "sendt_dato": ISO_DATES,
    "tekst": ANY_TEXT,
})
DIALOGS = mutated_record({"id": st.just("d3"), "overskrift": ANY_TEXT}) | mutated_record({"dialog_id": st.just("d4")})
IDENTITIES = st.sampled_from([(), (Identity(IdentityKind.FNR, "01010012356"),),
                              (Identity(IdentityKind.AKTOR_ID, "1000012345678"),)])

MAIL_LINES = st.sampled_from([
    b"From: Kari <kari@example.com>", b"From: =?utf-8?Q?=C3=98?= <k@example.com>", b"From: \xc3\x98 <x@example.com>",
    b"Date: Tue, 3 Nov 2026 09:15:00 +0100", b"Date: Fri, 31 Dec 9999 23:59:59 -1200", b"Date: 99999999999999999",
    b"Message-ID: <a@b>", b"Subject: =?utf-7?Q?+2AA-?=", b"Subject: S\xf8knad", b"MIME-Version: 1.0",
    b"Content-Type: multipart/mixed; boundary=b", b"Content-Type: multipart/alternative", b"--b", b"--b--", b"--c",
    b"Content-Type: text/html; charset=klingon", b"Content-Type: text/plain; charset=unicode_escape",
    b"Content-Type: message/rfc822", b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: x-uue",
    b"Content-Disposition: attachment; filename*=utf-8''%FF%FE", b"<script>alert(1)", b"", b"\r",
    b"From sender@example.com Tue Nov  3 09:15:00 2026", b">From escaped", b"\x00\xff\xfe",
])
CORPUS_MAILS = [good_mail(1), *(c.build() for n, c in MAIL_CASES.items()
                                 if n not in ("ten_mb_body", "huge_attachment", "many_parts", "very_long_header"))]


@st.composite
def mutated(draw: st.DrawFn, base: list[bytes]) -> bytes:
    """One of ``base`` cut short and with a few bytes changed."""
    data = bytearray(draw(st.sampled_from(base)))
    for _ in range(draw(st.integers(0, 4))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(0, len(data)))])


MBOXES = st.one_of(
    st.lists(st.one_of(MAIL_LINES, st.binary(max_size=30), ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))),
             max_size=40).map(lambda lines: b"From x Tue Nov  3 09:15:00 2026\n" + b"\n".join(lines)),
    mutated(CORPUS_MAILS).map(lambda m: b"From x Tue Nov  3 09:15:00 2026\n" + m),
)
JSON_FILES = st.one_of(
    JSON_VALUES.map(lambda v: json.dumps({"messages": v})),
    JSON_VALUES.map(lambda v: json.dumps([{"fnr": "01010012356", "dialoger": v}])),
    st.lists(TWILIO_DICTS, max_size=4).map(lambda ms: json.dumps({"messages": ms})),
    st.lists(HENVENDELSER, max_size=4).map(lambda hs: json.dumps({"dialoger": [{"id": "d1", "henvendelser": hs}]})),
    st.lists(JSON_VALUES, max_size=3).map(lambda v: json.dumps({"dialoger": [{"henvendelser": v}]})),
).map(str.encode).flatmap(lambda b: st.one_of(st.just(b), st.integers(0, len(b)).map(lambda n: b[:n]))) | st.one_of(
    st.binary(max_size=200).map(lambda b: b'{"messages": [' + b),
    mutated([json.dumps({"messages": [twilio_message(1)]}).encode(),
             json.dumps([{"fnr": "01010012356", "dialoger": [{"id": "d", "henvendelser": [henvendelse("h")]}]}]
                        ).encode()]),
)
CSV_FILES = st.one_of(
    st.lists(st.one_of(st.binary(max_size=60), ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
                       st.sampled_from([b'SM1,+4791234567,+4759446000,"hei",inbound,2026-11-03T09:15:00Z,received',
                                        b'"unterminated', b",,,,,,,,,,", b"\x00", b'"a""b",c'])), max_size=20),
).map(lambda rows: TWILIO_CSV_HEADER.encode() + b"\n".join(rows))
ANY_FILE = st.one_of(MBOXES, JSON_FILES, CSV_FILES, st.binary(max_size=300))


# -- 1: readers ----------------------------------------------------------------------------------------------
@FUZZ
@given(data=ANY_FILE)
def test_read_any_never_raises_and_every_record_is_accounted_for(workdir: Path, store: Store, data: bytes) -> None:
    f = workdir / "input"
    f.write_bytes(data)
    items = list(read_any(f))
    for kind in sorted({type(i).__name__ for i in items}):
        event(kind)
    for item in items:
        if isinstance(item, Quarantined):
            assert item.reason.strip() and item.position and item.source == str(f)
            assert not UNSTORABLE.search(item.raw)
        else:
            assert isinstance(item, IncomingMessage)
            assert_storable(item)
    summary = store.ingest(items)
    assert sum(summary.new.values()) + sum(summary.present.values()) + sum(summary.quarantined.values()) == len(
        items)


# -- 2 and 3: record parsers -----------------------------------------------------------------------------------
@FUZZ
@given(msg=st.one_of(TWILIO_DICTS, TWILIO_DICTS, JSON_VALUES))
def test_parse_twilio_message_returns_a_message_or_raises_record_error(msg: Any) -> None:
    try:
        m: IncomingMessage | None = parse_twilio_message(msg)
    except RecordError as exc:
        m, reason = None, str(exc)
    event("quarantined" if m is None else "message")
    if m is None:
        assert reason  # a reason to quarantine with; any other exception fails the test
    else:
        assert m.provider_key.startswith(("SM", "MM"))
        assert_storable(m)


@FUZZ
@given(h=st.one_of(HENVENDELSER, HENVENDELSER, JSON_VALUES), dialog=DIALOGS, identities=IDENTITIES)
def test_parse_henvendelse_returns_a_message_or_raises_record_error(h: Any, dialog: dict[str, Any],
                                                                      identities: tuple[Identity, ...]) -> None:
    try:
        m: IncomingMessage | None = parse_henvendelse(h, dialog, identities)
    except RecordError as exc:
        m, reason = None, str(exc)
    event("quarantined" if m is None else "message")
    if m is None:
        assert reason
    else:
        assert m.provider_key and m.conversation
        assert_storable(m)


# -- 4: the webhook --------------------------------------------------------------------------------------------
AUTH_TOKEN = "fuzz-auth-token-0123456789abcdef"
PUBLIC = "https://inbox.example.no/twilio"
FORM_CT = "application/x-www-form-urlencoded"
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
FORMS = st.dictionaries(st.text(max_size=15), st.text(max_size=40), max_size=8)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Sink:
    """The webhook's ``on_message``: stores each item, as the real service does."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.items: list[IncomingMessage | Quarantined] = []

    async def __call__(self, item: IncomingMessage | Quarantined) -> None:
        self.items.append(item)
        await asyncio.to_thread(self.store.ingest, [item])


async def _post_all(app: Any, requests: list[tuple[str, bytes, dict[str, str]]], clock: Clock | None = None,
                    advance: dict[int, float] | None = None) -> list[int]:
    codes = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        for i, (path, body, headers) in enumerate(requests):
            if clock is not None and advance and i in advance:
                clock.now += advance[i]
            codes.append((await c.post(path, content=body, headers=headers)).status_code)
    return codes


def stored(store: Store) -> tuple[int, int]:
    counts = store.counts()
    return counts["messages"], counts["quarantined"]


@FUZZ
@given(
    path=st.sampled_from(["/sms", "/status"]),
    form=FORMS,
    raw=st.one_of(st.none(), st.binary(max_size=500)),
    forge=st.sampled_from(["none", "empty", "random", "other-token", "other-url", "tampered", "mangled"]),
    random_sig=HEADER_TEXT,
    content_type=st.sampled_from([FORM_CT, f"{FORM_CT}; charset=utf-8", "text/plain", "application/json", ""]),
    settings_header=st.one_of(st.none(), st.sampled_from(["algorithm=HMAC_SHA256", "key=x,algorithm=HMAC_SHA1", "x"])),
)
def test_webhook_without_a_valid_signature_is_refused_and_stores_nothing(
        store: Store, path: str, form: dict[str, str], raw: bytes | None, forge: str, random_sig: str,
        content_type: str, settings_header: str | None) -> None:
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": "+4791234567", "To": "+4759446000", "Body": "hei",
            "MessageStatus": "delivered", **form}
    body = raw if raw is not None else urlencode(form).encode()
    url = PUBLIC + path
    signature = {
        "none": None, "empty": "", "random": random_sig,
        "other-token": sign_request("another-token", url, form),
        "other-url": sign_request(AUTH_TOKEN, "https://evil.example" + path, form),
        "tampered": sign_request(AUTH_TOKEN, url, {**form, "Body": form["Body"] + "!"}),
        "mangled": sign_request(AUTH_TOKEN, url, form) + "x",
    }[forge]
    headers = {"Content-Type": content_type} if content_type else {}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    if settings_header is not None:
        headers["X-Twilio-Webhooks-Signature-Settings"] = settings_header
    sink = Sink(store)
    statuses: list[Any] = []

    async def on_status(s: Any) -> None:
        statuses.append(s)

    before = stored(store)
    app = create_webhook_app(AUTH_TOKEN, PUBLIC, sink, on_status, clock=Clock())
    codes = asyncio.run(_post_all(app, [(path, body, headers)] * 2))
    assert codes == [403, 403]
    assert sink.items == [] and statuses == [] and stored(store) == before


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@FUZZ
@given(
    body=st.text(max_size=300),
    sender=st.one_of(st.just("+4791234567"), st.text(max_size=20)),
    extra=FORMS,
    sid_prefix=st.sampled_from(["SM", "SM", "MM", "XX", ""]),
    sha256=st.booleans(),
)
def test_webhook_with_a_valid_signature_stores_any_text_once(store: Store, body: str, sender: str,
                                                              extra: dict[str, str], sid_prefix: str,
                                                              sha256: bool) -> None:
    sid = sid_prefix + uuid.uuid4().hex  # unique, so "stored once" is this example's own record
    form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender, "To": "+4759446000",
            "Body": body, "NumMedia": "0", "ApiVersion": "2010-04-01"}
    form.update({k: v for k, v in extra.items() if k not in form})
    url = PUBLIC + "/sms"
    headers = {"Content-Type": FORM_CT}
    if sha256:
        headers["X-Twilio-Webhooks-Signature-Settings"] = "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
        headers["X-Twilio-Signature"] = str(RequestValidator(AUTH_TOKEN).compute_signature(url, form, "HMAC_SHA256"))
    else:
        headers["X-Twilio-Signature"] = sign_request(AUTH_TOKEN, url, form)
    encoded = urlencode(form).encode()
    clock = Clock()
    sink = Sink(store)
    app = create_webhook_app(AUTH_TOKEN, PUBLIC, sink, clock=clock, retry_window=300)
    log = logging.getLogger("connectors.webhooks")
    capture = _Capture()
    log.addHandler(capture)
    try:
        before = stored(store)
        codes = asyncio.run(_post_all(app, [("/sms", encoded, headers)] * 3, clock, advance={2: 301}))
    finally:
        log.removeHandler(capture)
    assert codes == [200, 200, 403]  # a retry is answered, a replay after the window refused
    assert len(sink.items) == 1
    messages, quarantined = stored(store)
    assert (messages - before[0]) + (quarantined - before[1]) == 1
    (item,) = sink.items
    event(type(item).__name__)
    if isinstance(item, IncomingMessage):
        assert item.provider_key == sid and item.body == body.replace("\x00", "\ufffd")
        assert_storable(item)
    else:
        assert item.reason and item.channel == "sms"
    if len(body.strip()) >= 12:
        assert not any(body in line for line in capture.lines)
