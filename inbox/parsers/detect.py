"""Which export format a file holds, by looking at its first bytes (not its name)."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from inbox.domain import Quarantined
from inbox.parsers.common import Items
from inbox.parsers.dialog import read_dialog_json
from inbox.parsers.jsonl import looks_like_jsonl, read_jsonl
from inbox.parsers.mailbox import parse_or_quarantine, read_maildir, read_mbox
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
    if looks_like_mail(stripped):
        return Format.EML
    return Format.UNKNOWN


#: Header fields of RFC 5322 mail (and its MIME and transport headers).
_MAIL_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "date", "subject", "message-id", "received", "return-path", "mime-version",
    "content-type", "content-transfer-encoding", "reply-to", "in-reply-to", "references", "delivered-to",
    "sender", "x-mailer", "user-agent", "dkim-signature", "authentication-results", "x-flerkanal-direction",
})
_HEADER_FIELD = re.compile(rb"([!-9;-~]+)[ \t]*:")


def header_names(head: bytes) -> set[str]:
    """The field names of the header block a file starts with (empty when its first line is no header field);
    folded lines are skipped, and the block ends at the first blank line or line that is not a field."""
    names: set[str] = set()
    for line in head.split(b"\n"):
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if not names:
                return names
            continue
        found = _HEADER_FIELD.match(line)
        if found is None:
            break
        names.add(found.group(1).decode("ascii").lower())
    return names


def looks_like_mail(head: bytes) -> bool:
    """Whether a file starts with a mail's header block: header fields, among them From and another mail
    field, or three mail fields (a mail without From is then quarantined for that, not as unknown)."""
    known = header_names(head) & _MAIL_HEADERS
    return ("from" in known and len(known) >= 2) or len(known) >= 3


_EXPECTED = ("expected a Twilio Messages.json page or CSV log, an mbox, a Maildir, an .eml, a dialogue dump or "
             "flerkanal's JSONL export")
_MAGIC = ((b"\x1f\x8b", "a gzip file: unpack it first"), (b"PK\x03\x04", "a zip file: unpack it first"),
          (b"BZh", "a bzip2 file: unpack it first"), (b"\xfd7zXZ\x00", "an xz file: unpack it first"),
          (b"7z\xbc\xaf", "a 7-Zip file: unpack it first"), (b"%PDF", "a PDF document"),
          (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"))


def unknown_reason(path: Path) -> str:
    """Why a file is not read, as precisely as its first bytes tell."""
    try:
        with path.open("rb") as f:
            head = f.read(64 * 1024)
    except OSError as exc:
        return f"unreadable file ({type(exc).__name__})"
    what = _what_it_is(head)
    return f"unrecognised format: {what} ({_EXPECTED})"


def _what_it_is(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text: save it as UTF-8"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        return "an empty file" if not head.strip(b"\xef\xbb\xbf") else "a file of blank space only"
    if b"\x00" in head[:4096]:
        return "a binary file"
    if stripped[:1] in (b"{", b"["):
        return ('JSON, but neither a Twilio page ("sid" or "messages"), a dialogue dump ("henvendelser" or '
                '"dialoger") nor flerkanal\'s JSONL export (one message object a line)')
    first = stripped.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    cells = {c.strip().strip('"') for c in first.replace(";", ",").split(",")}
    if "fnr" in cells and cells & {"name", "phone", "email", "aktor_id"}:
        return "a contact register: import it with `inbox contacts import`"
    if ";" in first and "sid" in cells:
        return "a CSV log separated by ';' (Twilio's uses ',')"
    if header_names(stripped):
        return "header fields, but not a mail's (no From, Date, Subject or Message-ID)"
    return "text that is no message export"


def _read_eml(path: Path, office: frozenset[str]) -> Items:
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Quarantined(str(path), "file", f"unreadable file ({type(exc).__name__})", channel="email")
        return
    yield parse_or_quarantine(str(path), "message 1", data, office_addresses=office)


def skipped(path: Path) -> list[Quarantined]:
    """What :func:`expand` leaves out of a folder, each with why: hidden files and folders (a name starting
    with ``.``), links to folders, and anything neither file nor folder (a device, a pipe)."""
    if not path.is_dir() or detect_format(path) != Format.UNKNOWN:
        return []
    out: list[Quarantined] = []
    for child in sorted(path.iterdir()):
        if child.name.startswith(".") or not (child.is_file() or (child.is_dir() and not child.is_symlink())):
            out.extend(_not_read(child))
        elif child.is_dir():
            out.extend(skipped(child))
    return out


def _not_read(child: Path) -> list[Quarantined]:
    """The record of a folder's entry that is not read, with why."""
    if child.name.startswith("."):
        what = "folder" if child.is_dir() else "file"
        return [Quarantined(str(child), what, f"not read: a hidden {what} (its name starts with '.')")]
    if child.is_dir():
        return [Quarantined(str(child), "folder", "not read: a link to a folder (links are not followed)")]
    return [Quarantined(str(child), "file", "not read: neither a file nor a folder")]


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
            if child.name.startswith(".") or not (child.is_file() or (child.is_dir() and not child.is_symlink())):
                yield from _not_read(child)
                continue
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
        yield Quarantined(str(path), "file", unknown_reason(path))


