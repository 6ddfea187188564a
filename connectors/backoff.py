"""How a failing connector waits before it tries again, and how its error is told without leaking anything.

Transient errors back off exponentially with jitter (``initial`` doubling up to ``maximum``, each delay drawn
from [d/2, d]); a 429 waits its Retry-After; refused credentials and other permanent errors wait ``maximum``
(they need a person, see :func:`needs_person`).
"""

from __future__ import annotations

import random

from inbox.errors import AuthError, InboxError, PermanentError, RateLimited

__all__ = ["Backoff", "describe_error", "needs_person"]


class Backoff:
    """Delays between failed attempts of one connector (see the module docstring)."""

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None) -> None:
        self.initial = max(0.0, initial)
        self.maximum = max(self.initial, maximum)
        self.rng = rng or random.Random()
        self.failures = 0

    def next_delay(self, exc: BaseException) -> float:
        self.failures += 1
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            wait = max(exc.retry_after, self.initial)  # honoured even beyond backoff_max
            return wait + self.rng.uniform(0.0, min(wait * 0.1, 5.0))
        if isinstance(exc, AuthError | PermanentError):
            base = self.maximum
        else:
            base = min(self.maximum, self.initial * 2.0 ** min(self.failures - 1, 60))
        return self.rng.uniform(base / 2, base)

    def reset(self) -> None:
        self.failures = 0


def describe_error(exc: BaseException) -> str:
    """A safe one-line description: flerkanal's own messages (which hold no message text, ID numbers or
    secrets), else the exception's class name only."""
    if isinstance(exc, InboxError):
        text = str(exc)
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if isinstance(exc, TimeoutError):
        return "timed out"
    return type(exc).__name__


def needs_person(exc: BaseException) -> bool:
    return isinstance(exc, AuthError | PermanentError)
