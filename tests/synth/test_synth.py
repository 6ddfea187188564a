"""The synthetic export generator (the synth package) and the bundled demo data (flerkanal.demo).

Everything here reads the files back with the standard library only, so a broken file cannot hide
behind a lenient parser of our own.
"""

from __future__ import annotations

import csv
import json
import mailbox
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

import synth.ids
import synth.sms
from flerkanal.demo import DEMO_DIR, demo_contacts, demo_files, demo_labels
from synth import fnr_for_index, fnr_is_valid, generate, make_fnr, sms_segments

SMS_KEYS = [
    "account_sid", "api_version", "body", "date_created", "date_sent", "date_updated", "direction",
    "error_code", "error_message", "from", "to", "messaging_service_sid", "num_media", "num_segments",
    "price", "price_unit", "sid", "status", "subresource_uris", "uri",
]
PAGE_KEYS = [
    "end", "first_page_uri", "messages", "next_page_uri", "page", "page_size", "previous_page_uri",
    "start", "uri",
]
DIALOG_KEYS = [
    "id", "aktivitetId", "overskrift", "sisteTekst", "sisteDato", "opprettetDato", "historisk", "lest",
    "venterPaSvar", "ferdigBehandlet", "lestAvBrukerTidspunkt", "erLestAvBruker", "oppfolgingsperiode",
    "henvendelser", "egenskaper", "kontorsperreEnhetId",
]
HENVENDELSE_KEYS = ["id", "dialogId", "avsender", "avsenderId", "sendt", "lest", "viktig", "tekst"]
_PARSER = BytesParser(policy=policy.default)


# --------------------------------------------------------------------------------------------------
# Reading the exports back: every message as (key, direction)
# --------------------------------------------------------------------------------------------------


def read_sms_pages(pages: list[Path]) -> list[tuple[str, str]]:
    out = []
    for path in pages:
        page = json.loads(path.read_text(encoding="utf-8"))
        assert list(page) == PAGE_KEYS
        for m in page["messages"]:
            assert list(m) == SMS_KEYS
            assert m["sid"].startswith("SM") and len(m["sid"]) == 34
            int(m["sid"][2:], 16)
            assert m["account_sid"].startswith("AC") and len(m["account_sid"]) == 34
            assert m["direction"] in ("inbound", "outbound-api")
            assert m["status"] == ("received" if m["direction"] == "inbound" else "delivered")
            assert parsedate_to_datetime(m["date_sent"]).utcoffset() is not None
            assert m["date_sent"].endswith("+0000")
            for number in (m["from"], m["to"]):
                assert number.startswith("+47") and len(number) == 11 and number[1:].isdigit()
            assert int(m["num_segments"]) >= 1
            assert m["body"].strip()
            out.append((f"sms:{m['sid']}", "in" if m["direction"] == "inbound" else "out"))
    return out


def read_mbox(path: Path, office: str) -> list[tuple[str, str]]:
    out = []
    box = mailbox.mbox(str(path), create=False)
    ids: set[str] = set()
    replies: list[str] = []
    try:
        for key in box.iterkeys():
            msg = _PARSER.parsebytes(box.get_bytes(key))
            msgid = msg["Message-ID"]
            assert msgid, "a mail without Message-ID"
            msgid = str(msgid).strip()
            assert msgid.startswith("<") and msgid.endswith(">")
            assert msg["Date"] is not None and msg["Date"].datetime.tzinfo is not None
            assert msg["Subject"] is not None
            assert msg.get_content_type() in ("text/plain", "text/html", "multipart/alternative", "multipart/mixed")
            body = msg.get_body(preferencelist=("plain", "html"))
            assert body is not None
            assert body.get_content().strip()
            if msg["In-Reply-To"]:
                replies.append(str(msg["In-Reply-To"]).strip())
                assert str(msg["In-Reply-To"]).strip() in str(msg["References"])
            sender = msg["From"].addresses[0].addr_spec
            ids.add(msgid)
            out.append((f"email:{msgid}", "out" if sender == office else "in"))
    finally:
        box.close()
    assert set(replies) <= ids, "a reply to a mail that is not in the mbox"
    return out


