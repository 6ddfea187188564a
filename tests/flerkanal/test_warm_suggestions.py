"""A suggestion for a stored thread embeds nothing: the sentences of a message are embedded when it arrives.

Issue 16: a suggestion for a thread nobody had opened embedded the thread's sentences and the person's notes
on the spot (p95 188 ms on 2 cores). Now ingest and sync embed them into the on-disk vector cache as the
messages are stored (:func:`flerkanal.wiring.arrival_warmer`), and the suggestion finds them all there."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from dedup.embed import HashingEmbedder
from dedup.vector_cache import CachedEmbedder
from flerkanal import wiring
from flerkanal.bench import seed_queue
from flerkanal.demo import DEMO_DIR
from flerkanal.settings import Settings
from inbox.domain import Channel, Direction, IncomingMessage, ThreadState
from inbox.recommend import Profile, ThreadInput, case_units, semantic_matcher
from inbox.storage.repository import Store
from inbox.suggest import case_texts, default_policy, note_texts

NOTES = "Angst, synes det er vanskelig å komme på kontoret.\nHar bare mobil, ingen PC."
BODY = ("Hei. Jeg har mistet jobben og vet ikke hvordan jeg skal klare meg. "
        "Kan noen ringe meg i morgen formiddag?")


class Counting:
    """A hashing embedder that records every text it is asked to embed."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.texts: list[str] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts)


def sms(key: str, body: str, person: int = 0) -> IncomingMessage:
    return IncomingMessage(channel=Channel.SMS, provider_key=key, direction=Direction.IN,
                           sent_at=datetime.now(UTC), body=body, raw="{}", sender=f"+479{person:07d}",
                           recipient="+4759446000")


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'warm.db'}")
    seed_queue(store, 20)  # persons reachable by phone (+479000000N is person N+1), some history
    store.update_profile(1, "ola", notes=NOTES)
    yield store
    store.close()


def suggestion_embeds(store: Store, tid: int, counting: Counting, cache_root: Path) -> list[str]:
    """What a suggestion for ``tid`` hands the model, behind the vector cache under ``cache_root``."""
    semantic = semantic_matcher(default_policy(), CachedEmbedder(counting, cache_root=cache_root))
    semantic.warm()  # the exemplars: embedded once per process, not per suggestion
    counting.texts.clear()
    wiring.suggest_for_thread(store, tid, "ola", policy=default_policy(), semantic=semantic)
    return list(counting.texts)


def test_after_arrival_the_sentences_and_notes_are_cached_and_the_suggestion_embeds_nothing(
        seeded: Store, tmp_path: Path) -> None:
    summary = seeded.ingest([sms("SMwarm1", BODY)])
    (tid,) = summary.threads
    counting = Counting()
    cache = CachedEmbedder(counting, cache_root=tmp_path / "cache")
    embedded = wiring.warm_suggestions(seeded, summary.threads, embedder=cache)
    wanted = case_texts(seeded, [tid])
    assert "Jeg har mistet jobben og vet ikke hvordan jeg skal klare meg." in wanted
    assert set(note_texts(NOTES)) <= set(wanted)  # the person's notes are part of the case
    assert embedded == len(wanted) and sorted(counting.texts) == sorted(wanted)
    assert set(CachedEmbedder(Counting(), cache_root=tmp_path / "cache").known(wanted)) == set(wanted)

    assert suggestion_embeds(seeded, tid, counting, tmp_path / "cache") == []
    # the control: without the arrival's embedding the same suggestion embeds the whole case
    assert sorted(suggestion_embeds(seeded, tid, Counting(), tmp_path / "cold")) == sorted(wanted)


def test_warming_a_thread_again_embeds_only_what_is_new(seeded: Store, tmp_path: Path) -> None:
    counting = Counting()
    cache = CachedEmbedder(counting, cache_root=tmp_path / "cache")
    first = seeded.ingest([sms("SMwarm1", BODY)])
    wiring.warm_suggestions(seeded, first.threads, embedder=cache)
    counting.texts.clear()
    assert wiring.warm_suggestions(seeded, first.threads, embedder=cache) == 0 and counting.texts == []
    seeded.update_profile(1, "ola", notes=NOTES + "\nVedtak om avslag sendes denne uka.")
    assert wiring.warm_suggestions(seeded, first.threads, embedder=cache) == 1
    assert counting.texts == ["Vedtak om avslag sendes denne uka."]


def test_case_texts_are_the_units_the_detection_compares_and_skip_missing_threads(seeded: Store) -> None:
    summary = seeded.ingest([sms("SMwarm1", BODY)])
    (tid,) = summary.threads
    assert case_texts(seeded, [tid, 10_000]) == case_texts(seeded, [tid])
    assert note_texts(NOTES) == [u.text for u in case_units(ThreadInput(()), Profile(notes=tuple(NOTES.splitlines())))]
    assert note_texts("") == []


def test_the_ingest_summary_names_the_threads_that_got_messages(seeded: Store) -> None:
    summary = seeded.ingest([sms("SMwarm1", BODY), sms("SMwarm2", "Jeg venter fortsatt på svar fra dere.", 3)])
    with seeded.engine.connect() as conn:
        stored = {r[0] for r in conn.execute(text("SELECT thread_id FROM message WHERE provider_key LIKE 'SMwarm%'"))}
    assert len(stored) == 2 and summary.threads == stored
    assert seeded.ingest([sms("SMwarm1", BODY)]).threads == set()  # already stored: nothing new


