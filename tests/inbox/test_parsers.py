"""Readers: good records parse, bad ones are quarantined with file, position and reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inbox.domain import Channel, Direction, IncomingMessage, Quarantined
from inbox.identity import find_fnrs, fnr_is_valid, mask_fnrs, normalise_email, normalise_phone
from inbox.parsers import Format, detect_format, read_any
from inbox.parsers.common import iso_time
from inbox.text import clean_text, html_to_text


def _split(items: list[IncomingMessage | Quarantined]) -> tuple[list[IncomingMessage], list[Quarantined]]:
    return ([i for i in items if isinstance(i, IncomingMessage)], [i for i in items if isinstance(i, Quarantined)])


def test_formats_are_detected_from_content_not_names(demo_dir: Path, tmp_path: Path) -> None:
    for name, fmt in (("sms.json", Format.TWILIO_JSON), ("mail.mbox", Format.MBOX),
                      ("dialog.json", Format.DIALOG_JSON)):
        renamed = tmp_path / f"export-{fmt.value}.dat"
        renamed.write_bytes((demo_dir / name).read_bytes())
        assert detect_format(renamed) == fmt


def test_twilio_page_fields(demo_dir: Path) -> None:
    good, bad = _split(list(read_any(demo_dir / "sms.json")))
    assert bad == []
    assert len(good) == 28
    m = good[0]
    assert m.channel == Channel.SMS and m.provider_key.startswith("SM")
    assert m.sent_at.tzinfo is not None
    assert {x.direction for x in good} == {Direction.IN, Direction.OUT}


def test_twilio_entries_missing_fields_are_quarantined(tmp_path: Path) -> None:
    page = {"messages": [
        {"sid": "SM" + "a" * 32, "body": "ok", "from": "+4791234567", "to": "+4759446000",
         "direction": "inbound", "date_sent": "Wed, 28 Oct 2026 16:05:00 +0000"},
        {"sid": "SM" + "b" * 32, "from": "+4791234567", "to": "+4759446000", "direction": "inbound",
         "date_sent": "Wed, 28 Oct 2026 16:05:00 +0000"},
        {"sid": "SM" + "c" * 32, "body": "x", "from": "+4791234567", "to": "+4759446000",
         "direction": "inbound", "date_sent": "yesterday"},
        "not an object",
    ], "next_page_uri": None}
    f = tmp_path / "page.json"
    f.write_text(json.dumps(page), encoding="utf-8")
    good, bad = _split(list(read_any(f)))
    assert [m.provider_key[2] for m in good] == ["a"]
    assert [(q.position, q.reason) for q in bad] == [
        ("messages[1]", "missing field 'body'"),
        ("messages[2]", "field 'date_sent' is not an RFC 2822 date"),
        ("messages[3]", "entry should be an object, got str"),
    ]
    assert all(q.source == str(f) for q in bad)


def test_truncated_json_is_quarantined_with_its_position(tmp_path: Path) -> None:
    f = tmp_path / "dialog.json"
    f.write_text('[{"fnr": "14839109602", "dialoger": [{"henvendelser": [', encoding="utf-8")
    (q,) = list(read_any(f))
    assert isinstance(q, Quarantined)
    assert q.position.startswith("line 1 column")
    assert "invalid JSON" in q.reason


def test_dialog_wrong_types_quarantine_only_that_message(demo_dir: Path, tmp_path: Path) -> None:
    data = json.loads((demo_dir / "dialog.json").read_text(encoding="utf-8"))
    data[0]["dialoger"][0]["henvendelser"][0]["tekst"] = 42
    data[0]["dialoger"][0]["henvendelser"][1]["avsender"] = "ROBOT"
    f = tmp_path / "d.json"
    f.write_text(json.dumps(data), encoding="utf-8")
    good, bad = _split(list(read_any(f)))
    assert len(good) == 21
    assert [q.reason for q in bad] == ["field 'tekst' should be a string",
                                       "field 'avsender' should be BRUKER or VEILEDER"]
    assert bad[0].position == "[0].dialoger[0].henvendelser[0]"


def test_dialog_messages_carry_the_citizens_identity(demo_dir: Path) -> None:
    good, _ = _split(list(read_any(demo_dir / "dialog.json")))
    first = good[0]
    assert first.conversation
    assert {i.kind.value for i in first.identities} == {"fnr", "aktor_id"}


MAIL_OK = (b"From: Kari <kari@example.no>\nTo: nav@nav.no\nSubject: Hei\nDate: Mon, 07 Sep 2026 09:15:00 +0200\n"
           b"Message-ID: <ok1@x>\nContent-Type: text/plain; charset=utf-8\n\nHei, kort sp\xc3\xb8rsm\xc3\xa5l.\n")


def test_mbox_bad_mail_is_quarantined_and_the_rest_goes_through(tmp_path: Path) -> None:
    no_date = MAIL_OK.replace(b"Date: Mon, 07 Sep 2026 09:15:00 +0200\n", b"").replace(b"ok1", b"ok2")
    wrong_charset = MAIL_OK.replace(b"charset=utf-8", b"charset=klingon").replace(b"ok1", b"ok3")
    f = tmp_path / "m.mbox"
    f.write_bytes(b"From x Mon Sep  7 09:15:00 2026\n" + MAIL_OK + b"\nFrom x Mon Sep  7 09:15:00 2026\n" + no_date
                  + b"\nFrom x Mon Sep  7 09:15:00 2026\n" + wrong_charset)
    good, bad = _split(list(read_any(f)))
    assert [m.provider_key for m in good] == ["<ok1@x>", "<ok3@x>"]
    assert "spørsmål" in good[1].body  # undecodable charset falls back, nothing lost
    assert len(bad) == 1
    assert bad[0].position == "message 2 (line 11)"
    assert bad[0].reason == "missing or unreadable Date header"


def test_mail_without_message_id_gets_a_stable_content_key(tmp_path: Path) -> None:
    f = tmp_path / "one.eml"
    f.write_bytes(MAIL_OK.replace(b"Message-ID: <ok1@x>\n", b"X-Other: 1\nMessage-ID:\n"))
    a = [i for i in read_any(f) if isinstance(i, IncomingMessage)]
    b = [i for i in read_any(f) if isinstance(i, IncomingMessage)]
    assert a[0].provider_key == b[0].provider_key
    assert a[0].provider_key.startswith("<sha256-")


def test_html_only_mail_becomes_text_without_scripts() -> None:
    text = html_to_text("<html><script>alert('x')</script><p>Hei <b>Nav</b></p><p>Når kommer pengene?</p></html>")
    assert "alert" not in text
    assert "Hei Nav" in text and "Når kommer pengene?" in text


def test_clean_text_drops_quotes_and_signatures() -> None:
    body = ("Takk for svaret. Når kommer pengene?\n\nMed vennlig hilsen\nKari Nordmann\n+47 912 34 567\n\n"
            "tor. 10. sep. 2026 kl. 10:12 skrev Nav <nav@nav.no>:\n> Hei Kari,\n> svaret er ja.\n")
    assert clean_text(body, email=True) == "Takk for svaret. Når kommer pengene?"
    outlook = "Hei igjen\n\nFra: Nav Grünerløkka\nSendt: 9. september 2026 07:51\nTil: Kari\nEmne: Svar\n\nGammel tekst"
    assert clean_text(outlook, email=True) == "Hei igjen"
    assert clean_text("hei\nmvh kari") == "hei"


def test_identity_helpers() -> None:
    assert normalise_phone("+47 912 34 567") == "+4791234567"
    assert normalise_phone("91234567") == "+4791234567"
    assert normalise_phone("not a phone") is None
    assert normalise_email(" Kari@Example.NO ") == "kari@example.no"
    assert fnr_is_valid("14839109602")
    assert not fnr_is_valid("14839109603")
    assert find_fnrs("fnr. 148391 09602, konto 1234.56.78901") == ["14839109602"]
    assert mask_fnrs("mitt fnr er 14839109602") == "mitt fnr er <fnr>"


def test_fnr_rule_checks_digits_and_date() -> None:
    # Both check digits right, the date one a register writes: plain, d-nummer (day + 40), h-nummer (month + 40),
    # synthetic (month + 80), and a synthetic d-nummer.
    for fnr in ("12048811181", "52048811175", "12448811164", "12848811147", "52848811130"):
        assert fnr_is_valid(fnr), fnr
    assert fnr_is_valid("52048811175", synthetic=False)
    assert not fnr_is_valid("52048811175", synthetic=True)
    assert fnr_is_valid("52848811130", synthetic=True)
    # Check digits right, but no such date: month 00, day 32, day 00, month 54.
    for no_date in ("12008811111", "32128811191", "00048811132", "12548811102"):
        assert not fnr_is_valid(no_date), no_date
    assert not fnr_is_valid("12048811182")  # second check digit wrong
    assert not fnr_is_valid("１２０４８８１１１８１")  # full-width digits are digits to str.isdigit, not to us
    assert find_fnrs("d-nummer 520488 11175, konto 1200.88.11111") == ["52048811175"]


def test_timestamps_are_timezone_aware(demo_dir: Path) -> None:
    for f in ("sms.json", "mail.mbox", "dialog.json"):
        for m in read_any(demo_dir / f):
            assert isinstance(m, IncomingMessage)
            assert m.sent_at.tzinfo is not None
            assert m.sent_at < datetime(2027, 1, 1, tzinfo=UTC)


def test_parallel_read_equals_sequential_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big mbox is read in ranges by several processes; records and positions stay those of one pass."""
    import inbox.ingest as ingest
    from synth import generate

    generate(tmp_path / "e", 1500, seed=4)
    bad = b"From x Mon Sep  7 09:15:00 2026\nSubject: no date\nFrom: a@b.no\nMessage-ID: <bad@x>\n\nhei\n\n"
    mbox = tmp_path / "e" / "mail.mbox"
    data = mbox.read_bytes()
    cut = data.index(b"\nFrom ", len(data) // 2) + 1
    mbox.write_bytes(data[:cut] + bad + data[cut:])
    monkeypatch.setattr(ingest, "PARALLEL_BYTES", 1)
    files = [p for p in (tmp_path / "e").iterdir() if p.name not in ("contacts.csv", "labels.csv")]

    def ids(items: list[IncomingMessage | Quarantined]) -> list[tuple[str, str]]:
        return [(i.key, "") if isinstance(i, IncomingMessage) else (i.source, i.position) for i in items]

    one = ingest.read_files(files, workers=1)
    two = ingest.read_files(files, workers=2)
    assert ids(one) == ids(two)
    assert len(one) == 1501
    assert sum(isinstance(i, Quarantined) for i in one) == 1
    assert [q.position for q in one if isinstance(q, Quarantined)] == [
        q.position for q in read_any(mbox) if isinstance(q, Quarantined)]


def test_iso_time_reads_back_what_the_product_wrote() -> None:
    assert iso_time("2026-11-02T09:00:00+01:00") == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert iso_time("2026-11-02T09:00:00") == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # no offset: UTC
    assert iso_time(None) is None and iso_time("") is None and iso_time(12) is None
    assert iso_time("yesterday") is None
    with pytest.raises(ValueError, match="yesterday"):
        iso_time("yesterday", strict=True)
