"""The errors flerkanal raises, one tree so callers can catch by layer.

    InboxError
    ├── ConfigError            bad settings or missing configuration
    ├── StorageError           the database refused or is unreachable
    │   └── ConflictError      a claim or state change lost a race
    │       └── DifferentPersons   a merge of two registered persons' inquiries, not forced
    ├── NotFoundError          no such thread / message / person
    ├── ParseError             an input record could not be read (carries source and position)
    ├── PermissionDenied       the user's role does not allow the action
    ├── ConnectorError         a channel's remote side failed
    │   ├── AuthError          credentials refused (permanent until fixed)
    │   ├── RateLimited        429 / throttled; retry_after in seconds when known
    │   ├── TransientError     timeouts, 5xx, dropped connections: retry with backoff
    │   └── PermanentError     the request itself is wrong: do not retry
    └── MatchError             the matcher or its model could not run

Messages of these errors never contain message text or national ID numbers.
"""

from __future__ import annotations


class InboxError(Exception):
    """Base of every error flerkanal raises on purpose."""


class ConfigError(InboxError):
    """Settings are missing or invalid."""


class StorageError(InboxError):
    """The database refused an operation or cannot be reached."""


class ConflictError(StorageError):
    """A concurrent change won (for example, someone else claimed the thread)."""


class DifferentPersons(ConflictError):
    """A manual merge would put two different registered persons' messages in one inquiry. Refused unless
    forced with a reason (``names``: the persons' names, for the one who decides; never ID numbers)."""

    def __init__(self, message: str, names: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.names = names


class NotFoundError(InboxError):
    """The thread, message or person does not exist."""


class PermissionDenied(InboxError):
    """The current user's role does not allow this."""


class ParseError(InboxError):
    """An input record could not be parsed.

    ``source`` names the file or connector, ``position`` the line, entry or message within it.
    """

    def __init__(self, reason: str, *, source: str = "", position: str = "") -> None:
        self.reason = reason
        self.source = source
        self.position = position
        where = ":".join(p for p in (source, position) if p)
        super().__init__(f"{where}: {reason}" if where else reason)


class ConnectorError(InboxError):
    """A channel's remote side failed."""


class AuthError(ConnectorError):
    """The remote side refused our credentials."""


class RateLimited(ConnectorError):
    """The remote side asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientError(ConnectorError):
    """A failure worth retrying with backoff (timeouts, 5xx, dropped connections)."""


class PermanentError(ConnectorError):
    """A failure that retrying will not fix."""


class MatchError(InboxError):
    """The matcher or its embedding model could not run."""
