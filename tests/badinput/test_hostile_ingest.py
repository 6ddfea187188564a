"""A hostile sender: one message must never stop a channel, take a worker for minutes, or jump the queue.

Each test here failed before the fix it covers (issue 17): the figures in the docstrings are what the old
code did.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.fake import FakeConnector
from connectors.sync import SyncDaemon, SyncOptions
from dedup.normalise import normalise
from inbox.domain import MAX_KEY_BYTES, Channel, Direction, IncomingMessage, Quarantined
from inbox.errors import StorageError
from inbox.ingest import read_files
from inbox.matching import MatchContext, MatchDecision, StructuralMatcher
from inbox.parsers import read_any
from inbox.storage.repository import Store
from inbox.text import MAX_CLEAN_CHARS
from tests.badinput.corpus import dialog, dialog_dump, henvendelse, json_bytes, mail, person_block, twilio_message

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FAST = SyncOptions(poll_seconds=0.05, backoff_initial=0.01, backoff_max=0.05, once_attempts=3, stop_grace=2.0)
#: 800 emoji: a header line of 800 characters (within RFC 5322's 998), about 3.2 KB of UTF-8; varied, so that
#: PostgreSQL cannot compress the index entry below its limit.
_RNG = random.Random(17)
LONG_ID = "<" + "".join(chr(0x1F300 + _RNG.randrange(2048)) for _ in range(800)) + "@example.com>"


def eml(message_id: str | None, *, sender: str = "ola@example.com", date: str = "Mon, 02 Nov 2026 10:00:00 +0100",
        body: str = "Hei, jeg lurer på når pengene kommer.", extra: str = "") -> bytes:
    head = f"From: Ola Nordmann <{sender}>\nTo: nav@nav.no\nSubject: Dagpenger\nDate: {date}\n"
    if message_id is not None:
        head += f"Message-ID: {message_id}\n"
    head += extra
    head += "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    return head.encode() + body.encode() + b"\n"


def sms(sid: str, minutes: int, body: str = "Hei, når kommer pengene?") -> IncomingMessage:
    return IncomingMessage(channel=Channel.SMS, provider_key=sid, direction=Direction.IN,
                           sent_at=T0 + timedelta(minutes=minutes), body=body, raw="{}", sender="+4791234567",
                           recipient="+4759446000")


def messages(items: list[IncomingMessage | Quarantined]) -> list[IncomingMessage]:
    return [i for i in items if isinstance(i, IncomingMessage)]


# -- 1. a long Message-ID ----------------------------------------------------------------------------------

def test_a_three_kilobyte_message_id_is_stored_under_a_bounded_key(db_url: str, tmp_path: Path) -> None:
    """PostgreSQL refused the index row ("exceeds btree maximum 2704"), and the whole batch with it."""
    (tmp_path / "long.eml").write_bytes(eml(LONG_ID))
    (tmp_path / "normal.eml").write_bytes(eml("<kort-1@example.com>", sender="kari@example.com"))
    reply = eml("<svar-1@example.com>", date="Mon, 02 Nov 2026 11:00:00 +0100", extra=f"In-Reply-To: {LONG_ID}\n")
    (tmp_path / "reply.eml").write_bytes(reply)
    items = read_files([tmp_path])
    assert len(messages(items)) == 3
    keys = {m.provider_key for m in messages(items)}
    assert "<kort-1@example.com>" in keys and "<svar-1@example.com>" in keys  # short ids stay as they are
    long_key = next(k for k in keys if k.startswith("<long-id-sha256-"))
    assert len(long_key.encode()) <= MAX_KEY_BYTES and long_key.endswith("@flerkanal.invalid>")
    store = Store.open(db_url)
    try:
        first = store.ingest(items)
        assert first.as_dict()["new"] == 3 and first.as_dict()["quarantined"] == 0
        # The reply names the long id: it finds its thread through the same bounded key.
        threads = store.open_threads()
        assert len(threads) == 2
        again = store.ingest(read_files([tmp_path]))
        assert again.as_dict()["already_present"] == 3 and again.as_dict()["new"] == 0
    finally:
        store.close()


async def test_sync_stores_the_rest_of_a_page_with_a_long_message_id(db_url: str, tmp_path: Path) -> None:
    """``inbox sync``: the page failed, the cursor never moved, and the connector retried it forever."""
    (tmp_path / "long.eml").write_bytes(eml(LONG_ID))
    hostile = messages(list(read_any(tmp_path / "long.eml")))
    page = [sms(f"SM{n:032d}", n) for n in range(3)]
    fake = FakeConnector([page[0], *hostile, *page[1:]], page_size=10, channel=Channel.EMAIL)
    store = Store.open(db_url)
    try:
        health = (await SyncDaemon(store, [fake], options=FAST).run_once())["fake"]
        assert health.status == "ok" and health.errors_in_a_row == 0
        assert store.counts()["messages"] == 4
        assert store.get_cursor("fake") == "4"
    finally:
        store.close()


class _Trips(StructuralMatcher):
    """A matcher with a bug that one message's content sets off (as a hostile message might)."""

    def assign(self, msg: IncomingMessage, clean_body: str, person_id: int | None, ctx: MatchContext
               ) -> MatchDecision:
        if "\u202e" in msg.body:
            raise ValueError("unexpected text direction")
        return super().assign(msg, clean_body, person_id, ctx)


