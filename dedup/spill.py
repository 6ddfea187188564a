"""Spill files of the batch run (:mod:`dedup.pipeline`): records pickled in chunks, and the merge of sorted
runs back into (sent time, key) order."""

from __future__ import annotations

import heapq
import pickle
from collections.abc import Iterable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

#: (sent timestamp, key, message without body/raw, clean body) and, once linked, the person id (0: none).
Rec = tuple[Any, ...]
RUN_RECORDS = 50_000  # records per sorted run file (a read worker holds one run: ~100 MB)
PICKLE_CHUNK = 2048
#: Sort key of records and rows: (sent timestamp, key).
time_key = itemgetter(0, 1)


def write_chunks(path: Path, records: Iterable[Any], header: Any = None) -> None:
    with path.open("wb") as f:
        if header is not None:
            pickle.dump(header, f, protocol=pickle.HIGHEST_PROTOCOL)
        chunk: list[Any] = []
        for r in records:
            chunk.append(r)
            if len(chunk) >= PICKLE_CHUNK:
                pickle.dump(chunk, f, protocol=pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, f, protocol=pickle.HIGHEST_PROTOCOL)


def read_chunks(path: Path, *, header: bool = False) -> Iterator[Any]:
    with path.open("rb") as f:
        if header:
            pickle.load(f)
        while True:
            try:
                chunk = pickle.load(f)
            except EOFError:
                return
            yield from chunk


def read_header(path: Path) -> Any:
    with path.open("rb") as f:
        return pickle.load(f)


def merged(runs: list[Path]) -> Iterator[Rec]:
    """All records of the sorted runs in (sent time, key) order; a key seen twice is kept once."""
    last: tuple[float, str] | None = None
    for rec in heapq.merge(*(read_chunks(p) for p in runs), key=time_key):
        k = (rec[0], rec[1])
        if k != last:
            last = k
            yield rec
