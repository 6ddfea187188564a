"""The synthetic-data generator is test data: importing any product module never loads it.

Only the bench commands import it, inside the command. Checked in a fresh interpreter, so modules the
test run has already loaded cannot hide an import.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRODUCT = ("inbox", "connectors", "dedup", "tui", "flerkanal")

_PROBE = """
import importlib, importlib.util, pkgutil, sys
names = []
for pkg in sys.argv[1:]:
    if importlib.util.find_spec(pkg) is None:
        continue  # a package the product does not have (yet)
    root = importlib.import_module(pkg)
    names.append(pkg)
    for info in pkgutil.walk_packages(root.__path__, pkg + "."):
        if ".migrations" in info.name or info.name.endswith(".__main__"):  # run, never imported
            continue
        importlib.import_module(info.name)
        names.append(info.name)
print(len(names), sorted(m for m in sys.modules if m == "synth" or m.startswith("synth.")))
"""


def test_no_product_module_imports_synth_at_import_time() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *PRODUCT], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    count, loaded = done.stdout.split(" ", 1)
    assert int(count) > 50  # the walk really imported the product
    assert loaded.strip() == "[]", f"importing the product loaded {loaded.strip()}"
