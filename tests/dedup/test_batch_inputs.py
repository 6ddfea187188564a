"""Reading a batch run's inputs: the JSONL export, mbox byte ranges, streamed dialogue dumps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedup import sources
from dedup.sources import iter_json_array, plan_reads, read_dialog_stream, run_read_task
from inbox.domain import IncomingMessage, Quarantined
from inbox.parsers import read_any, read_dialog_json, read_mbox
from inbox.parsers.jsonl import looks_like_jsonl, read_jsonl, write_jsonl

EXPORTS = ("sms.json", "mail.mbox", "dialog.json")


def _key(item: IncomingMessage | Quarantined) -> tuple[str, str]:
    return (item.key, "") if isinstance(item, IncomingMessage) else ("", f"{item.source}:{item.position}")


def test_jsonl_round_trip_keeps_every_field(demo_dir: Path, tmp_path: Path) -> None:
    msgs = [m for f in EXPORTS for m in read_any(demo_dir / f) if isinstance(m, IncomingMessage)]
    target = tmp_path / "export.jsonl"
    assert write_jsonl(msgs, target) == len(msgs)
    assert looks_like_jsonl(target)
    back = list(read_jsonl(target))
    assert back == msgs
    assert [p.name for p in tmp_path.iterdir()] == ["export.jsonl"]  # no temp file left


def test_jsonl_bad_lines_are_quarantined_with_line_numbers(tmp_path: Path) -> None:
    good = {"channel": "sms", "provider_key": "SM1", "direction": "in", "sent_at": "2026-11-02T09:00:00+01:00",
            "body": "hei", "sender": "+4791111111"}
    lines = [json.dumps(good), "{not json", json.dumps({**good, "channel": "fax"}),
             json.dumps({**good, "sent_at": "2026-11-02T09:00:00"}), "", json.dumps({**good, "provider_key": "SM2"})]
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(read_jsonl(path))
    assert [type(i).__name__ for i in items] == ["IncomingMessage", "Quarantined", "Quarantined", "Quarantined",
                                                "IncomingMessage"]
    bad = [i for i in items if isinstance(i, Quarantined)]
    assert [b.position for b in bad] == ["line 2", "line 3", "line 4"]
    assert "channel" in bad[1].reason and "timezone" in bad[2].reason
    assert all("hei" not in b.reason for b in bad)


def test_looks_like_jsonl_says_no_to_other_exports(demo_dir: Path) -> None:
    assert not any(looks_like_jsonl(demo_dir / f) for f in (*EXPORTS, "contacts.csv"))


def test_jsonl_with_lines_longer_than_the_sniffed_head(demo_dir: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    mail = next(m for m in read_any(demo_dir / "mail.mbox") if isinstance(m, IncomingMessage))
    big = replace(mail, raw=mail.raw + "x" * 100_000)
    write_jsonl([big, mail], tmp_path / "big.jsonl")
    assert looks_like_jsonl(tmp_path / "big.jsonl")
    assert list(read_jsonl(tmp_path / "big.jsonl")) == [big, mail]


def test_mbox_cut_into_byte_ranges_reads_the_same_messages(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "CHUNK_BYTES", 9000)
    tasks = plan_reads([demo_dir / "mail.mbox"])
    assert len(tasks) > 3 and all(t.mbox_range for t in tasks)
    ours = [i for t in tasks for i in run_read_task(t)]
    ref = list(read_mbox(demo_dir / "mail.mbox"))
    assert [i for i in ours if isinstance(i, IncomingMessage)] == [i for i in ref if isinstance(i, IncomingMessage)]


def test_mbox_range_positions_name_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = "From a@b Mon Nov  2 09:00:00 2026\nFrom: Kari <kari@example.no>\nDate: Mon, 2 Nov 2026 09:00:00 +0100\n" \
           "Message-ID: <m{n}@x>\nSubject: s\n\nhei {n}\n\n"
    bad = "From a@b Mon Nov  2 09:00:00 2026\nSubject: no sender\n\nbody\n\n"
    path = tmp_path / "big.mbox"
    path.write_text(good.format(n=1) + bad + good.format(n=2) * 1, encoding="utf-8")
    monkeypatch.setattr(sources, "CHUNK_BYTES", 60)
    items = [i for t in plan_reads([path]) for i in run_read_task(t)]
    q = [i for i in items if isinstance(i, Quarantined)]
    assert len(q) == 1 and q[0].position == "message at line 9"
    assert len([i for i in items if isinstance(i, IncomingMessage)]) == 2


def test_dialog_dump_streamed_equals_the_whole_file_reader(demo_dir: Path) -> None:
    assert list(read_dialog_stream(demo_dir / "dialog.json")) == list(read_dialog_json(demo_dir / "dialog.json"))


def test_dialog_stream_other_shapes_and_bad_json(demo_dir: Path, tmp_path: Path) -> None:
    blocks = json.loads((demo_dir / "dialog.json").read_text(encoding="utf-8"))
    bare = tmp_path / "bare.json"  # a bare list of dialogues, no person blocks
    bare.write_text(json.dumps(blocks[0]["dialoger"]), encoding="utf-8")
    assert list(read_dialog_stream(bare)) == list(read_dialog_json(bare))
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(blocks[:2])[:-40], encoding="utf-8")
    items = list(read_dialog_stream(broken))
    assert isinstance(items[-1], Quarantined) and items[-1].reason.startswith("invalid JSON")
    assert any(isinstance(i, IncomingMessage) for i in items)


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 20])
def test_json_array_elements_across_read_blocks(tmp_path: Path, block: int) -> None:
    data = [{"a": "x" * 50, "n": [1, 2, {"b": None}]}, 12345, "s\u00f8k", None, [], {"æ": 1.5e3}]
    path = tmp_path / "a.json"
    path.write_text(" \n" + json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert list(iter_json_array(path, block=block)) == data


def test_plan_reads_accepts_any_mix(demo_dir: Path, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "page-0.json").write_bytes((demo_dir / "sms.json").read_bytes())
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.eml").write_bytes(
        b"From: Kari <kari@example.no>\nDate: Mon, 2 Nov 2026 09:00:00 +0100\nMessage-ID: <md1@x>\n\nhei\n")
    msgs = [m for f in EXPORTS for m in read_any(demo_dir / f) if isinstance(m, IncomingMessage)]
    write_jsonl(msgs[:5], tmp_path / "some.jsonl")
    tasks = plan_reads([pages, maildir, tmp_path / "some.jsonl", demo_dir / "dialog.json"])
    items = [i for t in tasks for i in run_read_task(t)]
    keys = {i.key for i in items if isinstance(i, IncomingMessage)}
    assert "email:<md1@x>" in keys
    assert {m.key for m in msgs[:5]} <= keys
    assert len([k for k in keys if k.startswith("sms:")]) >= 28
