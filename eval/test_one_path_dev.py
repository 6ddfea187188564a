"""Live ingest (`inbox ingest`, the sync daemon) and batch `inbox dedup` group both shared dev sets exactly
alike: the same assignment code, the same inbound groups (issue 15's "one code path")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eval.conftest import shared_path
from tests.dedup.test_one_path import batch_groups, live_groups


@pytest.mark.parametrize("name", ["dedup-dev", "dedup-dev2"])
def test_live_ingest_groups_the_dev_set_exactly_as_batch_dedup(name: str, embedder: Any, tmp_path: Path) -> None:
    folder = shared_path(f"data/{name}", kind="dir")
    live = live_groups(folder, embedder, f"sqlite:///{tmp_path / 'live.db'}")
    batch = batch_groups(folder, embedder)
    assert sum(map(len, live)) == sum(map(len, batch)) > 200
    assert any(len(g) > 1 for g in batch)
    assert live == batch
