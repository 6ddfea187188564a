"""Where flerkanal keeps things on this machine: one name, one data directory, one cache root."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "flerkanal"


def data_dir() -> Path:
    """Where flerkanal keeps its database by default (``$XDG_DATA_HOME/flerkanal``)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """Where flerkanal caches models and embeddings (``$XDG_CACHE_HOME/flerkanal``)."""
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))
