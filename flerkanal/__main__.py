"""``python -m flerkanal`` is the ``inbox`` command."""

from flerkanal.cli import main

main()