def read_dialogs(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    out: list[tuple[str, str]] = []
    fnrs: list[str] = []
    for person in data:
        assert list(person) == ["fnr", "aktorId", "dialoger"]
        fnrs.append(person["fnr"])
        assert len(person["aktorId"]) == 13 and person["aktorId"].isdigit()
        for d in person["dialoger"]:
            assert list(d) == DIALOG_KEYS
            hs = d["henvendelser"]
            assert hs
            assert d["sisteTekst"] == hs[-1]["tekst"]
            assert d["sisteDato"] == hs[-1]["sendt"] and d["opprettetDato"] == hs[0]["sendt"]
            assert d["ferdigBehandlet"] == (hs[-1]["avsender"] == "VEILEDER")
            times = [datetime.fromisoformat(h["sendt"]) for h in hs]
            assert all(t.tzinfo is not None for t in times)
            assert times == sorted(times)
            for h in hs:
                assert list(h) == HENVENDELSE_KEYS
                assert h["dialogId"] == d["id"]
                assert h["avsender"] in ("BRUKER", "VEILEDER")
                assert (h["avsenderId"] is None) == (h["avsender"] == "BRUKER")
                assert h["tekst"].strip()
                out.append((f"dialog:{h['id']}", "out" if h["avsender"] == "VEILEDER" else "in"))
    return out, fnrs


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def check_labels(labels_path: Path, found: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Every message key is unique and has exactly one label with the right direction."""
    keys = Counter(k for k, _ in found)
    assert not [k for k, n in keys.items() if n > 1], "provider keys are not unique"
    rows = read_csv(labels_path)
    assert list(rows[0]) == ["key", "inquiry", "person", "direction"]
    labelled = {r["key"]: r for r in rows}
    assert len(labelled) == len(rows), "a key is labelled twice"
    assert set(labelled) == set(keys), "labels and messages differ"
    for key, direction in found:
        assert labelled[key]["direction"] == direction, key
        assert labelled[key]["inquiry"].startswith(labelled[key]["person"] + "-")
    return rows


def check_contacts(path: Path) -> list[dict[str, str]]:
    rows = read_csv(path)
    assert list(rows[0]) == ["fnr", "aktor_id", "name", "phone", "email"]
    for r in rows:
        assert fnr_is_valid(r["fnr"], synthetic=True), r["fnr"]
        assert len(r["aktor_id"]) == 13 and r["aktor_id"].isdigit()
        assert r["phone"].startswith("+47") and len(r["phone"]) == 11 and r["phone"][1:].isdigit()
        assert r["email"].rsplit("@", 1)[1] in ("example.no", "example.com", "example.net")
    for column in ("fnr", "aktor_id", "phone", "email"):
        values = [r[column] for r in rows]
        assert len(set(values)) == len(values), f"{column} repeats in the register"
    return rows


# --------------------------------------------------------------------------------------------------
# National ID numbers and SMS segments
# --------------------------------------------------------------------------------------------------


def test_fnr_checks_both_digits() -> None:
    fnr = make_fnr(date(1988, 4, 12), 111)
    assert fnr is not None
    assert fnr[:4] == "1284"  # month + 80
    assert fnr_is_valid(fnr, synthetic=True)
    assert not fnr_is_valid(fnr, synthetic=False)
    for pos in (9, 10):
        broken = fnr[:pos] + str((int(fnr[pos]) + 1) % 10) + fnr[pos + 1 :]
        assert not fnr_is_valid(broken)
    assert not fnr_is_valid("1234567890")
    assert not fnr_is_valid("1284881114x")
    real_style = make_fnr(date(1988, 4, 12), 111, synthetic=False)
    assert real_style is not None and fnr_is_valid(real_style, synthetic=False)


def test_make_fnr_gives_none_when_no_check_digit_exists() -> None:
    results = [make_fnr(date(1990, 1, 1), ind) for ind in range(100)]
    assert any(r is None for r in results)
    assert all(fnr_is_valid(r, synthetic=True) for r in results if r is not None)


def test_fnr_for_index_is_valid_and_unique() -> None:
    indices = list(range(3000)) + [synth.ids.BIRTH_DAYS * k + j for k in (1, 7, 49) for j in range(0, 3000, 7)]
    numbers = [fnr_for_index(i, seed=3) for i in indices]
    assert all(fnr_is_valid(n, synthetic=True) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    with pytest.raises(ValueError, match="too many"):
        fnr_for_index(synth.ids.BIRTH_DAYS * 50)


def test_sms_segments() -> None:
    assert sms_segments("Hei på deg, æøå ÆØÅ") == 1
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("€" * 80) == 1  # GSM extension characters count twice
    assert sms_segments("ł" * 70) == 1  # outside GSM-7: UCS-2, 70 a segment
    assert sms_segments("ł" * 71) == 2


# --------------------------------------------------------------------------------------------------
# generate()
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("synth")
    return out, generate(out, 2000, seed=7, pages_of=300)


def test_counts_add_up_exactly(export: tuple[Path, Any]) -> None:
    _, summary = export
    assert summary.messages == 2000
    assert summary.sms + summary.email + summary.dialog == 2000
    assert summary.inbound + summary.outbound == 2000
    assert min(summary.sms, summary.email, summary.dialog) > 300  # all three channels are used
    assert 0.05 < summary.outbound / 2000 < 0.4  # office replies
    assert summary.people_in_register < summary.people  # some writers are not in the register
    assert summary.inquiries < 2000  # some inquiries come on several messages


def test_files_parse_and_labels_cover_every_message(export: tuple[Path, Any]) -> None:
    out, summary = export
    pages = sorted((out / "sms").glob("page-*.json"))
    assert len(pages) == summary.sms_pages == -(-summary.sms // 300)
    sms = read_sms_pages(pages)
    mails = read_mbox(out / "mail.mbox", synth.OFFICE_EMAIL)
    dialogs, dialog_fnrs = read_dialogs(out / "dialog.json")
    assert (len(sms), len(mails), len(dialogs)) == (summary.sms, summary.email, summary.dialog)
    rows = check_labels(out / "labels.csv", sms + mails + dialogs)
    assert len(rows) == 2000
    assert sum(r["direction"] == "out" for r in rows) == summary.outbound
    contacts = check_contacts(out / "contacts.csv")
    assert len(contacts) == summary.people_in_register
    assert all(fnr_is_valid(f, synthetic=True) for f in dialog_fnrs)
    assert len(set(dialog_fnrs)) == len(dialog_fnrs)
    # Duplicates across channels: some inquiries reach the office on more than one channel.
    channels: dict[str, set[str]] = {}
    for r in rows:
        channels.setdefault(r["inquiry"], set()).add(r["key"].split(":", 1)[0])
    assert sum(len(c) > 1 for c in channels.values()) > 50


def test_sms_pages_are_linked_and_newest_first(export: tuple[Path, Any]) -> None:
    out, summary = export
    pages = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "sms").glob("page-*.json"))]
    dates = []
    for k, page in enumerate(pages):
        assert page["page"] == k and page["page_size"] == 300
        assert page["start"] == k * 300 and page["end"] == k * 300 + len(page["messages"]) - 1
        assert page["first_page_uri"].endswith("PageSize=300&Page=0")
        assert (page["previous_page_uri"] is None) == (k == 0)
        assert (page["next_page_uri"] is None) == (k == len(pages) - 1)
        if k + 1 < len(pages):
            assert page["next_page_uri"] == pages[k + 1]["uri"]
        dates += [parsedate_to_datetime(m["date_sent"]) for m in page["messages"]]
    assert len(dates) == summary.sms
    assert dates == sorted(dates, reverse=True)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 300, seed=11, pages_of=100)
    b = generate(tmp_path / "b", 300, seed=11, pages_of=100)
    c = generate(tmp_path / "c", 300, seed=12, pages_of=100)
    names = [p.relative_to(a.out_dir) for p in a.files]
    assert names == [p.relative_to(b.out_dir) for p in b.files]
    for name in names:
        assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes(), name
    keys_a = {r["key"] for r in read_csv(a.out_dir / "labels.csv")}
    keys_c = {r["key"] for r in read_csv(c.out_dir / "labels.csv")}
    assert not {k for k in keys_a & keys_c if not k.startswith("dialog:")}, "ids repeat across seeds"
    assert not list(tmp_path.glob("*/.sms-runs-*")), "temporary SMS runs were left behind"


def test_streams_through_sorted_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a tiny in-memory buffer the SMS go through many runs on disk and a merge; nothing changes."""
    whole = generate(tmp_path / "whole", 900, seed=2, pages_of=50, people=120)
    spills = []
    spill = synth.sms.SmsChannel._spill

    def counting_spill(self: synth.sms.SmsChannel) -> None:
        spills.append(len(self.sms_buf))
        spill(self)

    monkeypatch.setattr(synth.sms, "_RUN", 37)
    monkeypatch.setattr(synth.sms.SmsChannel, "_spill", counting_spill)
    summary = generate(tmp_path, 900, seed=2, pages_of=50, people=120)
    assert summary.people == 120
    assert len(spills) > 5 and set(spills) == {37}
    for path in whole.files:  # the same bytes as with everything in memory
        assert (tmp_path / path.relative_to(whole.out_dir)).read_bytes() == path.read_bytes(), path.name
    pages = sorted((tmp_path / "sms").glob("page-*.json"))
    sms = read_sms_pages(pages)
    dates = [
        parsedate_to_datetime(m["date_sent"])
        for p in pages
        for m in json.loads(p.read_text(encoding="utf-8"))["messages"]
    ]
    assert dates == sorted(dates, reverse=True)
    mails = read_mbox(tmp_path / "mail.mbox", synth.OFFICE_EMAIL)
    dialogs, _ = read_dialogs(tmp_path / "dialog.json")
    check_labels(tmp_path / "labels.csv", sms + mails + dialogs)
    assert len(sms) + len(mails) + len(dialogs) == 900


@pytest.mark.parametrize("n", [0, 1, 5])
def test_tiny_exports(tmp_path: Path, n: int) -> None:
    summary = generate(tmp_path, n, seed=1)
    assert summary.sms + summary.email + summary.dialog == n
    assert json.loads((tmp_path / "dialog.json").read_text(encoding="utf-8")) is not None
    page = json.loads((tmp_path / "sms" / "page-0000.json").read_text(encoding="utf-8"))
    assert len(page["messages"]) == summary.sms
    assert len(read_csv(tmp_path / "labels.csv")) == n


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="messages"):
        generate(tmp_path, -1)
    with pytest.raises(ValueError, match="pages_of"):
        generate(tmp_path, 10, pages_of=0)
    with pytest.raises(ValueError, match="rates"):
        generate(tmp_path, 10, duplicate_rate=1.5)


# --------------------------------------------------------------------------------------------------
# The bundled demo data
# --------------------------------------------------------------------------------------------------


def test_demo_data_is_what_make_demo_data_writes(tmp_path: Path) -> None:
    """bench/make_demo_data.py (demo_messages.toml through synth's encoding) rebuilds the bundled files."""
    script = Path(__file__).resolve().parents[2] / "bench" / "make_demo_data.py"
    done = subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    bundled = [*demo_files(), demo_contacts(), demo_labels()]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in bundled)
    for path in bundled:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_demo_files_exist() -> None:
    files = demo_files()
    assert [p.name for p in files] == ["sms.json", "mail.mbox", "dialog.json"]
    for path in [*files, demo_contacts(), demo_labels()]:
        assert path.is_file() and path.parent == DEMO_DIR


