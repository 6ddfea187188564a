"""Settings: environment variables (prefix ``INBOX_``) and XDG locations. Secrets are never printed."""

from __future__ import annotations

import getpass
import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from inbox.paths import data_dir


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'inbox.db'}"


def os_user() -> str:
    """The name of the OS account running this process, from the account database by user id.

    Not from ``$USER`` or ``$LOGNAME`` (what :func:`getpass.getuser` reads first): anyone can set those.
    flerkanal acts as this user unless an admin asks to act as someone else (``--user``). An account without
    a name (a bare container) is ``uid-N``. Tests replace this function to run commands as another account.
    """
    try:
        import pwd
    except ImportError:  # not a POSIX system: the platform's own account name
        return getpass.getuser()
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid-{uid}"


def _default_user() -> str:
    return os_user()  # looked up when called, so a test's replacement of os_user applies


class Settings(BaseSettings):
    """flerkanal's settings. Every field can be set as ``INBOX_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="INBOX_", env_nested_delimiter="__", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    """Any SQLAlchemy URL; default: a SQLite file in the XDG data dir. ``postgresql://`` uses psycopg 3."""

    user: str = Field(default_factory=_default_user)
    """Who is working: recorded on claims and in the audit log. Defaults to the OS user; only an admin may
    name someone else (checked by the CLI against :func:`os_user`, and audited)."""

    office_emails: list[str] = Field(default_factory=list)
    """The office's own email addresses: mail from them is the office's reply (outbound)."""

    batch_size: int = 2000
    """Messages per transaction when importing."""

    matcher: str = "embedding"
    """How new messages are grouped into inquiries: ``embedding`` (sentence embeddings plus evidence) or
    ``structural`` (channel threading only, no model)."""

    model: str = "default"
    """Sentence-transformers model name or path; ``default`` is the bundled offline multilingual e5."""

    lang: str = ""
    """Language of the channel suggestion's reasons and of ``inbox recommend``'s output: ``en`` or ``no``
    (default: the policy's ``settings.lang``, English). ``--lang`` overrides it."""

    recommend_semantic: bool = True
    """Whether the channel suggestion also detects situations by meaning, with the sentence-embedding model
    (``false``: phrase lists only, no model loaded)."""

    warm_suggestions: bool = True
    """Whether arriving messages' sentences are embedded for the channel suggestion as they are stored (by
    ``inbox ingest`` and ``inbox sync`` with the embedding matcher), so opening a thread costs no model call
    (``false``: the suggestion embeds them when the thread is first shown)."""
