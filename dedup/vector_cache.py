"""A persistent on-disk cache of embeddings, so a re-run embeds only the texts it has not seen.

Vectors are stored per model in ``<cache root>/vectors/<model folder>/vectors.sqlite3`` (a SQLite table
of 16-byte text hash → float32 bytes, WAL mode, safe for several processes at once). The model folder is
named from the embedder's ``model_id`` (which includes everything that changes its vectors), and the key
is a BLAKE2 hash of the text handed to the embedder: for the matcher that is the normalised text, so
the cache is keyed by *model + normalised text*. The texts themselves are never stored.

:class:`CachedEmbedder` wraps any :class:`~dedup.embed.Embedder` with such a store, a bounded memory of
recent vectors, or both: the matcher's memory of a run, ``inbox dedup train``'s memory of a session and the
on-disk cache are all this one class.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.embed import Embedder
from inbox.paths import cache_dir

__all__ = ["CachedEmbedder", "VectorStore", "text_key", "vector_dir"]

FloatArray = npt.NDArray[np.float32]
_CHUNK = 500  # SQLite host parameters per query


def text_key(text: str) -> bytes:
    """The cache key of a text: 16 bytes of BLAKE2b."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16, person=b"flerkanal-vec").digest()


def vector_dir(model_id: str, cache_root: Path | None = None) -> Path:
    """Where one model's vectors live: ``<cache root>/vectors/`` (the root: ``cache_root``, else
    :func:`inbox.paths.cache_dir`), a readable slug of the model id plus a short hash of it."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("_")[:80] or "model"
    digest = hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:10]
    return (cache_root or cache_dir()) / "vectors" / f"{slug}-{digest}"


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
            from inbox.paths import private_sqlite_file

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
    """An :class:`~dedup.embed.Embedder` that remembers vectors: the one vector cache of flerkanal.

    Two layers, each optional: the latest ``max_items`` vectors in memory (least recently used dropped
    first), and every vector on disk in a :class:`VectorStore` under ``cache_root`` (``disk=False``: none).
    A text found in neither is embedded by the wrapped embedder, unseen texts of one call in one batch
    (duplicates once). When the wrapped embedder is itself a ``CachedEmbedder`` (a matcher's memory in front
    of a run's disk cache), :meth:`known` asks it too.

    The disk cache keeps no vectors in memory by default; a memory-only cache keeps 200,000. ``hits`` counts
    texts served from the disk (and, in :meth:`embed`, repeats within the call), ``misses`` texts embedded.
    """

    def __init__(self, inner: Embedder, cache_root: Path | None = None, *, store: VectorStore | None = None,
                 disk: bool = True, max_items: int | None = None) -> None:
        self.inner = inner
        self._cache_root = cache_root
        self._store = store
        self.disk = disk or store is not None
        self.max_items = max_items if max_items is not None else (0 if self.disk else 200_000)
        self._memory: OrderedDict[bytes, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def store(self) -> VectorStore | None:
        """The on-disk store (opened on first use), or None for a memory-only cache."""
        if self._store is None and self.disk:  # no dim: asking the embedder for it would load its model
            self._store = VectorStore(self.inner.model_id, None, self._cache_root)
        return self._store

    def _remember(self, key: bytes, vec: Any) -> None:
        if self.max_items:
            self._memory[key] = vec
            while len(self._memory) > self.max_items:
                self._memory.popitem(last=False)

    def _fill(self, by_key: dict[bytes, str]) -> dict[bytes, Any]:
        """Vectors for ``by_key`` (key → text, no repeats): from memory, the disk, else the wrapped embedder."""
        found = {k: self._memory[k] for k in by_key if k in self._memory}
        todo = [k for k in by_key if k not in found]
        store = self.store
        if todo and store is not None:
            on_disk = store.get_many(todo)
            self.hits += len(on_disk)
            found.update(on_disk)
            todo = [k for k in todo if k not in on_disk]
        if todo:
            vecs = self.inner.embed([by_key[k] for k in todo])
            if store is not None:
                vecs = np.asarray(vecs, dtype=np.float32)
                store.put_many(zip(todo, vecs, strict=True))
            found.update(zip(todo, vecs, strict=True))
            self.misses += len(todo)
        for k in by_key:
            if k not in self._memory:
                self._remember(k, found[k])
        return found

    def warm(self, texts: Sequence[str]) -> int:
        """Embed and keep the texts not cached yet (nothing is returned); returns how many were embedded.

        A disk cache without memory only fills the disk, without reading back the vectors it already has."""
        by_key = {text_key(t): t for t in texts}
        store = self.store
        if self.max_items or store is None:
            before = self.misses
            self._fill(by_key)
            return self.misses - before
        todo = store.missing(list(by_key))
        if todo:
            vecs = np.asarray(self.inner.embed([by_key[k] for k in todo]), dtype=np.float32)
            store.put_many(zip(todo, vecs, strict=True))
        self.misses += len(todo)
        return len(todo)

    def get(self, text: str) -> Any:
        """The vector of one text (embedded when never seen)."""
        key = text_key(text)
        vec = self._memory.get(key)
        if vec is None:
            return self._fill({key: text})[key]
        self._memory.move_to_end(key)
        return vec

    def known(self, texts: Sequence[str]) -> dict[str, Any]:
        """Vectors of ``texts`` without running the model: those in memory, on disk, or known to the wrapped
        cache. Texts never embedded are left out."""
        keys = {t: text_key(t) for t in dict.fromkeys(texts)}
        out = {t: self._memory[k] for t, k in keys.items() if k in self._memory}
        missing = [t for t in keys if t not in out]
        store = self.store
        if missing and store is not None:
            found = store.get_many([keys[t] for t in missing])
            out |= {t: found[keys[t]] for t in missing if keys[t] in found}
            missing = [t for t in missing if t not in out]
        if missing and isinstance(self.inner, CachedEmbedder):
            out |= self.inner.known(missing)
        return out

    def embed(self, texts: Sequence[str]) -> Any:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single string")
        items = list(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [text_key(t) for t in items]
        before = self.misses, self.hits
        found = self._fill(dict(zip(keys, items, strict=True)))
        embedded = self.misses - before[0]
        self.hits = before[1] + len(items) - embedded
        out = np.stack([found[k] for k in keys])
        return out.astype(np.float32, copy=False) if self.disk else out
