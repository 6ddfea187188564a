"""A persistent on-disk cache of embeddings, so a re-run embeds only the texts it has not seen.

Vectors are stored per model in ``<cache root>/vectors/<model folder>/vectors.sqlite3`` (a SQLite table
of 16-byte text hash → float32 bytes, WAL mode, safe for several processes at once). The model folder is
named from the embedder's ``model_id`` (which includes everything that changes its vectors), and the key
is a BLAKE2 hash of the text handed to the embedder: for the matcher that is the normalised text, so
the cache is keyed by *model + normalised text*. The texts themselves are never stored.

:class:`CachedEmbedder` wraps any :class:`~dedup.embed.Embedder` with such a store.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.embed import Embedder

__all__ = ["CachedEmbedder", "VectorStore", "default_cache_root", "text_key", "vector_dir"]

FloatArray = npt.NDArray[np.float32]
_CHUNK = 500  # SQLite host parameters per query


def default_cache_root() -> Path:
    """``platformdirs.user_cache_dir("flerkanal")``; ``FLERKANAL_CACHE_DIR`` overrides it (as for models)."""
    override = os.environ.get("FLERKANAL_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("flerkanal"))


def text_key(text: str) -> bytes:
    """The cache key of a text: 16 bytes of BLAKE2b."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16, person=b"flerkanal-vec").digest()


def vector_dir(model_id: str, cache_root: Path | None = None) -> Path:
    """Where one model's vectors live: a readable slug of the model id plus a short hash of it."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("_")[:80] or "model"
    digest = hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:10]
    return (cache_root or default_cache_root()) / "vectors" / f"{slug}-{digest}"


class VectorStore:
    """One model's vectors in SQLite; opened lazily, so a store can be pickled to a worker process."""

    def __init__(self, model_id: str, dim: int | None = None, cache_root: Path | None = None) -> None:
        self.model_id = model_id
        self.dim = dim  # None: taken from the vectors stored first
        self.path = vector_dir(model_id, cache_root) / "vectors.sqlite3"
        self._conn: sqlite3.Connection | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "dim": self.dim, "path": self.path, "_conn": None}

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            from inbox.storage.database import private_sqlite_file

            # vectors of people's messages, and hashes that confirm a guessed text: the owner's only
            # (a new file 0600 in a new folder 0700; SQLite's -wal and -shm follow the file)
            private_sqlite_file(self.path)
            conn = sqlite3.connect(self.path, timeout=120, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL) WITHOUT ROWID")
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('model_id', ?)", (self.model_id,))
            row = conn.execute("SELECT value FROM meta WHERE name = 'dim'").fetchone()
            if row is not None and self.dim is not None and int(row[0]) != self.dim:
                conn.close()
                raise ValueError(f"vector cache {self.path} holds vectors of another size; remove it")
            if row is not None:
                self.dim = int(row[0])
            self._conn = conn
        return self._conn

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, FloatArray]:
        """The cached vectors among ``keys`` (missing keys are simply absent)."""
        db = self._db()
        found: dict[bytes, FloatArray] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, blob in db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk):
                vec = np.frombuffer(blob, dtype=np.float32)
                if self.dim is None or vec.shape[0] == self.dim:
                    found[bytes(key)] = vec
        return found

    def missing(self, keys: Sequence[bytes]) -> list[bytes]:
        """The keys among ``keys`` that have no vector stored (without reading the vectors)."""
        db = self._db()
        unique = list(dict.fromkeys(keys))
        have: set[bytes] = set()
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            have.update(bytes(k) for (k,) in db.execute(f"SELECT key FROM vectors WHERE key IN ({marks})", chunk))
        return [k for k in unique if k not in have]

    def put_many(self, items: Iterable[tuple[bytes, FloatArray]]) -> None:
        pairs = [(k, np.ascontiguousarray(v, dtype=np.float32)) for k, v in items]
        if not pairs:
            return
        db = self._db()
        dim = int(pairs[0][1].shape[0])
        if self.dim is None:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('dim', ?)", (str(dim),))
            self.dim = int(db.execute("SELECT value FROM meta WHERE name = 'dim'").fetchone()[0])
        if dim != self.dim:
            raise ValueError(f"vector cache {self.path} holds vectors of another size; remove it")
        rows = [(k, v.tobytes()) for k, v in pairs]
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("INSERT OR IGNORE INTO vectors (key, vec) VALUES (?, ?)", rows)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def count(self) -> int:
        return int(self._db().execute("SELECT count(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class CachedEmbedder:
    """An :class:`~dedup.embed.Embedder` that looks each text up in a :class:`VectorStore` first.

    Texts not in the store are embedded in one call to the wrapped embedder (duplicates once) and
    stored. ``hits`` and ``misses`` count texts served from the store and texts embedded.
    """

    def __init__(self, inner: Embedder, cache_root: Path | None = None, *, store: VectorStore | None = None) -> None:
        self.inner = inner
        self._cache_root = cache_root
        self._store = store
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def store(self) -> VectorStore:
        if self._store is None:  # no dim: asking the embedder for it would load its model
            self._store = VectorStore(self.inner.model_id, None, self._cache_root)
        return self._store

    def warm(self, texts: Sequence[str]) -> int:
        """Embed and store the texts not cached yet (nothing is returned); returns how many were embedded."""
        by_key = {text_key(t): t for t in texts}
        todo = self.store.missing(list(by_key))
        if todo:
            vecs = np.asarray(self.inner.embed([by_key[k] for k in todo]), dtype=np.float32)
            self.store.put_many(zip(todo, vecs, strict=True))
        self.misses += len(todo)
        return len(todo)

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single string")
        items = list(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [text_key(t) for t in items]
        found = self.store.get_many(keys)
        missing: dict[bytes, str] = {}
        for k, t in zip(keys, items, strict=True):
            if k not in found and k not in missing:
                missing[k] = t
        if missing:
            vecs = np.asarray(self.inner.embed(list(missing.values())), dtype=np.float32)
            new = list(zip(missing, vecs, strict=True))
            self.store.put_many(new)
            found.update(new)
        self.misses += len(missing)
        self.hits += len(items) - len(missing)
        out: FloatArray = np.stack([found[k] for k in keys]).astype(np.float32, copy=False)
        return out
