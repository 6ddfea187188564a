"""`make eval`: scoring on the shared development sets and conformance with the published specs.

These read the shared folder that lives beside this repository's own checkout (``../shared``: the dev
data in ``data/``, the dialogue API spec in ``specs/veilarbdialog``, the independent scorer in
``tools/``), or wherever ``FLERKANAL_SHARED`` points. Nothing here skips: when a file is missing the
test fails and says what it looked for, and where. ``make test`` never reads this folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_ENV = "FLERKANAL_SHARED"


def shared_root() -> Path:
    """``$FLERKANAL_SHARED`` when set, else ``../shared`` beside the repository."""
    value = os.environ.get(SHARED_ENV)
    return Path(value).expanduser().resolve() if value else REPO.parent / "shared"


def shared_path(relative: str, *, kind: str = "file") -> Path:
    """A path inside the shared folder; fails the test (never skips) with what is missing and where."""
    root = shared_root()
    path = root / relative
    found = path.is_dir() if kind == "dir" else path.is_file()
    if not found:
        how = (f"{SHARED_ENV}={os.environ[SHARED_ENV]}" if os.environ.get(SHARED_ENV)
               else f"{SHARED_ENV} is not set, so ../shared beside the repository")
        pytest.fail(f"`make eval` needs the shared {kind} {relative!r} and it is missing: looked for {path} "
                    f"({how}). Point {SHARED_ENV} at the folder that holds data/, specs/ and tools/.",
                    pytrace=False)
    return path


def pytest_report_header() -> str:
    root = shared_root()
    return f"shared dev data and specs: {root} ({'found' if root.is_dir() else 'MISSING'}; set {SHARED_ENV} to move)"


@pytest.fixture
def dev_dir() -> Path:
    """The labelled dedup dev set (contacts, labels, the three exports)."""
    folder = shared_path("data/dedup-dev", kind="dir")
    for name in ("contacts.csv", "labels.csv", "sms.json", "mail.mbox", "dialog.json"):
        shared_path(f"data/dedup-dev/{name}")
    return folder


@pytest.fixture
def yardstick() -> Path:
    """The shared, independent scorer of a grouping (tools/score_groups.py)."""
    return shared_path("tools/score_groups.py")


@pytest.fixture
def recommend_dev_cases() -> Path:
    return shared_path("data/recommend-dev/cases.jsonl")


@pytest.fixture
def veilarbdialog_schema() -> Path:
    """The published GraphQL schema of Nav's veilarbdialog."""
    return shared_path("specs/veilarbdialog/schema.graphqls")


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The real default embedding model, loaded once per session (offline)."""
    from dedup.embed import SentenceTransformerEmbedder

    e = SentenceTransformerEmbedder("default")
    e.embed(["warm up"])
    return e
