"""Snapshots of the main screens at 80×24 and larger, on the demo data with a fixed clock.

Update after a deliberate change with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and
look at the SVGs under ``__snapshots__/`` before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from inbox.storage.repository import Store
from tests.tui.conftest import AppMaker, settle
from tests.tui.test_thread import busiest

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((140, 40), id="140x40")]
SnapCompare = Callable[..., bool]


def go(*keys: str, theme: str | None = None) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        if theme:
            pilot.app.theme = theme
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def open_busiest(store: Store) -> list[str]:
    ids = [e.thread.id for e in store.open_threads(limit=1000)]
    return ["down"] * ids.index(busiest(store)) + ["enter"]


@pytest.mark.parametrize("size", SIZES)
def test_queue(snap_compare: SnapCompare, make_app: AppMaker, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=go())


@pytest.mark.parametrize("size", SIZES)
def test_thread(snap_compare: SnapCompare, make_app: AppMaker, demo_store: Store, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=go(*open_busiest(demo_store), "down"))


@pytest.mark.parametrize("size", SIZES)
def test_reply(snap_compare: SnapCompare, make_app: AppMaker, demo_store: Store, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=go(*open_busiest(demo_store), "a"))


def test_help(snap_compare: SnapCompare, make_app: AppMaker) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=go("question_mark"))


def test_thread_light_theme(snap_compare: SnapCompare, make_app: AppMaker, demo_store: Store) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24),
                        run_before=go(*open_busiest(demo_store), theme="textual-light"))