def test_arrival_warming_follows_the_settings() -> None:
    assert wiring.arrival_warmer(Settings(matcher="embedding", model="hashing")) is not None
    assert wiring.arrival_warmer(Settings(matcher="embedding", model="hashing", warm_suggestions=False)) is None
    assert wiring.arrival_warmer(Settings(matcher="embedding", model="hashing", recommend_semantic=False)) is None
    assert wiring.arrival_warmer(Settings(matcher="structural", model="hashing")) is None  # imports without a model


def test_a_failed_warm_never_fails_the_arrival(seeded: Store, monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_: object, **__: object) -> int:
        raise RuntimeError(BODY)

    monkeypatch.setattr(wiring, "warm_suggestions", broken)
    warm = wiring.arrival_warmer(Settings(matcher="embedding", model="hashing"))
    assert warm is not None
    with caplog.at_level(logging.WARNING):
        assert warm(seeded, {1}) == 0
    assert "RuntimeError" in caplog.text and "mistet" not in caplog.text  # the type, never the text


@pytest.mark.parametrize("progress", ["--progress", "--no-progress"])
def test_inbox_ingest_embeds_the_new_messages_sentences(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         progress: str) -> None:
    from flerkanal.cli import cli

    monkeypatch.setenv("FLERKANAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("INBOX_MODEL", "hashing")
    counting = Counting()
    cache = CachedEmbedder(counting, cache_root=tmp_path / "cache")
    monkeypatch.setattr(wiring, "suggest_embedder", lambda model="default": cache)
    page = json.loads((DEMO_DIR / "sms.json").read_text(encoding="utf-8"))
    page["messages"] = [page["messages"][0] | {"body": BODY}]
    export = tmp_path / "Messages.json"
    export.write_text(json.dumps(page), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    Store.open(db).close()  # initialised
    r = CliRunner().invoke(cli, ["--db", db, "--user", "ola", "--matcher", "embedding", "ingest", str(export),
                                 progress])
    assert r.exit_code == 0, r.output
    assert "Kan noen ringe meg i morgen formiddag?" in counting.texts
    store = Store.open(db)
    (tid,) = [e.thread.id for e in store.open_threads()]
    assert suggestion_embeds(store, tid, Counting(), tmp_path / "cache") == []
    store.close()


async def test_the_sync_daemon_hands_each_stored_batch_to_the_arrival_hook(seeded: Store, tmp_path: Path) -> None:
    from connectors.fake import FakeConnector
    from connectors.sync import SyncDaemon, SyncOptions

    counting = Counting()
    batches: list[set[int]] = []

    def after(summary: object) -> None:  # runs in a worker thread: a cache connection of its own, as the app's
        threads = summary.threads  # type: ignore[attr-defined]
        batches.append(set(threads))
        wiring.warm_suggestions(seeded, threads, embedder=CachedEmbedder(counting, cache_root=tmp_path / "cache"))

    fake = FakeConnector([sms(f"SMsync{n}", f"{BODY} Sak nummer {n} gjelder dagpenger.", n) for n in range(6)],
                         page_size=4)
    options = SyncOptions(poll_seconds=0.05, backoff_initial=0.01, backoff_max=0.05, once_attempts=3)
    health = await SyncDaemon(seeded, [fake], options=options, after_ingest=after).run_once()
    assert health["fake"].status == "ok" and len(batches) == 2
    every = set().union(*batches)
    assert "Sak nummer 5 gjelder dagpenger." in counting.texts
    for tid in every:
        assert suggestion_embeds(seeded, tid, Counting(), tmp_path / "cache") == []

    def broken(summary: object) -> None:
        raise RuntimeError("boom")

    more = FakeConnector([sms("SMsync9", BODY, 2)], page_size=4)
    health = await SyncDaemon(seeded, {"more": more}, options=options, after_ingest=broken).run_once()
    assert health["more"].status == "ok" and health["more"].new == 1  # stored all the same


def test_threads_not_awaiting_an_answer_are_not_embedded_for(seeded: Store, tmp_path: Path) -> None:
    summary = seeded.ingest([sms("SMwarm1", BODY)])
    (tid,) = summary.threads
    seeded.set_state(tid, ThreadState.CLOSED, "ola")
    counting = Counting()
    cache = CachedEmbedder(counting, cache_root=tmp_path / "cache")
    assert wiring.warm_suggestions(seeded, summary.threads, embedder=cache) == 0 and counting.texts == []
    assert case_texts(seeded, [tid], awaiting_only=True) == [] and case_texts(seeded, [tid])


def test_prepare_suggestions_embeds_the_open_threads_stored_before(seeded: Store, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from flerkanal.cli import cli

    summary = seeded.ingest([sms("SMwarm1", BODY)])  # stored without arrival embedding
    counting = Counting()
    monkeypatch.setattr(wiring, "suggest_embedder",
                        lambda model="default": CachedEmbedder(counting, cache_root=tmp_path / "cache"))
    db = str(seeded.engine.url)
    args = ["--db", db, "--user", "ola", "prepare-suggestions", "--json"]
    r = CliRunner().invoke(cli, args, env={"INBOX_MODEL": "hashing"})
    assert r.exit_code == 0, r.output
    first = json.loads(r.output)
    assert first["threads"] == seeded.count_open_threads() and first["embedded"] == len(set(counting.texts)) > 0
    (tid,) = summary.threads
    assert suggestion_embeds(seeded, tid, Counting(), tmp_path / "cache") == []
    again = CliRunner().invoke(cli, args, env={"INBOX_MODEL": "hashing"})
    assert json.loads(again.output)["embedded"] == 0  # cached: looked up, not embedded again
    off = CliRunner().invoke(cli, args, env={"INBOX_RECOMMEND_SEMANTIC": "false"})
    assert json.loads(off.output) == {"threads": 0, "embedded": 0}
