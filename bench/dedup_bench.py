"""Batch dedup benchmark; the same as ``inbox bench dedup`` (see :mod:`flerkanal.bench_dedup` for what it measures)."""

from __future__ import annotations

from flerkanal.bench_dedup import main

if __name__ == "__main__":
    raise SystemExit(main())
