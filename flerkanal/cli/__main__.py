"""``python -m flerkanal.cli`` is the ``inbox`` command (as ``python -m flerkanal`` is)."""

from flerkanal.cli import main

main()
