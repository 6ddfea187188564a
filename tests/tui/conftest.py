"""Fixtures for the TUI tests: the demo data in a real store, a fixed clock, an app built by the factory.

Cursor blinking is off and every helper waits for the workers, so runs are deterministic.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from connectors.fake import FakeConnector
from flerkanal.demo import demo_contacts, demo_files
from flerkanal.wiring import suggest_for_thread
from inbox.contacts import read_contacts_csv
from inbox.domain import Channel
from inbox.ingest import read_files
from inbox.storage.repository import Store
from tui.app import InboxApp
from tui.factory import build_app

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
OSLO = ZoneInfo("Europe/Oslo")


def fixed_clock() -> datetime:
    return NOW


def load_demo(store: Store) -> Store:
    store.import_contacts(read_contacts_csv(demo_contacts()))
    store.ingest(read_files(demo_files()))
    return store


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data loaded into a SQLite file once per session; each test gets a copy of its own."""
    path = tmp_path_factory.mktemp("demo-db") / "x.db"
    load_demo(Store.open(f"sqlite:///{path}")).close()
    return path


@pytest.fixture
def demo_store(tmp_path: Path, demo_db: Path) -> Iterator[Store]:
    """A store holding the demo data, as ``inbox`` opens one made by an earlier ``inbox ingest``."""
    copy = tmp_path / "x.db"
    copy.touch(mode=0o600)  # as inbox makes its database file
    with contextlib.closing(sqlite3.connect(demo_db)) as src, contextlib.closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
    store = Store.open(f"sqlite:///{copy}")
    yield store
    store.close()


@pytest.fixture
def fakes() -> dict[str, FakeConnector]:
    return {ch.value: FakeConnector(channel=ch) for ch in Channel}


AppMaker = Callable[..., InboxApp]


@pytest.fixture
def make_app(demo_store: Store, fakes: dict[str, FakeConnector]) -> AppMaker:
    def make(user: str = "anna", store: Store | None = None, **kwargs: Any) -> InboxApp:
        kwargs.setdefault("refresh_seconds", None)
        kwargs.setdefault("recommend", suggest_for_thread)  # as the CLI wires it: semantic detection included
        return build_app(store or demo_store, user, kwargs.pop("connectors", fakes), clock=fixed_clock,
                         display_tz=OSLO, **kwargs)

    return make


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes screenshots differ from run to run."""
    monkeypatch.setattr(Input, "cursor_blink", False)
    monkeypatch.setattr(TextArea, "cursor_blink", False)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until every worker is done and every message they posted has been handled."""
    for _ in range(4):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
