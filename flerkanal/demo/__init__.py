"""Bundled demo exports: a few dozen made-up messages from twenty-four people on three channels.

The files have exactly the formats the real systems export (a Twilio ``Messages.json`` page, an mbox, a
veilarbdialog dump) plus the contact register and the true grouping (``labels.csv``). They are written by
``bench/make_demo_data.py``; regenerate them with that script rather than editing them by hand.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent


def demo_files() -> list[Path]:
    """The three exports, in the order an import reads them: SMS, email, dialogue."""
    return [DEMO_DIR / "sms.json", DEMO_DIR / "mail.mbox", DEMO_DIR / "dialog.json"]


def demo_contacts() -> Path:
    """The contact register (``fnr,aktor_id,name,phone,email``); five of the writers are not in it."""
    return DEMO_DIR / "contacts.csv"


def demo_labels() -> Path:
    """The true grouping (``key,inquiry,person,direction``) of every message in the exports."""
    return DEMO_DIR / "labels.csv"
