"""A hostile sender: one message must never stop a channel, take a worker for minutes, or jump the queue.

Each test here failed before the fix it covers (issue 17): the figures in the docstrings are what the old
code did.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from connectors.fake import FakeConnector
from connectors.sync import SyncDaemon, SyncOptions
from dedup.normalise import normalise
from inbox.domain import MAX_KEY_BYTES, Channel, Direction, IncomingMessage, Quarantined
from inbox.errors import StorageError
from inbox.ingest import read_files
from inbox.matching import MatchContext, MatchDecision, StructuralMatcher
from inbox.parsers import read_any
from inbox.storage.repository import Store
from inbox.storage.tables import T_MSG
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


def test_one_message_that_cannot_be_stored_is_quarantined_and_its_batch_stored(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    items: list[IncomingMessage | Quarantined] = [sms("SM1", 1), sms("SM2", 2, body="\u202eevil"), sms("SM3", 3)]
    store = Store.open(db_url)
    try:
        with caplog.at_level(logging.DEBUG):
            summary = store.ingest(items, matcher=_Trips())
        assert "ValueError" in caplog.text and "evil" not in caplog.text  # the type, never the text
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
    try:
        result.put(fn(*args))
    except BaseException as exc:  # said in the parent's failure
        result.put(f"{type(exc).__name__}: {exc}")
        raise


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
    answer = result.get(timeout=5)
    assert child.exitcode == 0, answer
    return float(answer)


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


# -- 7. the queue's order comes from when the office received a message, not from the sender's Date ----------

def _rfc(dt: datetime) -> str:
    return format_datetime(dt)


def _row(store: Store, key: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(select(T_MSG).where(T_MSG.c.provider_key == key)).mappings().one()
    return dict(row)


def test_a_backdated_mail_does_not_jump_the_queue(db_url: str, tmp_path: Path) -> None:
    """A mail dated 2000 was handed out first by ``claim --next``, before an SMS that came in hours earlier."""
    now = datetime.now(UTC)
    earlier = now - timedelta(hours=2)
    (tmp_path / "sms.json").write_bytes(json_bytes({"messages": [twilio_message(
        1, date_created=_rfc(earlier), date_sent=_rfc(earlier), date_updated=_rfc(earlier))]}))
    (tmp_path / "old.eml").write_bytes(eml("<gammel@example.com>", date="Sat, 01 Jan 2000 08:00:00 +0100"))
    store = Store.open(db_url)
    try:
        store.ingest(read_files([tmp_path / "sms.json"]))
        store.ingest(read_files([tmp_path / "old.eml"]))
        first = store.claim_next("kari")
        view = store.thread(first or 0)
        assert [m.channel for m in view.messages] == [Channel.SMS]
        mail_thread = next(e.thread for e in store.open_threads() if e.thread.id != first)
        assert mail_thread.first_contact >= now - timedelta(minutes=5)  # queued when it arrived: now
    finally:
        store.close()


def test_the_newest_received_header_gives_the_arrival_and_an_implausible_date_is_flagged(db_url: str,
                                                                                         tmp_path: Path) -> None:
    arrived = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    received = (f"Received: from mx.nav.no by imap.nav.no; {_rfc(arrived)}\n"
                f"Received: from forged.example by mx.example; {_rfc(datetime(1999, 1, 1, tzinfo=UTC))}\n")
    cases = {
        "<y2000@x>": "Sat, 01 Jan 2000 08:00:00 +0100",  # a month or more before it arrived
        "<y9999@x>": "Fri, 31 Dec 9999 08:00:00 +0100",  # was accepted as it stood
        "<y0001@x>": "Mon, 01 Jan 0001 08:00:00 +0000",  # was read as 2001
        "<ok@x>": _rfc(arrived - timedelta(minutes=3)),
    }
    for n, (mid, date) in enumerate(cases.items()):
        (tmp_path / f"{n}.eml").write_bytes(eml(mid, date=date, extra=received, sender=f"p{n}@example.com"))
    items = messages(read_files([tmp_path]))
    assert {m.provider_key: m.received_at for m in items} == dict.fromkeys(cases, arrived)
    flagged = {m.provider_key: (m.flags, m.sent_at) for m in items}
    for mid in ("<y9999@x>", "<y0001@x>"):  # impossible on their own: the arrival time stands in
        assert flagged[mid] == (("date",), arrived), mid
    # Long before it arrived: flagged, and kept as the sender wrote it (the queue orders by the arrival time)
    assert flagged["<y2000@x>"] == (("date",), datetime(2000, 1, 1, 7, 0, tzinfo=UTC))
    assert flagged["<ok@x>"] == ((), arrived - timedelta(minutes=3))
    store = Store.open(db_url)
    try:
        store.ingest(items)
        assert _row(store, "<y9999@x>")["flags"] == "date" and _row(store, "<ok@x>")["flags"] == ""
        assert {e.thread.first_contact for e in store.open_threads()} == {arrived}
    finally:
        store.close()


def test_an_mbox_from_line_and_a_maildir_name_give_the_arrival(tmp_path: Path) -> None:
    arrived = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    body = eml("<m@x>", date="Sat, 01 Jan 2000 08:00:00 +0100")
    (tmp_path / "in.mbox").write_bytes(b"From ola@example.com Mon Nov  2 09:30:00 2026\n" + body + b"\n")
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / f"{int(arrived.timestamp())}.M1P1.host").write_bytes(eml("<d@x>"))
    found = {m.provider_key: m for m in messages(read_files([tmp_path / "in.mbox", maildir]))}
    assert found["<m@x>"].received_at == arrived and found["<m@x>"].flags == ("date",)
    assert found["<d@x>"].received_at == arrived and found["<d@x>"].flags == ()


# -- 8. idempotency: the provider's id and the content's digest ---------------------------------------------

def test_different_mails_sharing_a_message_id_are_both_kept(db_url: str, tmp_path: Path) -> None:
    """The second was dropped as "already present"."""
    (tmp_path / "a.eml").write_bytes(eml("<samme@example.com>", body="Første melding: søknad om dagpenger."))
    (tmp_path / "b.eml").write_bytes(eml("<samme@example.com>", sender="per@example.com",
                                         body="En helt annen melding om bostøtte."))
    store = Store.open(db_url)
    try:
        first = store.ingest(read_files([tmp_path / "a.eml"]))
        second = store.ingest(read_files([tmp_path / "b.eml"]))
        assert sum(first.new.values()) == 1 and sum(second.new.values()) == 1
        # The first keeps its Message-ID as key (labelled data names it so); the other gets a digest suffix.
        assert first.stored_keys == ["email:<samme@example.com>"]
        assert re.fullmatch(r"email:<samme@example\.com#d-[0-9a-f]{16}>", second.stored_keys[0])
        again = store.ingest(read_files([tmp_path]))  # both again, in one batch: nothing new
        assert sum(again.new.values()) == 0 and sum(again.present.values()) == 2
        assert store.counts()["messages"] == 2
    finally:
        store.close()


def test_one_mail_without_message_id_is_stored_once_whatever_its_container(db_url: str, tmp_path: Path) -> None:
    """As mbox, Maildir (CRLF) and .eml it got a key per container and was stored 2-3 times."""
    mail_bytes = eml(None, body="Hei, jeg har ikke fått svar på søknaden min.")
    (tmp_path / "a.eml").write_bytes(mail_bytes)
    (tmp_path / "b.mbox").write_bytes(b"From ola@example.com Mon Nov  2 09:00:00 2026\n" + mail_bytes + b"\n")
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1762074000.M1P1.host:2,S").write_bytes(mail_bytes.replace(b"\n", b"\r\n"))
    items = messages(read_files([tmp_path / "a.eml", tmp_path / "b.mbox", maildir]))
    assert len(items) == 3 and len({m.provider_key for m in items}) == 1 and len({m.digest for m in items}) == 1
    store = Store.open(db_url)
    try:
        for path in (tmp_path / "a.eml", tmp_path / "b.mbox", maildir):
            store.ingest(read_files([path]))
        assert store.counts()["messages"] == 1
    finally:
        store.close()


# -- 9. which files are mail, and why a file is refused ------------------------------------------------------

def test_a_mail_without_message_id_or_with_long_headers_is_read_from_a_folder(tmp_path: Path) -> None:
    """Refused as "unrecognised format": .eml needed Message-ID and From within the first 4 KiB."""
    (tmp_path / "no-id.eml").write_bytes(eml(None))
    dkim = "DKIM-Signature: v=1; a=rsa-sha256; b=" + "A" * 70 + "\n" + "".join(f" {'B' * 70}\n" for _ in range(80))
    (tmp_path / "long-head.eml").write_bytes(dkim.encode() + eml("<langt@example.com>", sender="kari@example.com"))
    (tmp_path / "no-from.eml").write_bytes(eml("<uten-avsender@example.com>").replace(
        b"From: Ola Nordmann <ola@example.com>\n", b""))
    items = read_files([tmp_path])
    assert len(messages(items)) == 2
    [q] = [i for i in items if isinstance(i, Quarantined)]
    assert q.source.endswith("no-from.eml") and q.reason == "no usable From address"


@pytest.mark.parametrize(("content", "says"), [
    (b"", "an empty file"),
    (b"\x1f\x8b\x08\x00" + bytes(40), "a gzip file: unpack it first"),
    ("Sid,From,To,Body\n".encode("utf-16"), "UTF-16 text: save it as UTF-8"),
    (b"fnr,aktor_id,name,phone,email\n01010112345,,Ola,,\n",
     "a contact register: import it with `inbox contacts import`"),
    (b'{"hello": "world"}', "JSON, but neither a Twilio page"),
    (b"Hei, dette er bare et notat.\n", "text that is no message export"),
])
def test_a_refused_file_is_refused_for_what_it_is(tmp_path: Path, content: bytes, says: str) -> None:
    f = tmp_path / "input.dat"
    f.write_bytes(content)
    [q] = list(read_any(f))
    assert isinstance(q, Quarantined) and q.position == "file"
    assert q.reason.startswith(f"unrecognised format: {says}")


# -- 10. inputs skipped or refused are reported, and a useless input fails the command -----------------------

def _cli(args: list[str], db: str) -> Any:
    from click.testing import CliRunner

    from flerkanal.cli import cli

    return CliRunner().invoke(cli, ["--db", db, "--user", "ola", "--matcher", "structural", *args],
                              catch_exceptions=False)


CONTACTS = "fnr,aktor_id,name,phone,email\n"


def test_ingest_of_a_file_with_no_message_fails_with_the_reason(tmp_path: Path) -> None:
    """``inbox ingest notes.txt`` (or a contacts CSV, or a page whose every record is bad) exited 0."""
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert _cli(["init"], db).exit_code == 0
    (tmp_path / "notes.txt").write_text("Husk å ringe Kari i morgen.\n", encoding="utf-8")
    (tmp_path / "contacts.csv").write_text(CONTACTS + "01010012356,,Kari,,\n", encoding="utf-8")
    (tmp_path / "bad.json").write_text('{"messages": [{"sid": "SMx"}]}', encoding="utf-8")
    (tmp_path / "sms.json").write_bytes(json_bytes({"messages": [twilio_message(1)]}))
    for name, says in (("notes.txt", "text that is no message export"),
                       ("contacts.csv", "import it with `inbox contacts import`"), ("bad.json", "missing field")):
        r = _cli(["ingest", str(tmp_path / name)], db)
        assert r.exit_code == 1, name
        said = " ".join(r.output.split())
        assert says in said and "no message could be read from it" in said
    r = _cli(["ingest", "--json", str(tmp_path / "sms.json"), str(tmp_path / "notes.txt")], db)
    assert r.exit_code == 1 and json.loads(r.stdout)["new"] == 1  # the good input is still stored
    assert json.loads(r.stdout)["inputs_without_messages"] == [str(tmp_path / "notes.txt")]
    assert _cli(["ingest", str(tmp_path / "sms.json")], db).exit_code == 0  # already present is fine
    assert "Exit status" in _cli(["ingest", "--help"], db).output


def test_hidden_files_and_folder_links_in_an_input_folder_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "sms.json").write_bytes(json_bytes({"messages": [twilio_message(1)]}))
    (folder / ".sms-backup.json").write_bytes(json_bytes({"messages": [twilio_message(2)]}))
    (folder / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    items = read_files([folder])
    assert len(messages(items)) == 1
    reasons = {Path(q.source).name: q.reason for q in items if isinstance(q, Quarantined)}
    assert reasons == {".sms-backup.json": "not read: a hidden file (its name starts with '.')",
                       "elsewhere": "not read: a link to a folder (links are not followed)"}


def test_dedup_of_a_file_that_is_no_export_writes_nothing_and_fails_with_a_hint(tmp_path: Path) -> None:
    """``inbox dedup notes.txt --out g.csv`` wrote an empty groups file and exited 0."""
    from click.testing import CliRunner

    from flerkanal.cli import cli

    (tmp_path / "notes.txt").write_text("Husk å ringe Kari i morgen.\n", encoding="utf-8")
    (tmp_path / "contacts.csv").write_text(CONTACTS + "01010012356,,Kari,,\n", encoding="utf-8")
    (tmp_path / "only-hidden").mkdir()
    (tmp_path / "only-hidden" / ".sms.json").write_bytes(json_bytes({"messages": [twilio_message(1)]}))
    for name, says in (("notes.txt", "text that is no message export"), ("contacts.csv", "pass it with --contacts"),
                       ("only-hidden", "only hidden files or links to folders, which are not read")):
        out = tmp_path / "g.csv"
        r = CliRunner().invoke(cli, ["dedup", str(tmp_path / name), "--out", str(out), "--no-progress"])
        assert r.exit_code == 1 and says in " ".join(r.output.split()), r.output
        assert not out.exists()


def test_contacts_import_reports_every_problem_by_line_and_never_overwrites_a_person(tmp_path: Path) -> None:
    """A second row with the same fnr silently overwrote the first; an invalid email was silently dropped."""
    db = f"sqlite:///{tmp_path / 'x.db'}"
    _cli(["init"], db)
    (tmp_path / "c.csv").write_text(
        CONTACTS + "01010012356,,Kari Nordmann,,kari@example.com\n"
        "01010012356,,Someone Else,,other@example.com\n"
        ",,Per Hansen,,not-an-address\n", encoding="utf-8")
    r = _cli(["contacts", "import", "--json", str(tmp_path / "c.csv")], db)
    data = json.loads(r.stdout)
    assert data["added"] == 1
    problems = {p["position"]: p["reason"] for p in data["problems"]}
    assert problems == {"line 3": "fnr repeats line 2: this row is not loaded",
                        "line 4": "email is not a valid address"}
    store = Store.open(db)
    try:
        with store.engine.connect() as conn:
            names = [n for (n,) in conn.execute(text("SELECT name FROM person"))]
        assert names == ["Kari Nordmann"]
    finally:
        store.close()


# -- 11. a mail built to exhaust the parser -------------------------------------------------------------------

HEAD = (b"From: Ola Nordmann <ola@example.com>\nTo: nav@nav.no\nSubject: Vedlegg\n"
        b"Date: Mon, 02 Nov 2026 10:00:00 +0100\nMessage-ID: <mime@example.com>\nMIME-Version: 1.0\n")


def _many_parts(n: int) -> bytes:
    parts = b"".join(b'--b\nContent-Type: application/octet-stream; name="f%d.bin"\n\nx\n' % i for i in range(n))
    return HEAD + b'Content-Type: multipart/mixed; boundary="b"\n\n' + parts + b"--b--\n"


def _nested(depth: int, lines: int = 1) -> bytes:
    body = b"Content-Type: text/plain\n\n" + b"Hei\n" * lines
    for i in range(depth):
        opening = f'Content-Type: multipart/mixed; boundary="n{i}"\n\n--n{i}\n'.encode()
        body = opening + body + f"\n--n{i}--\n".encode()
    return HEAD + body


def _read_timed(path: str) -> float:
    start = time.perf_counter()
    [q] = list(read_any(Path(path)))
    assert isinstance(q, Quarantined), "should be quarantined"
    assert "MIME" in q.reason and "not read" in q.reason, q.reason
    return time.perf_counter() - start


HOSTILE_MIME = {
    "50,000 parts": lambda: _many_parts(50_000),
    "160 levels deep": lambda: _nested(160),
    "100 levels around 1.5 million lines": lambda: _nested(100, 1_500_000),  # read in 39 s before
}


@pytest.mark.parametrize("kind", list(HOSTILE_MIME))
def test_a_mail_with_too_many_or_too_deep_parts_is_quarantined_quickly(kind: str, tmp_path: Path) -> None:
    """A 3 MB mail of 50,000 MIME parts took 69 s and 766 MB, and was then stored."""
    data = HOSTILE_MIME[kind]()
    (tmp_path / "m.eml").write_bytes(data)
    assert within(30, _read_timed, str(tmp_path / "m.eml")) <= 2


def test_a_mail_with_many_ordinary_parts_is_still_read(tmp_path: Path) -> None:
    (tmp_path / "m.eml").write_bytes(_many_parts(200))
    (tmp_path / "n.eml").write_bytes(_nested(60, 1000))
    [many] = messages(list(read_any(tmp_path / "m.eml")))
    [deep] = messages(list(read_any(tmp_path / "n.eml")))
    assert len(many.attachments) == 200 and deep.body.startswith("Hei\nHei\n")


def test_imap_internaldate_gives_the_arrival_whatever_the_order_of_the_fetch_items() -> None:
    from connectors.imap_wire import parse_fetch

    mail_bytes = eml("<imap@example.com>", date="Sat, 01 Jan 2000 08:00:00 +0100")
    arrived = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    lines: list[Any] = [
        b'1 FETCH (UID 7 INTERNALDATE " 2-Nov-2026 10:30:00 +0100" BODY[] {%d}' % len(mail_bytes),
        bytearray(mail_bytes), b")",
        b"2 FETCH (BODY[] {%d}" % len(mail_bytes), bytearray(mail_bytes),
        b' UID 8 INTERNALDATE "02-Nov-2026 09:30:00 +0000")',
        b"3 FETCH (UID 9 BODY[] {%d}" % len(mail_bytes), bytearray(mail_bytes), b")",
        b"A4 OK Fetch completed.",
    ]
    fetched = parse_fetch(lines)
    assert {uid: when for uid, (_, when) in fetched.items()} == {7: arrived, 8: arrived, 9: None}
    from inbox.parsers.email import parse_email_bytes

    m = parse_email_bytes(fetched[7][0], received_at=fetched[7][1])
    assert m.received_at == arrived and m.flags == ("date",)  # queued by arrival, the year 2000 flagged


def test_the_migration_keeps_the_order_of_messages_stored_before(db_url: str) -> None:
    """Rows stored before 0005 held the time they were stored in received_at; their threads keep their order."""
    from sqlalchemy import insert, update

    from inbox.storage.database import make_engine, migrate
    from inbox.storage.tables import T_THREAD
    from inbox.storage.thread_columns import refresh_threads

    engine = make_engine(db_url)
    migrate(engine, "0004")
    stored = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    sent = [datetime(2026, 11, 2, 9, 0, tzinfo=UTC), datetime(2026, 11, 1, 9, 0, tzinfo=UTC)]
    with engine.begin() as conn:
        tids = []
        for n, at in enumerate(sent):
            tid = conn.execute(insert(T_THREAD).values(
                state="open", first_contact=at, last_activity=at, claimed_by="", channels="sms",
                message_count=1, inbound_count=1, created_seq=0)).inserted_primary_key[0]
            tids.append(tid)
            conn.execute(text(
                "INSERT INTO message (thread_id, channel, provider_key, direction, sent_at, received_at, sender, "
                "recipient, sender_name, subject, conversation, in_reply_to, \"references\", body, clean_body, raw, "
                "attachments, status, ack, source, match_reason) VALUES (:t, 'sms', :k, 'in', :s, :r, '', '', '', "
                "'', '', '', '', 'hei', 'hei', '', '', '', false, '', '')"), {"t": tid, "k": f"SM{n}", "s": at,
                                                                              "r": stored})
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(update(T_THREAD).values(first_contact=stored))  # forget, then work it out again
        refresh_threads(conn, tids)
        firsts = [conn.execute(select(T_THREAD.c.first_contact).where(T_THREAD.c.id == t)).scalar_one()
                  for t in tids]
    engine.dispose()
    assert [f.replace(tzinfo=UTC) if f.tzinfo is None else f for f in firsts] == sent


def test_a_huge_unreadable_record_is_quarantined_with_its_raw_form_cut(tmp_path: Path) -> None:
    (tmp_path / "huge.json").write_bytes(json_bytes({"messages": [{"sid": "SMx", "body": "x" * 9_000_000}]}))
    [q] = list(read_any(tmp_path / "huge.json"))
    assert isinstance(q, Quarantined) and q.reason.startswith("missing field")
    assert len(q.raw) <= 8_000_000 and q.raw.endswith("(at most 8,000,000 are kept)]")


def test_a_quarantine_record_the_database_refuses_is_still_kept(db_url: str) -> None:
    """A connector's record with a NUL in its raw text: PostgreSQL refuses it; it is kept with the NUL replaced."""
    items: list[IncomingMessage | Quarantined] = [Quarantined("imap", "uid 7", "unparseable mail (ValueError)",
                                                             raw="a\x00b", channel="email"), sms("SM1", 1)]
    store = Store.open(db_url)
    try:
        summary = store.ingest(items)
        assert sum(summary.new.values()) == 1
        [q] = store.quarantined()
        assert q.position == "uid 7" and q.reason.startswith("unparseable mail (ValueError)")
        assert q.raw in ("a\x00b", "a\ufffdb")
    finally:
        store.close()


def test_an_mbox_export_keeps_each_mails_own_date_when_its_from_lines_carry_the_export_time(tmp_path: Path) -> None:
    """Exports written by Python's mailbox put the time of the export on every From_ line: a month later, the
    mails' own dates must still order and group them (the arrival time only orders the queue)."""
    export = datetime(2026, 12, 7, 14, 8, 6, tzinfo=UTC)
    dates = [datetime(2026, 9, 8, 7, 58, tzinfo=UTC), datetime(2026, 9, 9, 12, 0, tzinfo=UTC)]
    from_line = b"From MAILER-DAEMON Mon Dec  7 14:08:06 2026\n"
    (tmp_path / "export.mbox").write_bytes(b"".join(
        from_line + eml(f"<m{n}@x>", date=_rfc(d), sender=f"p{n}@example.com") + b"\n" for n, d in enumerate(dates)))
    found = {m.provider_key: m for m in messages(read_files([tmp_path / "export.mbox"]))}
    assert [found[f"<m{n}@x>"].sent_at for n in range(2)] == dates
    assert {m.received_at for m in found.values()} == {export}
