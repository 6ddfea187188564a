"""Where flerkanal keeps things on this machine: one name, one data directory, one cache root."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import platformdirs

APP = "flerkanal"


def data_dir() -> Path:
    """Where flerkanal keeps its database by default (``$XDG_DATA_HOME/flerkanal``)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


#: Names a cache root instead of the user cache directory (a shared or a scratch folder, CI).
CACHE_DIR_ENV = "FLERKANAL_CACHE_DIR"


def cache_dir() -> Path:
    """The one cache root: converted models under ``models/``, embeddings under ``vectors/``
    (``$XDG_CACHE_HOME/flerkanal``; ``$FLERKANAL_CACHE_DIR`` overrides it)."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def private_sqlite_file(path: Path) -> None:
    """Create a SQLite database file readable by its owner only, before SQLite creates it world-readable.

    A new file is made 0600 (SQLite gives its ``-wal`` and ``-shm`` files the database file's mode), in a
    directory made 0700 when it does not exist yet. The default location (``$XDG_DATA_HOME/flerkanal``) is
    flerkanal's own: it and the files in it are tightened to 0700/0600 even when an older version made them
    readable by other local users. A file or directory elsewhere that exists keeps the mode its owner chose
    (a group-shared database, say).
    """
    path = path.expanduser()
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if parent.resolve() == data_dir().resolve():
        for p in (parent, path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            try:
                if p.stat().st_uid == os.geteuid():
                    p.chmod(0o700 if p == parent else 0o600)
            except FileNotFoundError:
                continue
