"""Odd input for every other format: Twilio pages and CSV logs, dialogue dumps, contact registers, unknown files
and a directory holding a mix. Each record read is a message or is quarantined with file, position and reason;
stored, new + quarantined == records read, and reading it all again adds nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from inbox.contacts import read_contacts_csv
from inbox.domain import Channel, Contact, IncomingMessage, Quarantined
from inbox.ingest import read_files, with_clean_body
from inbox.parsers import Format, detect_format, read_any
from inbox.storage.repository import Store
from tests.badinput.corpus import (
    BAD_FNR,
    CONTACTS_HEADER,
    GOOD_FNR,
    ONE_MB,
    RTL_MIX,
    csv_row,
    dialog,
    dialog_dump,
    good_mail,
    henvendelse,
    henvendelse_cases,
    mbox_bytes,
    person_block,
    twilio_csv,
    twilio_entry_cases,
    twilio_message,
    twilio_page,
    twilio_page_deeply_nested,
    twilio_page_invalid_utf8,
    twilio_page_truncated,
    unknown_files,
)

Item = IncomingMessage | Quarantined
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:  # SQLite only (shadows the conftest's two-database fixture)
    s = Store.open(f"sqlite:///{tmp_path / 'inbox.db'}")
    yield s
    s.close()


def split(items: Sequence[Item]) -> tuple[list[IncomingMessage], list[Quarantined]]:
    return [i for i in items if isinstance(i, IncomingMessage)], [i for i in items if isinstance(i, Quarantined)]


def assert_sound(items: Sequence[Item], source: Path) -> None:
    """Every record is a storable message or a quarantined record with file, position and a reason."""
    for item in items:
        if isinstance(item, Quarantined):
            assert item.source.startswith(str(source)) and item.position and item.reason, item
            assert not UNSTORABLE.search(item.raw)
        else:
            assert isinstance(item, IncomingMessage)
            for text in (item.provider_key, item.body, item.raw, item.sender, item.recipient, item.subject,
                         item.status, *(i.value for i in item.identities)):
                assert not UNSTORABLE.search(text), item.provider_key


def assert_stored_once(store: Store, items: Sequence[Item]) -> None:
    """Stored: new + quarantined == records read; storing again adds nothing."""
    summary = store.ingest(items)
    new, bad = sum(summary.new.values()), sum(summary.quarantined.values())
    assert sum(summary.present.values()) == 0
    assert new + bad == len(items)
    assert store.counts()["messages"] == new == sum(isinstance(i, IncomingMessage) for i in items)
    assert store.counts()["quarantined"] == bad
    before = store.counts()
    again = store.ingest(items)
    assert sum(again.new.values()) == 0
    assert store.counts() == before


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- Twilio pages ----------------------------------------------------------------------------------------------
def test_twilio_page_entries_with_missing_fields_wrong_types_and_odd_text(tmp_path: Path, store: Store) -> None:
    cases = twilio_entry_cases()
    f = write(tmp_path / "Messages.json", twilio_page([c.entry for c in cases]))
    assert detect_format(f) == Format.TWILIO_JSON
    items = list(read_any(f))
    assert len(items) == len(cases)
    assert_sound(items, f)
    for i, (case, item) in enumerate(zip(cases, items, strict=True)):
        if case.expect == "message":
            assert isinstance(item, IncomingMessage), f"{case.name}: {getattr(item, 'reason', '')}"
            assert item.channel == Channel.SMS
            if case.body is not None:
                assert item.body == case.body, case.name
        else:
            assert isinstance(item, Quarantined), case.name
            assert item.position == f"messages[{i}]" and item.channel == "sms"
            assert case.reason_has in item.reason, (case.name, item.reason)
            assert item.raw  # the entry is kept for the operator
    assert_stored_once(store, items)


def test_twilio_emoji_and_right_to_left_text_is_kept_exactly(tmp_path: Path) -> None:
    f = write(tmp_path / "page.json", twilio_page([twilio_message(1, RTL_MIX), twilio_message(2, "\u202e.txt")]))
    good, bad = split(list(read_any(f)))
    assert bad == [] and [m.body for m in good] == [RTL_MIX, "\u202e.txt"]


def test_a_one_megabyte_sms_body(tmp_path: Path, store: Store) -> None:
    body = "😀 ærlig talt " * (ONE_MB // 13)
    f = write(tmp_path / "big.json", twilio_page([twilio_message(1, body)]))
    (m,) = read_any(f)
    assert isinstance(m, IncomingMessage) and m.body == body
    assert_stored_once(store, [m])


@pytest.mark.parametrize(("name", "build", "position", "reason"), [
    ("invalid_utf8", twilio_page_invalid_utf8, "byte ", "not valid UTF-8"),
    ("truncated", twilio_page_truncated, "line 1 column ", "invalid JSON"),
    ("deeply_nested", twilio_page_deeply_nested, "top level", "nested too deeply"),
    ("messages_not_a_list", lambda: b'{"messages": {"sid": "SM1"}}', "top level", "no 'messages' list"),
    ("messages_null", lambda: b'{"messages": null, "next_page_uri": null}', "top level", "no 'messages' list"),
    ("single_resource_not_a_page", lambda: json.dumps(twilio_message(1)).encode(), "top level", "no 'messages'"),
])
def test_unreadable_twilio_pages_are_one_quarantined_record(tmp_path: Path, store: Store, name: str, build: object,
                                                             position: str, reason: str) -> None:
    assert callable(build)
    data = build()
    f = write(tmp_path / f"{name}.json", data)
    (q,) = read_any(f)
    assert isinstance(q, Quarantined) and q.channel == "sms"
    assert q.position.startswith(position) and reason in q.reason
    if name == "invalid_utf8":
        assert q.position == f"byte {data.index(bytes([0xF8]))}"
    assert_stored_once(store, [q])


def test_twilio_page_as_bare_list_and_with_bom(tmp_path: Path) -> None:
    bare = write(tmp_path / "bare.json", json.dumps([twilio_message(1), "x"]).encode())
    bom = write(tmp_path / "bom.json", b"\xef\xbb\xbf" + twilio_page([twilio_message(2)]))
    assert [type(i).__name__ for i in read_any(bare)] == ["IncomingMessage", "Quarantined"]
    assert [type(i).__name__ for i in read_any(bom)] == ["IncomingMessage"]


# -- Twilio CSV ------------------------------------------------------------------------------------------------
def test_twilio_csv_with_odd_rows(tmp_path: Path, store: Store) -> None:
    big = "x" * ONE_MB
    rows = [
        csv_row(1),                                                  # line 2: good
        csv_row(2, RTL_MIX),                                         # 3: emoji and RTL
        f"SM{'3' * 32},+4791234567\n",                               # 4: short row
        csv_row(4, extra=",extra,cells"),                            # 5: more cells than the header
        csv_row(5, date="yesterday"),                                # 6: bad date
        csv_row(6, "PLACEHOLDER"),                                   # 7: bytes that are not UTF-8
        csv_row(7, big),                                             # 8: over the CSV field limit
        csv_row(8, "flere\nlinjer \"sitert\""),                      # 9-10: quoted newline
        csv_row(9, "nul\x00tegn"),                                   # 11: NUL
        csv_row(10, date="9999-12-31T23:59:59-12:00"),               # 12: out of range
        csv_row(11, direction="outbound-api"),                       # 13: good, outbound
    ]
    data = twilio_csv(rows).replace(b"PLACEHOLDER", b"S\xf8knad")
    f = write(tmp_path / "log.csv", data)
    assert detect_format(f) == Format.TWILIO_CSV
    items = list(read_any(f))
    assert_sound(items, f)
    good, bad = split(items)
    assert [m.provider_key[-2:] for m in good] == ["01", "02", "04", "08", "09", "11"]
    assert good[1].body == RTL_MIX and good[3].body == 'flere\nlinjer "sitert"' and good[4].body == "nul\ufffdtegn"
    assert good[5].direction.value == "out"
    assert [(q.position, q.reason.split(" (")[0]) for q in bad] == [
        ("line 4", "field 'date_sent' is not an RFC 2822 date"),  # the short row's first missing cell
        ("line 6", "field 'date_sent' is not an RFC 2822 date"),
        ("line 7", "row is not valid UTF-8"),
        ("line 8", "unreadable CSV row"),
        ("line 12", "field 'date_sent' is out of range"),
    ]
    assert "S\ufffdknad" in bad[2].raw
    assert_stored_once(store, items)


@pytest.mark.parametrize(("header", "position", "reason"), [
    ("Sid,From,To,Direction,SentDate\n", "line 1", "CSV header lacks columns: body"),
    ("CallSid,Duration,Status\n", "line 1", "CSV header lacks columns: sid, from, to, body, direction, date_sent"),
    ("sid;from;to;body;direction;date_sent\n", "file", "unrecognised format"),
])
def test_twilio_csv_with_wrong_columns_is_one_quarantined_record(tmp_path: Path, header: str, position: str,
                                                                 reason: str) -> None:
    f = write(tmp_path / "log.csv", twilio_csv([csv_row(1)], header=header))
    (q,) = read_any(f)
    assert isinstance(q, Quarantined)
    assert q.position == position and q.reason.startswith(reason)


def test_twilio_csv_with_bom_and_bad_header_bytes(tmp_path: Path) -> None:
    bom = write(tmp_path / "bom.csv", b"\xef\xbb\xbf" + twilio_csv([csv_row(1)]))
    (m,) = read_any(bom)
    assert isinstance(m, IncomingMessage)
    bad_header = write(tmp_path / "bad.csv", twilio_csv([csv_row(1)], header="Sid,Fr\xf8m,To,Body,Direction,Date\n"
                                                        ).replace("ø".encode(), b"\xf8"))
    (q,) = read_any(bad_header)
    assert isinstance(q, Quarantined) and q.reason.startswith("CSV header lacks columns")


# -- dialogue dumps --------------------------------------------------------------------------------------------
def test_dialogue_henvendelser_with_wrong_types_and_odd_text(tmp_path: Path, store: Store) -> None:
    cases = henvendelse_cases()
    dump = [person_block([dialog("d1", [c.entry for c in cases])])]
    f = write(tmp_path / "dump.json", dialog_dump(dump))
    items = list(read_any(f))
    assert len(items) == len(cases)
    assert_sound(items, f)
    for k, (case, item) in enumerate(zip(cases, items, strict=True)):
        if case.expect == "message":
            assert isinstance(item, IncomingMessage), f"{case.name}: {getattr(item, 'reason', '')}"
            assert {i.value for i in item.identities} == {GOOD_FNR, "1000012345678"}
            if case.body is not None:
                assert item.body == case.body
        else:
            assert isinstance(item, Quarantined), case.name
            assert item.position == f"[0].dialoger[0].henvendelser[{k}]"
            assert case.reason_has in item.reason, (case.name, item.reason)
    assert_stored_once(store, items)


def test_dialogue_dump_structure_errors(tmp_path: Path, store: Store) -> None:
    dump = [
        person_block([dialog("d1", [henvendelse("ok1")])]),                     # [0]: fine
        person_block([dialog("d2", [henvendelse("x1")])], fnr=BAD_FNR),         # [1]: bad fnr
        person_block([dialog("d3", [henvendelse("x2")])], fnr=["01010012356"]),  # [2]: fnr of a wrong type
        person_block("not a list"),                                             # [3]: dialoger wrong type
        {"fnr": GOOD_FNR},                                                      # [4]: no dialoger
        "a string",                                                             # [5]: not an object
        person_block([                                                          # [6]: one bad dialog each
            dialog("d4", {"0": henvendelse("x3")}),                             #   henvendelser is an object
            {"id": "d5", "overskrift": "uten henvendelser"},                    #   no henvendelser at all
            ["not", "a", "dialog"],
            dialog("d6", [henvendelse("ok2", dialogId="d6")]),
        ], aktor={"id": 1}),
        person_block([dialog("d7", [henvendelse("ok3", dialogId="d7")])], fnr="", aktor=""),  # [7]: anonymous
    ]
    f = write(tmp_path / "dump.json", dialog_dump(dump))
    items = list(read_any(f))
    assert_sound(items, f)
    good, bad = split(items)
    assert [m.provider_key for m in good] == ["ok1", "ok3"]
    assert [(q.position, q.reason) for q in bad] == [
        ("[1]", "field 'fnr' is not a valid national ID number"),
        ("[2]", "field 'fnr' should be a string, got list"),
        ("[3]", "missing or invalid 'dialoger' list"),
        ("[4]", "missing or invalid 'dialoger' list"),
        ("[5]", "missing or invalid 'dialoger' list"),
        ("[6]", "field 'aktorId' should be a string, got dict"),
    ]
    assert "x1" in bad[0].raw  # what could not be read is kept for the operator
    assert_stored_once(store, items)

    anon = write(tmp_path / "one-person.json", dialog_dump(person_block([
        dialog("d4", {"0": henvendelse("x3")}), {"id": "d5"}, ["x"], dialog("d6", [henvendelse("ok2")])])))
    good, bad = split(list(read_any(anon)))
    assert [m.provider_key for m in good] == ["ok2"]
    assert [(q.position, q.reason) for q in bad] == [
        (f"dialoger.dialoger[{j}]", "dialog without a 'henvendelser' list") for j in range(3)]


@pytest.mark.parametrize(("name", "data", "position", "reason"), [
    ("truncated", dialog_dump([person_block([dialog("d1", [henvendelse("h1")])])])[:120], "line 1 column ",
     "invalid JSON"),
    ("invalid_utf8", dialog_dump([person_block([dialog("d1", [henvendelse("h1", "PLACEHOLDER")])])]).replace(
        b"PLACEHOLDER", b"\xff"), "byte ", "not valid UTF-8"),
    ("deeply_nested", b'[{"dialoger": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]", "top level", "nested too deeply"),
    ("not_a_dump", b'{"dialoger_x": 1, "henvendelser": 2}', "top level", "not a dialogue dump"),
])
def test_unreadable_dialogue_dumps_are_one_quarantined_record(tmp_path: Path, name: str, data: bytes,
                                                              position: str, reason: str) -> None:
    f = write(tmp_path / f"{name}.json", data)
    assert detect_format(f) == Format.DIALOG_JSON
    (q,) = read_any(f)
    assert isinstance(q, Quarantined) and q.channel == "dialog"
    assert q.position.startswith(position) and reason in q.reason


# -- contact register ------------------------------------------------------------------------------------------
def test_contacts_with_bad_rows(tmp_path: Path, store: Store) -> None:
    rows = (
        f"{GOOD_FNR},1000012345678,Kari Nordmann,+4791234567,kari@example.com\n"
        f"{BAD_FNR},1,Feil Fnr,,\n"
        ",2,Ingen Kontakt,,\n"
        ",3,Feil Telefon,not a phone,\n"
        f',4,"{RTL_MIX}",,rtl@example.com\n'
        "01010010183,5,Kort Rad\n"
    )
    f = write(tmp_path / "contacts.csv", (CONTACTS_HEADER + rows).encode())
    items = list(read_contacts_csv(f))
    contacts = [c for c in items if isinstance(c, Contact)]
    bad = [q for q in items if isinstance(q, Quarantined)]
    assert [c.name for c in contacts] == ["Kari Nordmann", RTL_MIX, "Kort Rad"]
    assert [(q.position, q.reason) for q in bad] == [
        ("line 3", "fnr is not a valid national ID number (mod 11)"),
        ("line 4", "row has neither fnr, phone nor email"),
        ("line 5", "phone is not a valid phone number"),
    ]
    summary = store.import_contacts(items)
    assert summary.added == 3 and len(summary.problems) == 3


@pytest.mark.parametrize(("data", "position", "reason"), [
    (b"fnr;aktor_id;name;phone;email\n1;2;3;4;5\n", "line 1", "missing columns"),
    (b"name,phone\nKari,+4791234567\n", "line 1", "missing columns: fnr, aktor_id, email"),
    (b"", "line 1", "missing columns"),
    (CONTACTS_HEADER.encode() + b"01010010183,1,K\xf8re,,\n", "line 2", "row is not valid UTF-8"),
])
def test_unreadable_contact_files(tmp_path: Path, data: bytes, position: str, reason: str) -> None:
    f = write(tmp_path / "contacts.csv", data)
    (q,) = read_contacts_csv(f)
    assert isinstance(q, Quarantined)
    assert q.position == position and reason in q.reason


def test_contacts_row_with_extra_cells(tmp_path: Path) -> None:
    f = write(tmp_path / "contacts.csv", (CONTACTS_HEADER + f"{GOOD_FNR},1,Kari,,,extra\n").encode())
    (q,) = read_contacts_csv(f)
    assert isinstance(q, Quarantined)
    assert q.position == "line 2" and "more cells than the header" in q.reason


def test_contacts_invalid_utf8_far_into_the_file(tmp_path: Path) -> None:
    rows = "".join(f",{i},Navn {i},,n{i}@example.com\n" for i in range(1000))
    data = (CONTACTS_HEADER + rows).encode()
    at = data.index(b"Navn 500")
    f = write(tmp_path / "contacts.csv", data[:at] + b"N\xe6vn" + data[at + 4:])
    items = list(read_contacts_csv(f))
    bad = [q for q in items if isinstance(q, Quarantined)]
    assert len(items) == 1000 and len(bad) == 1 and bad[0].position in (f"byte {at + 1}", "line 502")


# -- unknown formats and directories ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(unknown_files()))
def test_unknown_files_are_one_quarantined_record(tmp_path: Path, store: Store, name: str) -> None:
    f = write(tmp_path / name, unknown_files()[name])
    assert detect_format(f) == Format.UNKNOWN
    (q,) = read_any(f)
    assert isinstance(q, Quarantined)
    assert (q.source, q.position) == (str(f), "file") and q.reason.startswith("unrecognised format")
    assert_stored_once(store, [q])


def test_a_directory_with_a_mix(tmp_path: Path, store: Store) -> None:
    d = tmp_path / "export"
    (d / "maildir" / "cur").mkdir(parents=True)
    (d / "maildir" / "new").mkdir()
    (d / "pages").mkdir()
    write(d / "maildir" / "cur" / "1", good_mail(1))
    write(d / "maildir" / "new" / "2", b"no headers at all")
    write(d / "pages" / "p1.json", twilio_page([twilio_message(1), twilio_message(2, None)]))
    write(d / "pages" / "p2.json", twilio_page_truncated())
    write(d / "log.csv", twilio_csv([csv_row(3), csv_row(4, date="x")]))
    write(d / "mail.mbox", mbox_bytes([good_mail(2), b"junk\n"]))
    write(d / "dump.json", dialog_dump([person_block([dialog("d1", [henvendelse("h1"), henvendelse("h2", 1)])])]))
    write(d / "notes.txt", "Bare notater 😀".encode())
    write(d / "empty.json", b"")
    write(d / ".DS_Store", b"\x00\x00\x00\x01Bud1")  # hidden: not an export
    (tmp_path / "elsewhere").mkdir()
    write(tmp_path / "elsewhere" / "p.json", twilio_page([twilio_message(9)]))
    (d / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)  # not followed

    items = list(read_any(d))
    assert_sound(items, d)
    good, bad = split(items)
    assert sorted(m.key for m in good) == sorted([
        "email:<good-1@example.com>", "email:<good-2@example.com>", f"sms:SM{'1':0>32}", f"sms:SM{'3':0>32}",
        "dialog:h1"])
    where = sorted((Path(q.source).relative_to(d).as_posix(), q.position) for q in bad)
    assert [w[0] for w in where] == [".DS_Store", "dump.json", "empty.json", "link", "log.csv", "mail.mbox",
                                     "maildir", "notes.txt", "pages/p1.json", "pages/p2.json"]
    # (the hidden file and the link are reported as not read, not skipped without a word)
    # read_files also works out each message's clean text (in its parse workers)
    files = read_files([d])
    assert sorted(files[: len(bad)], key=repr) == sorted(bad, key=repr)
    assert files[len(bad):] == [with_clean_body(m) for m in sorted(good, key=lambda m: (m.sent_at.timestamp(), m.key))]
    assert_stored_once(store, items)
