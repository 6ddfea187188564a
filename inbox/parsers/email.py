"""Email: one RFC 5322 message, an mbox file, a Maildir. Parsed with the stdlib email package."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from inbox.domain import Attachment, Channel, Direction, IncomingMessage, Quarantined, content_hash
from inbox.parsers.common import Items, RecordError
from inbox.text import html_to_text

_PARSER = BytesParser(policy=policy.default)
_MSGID = re.compile(r"<[^<>\s]+>")


def _header(msg: EmailMessage, name: str) -> str:
    try:
        val = msg.get(name)
    except Exception:  # a malformed header the policy cannot decode
        return ""
    return str(val).strip() if val is not None else ""


def _first_address(msg: EmailMessage, name: str) -> tuple[str, str]:
    """(display name, address) of the first address in a header, or ("", "")."""
    try:
        header = msg.get(name)
        addresses: tuple[Address, ...] = getattr(header, "addresses", ()) if header is not None else ()
    except Exception:
        addresses = ()
    if addresses:
        a = addresses[0]
        return a.display_name or "", a.addr_spec or ""
    raw = _header(msg, name)
    pairs = getaddresses([raw]) if raw else []
    return pairs[0] if pairs else ("", "")


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError, ValueError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload or "")
    if isinstance(content, bytes):
        return content.decode("utf-8", "replace")
    return str(content)


def _body_and_attachments(msg: EmailMessage) -> tuple[str, tuple[Attachment, ...]]:
    if not msg.is_multipart():
        # Most mail is one text part: read its Content-Type once (header parsing dominates the cost).
        ctype = msg.get_content_type()
        if ctype.startswith("text/") and msg.get_content_disposition() != "attachment":
            text = _part_text(msg)
            return (html_to_text(text) if ctype == "text/html" else text), ()
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.is_attachment() or (part.get_filename() and part.get_content_maintype() != "text"):
            payload = part.get_payload(decode=True)
            size = len(payload) if isinstance(payload, bytes) else 0
            attachments.append(Attachment(part.get_filename() or "", part.get_content_type(), size))
    try:
        best = msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        best = None
    if best is None:
        # No text part the policy recognises: take the first text/* leaf, if any.
        best = next((p for p in msg.walk() if p.get_content_maintype() == "text" and not p.is_multipart()),
                    None)
    if best is None:
        return "", tuple(attachments)
    text = _part_text(best)  # type: ignore[arg-type]
    if best.get_content_subtype() == "html":
        text = html_to_text(text)
    return text, tuple(attachments)


def parse_email_bytes(data: bytes, *, office_addresses: frozenset[str] = frozenset()) -> IncomingMessage:
    """One raw mail → IncomingMessage. Direction is ``out`` when the sender is one of the office's
    addresses, or when the mail says it was sent by the office (``X-Flerkanal-Direction: out``,
    or a From address on a nav domain)."""
    if not data.strip():
        raise RecordError("empty message")
    msg = _PARSER.parsebytes(data)
    if not isinstance(msg, EmailMessage):
        raise RecordError("not an email message")
    if not any(k.lower() in ("from", "date", "message-id", "subject") for k in msg):
        raise RecordError("no mail headers (From, Date, Message-ID, Subject) found")
    name, addr = _first_address(msg, "From")
    if not addr:
        raise RecordError("no usable From address")
    _to_name, to_addr = _first_address(msg, "To")
    date_raw = _header(msg, "Date")
    try:
        sent = parsedate_to_datetime(date_raw) if date_raw else None
    except (TypeError, ValueError, IndexError):
        sent = None
    if sent is None:
        raise RecordError("missing or unreadable Date header")
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    body, attachments = _body_and_attachments(msg)
    raw = data.decode("utf-8", "replace")
    found = _MSGID.findall(_header(msg, "Message-ID"))
    # A mail without Message-ID gets a stable key from its content, so re-imports still dedupe.
    key = found[0] if found else f"<sha256-{content_hash(raw)}@flerkanal.invalid>"
    refs = tuple(_MSGID.findall(_header(msg, "References")))
    irt = _MSGID.findall(_header(msg, "In-Reply-To"))
    lower = addr.lower()
    explicit = _header(msg, "X-Flerkanal-Direction").lower()
    outbound = explicit == "out" or lower in office_addresses or (
        not explicit and re.search(r"@(\w+\.)*nav(\.example)?\.no$", lower) is not None)
    return IncomingMessage(
        channel=Channel.EMAIL,
        provider_key=key,
        direction=Direction.OUT if outbound else Direction.IN,
        sent_at=sent,
        body=body,
        raw=raw,
        sender=addr,
        recipient=to_addr,
        sender_name=name,
        subject=_header(msg, "Subject"),
        in_reply_to=irt[0] if irt else "",
        references=refs,
        attachments=attachments,
    )


def _mbox_messages(path: Path) -> Iterator[tuple[int, bytes]]:
    """Split an mbox into (first line number, raw bytes), streaming; ``>From`` escapes are undone."""
    buf: list[bytes] = []
    start = 0
    prev_blank = True
    with path.open("rb") as f:
        for lineno, line in enumerate(f, start=1):
            if line.startswith(b"From ") and prev_blank:
                if buf:
                    yield start, b"".join(buf)
                buf = []
                start = lineno
            else:
                if start == 0:
                    start = lineno
                if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                    line = line[1:]
                buf.append(line)
            prev_blank = not line.strip()
    if buf:
        yield start, b"".join(buf)


def read_mbox(path: Path, *, office_addresses: frozenset[str] = frozenset()) -> Items:
    source = str(path)
    for n, (lineno, data) in enumerate(_mbox_messages(path), start=1):
        position = f"message {n} (line {lineno})"
        if not data.strip():
            continue  # blank lines between messages
        try:
            yield parse_email_bytes(data, office_addresses=office_addresses)
        except RecordError as exc:
            yield Quarantined(source, position, str(exc), raw=data.decode("utf-8", "replace"),
                              channel="email")
        except Exception as exc:  # the stdlib parser is lenient, but never let one mail stop the rest
            yield Quarantined(source, position, f"unparseable mail ({type(exc).__name__})",
                              raw=data.decode("utf-8", "replace"), channel="email")


def read_maildir(path: Path, *, office_addresses: frozenset[str] = frozenset()) -> Items:
    source = str(path)
    for sub in ("cur", "new"):
        folder = path / sub
        if not folder.is_dir():
            continue
        for file in sorted(folder.iterdir()):
            if not file.is_file():
                continue
            position = f"{sub}/{file.name}"
            data = file.read_bytes()
            try:
                yield parse_email_bytes(data, office_addresses=office_addresses)
            except RecordError as exc:
                yield Quarantined(source, position, str(exc), raw=data.decode("utf-8", "replace"),
                                  channel="email")
            except Exception as exc:
                yield Quarantined(source, position, f"unparseable mail ({type(exc).__name__})",
                                  raw=data.decode("utf-8", "replace"), channel="email")