def test_demo_data_parses_and_is_fully_labelled() -> None:
    sms_path, mbox_path, dialog_path = demo_files()
    sms = read_sms_pages([sms_path])
    mails = read_mbox(mbox_path, synth.OFFICE_EMAIL)
    dialogs, dialog_fnrs = read_dialogs(dialog_path)
    found = sms + mails + dialogs
    assert 70 <= len(found) <= 90
    assert min(len(sms), len(mails), len(dialogs)) >= 15
    rows = check_labels(demo_labels(), found)
    assert [r["key"] for r in rows] == sorted(r["key"] for r in rows)
    contacts = check_contacts(demo_contacts())
    assert all(fnr_is_valid(f, synthetic=True) for f in dialog_fnrs)
    # Some writers are not in the register, and some inquiries span channels.
    people = {r["person"] for r in rows}
    assert 20 <= len(people) <= 30
    assert len(contacts) < len(people)
    channels: dict[str, set[str]] = {}
    for r in rows:
        channels.setdefault(r["inquiry"], set()).add(r["key"].split(":", 1)[0])
    assert max(len(c) for c in channels.values()) == 3
    assert sum(r["direction"] == "out" for r in rows) >= 10


def test_demo_mail_formats() -> None:
    box = mailbox.mbox(str(demo_files()[1]), create=False)
    try:
        msgs = [_PARSER.parsebytes(box.get_bytes(k)) for k in box.iterkeys()]
    finally:
        box.close()
    types = Counter(m.get_content_type() for m in msgs)
    assert types["text/html"] >= 1 and types["multipart/alternative"] >= 1 and types["multipart/mixed"] >= 1
    assert any(part.get_filename() for m in msgs for part in m.walk())
    assert sum(1 for m in msgs if m["In-Reply-To"]) >= 5
    raw = demo_files()[1].read_bytes()
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    assert b"=C3=A5" in raw  # UTF-8 in quoted-printable
