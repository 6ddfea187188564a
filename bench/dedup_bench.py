"""Batch dedup benchmark; the same as ``inbox bench dedup`` (see :mod:`dedup.bench` for what it measures)."""

from __future__ import annotations

from dedup.bench import main

if __name__ == "__main__":
    raise SystemExit(main())
