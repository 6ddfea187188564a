"""Shared fixtures: a fresh store per test on SQLite and on PostgreSQL.

Tests read only files in this repository (the bundled demo set, tests/data/), never ../shared: scoring on
the shared dev sets is `make eval` (eval/). PostgreSQL tests never skip: when the server is missing they
fail, with a message that says how to start it. Each PostgreSQL test gets a schema of its own, dropped
afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from flerkanal.demo import DEMO_DIR
from inbox.storage.repository import Store
from tests.pg_private import PrivatePostgres, private_postgres

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
POSTGRES_URL = os.environ.get("FLERKANAL_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_schema_url() -> Iterator[str]:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL is required for this test and is not reachable at {POSTGRES_URL} "
                    f"({type(exc.orig).__name__}). Start it (pg_ctlcluster 15 main start) or set "
                    "FLERKANAL_TEST_POSTGRES.", pytrace=False)
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'inbox.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _postgres_schema_url()


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own (tests/pg_private.py), which the test may stop, crash and restart.

    Never the shared server above: others use that one. Fails (never skips) without the server binaries."""
    with private_postgres() as pg:
        yield pg


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture
def demo_dir() -> Path:
    """The bundled demo set (flerkanal/demo): contact register, labels and the three exports.

    Tests read only what ships with the repository; scoring on the shared dev sets is `make eval` (eval/)."""
    return DEMO_DIR


@pytest.fixture(scope="session")
def default_model() -> Any:
    """The real default embedding model, loaded once per test session (offline): the process's one copy,
    which the channel suggestion uses too (``flerkanal.wiring.shared_embedder``), so it is never loaded twice."""
    from flerkanal.wiring import shared_embedder

    e = shared_embedder("default")
    e.embed(["warm up"])
    return e


class SameTextSameVector:
    """An embedder that runs ``model`` over a text the first time it is asked for it, and answers with that
    vector ever after: a model is a pure function of the text, so only the repeated work goes.

    Deliberately no :class:`dedup.vector_cache.CachedEmbedder`: what the matcher's own cache knows (and so
    which history messages its hint search indexes) stays what that matcher embedded itself."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self._vectors: dict[str, Any] = {}

    @property
    def model_id(self) -> str:
        return str(self.model.model_id)

    @property
    def dim(self) -> int:
        return int(self.model.dim)

    def embed(self, texts: Sequence[str]) -> Any:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single string")
        items = list(texts)
        todo = [t for t in dict.fromkeys(items) if t not in self._vectors]
        if todo:
            self._vectors.update(zip(todo, self.model.embed(todo), strict=True))
        if not items:
            return self.model.embed([])
        return np.stack([self._vectors[t] for t in items])


@pytest.fixture(scope="session")
def embedder(default_model: Any) -> Any:
    """The default model for the tests that match with it: each text is embedded once per session, however
    many tests match it (the demo set's 58 inbound texts were embedded four times over)."""
    return SameTextSameVector(default_model)
