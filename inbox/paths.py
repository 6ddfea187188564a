"""Where flerkanal keeps things on this machine: one name, one data directory, one cache root."""

from __future__ import annotations

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
