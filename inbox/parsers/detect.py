"""Which export format a file holds, by looking at its first bytes (not its name)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from inbox.domain import Quarantined
from inbox.parsers.common import Items, RecordError, safe_text
from inbox.parsers.dialog import read_dialog_json
from inbox.parsers.email import parse_email_bytes, read_maildir, read_mbox
from inbox.parsers.jsonl import looks_like_jsonl, read_jsonl
from inbox.parsers.twilio import read_twilio_csv, read_twilio_json


class Format(StrEnum):
    TWILIO_JSON = "twilio-json"
    TWILIO_CSV = "twilio-csv"
    MBOX = "mbox"
    MAILDIR = "maildir"
    EML = "eml"
    DIALOG_JSON = "dialog-json"
    JSONL = "jsonl"  # flerkanal's own export (inbox dedup --export, inbox bench generate --jsonl)
    UNKNOWN = "unknown"


def detect_format(path: Path) -> Format:
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            return Format.MAILDIR
        return Format.UNKNOWN
    with path.open("rb") as f:
        head = f.read(64 * 1024)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"From "):
        return Format.MBOX
    if stripped[:1] == b"{" and looks_like_jsonl(path):  # first: its lines may quote the other formats
        return Format.JSONL
    if stripped[:1] in (b"{", b"["):
        text = stripped.decode("utf-8", "replace")
        if '"henvendelser"' in text or '"dialoger"' in text:
            return Format.DIALOG_JSON
        if '"sid"' in text or '"messages"' in text:
            return Format.TWILIO_JSON
        return Format.UNKNOWN
    first_line = stripped.split(b"\n", 1)[0].decode("utf-8", "replace")
    if "," in first_line and any(c in first_line for c in ("Sid", "sid", "SID")):
        return Format.TWILIO_CSV
    lower = stripped[:4096].lower()
    if b"message-id:" in lower and b"from:" in lower:
        return Format.EML
    return Format.UNKNOWN


def _read_eml(path: Path, office: frozenset[str]) -> Items:
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Quarantined(str(path), "file", f"unreadable file ({type(exc).__name__})", channel="email")
        return
    try:
        yield parse_email_bytes(data, office_addresses=office)
    except RecordError as exc:
        yield Quarantined(str(path), "message 1", str(exc), raw=safe_text(data.decode("utf-8", "replace")),
                          channel="email")
    except Exception as exc:  # the type only: an exception's text may quote the mail
        yield Quarantined(str(path), "message 1", f"unparseable mail ({type(exc).__name__})",
                          raw=safe_text(data.decode("utf-8", "replace")), channel="email")


def expand(path: Path) -> list[Path]:
    """The files (and Maildirs) ``read_any`` reads for ``path``, in the same order."""
    if detect_format(path) == Format.UNKNOWN and path.is_dir():
        out: list[Path] = []
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue
            if child.is_file() or (child.is_dir() and not child.is_symlink()):
                out.extend(expand(child))
        return out
    return [path]


def read_any(path: Path, *, office_addresses: frozenset[str] = frozenset()) -> Items:
    """Read any supported export; a directory (of Twilio pages, or of any mix of exports and Maildirs) is read
    file by file, its subdirectories too. Hidden files and symbolic links to directories are skipped."""
    fmt = detect_format(path)
    if fmt == Format.UNKNOWN and path.is_dir():
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue
            if child.is_file() or (child.is_dir() and not child.is_symlink()):
                yield from read_any(child, office_addresses=office_addresses)
        return
    if fmt == Format.TWILIO_JSON:
        yield from read_twilio_json(path)
    elif fmt == Format.TWILIO_CSV:
        yield from read_twilio_csv(path)
    elif fmt == Format.MBOX:
        yield from read_mbox(path, office_addresses=office_addresses)
    elif fmt == Format.MAILDIR:
        yield from read_maildir(path, office_addresses=office_addresses)
    elif fmt == Format.EML:
        yield from _read_eml(path, office_addresses)
    elif fmt == Format.DIALOG_JSON:
        yield from read_dialog_json(path)
    elif fmt == Format.JSONL:
        yield from read_jsonl(path)
    else:
        yield Quarantined(str(path), "file", "unrecognised format (expected a Twilio Messages.json page or "
                          "CSV log, an mbox, a Maildir, an .eml, a dialogue dump or flerkanal's JSONL export)")


