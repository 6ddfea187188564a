"""The house rules docs/architecture.md states, beyond the layers contract `lint-imports` checks."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[2]
PRODUCT = ("flerkanal", "tui", "connectors", "dedup", "inbox", "synth")
MAX_LINES = 500


def _import_loops() -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), imports under TYPE_CHECKING left out."""
    graph = grimp.build_graph(*PRODUCT, exclude_type_checking_imports=True)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in graph.modules:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                loops.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(graph.modules):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return loops


def test_no_import_loops() -> None:
    assert _import_loops() == []


def test_the_loop_finder_finds_a_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """So an empty answer above means something: two modules importing each other are found."""
    pkg = tmp_path / "loopy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from loopy import b\n")
    (pkg / "b.py").write_text("from loopy import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys.modules[__name__], "PRODUCT", ("loopy",))
    assert _import_loops() == [["loopy.a", "loopy.b"]]


def test_no_product_module_is_over_500_lines() -> None:
    too_long = {}
    for package in PRODUCT:
        for path in (REPO / package).rglob("*.py"):
            if "migrations" in path.parts:  # Alembic's generated revisions
                continue
            n = len(path.read_text(encoding="utf-8").splitlines())
            if n > MAX_LINES:
                too_long[str(path.relative_to(REPO))] = n
    assert too_long == {}
