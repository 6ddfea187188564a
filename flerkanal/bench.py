"""Benchmarks that print figures: ``inbox bench ingest``. Not run by the test suite."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from inbox.contacts import read_contacts_csv
from inbox.ingest import read_files
from inbox.matching import MatchDecision, StructuralMatcher
from inbox.storage.repository import Store


def _fresh_postgres(url: str) -> str:
    """A new empty database next to the one named in ``url`` (the named one is never touched)."""
    parsed = make_url(url)
    name = f"flerkanal_bench_{int(time.time())}"
    admin = create_engine(parsed.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(drivername="postgresql+psycopg", database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def bench_ingest(n: int, databases: list[str]) -> list[dict[str, Any]]:
    """Generate ``n`` synthetic messages once, then parse and store them into each database."""
    from synth import generate

    work = Path(tempfile.mkdtemp(prefix="flerkanal-bench-"))
    generate(work / "export", n, seed=1)
    files = sorted(p for p in (work / "export").iterdir() if p.name not in ("contacts.csv", "labels.csv"))
    results = []
    for db in databases or [f"sqlite:///{work / 'bench.db'}"]:
        url = _fresh_postgres(db) if db.startswith("postgresql") else db
        try:
            store = Store.open(url)
            store.import_contacts(read_contacts_csv(work / "export" / "contacts.csv"))
            t0 = time.perf_counter()
            items = read_files(files)
            t1 = time.perf_counter()
            summary = store.ingest(items)
            t2 = time.perf_counter()
            stored = sum(summary.new.values())
            results.append({
                "database": store.dialect, "messages": stored, "parse_seconds": t1 - t0,
                "store_seconds": t2 - t1, "seconds": t2 - t0, "messages_per_second": stored / (t2 - t0),
                "store_messages_per_second": stored / (t2 - t1),
            })
            store.close()
        finally:
            if url != db:
                _drop_postgres(url)
    return results


def seed_queue(store: Store, messages: int, *, threads_per_message: float = 0.3, open_share: float = 0.2,
               seed: int = 0) -> None:
    """Fill a store fast with ``messages`` rows in realistic threads (direct inserts, no parsing)."""
    import random
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from inbox.storage.tables import IdentityRow, MessageRow, PersonRow, ThreadRow

    rnd = random.Random(seed)
    t_person, t_thread, t_msg = (PersonRow.__table__, ThreadRow.__table__,  # type: ignore[attr-defined]
                                 MessageRow.__table__)  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    n_threads = max(1, int(messages * threads_per_message))
    n_persons = max(1, n_threads // 2)
    chans = ["sms", "email", "dialog"]
    with store.engine.begin() as conn:
        conn.execute(insert(t_person), [{"name": f"Person {i}", "in_register": True, "age_group": "", "language": "",
                                         "interpreter": False, "digital_skills": "", "preferred_channel": "",
                                         "notes": "", "meetings_held": 0, "open_conflict": False, "unit": ""}
                                        for i in range(n_persons)])
    first_pid = 1
    step = 50_000
    with store.engine.begin() as conn:  # every person reachable by phone, as the register makes them
        conn.execute(insert(IdentityRow.__table__), [  # type: ignore[attr-defined]
            {"person_id": first_pid + i, "kind": "phone", "value": f"+479{i:07d}"} for i in range(n_persons)])
    tid_start = 1
    for start in range(0, n_threads, step):
        rows = []
        for i in range(start, min(n_threads, start + step)):
            fc = now - timedelta(minutes=rnd.randint(10, 60 * 24 * 60))
            used = rnd.sample(chans, rnd.choice([1, 1, 1, 2, 2, 3]))
            state = "open" if rnd.random() < open_share else rnd.choice(["answered", "closed"])
            rows.append({"person_id": first_pid + i % n_persons, "state": state, "first_contact": fc,
                         "last_activity": fc, "claimed_by": "", "channels": ",".join(sorted(used)),
                         "message_count": 0, "inbound_count": 0, "created_seq": 0})
        with store.engine.begin() as conn:
            conn.execute(insert(t_thread), rows)
    for start in range(0, messages, step):
        rows = []
        for i in range(start, min(messages, start + step)):
            tid = tid_start + rnd.randrange(n_threads)
            rows.append({"thread_id": tid, "person_id": first_pid + (tid - 1) % n_persons,
                         "channel": rnd.choice(chans), "provider_key": f"k{i}", "direction": "in",
                         "sent_at": now - timedelta(minutes=rnd.randint(1, 60 * 24 * 60)), "received_at": now,
                         "sender": "", "recipient": "", "sender_name": "", "subject": "", "conversation": "",
                         "in_reply_to": "", "references": "", "body": "",
                         "clean_body": _BODIES[i % len(_BODIES)], "raw": "",
                         "attachments": "", "status": "", "ack": False, "source": "bench", "match_score": None,
                         "match_reason": ""})
        with store.engine.begin() as conn:
            conn.execute(insert(t_msg), rows)
    from sqlalchemy import text as sql

    with store.engine.begin() as conn:  # maintained counters, as ingest keeps them
        conn.execute(sql("UPDATE thread SET inbound_count = (SELECT count(*) FROM message m "
                         "WHERE m.thread_id = thread.id), message_count = (SELECT count(*) FROM message m "
                         "WHERE m.thread_id = thread.id)"))
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sql("VACUUM ANALYZE" if store.dialect == "postgresql" else "ANALYZE"))


def bench_stats(messages: int, databases: list[str], repeats: int = 20) -> list[dict[str, Any]]:
    """Seed ``messages`` messages, then time one refresh of every supervisor figure (p50/p95/max)."""
    import statistics

    from inbox.supervise import gather

    work = Path(tempfile.mkdtemp(prefix="flerkanal-bench-"))
    results = []
    for db in databases or [f"sqlite:///{work / 'stats.db'}"]:
        url = _fresh_postgres(db) if db.startswith("postgresql") else db
        try:
            store = Store.open(url)
            t0 = time.perf_counter()
            seed_queue(store, messages)
            seeded = time.perf_counter() - t0
            store.snapshot()
            times = []
            for _ in range(repeats):  # one refresh of the supervisor view: every figure, as it gathers them
                t = time.perf_counter()
                gather(store, history_since=_days_ago(7))  # stats, waiting_beyond, load, connectors, history
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            results.append({"database": store.dialect, "messages": messages, "seed_seconds": round(seeded, 1),
                            "refresh_ms_p50": round(statistics.median(times), 1),
                            "refresh_ms_p95": round(times[int(0.95 * (len(times) - 1))], 1),
                            "refresh_ms_max": round(times[-1], 1), **store.counts()})
            store.close()
        finally:
            if url != db:
                _drop_postgres(url)
    return results


def _days_ago(days: int) -> Any:
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(days=days)


_BODIES = [
    "Hei, når kommer dagpengene for denne perioden? Jeg har sendt meldekortet.",
    "Jeg har mistet BankID og får ikke logget inn for å sende meldekort.",
    "Har dere fått søknaden min om sykepenger? Har ikke hørt noe på tre uker.",
    "Kan jeg få flyttet møtet på torsdag? Jeg har fått et jobbintervju.",
    "Bostøtten ble mye lavere denne måneden uten at noe er endret. Hvorfor?",
    "Jeg trenger tolk til møtet neste uke, jeg snakker polsk.",
    "Jeg har flyttet og vil melde ny adresse.",
    "Når får jeg svar på klagen min på vedtaket om tilbakebetaling?",
]


def bench_match(messages: int, new: int = 200, model: str = "default") -> dict[str, Any]:
    """Per new message with ``messages`` stored: embed + score + assign latency (p50/p95), model load, RSS."""
    import random
    import resource
    import statistics
    from datetime import UTC, datetime

    from flerkanal.wiring import build_embedder, build_matcher
    from inbox.domain import Channel, Direction, IncomingMessage

    work = Path(tempfile.mkdtemp(prefix="flerkanal-bench-"))
    store = Store.open(f"sqlite:///{work / 'match.db'}")
    t0 = time.perf_counter()
    seed_queue(store, messages)
    seeded = time.perf_counter() - t0
    n_persons = store.counts()["persons"]
    t0 = time.perf_counter()
    embedder = build_embedder(model)
    embedder.embed(["warm up"])
    load = time.perf_counter() - t0
    matcher = build_matcher("embedding", embedder=embedder)
    rnd = random.Random(1)
    first = ["Kari", "Ola", "Siri", "Jonas", "Amina", "Piotr", "Hodan", "Olena", "Lars", "Ingrid"]
    last = ["Nordmann", "Hansen", "Berg", "Dahl", "Nowak", "Ali", "Kovalenko", "Lie", "Haugen", "Moen"]
    times: dict[str, list[float]] = {"registered": [], "unknown": []}
    for i in range(new):
        body = _BODIES[rnd.randrange(len(_BODIES))] + f" ({i})"
        if rnd.random() < 0.7:  # a registered person's phone: their own history is searched
            kind = "registered"
            msg = IncomingMessage(channel=Channel.SMS, provider_key=f"SMbench{i:06d}", direction=Direction.IN,
                                  sent_at=datetime.now(UTC), body=body, raw="{}",
                                  sender=f"+479{rnd.randrange(n_persons):07d}", recipient="+4759446000")
        else:  # a new address with a display name, signed: ID numbers and names are looked for
            kind = "unknown"
            name = f"{rnd.choice(first)} {rnd.choice(last)}"
            msg = IncomingMessage(channel=Channel.EMAIL, provider_key=f"<bench{i:06d}@example.org>",
                                  direction=Direction.IN, sent_at=datetime.now(UTC), body=f"{body}\n\n{name}",
                                  raw="", sender=f"bench{i}@example.org", recipient="nav@nav.no", sender_name=name)
        t = time.perf_counter()
        store.ingest([msg], matcher=matcher)
        times[kind].append((time.perf_counter() - t) * 1000)

    def pct(values: list[float], q: float) -> float:
        values = sorted(values)
        return round(values[int(q * (len(values) - 1))], 1) if values else 0.0

    every = [t for v in times.values() for t in v]
    return {"stored_messages": messages, "new_messages": new, "seed_seconds": round(seeded, 1),
            "model_load_seconds": round(load, 2), "p50_ms": round(statistics.median(every), 1),
            "p95_ms": pct(every, 0.95), "max_ms": round(max(every), 1),
            "by_sender": {k: {"messages": len(v), "p50_ms": pct(v, 0.5), "p95_ms": pct(v, 0.95)}
                          for k, v in times.items()},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def bench_suggest(messages: int = 2000, suggestions: int = 200, model: str = "default") -> dict[str, Any]:
    """Latency of the reply-channel suggestion for stored threads (p50/p95), once the model is loaded.

    The store is seeded like the other benchmarks and each person gets recorded notes; the suggestion runs
    over the store as the TUI runs it (:func:`flerkanal.wiring.suggest_for_thread`), with the
    sentence-embedding model. Three figures:

    ``cold`` (also the top-level ``p50_ms``/``p95_ms``): no vector cache at all, so every suggestion embeds
    its thread's sentences and notes afresh (the worst case: nothing was ever embedded).
    ``stored_thread``: each of the same threads gets one more message, one by one through the product's
    arrival path (``Store.ingest``, then :func:`flerkanal.wiring.warm_suggestions`, as ``inbox ingest`` and
    ``inbox sync`` call it), and is suggested for again; ``embedded_at_suggestion`` counts the texts the
    suggestions still handed the model (what arrival missed), ``arrival_warm_*`` what the arrival paid.
    ``seen_before``: the cold sample again behind the vector cache, after one suggestion each."""
    import random
    import resource

    from sqlalchemy import text as sql

    from dedup.vector_cache import CachedEmbedder
    from flerkanal.wiring import build_embedder, suggest_for_thread, warm_suggestions
    from inbox.recommend import semantic_matcher
    from inbox.recommend.cases import load_policy

    work = Path(tempfile.mkdtemp(prefix="flerkanal-bench-"))
    store = Store.open(f"sqlite:///{work / 'suggest.db'}")
    seed_queue(store, messages)
    notes = ["Dagpenger, standard innsats.", "Angst, synes det er vanskelig å komme på kontoret.",
             "Ansvarsgruppe: fastlege, DPS og arbeidsgiver.", "Har bare mobil, ingen PC.",
             "Foretrekker telefon.", "Vedtak om avslag sendes denne uka."]
    with store.engine.begin() as conn:
        conn.execute(sql("UPDATE person SET notes = :n, meetings_held = 1"), {"n": "\n".join(notes)})
    policy = load_policy()
    t0 = time.perf_counter()
    embedder = _CountingEmbedder(build_embedder(model))
    matcher = semantic_matcher(policy, embedder)
    matcher.warm()
    load = time.perf_counter() - t0
    with store.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sql("SELECT id FROM thread WHERE message_count > 0"))]
    rnd = random.Random(2)
    sample = [rnd.choice(ids) for _ in range(suggestions)]
    suggest_for_thread(store, sample[0], "bench", policy=policy, semantic=matcher)  # first call: queries warm

    def timed(tids: list[int], semantic: Any) -> list[float]:
        out = []
        for tid in tids:
            t = time.perf_counter()
            suggest_for_thread(store, tid, "bench", policy=policy, semantic=semantic)
            out.append((time.perf_counter() - t) * 1000)
        return out

    embedder.texts = 0
    cold = timed(sample, matcher)
    cold_texts = embedder.texts

    # Stored threads: the same threads each get one more message, arriving as sync stores it (one at a time:
    # Store.ingest, then the arrival's embedding of the thread's sentences into the vector cache); then the
    # suggestion for each. (Which thread a message joins is the matcher's call, scripted here.)
    cache_root = work / "cache"
    with store.engine.connect() as conn:
        owner: dict[int, str] = dict(conn.execute(sql(  # each thread's person's phone
            "SELECT t.id, i.value FROM thread t JOIN identity i ON i.person_id = t.person_id WHERE i.kind = 'phone'"
        )).tuples().all())
    warm_ms: list[float] = []
    embedder.texts = 0
    for i, tid in enumerate(sample):
        body = f"{_BODIES[rnd.randrange(len(_BODIES))]} Jeg skrev om dette for {i % 9 + 2} dager siden, sak {1000 + i}."
        summary = store.ingest([_bench_sms(f"SMarrive{i:06d}", body, owner[tid])], matcher=_IntoThread(tid))
        t = time.perf_counter()
        warm_suggestions(store, summary.threads, embedder=CachedEmbedder(embedder, cache_root=cache_root))
        warm_ms.append((time.perf_counter() - t) * 1000)
    arrival_texts = embedder.texts
    stored_matcher = semantic_matcher(policy, CachedEmbedder(embedder, cache_root=cache_root))
    embedder.texts = 0
    stored = timed(sample, stored_matcher)
    stored_texts = embedder.texts

    # As the TUI runs it without arrival embedding: a thread seen before (its sentences and the person's
    # notes embedded when it was first shown) costs a cache lookup.
    cached = semantic_matcher(policy, CachedEmbedder(embedder, cache_root=work / "seen"))
    timed(sample, cached)
    seen = timed(sample, cached)

    import torch

    store.close()
    return {"stored_messages": messages, "suggestions": len(cold), "threads": len(set(sample)),
            "model_load_seconds": round(load, 2), "torch_threads": torch.get_num_threads(),
            **_figures(cold),
            "cold": {**_figures(cold), "texts_embedded_per_suggestion": round(cold_texts / len(cold), 1)},
            "stored_thread": {**_figures(stored), "embedded_at_suggestion": stored_texts,
                              "embedded_at_arrival": arrival_texts, "arrival_warm_p50_ms": _pct(warm_ms, 0.5),
                              "arrival_warm_p95_ms": _pct(warm_ms, 0.95)},
            "seen_before": _figures(seen),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[int(q * (len(values) - 1))], 1) if values else 0.0


def _figures(times: list[float]) -> dict[str, float]:
    return {"p50_ms": _pct(times, 0.5), "p95_ms": _pct(times, 0.95), "max_ms": round(max(times), 1)}


def _bench_sms(key: str, body: str, phone: str) -> Any:
    """An inbound SMS from ``phone``, as a connector delivers it."""
    from datetime import UTC, datetime

    from inbox.domain import Channel, Direction, IncomingMessage

    return IncomingMessage(channel=Channel.SMS, provider_key=key, direction=Direction.IN, sent_at=datetime.now(UTC),
                           body=body, raw="{}", sender=phone, recipient="+4759446000")


class _IntoThread(StructuralMatcher):
    """A matcher that puts every message into one given thread (the benchmark chooses where messages land)."""

    def __init__(self, thread_id: int) -> None:
        self.thread_id = thread_id

    def assign(self, msg: Any, clean_body: str, person_id: int | None, ctx: Any) -> MatchDecision:
        return MatchDecision(self.thread_id, 1.0, "benchmark")


class _CountingEmbedder:
    """An embedder that counts the texts handed to the model (to show where embedding happens)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.texts = 0

    @property
    def model_id(self) -> str:
        return str(self.inner.model_id)

    @property
    def dim(self) -> int:
        return int(self.inner.dim)

    def embed(self, texts: Any) -> Any:
        self.texts += len(texts)
        return self.inner.embed(texts)
