"""Settings: environment variables (prefix ``INBOX_``) and XDG locations. Secrets are never printed."""

from __future__ import annotations

import getpass
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

APP = "flerkanal"


def data_dir() -> Path:
    """Where flerkanal keeps its database by default (``$XDG_DATA_HOME/flerkanal``)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """Where flerkanal caches models and embeddings (``$XDG_CACHE_HOME/flerkanal``)."""
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'inbox.db'}"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container
        return "unknown"


class Settings(BaseSettings):
    """flerkanal's settings. Every field can be set as ``INBOX_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="INBOX_", env_nested_delimiter="__", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    """Any SQLAlchemy URL; default: a SQLite file in the XDG data dir. ``postgresql://`` uses psycopg 3."""

    user: str = Field(default_factory=_os_user)
    """Who is working: recorded on claims and in the audit log. Defaults to the OS user."""

    office_emails: list[str] = Field(default_factory=list)
    """The office's own email addresses: mail from them is the office's reply (outbound)."""

    batch_size: int = 2000
    """Messages per transaction when importing."""

    matcher: str = "embedding"
    """How new messages are grouped into inquiries: ``embedding`` (sentence embeddings plus evidence) or
    ``structural`` (channel threading only, no model)."""

    model: str = "default"
    """Sentence-transformers model name or path; ``default`` is the bundled offline multilingual e5."""
