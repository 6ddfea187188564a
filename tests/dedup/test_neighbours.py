"""Nearest-neighbour hints across writers: the window index, and the live matcher's use of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from dedup.features import Signals
from dedup.matcher import InquiryMatcher
from dedup.neighbours import HINT_WINDOW, Entry, WindowIndex, best_hint, self_named, signer
from dedup.scorer import Scorer
from flerkanal.cli import cli
from inbox.contacts import read_contacts_csv
from inbox.storage.repository import Store
from tests.dedup.test_matcher import CONTACTS, mail, record_window_reads, sms, threads_of

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def unit(*xs: float) -> np.ndarray[Any, Any]:
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def entry(key: str, person: int | None, hours: float) -> Entry:
    return Entry(key, len(key), person, "sms", T0 + timedelta(hours=hours), "tekst")


def test_nearest_ranks_by_cosine_inside_the_window_and_skips_the_own_writer() -> None:
    index = WindowIndex()
    index.add(entry("a", 1, 0), unit(1, 0, 0))
    index.add(entry("b", 2, 1), unit(1, 0.1, 0))
    index.add(entry("c", 3, 2), unit(0, 1, 0))  # far in meaning
    index.add(entry("d", 4, 50), unit(1, 0, 0))  # outside the window asked for
    found = index.nearest(unit(1, 0.1, 0), T0, T0 + timedelta(hours=10), exclude_person=None)
    assert [e.key for _, e in found] == ["b", "a"]
    own = index.nearest(unit(1, 0, 0), T0, T0 + timedelta(hours=10), exclude_person=1)
    assert [e.key for _, e in own] == ["b"]
    assert found[0][0] >= found[1][0]


def test_eviction_forgets_old_rows_and_compaction_keeps_the_rest_searchable() -> None:
    index = WindowIndex()
    rng = np.random.default_rng(0)
    vecs = [unit(*rng.normal(size=8)) for _ in range(300)]
    for i, v in enumerate(vecs):
        index.add(entry(f"m{i}", i, i), v)
    index.add(entry("m0", 0, 0), vecs[0])  # the same key twice is kept once
    assert len(index) == 300
    index.evict(T0 + timedelta(hours=200))
    assert len(index) == 100
    for i in (0, 199):
        assert not index.nearest(vecs[i], T0, T0 + timedelta(hours=400), exclude_person=None, min_cosine=0.999)
    for i in (200, 250, 299):
        hit = index.nearest(vecs[i], T0, T0 + timedelta(hours=400), exclude_person=None, k=1, min_cosine=0.999)
        assert [e.key for _, e in hit] == [f"m{i}"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(f"sqlite:///{tmp_path / 'n.db'}")
    csv = tmp_path / "contacts.csv"
    csv.write_text(CONTACTS, encoding="utf-8")
    s.import_contacts(read_contacts_csv(csv))
    return s


SICK_PAY = ("Hei. Jeg har vært sykmeldt siden 14. august og har ennå ikke fått sykepenger for september. "
            "Kan dere sjekke saken min?")
#: From an unknown number: says it emailed before, and gives the same date.
FOLLOW_UP = ("Hei, sendte e-post i går om sykepengene. Sykmeldt fra 14. august, fortsatt ingen utbetaling for "
             "september. Har dere fått den?")


def hint_of(store: Store, key: str) -> dict[str, Any]:
    """The evidence stored with the decision on ``key``, which started an inquiry of its own."""
    reasons = store.match_reasons(threads_of(store)[key])
    assert len(reasons) == 1
    return dict(next(iter(reasons.values())).get("evidence", {}))


def test_an_unknown_number_saying_it_emailed_before_gets_a_hint_to_that_mail_not_a_merge(
        store: Store, embedder: Any) -> None:
    matcher = InquiryMatcher(embedder)
    store.ingest([mail("<a@x>", "hege.lunde@example.no", 0, SICK_PAY)], matcher=matcher)
    store.ingest([sms("SM9", "+4798765432", 20, FOLLOW_UP)], matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM9"] != t["email:<a@x>"]  # never merged without knowing who wrote
    ev = hint_of(store, "sms:SM9")
    assert ev["similar"] == "email:<a@x>"
    assert ev["similar_thread"] == t["email:<a@x>"]
    assert ev["probability"] >= 0.9 and ev["cosine"] >= 0.75
    url = store.engine.url.render_as_string()
    shown = CliRunner().invoke(cli, ["--db", url, "--user", "root", "--matcher", "structural", "show",
                                     str(t["sms:SM9"])], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert f"looks like thread {t['email:<a@x>']}" in shown.output
    assert f"inbox merge {t['email:<a@x>']} {t['sms:SM9']}" in shown.output


@pytest.mark.parametrize(("sender", "text"), [
    ("+4798765432", "Hei, sendte e-post i går om sykepengene, har dere fått den?"),  # wording alone: no lead
    ("+4798765432", SICK_PAY),  # does not say it wrote before
    ("+4798765432", FOLLOW_UP.replace("e-post", "sms")),  # names another channel than the mail's
    ("+4798765432", FOLLOW_UP.replace("sykepengene", "dagpengene").replace("Sykmeldt", "Ledig")),  # other benefit
    ("+4798765432", FOLLOW_UP + " Hilsen Per"),  # signed by someone else than the mail's writer
    ("+4792222222", FOLLOW_UP),  # Tor Vik, registered: his own history is searched, nobody else's
])
def test_no_hint_without_a_lead(store: Store, embedder: Any, sender: str, text: str) -> None:
    matcher = InquiryMatcher(embedder)
    store.ingest([mail("<a@x>", "hege.lunde@example.no", 0, SICK_PAY + "\n\nHege Lunde")], matcher=matcher)
    store.ingest([sms("SM8", sender, 20, text)], matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM8"] != t["email:<a@x>"]
    assert "similar" not in hint_of(store, "sms:SM8")


def test_a_hint_looks_only_inside_the_window(store: Store, embedder: Any) -> None:
    matcher = InquiryMatcher(embedder)
    store.ingest([mail("<a@x>", "hege.lunde@example.no", 0, SICK_PAY)], matcher=matcher)
    inside = HINT_WINDOW.total_seconds() / 3600 - 2
    late = HINT_WINDOW.total_seconds() / 3600 + 24  # still in the matcher's window, past the hint's reach
    assert timedelta(hours=late) < matcher.config.window
    store.ingest([sms("SM8", "+4798765400", inside, FOLLOW_UP)], matcher=matcher)
    store.ingest([sms("SM9", "+4798765432", late, FOLLOW_UP)], matcher=matcher)
    assert hint_of(store, "sms:SM8")["similar"] == "email:<a@x>"
    assert "similar" not in hint_of(store, "sms:SM9")


def test_the_window_is_read_once_then_only_rows_stored_since(
        store: Store, embedder: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = record_window_reads(monkeypatch, "inbound_messages")
    matcher = InquiryMatcher(embedder)
    store.ingest([mail("<a@x>", "hege.lunde@example.no", 0, SICK_PAY)], matcher=matcher)
    store.ingest([sms("SM8", "+4798765432", 5, "Har dere fått meldingen min om meldekortet?")], matcher=matcher)
    store.ingest([sms("SM9", "+4798765400", 8, FOLLOW_UP)], matcher=matcher)
    assert asked[0] == 0 and asked[1] > 0 and len(asked) == 2
    assert hint_of(store, "sms:SM9")["similar"] == "email:<a@x>"


@pytest.mark.parametrize(("text", "name"), [
    ("Hei. Gunnar Myrvold her, har fått ny konto.", "gunnar"),
    ("Barnetrygd ikke kommet. Hodan Ali 09849047202", "hodan"),
    ("Kan dere ringe meg? Mvh Kari Nordmann", "kari"),
    ("Dziękuję za tłumacza na wtorek! Tomasz", "tomasz"),
    ("Er det mulig? Takk, Åse", "ase"),
    ("Jeg har prøvd å logge inn.\n\nTakk for hjelpen", ""),
    ("Hei NAV", ""),
    ("Når kommer pengene? Hjelp!", ""),
    ("Jeg bor i Oslo", ""),
    ("hei. klarer ikke møtet på torsdag. kan det være på telefon?\neirik", "eirik"),  # lower case, own line
    ("hei. klarer ikke møtet på torsdag, eirik", ""),  # not on a line of its own: a word of the sentence
])
def test_signer_reads_the_name_a_writer_gives(text: str, name: str) -> None:
    assert signer(text) == name


def test_a_hint_is_withheld_when_the_writers_give_different_names_or_id_numbers() -> None:
    scorer = Scorer.load()
    text = "Skrev til dere 3. oktober om barnetrygden. Har dere fått det?"
    sig = Signals.of(text, "sms", T0 + timedelta(hours=2))

    def near(**kw: Any) -> list[tuple[float, Entry]]:
        return [(0.97, Entry("sms:A", 1, 7, "sms", T0, text, **kw))]

    assert best_hint(scorer, 0.7, sig, near()) is not None
    assert best_hint(scorer, 0.7, sig, near(signer="amina"), signed="amina") is not None
    assert best_hint(scorer, 0.7, sig, near(signer="amina"), signed="hodan") is None
    assert best_hint(scorer, 0.7, sig, near(fnrs=("01010112345",)), fnrs=("02020212345",)) is None
    assert best_hint(scorer, 0.7, sig, near(fnrs=("01010112345",)), fnrs=("01010112345",)) is not None


def test_the_index_takes_vectors_from_memory_and_the_disk_cache_and_never_runs_the_model(tmp_path: Path) -> None:
    from dedup.embed import HashingEmbedder
    from dedup.vector_cache import CachedEmbedder

    class Counting(HashingEmbedder):
        calls = 0

        def embed(self, texts: Any) -> Any:
            Counting.calls += 1
            return super().embed(texts)

    CachedEmbedder(HashingEmbedder(), tmp_path).embed(["stored on disk"])  # an earlier run
    cache = CachedEmbedder(CachedEmbedder(Counting(), tmp_path), disk=False)  # a matcher's memory over the disk
    cache.warm(["held in memory"])
    calls = Counting.calls
    found = cache.known(["stored on disk", "held in memory", "never embedded"])
    assert set(found) == {"stored on disk", "held in memory"}
    assert Counting.calls == calls
    assert set(CachedEmbedder(Counting(), disk=False).known(["never embedded"])) == set()


@pytest.mark.parametrize(("text", "wrote"), [
    ("Hei, sendte e-post i går om sykepengene.", True),
    ("Har dere fått meldingen min?", True),
    ("I emailed you last week about my benefit.", True),
    ("Har ennå ikke fått sykepenger for september.", False),  # still no money: no earlier message said
    ("Jeg har prøvd å søke om dagpenger.", False),
    ("Når kommer dagpengene?", False),
])
def test_only_a_message_that_says_it_was_sent_before_is_looked_for(text: str, wrote: bool) -> None:
    from dedup.neighbours import says_it_wrote_before

    assert says_it_wrote_before(text) is wrote


@pytest.mark.parametrize(("text", "name"), [
    ("Cześć, tu Agnieszka, żona Piotra. Czy NAV może pomóc?", "agnieszka"),
    ("Hei, det er Sander som skriver fra mammas tlf. Kan vi flytte møtet?", "sander"),
    ("noe nytt? Hamid", "hamid"),
    ("det er greit for meg, kan vi ta det på telefon?", ""),
])
def test_self_named_reads_a_signature_or_an_introduction(text: str, name: str) -> None:
    assert self_named(text) == name
