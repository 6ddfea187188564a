"""Run CLI commands as another OS account in tests.

The CLI acts as the OS account running it (``flerkanal.settings.os_user``, read from the account database, not
from ``$USER``); tests run as one account (root in CI), so they replace that function to play several
people. Nothing outside tests can do this: it is not a setting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch


@contextmanager
def os_account(name: str) -> Iterator[None]:
    """Within the block, the OS account running ``inbox`` is ``name``."""
    with patch("flerkanal.settings.os_user", return_value=name):
        yield