def test_one_message_that_cannot_be_stored_is_quarantined_and_its_batch_stored(db_url: str) -> None:
    items: list[IncomingMessage | Quarantined] = [sms("SM1", 1), sms("SM2", 2, body="\u202eevil"), sms("SM3", 3)]
    store = Store.open(db_url)
    try:
        summary = store.ingest(items, matcher=_Trips())
        assert sum(summary.new.values()) == 2 and sum(summary.quarantined.values()) == 1
        [problem] = summary.problems
        assert problem.reason == "could not be stored (ValueError)" and problem.position == "message sms:SM2"
        assert "evil" not in problem.reason
        assert [q.reason for q in store.quarantined()] == ["could not be stored (ValueError)"]
        again = store.ingest(items, matcher=_Trips())  # a re-read page: the rest is present, nothing doubled
        assert sum(again.present.values()) == 2 and len(store.quarantined()) == 1
    finally:
        store.close()


def test_a_value_the_database_refuses_costs_only_its_own_message(db_url: str) -> None:
    """A NUL character (which a connector might let through) is refused by PostgreSQL's text type."""
    items: list[IncomingMessage | Quarantined] = [sms("SM1", 1), sms("SM2", 2, body="a\x00b"), sms("SM3", 3)]
    store = Store.open(db_url)
    try:
        summary = store.ingest(items)
        assert sum(summary.new.values()) + sum(summary.quarantined.values()) == 3
        assert store.counts()["messages"] >= 2
        if db_url.startswith("postgresql"):
            [problem] = store.quarantined()
            assert problem.reason.startswith("could not be stored (DataError") and problem.position == "message sms:SM2"
    finally:
        store.close()


class _DatabaseDown(StructuralMatcher):
    def assign(self, msg: IncomingMessage, clean_body: str, person_id: int | None, ctx: MatchContext
               ) -> MatchDecision:
        raise StorageError("database is locked")


def test_a_failing_database_still_fails_the_batch_so_it_is_retried(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'inbox.db'}")
    try:
        with pytest.raises(StorageError):
            store.ingest([sms("SM1", 1), sms("SM2", 2)], matcher=_DatabaseDown())
        assert store.counts()["messages"] == 0 and store.quarantined() == []
    finally:
        store.close()


# -- 2. one long word ---------------------------------------------------------------------------------------

ONE_MB = 1024 * 1024
#: Words that made the text patterns backtrack: letters (the email-address pattern read the rest of the word
#: from each of its characters: 12 s for 40,000), and a run of dots (the sign-off and "hallo??" patterns).
WORDS = {"letters": "a" * ONE_MB, "dots": "." * ONE_MB + "x"}


def _export(channel: str, word: str, path: Path) -> Path:
    if channel == "sms":
        path = path / "sms.json"
        path.write_bytes(json_bytes({"messages": [twilio_message(1, word)]}))
    elif channel == "email":
        path = path / "long.eml"
        path.write_bytes(mail("long-word", word.encode() + b"\n"))
    else:
        path = path / "dialog.json"
        path.write_bytes(dialog_dump([person_block([dialog("d1", [henvendelse("h1", word)])])]))
    return path


def _ingest_and_normalise(channel: str, word: str, folder: str, db: str) -> float:
    """Read the export, store it, and normalise its clean text as the matcher does; the seconds it took."""
    start = time.perf_counter()
    items = read_files([_export(channel, word, Path(folder))])
    store = Store.open(db)
    try:
        summary = store.ingest(items)
        assert sum(summary.new.values()) == 1, summary.as_dict()
        [m] = messages(items)
        normalise(m.clean_body or "", already_clean=True, email=m.channel == Channel.EMAIL)
    finally:
        store.close()
    return time.perf_counter() - start


def _run(result: Any, fn: Callable[..., float], *args: Any) -> None:
    result.put(fn(*args))


def within(limit: float, fn: Callable[..., float], *args: Any) -> float:
    """``fn(*args)`` in a child process, which is stopped after ``limit`` seconds (the old code never ended)."""
    ctx = multiprocessing.get_context("fork")
    result = ctx.Queue()
    child = ctx.Process(target=_run, args=(result, fn, *args))
    child.start()
    child.join(limit)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"still running after {limit} s")
    assert child.exitcode == 0, f"the child failed ({child.exitcode})"
    return float(result.get(timeout=5))


@pytest.mark.parametrize("word", list(WORDS))
@pytest.mark.parametrize("channel", ["sms", "email", "dialog"])
def test_a_one_megabyte_word_is_read_stored_and_normalised_quickly(channel: str, word: str, tmp_path: Path) -> None:
    seconds = within(30, _ingest_and_normalise, channel, WORDS[word], str(tmp_path),
                     f"sqlite:///{tmp_path / 'inbox.db'}")
    assert seconds <= 2, f"{channel}, one word of 1 MB ({word}): {seconds:.1f} s"


def test_the_text_the_patterns_see_is_bounded_and_the_body_cut_with_a_note(tmp_path: Path) -> None:
    big = "Lang melding om dagpenger. " * 200_000  # 5.4 MB
    (tmp_path / "sms.json").write_bytes(json_bytes({"messages": [twilio_message(1, big)]}))
    [m] = messages(read_files([tmp_path / "sms.json"]))
    assert m.body.startswith(big[:1000]) and m.body.endswith("more characters were not stored (at most 1,100,000 "
                                                             "are kept)]")
    assert len(m.body) <= 1_100_000 and len(m.raw) <= 8_000_000
    assert m.clean_body is not None and len(m.clean_body) <= MAX_CLEAN_CHARS and m.clean_body.endswith("[…]")
