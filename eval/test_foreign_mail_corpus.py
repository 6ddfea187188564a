"""Real-world odd mail written by others: CPython's own email test messages (``test/test_email/data``).

They come with the Python that runs the tests when its test suite is installed (python.org and pyenv builds
ship it; on Debian and Ubuntu it is the ``libpython3.11-testsuite`` package), or from the folder
``FLERKANAL_MAIL_CORPUS`` names. Nothing is copied into this repository. Every mail must be stored or
quarantined with a reason, whether it is read as an .eml file or from an mbox: none silently dropped, none
holding up the rest, none taking long.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

from inbox.domain import IncomingMessage, Quarantined
from inbox.parsers import read_any
from inbox.storage.repository import Store

CORPUS_ENV = "FLERKANAL_MAIL_CORPUS"


def corpus_dir() -> Path:
    """The folder of CPython's email test messages; fails (never skips) saying how to get it."""
    value = os.environ.get(CORPUS_ENV)
    if value:
        folder = Path(value).expanduser()
    else:
        spec = importlib.util.find_spec("test.test_email")
        origin = spec.origin if spec is not None else None
        folder = Path(origin).parent / "data" if origin else Path("test/test_email/data")
    if not sorted(folder.glob("msg_*.txt")):
        pytest.fail(f"`make eval` needs CPython's email test messages and found none in {folder}: install the "
                    "Python test suite (Debian/Ubuntu: apt-get install libpython3.11-testsuite) or point "
                    f"{CORPUS_ENV} at a folder of msg_*.txt files.", pytrace=False)
    return folder


@pytest.fixture(scope="module")
def mails() -> list[Path]:
    return sorted(corpus_dir().glob("msg_*.txt"))


def _accounted(items: list[IncomingMessage | Quarantined]) -> tuple[int, int]:
    for item in items:
        if isinstance(item, Quarantined):
            assert item.reason.strip(), item
    stored = sum(isinstance(i, IncomingMessage) for i in items)
    return stored, len(items) - stored


def test_each_mail_read_as_a_file_is_stored_or_quarantined_with_a_reason(mails: list[Path], tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'inbox.db'}")
    try:
        stored = quarantined = 0
        for path in mails:
            start = time.perf_counter()
            items = list(read_any(path))
            assert time.perf_counter() - start < 2, path.name
            assert len(items) == 1, f"{path.name}: {len(items)} records"
            s, q = _accounted(items)
            summary = store.ingest(items)
            assert sum(summary.new.values()) + sum(summary.quarantined.values()) == 1, path.name
            stored, quarantined = stored + s, quarantined + q
        counts = store.counts()
        assert (counts["messages"], counts["quarantined"]) == (stored, quarantined)
        assert stored > len(mails) // 2, f"only {stored} of {len(mails)} stored"
    finally:
        store.close()


def test_the_same_mails_in_one_mbox_are_each_one_record(mails: list[Path], tmp_path: Path) -> None:
    """mboxrd: a From_ line before each mail, body lines starting with >*From escaped."""
    out = bytearray()
    for path in mails:
        data = path.read_bytes().replace(b"\r\n", b"\n")
        lines = [b">" + line if line.lstrip(b">").startswith(b"From ") else line for line in data.split(b"\n")]
        out += b"From corpus@example.com Mon Nov  2 09:30:00 2026\n" + b"\n".join(lines).rstrip(b"\n") + b"\n\n"
    (tmp_path / "corpus.mbox").write_bytes(bytes(out))
    items = list(read_any(tmp_path / "corpus.mbox"))
    assert len(items) == len(mails)
    stored, _ = _accounted(items)
    assert stored > len(mails) // 2
