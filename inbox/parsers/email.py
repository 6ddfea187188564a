"""Email: one RFC 5322 message, parsed with the stdlib email package (its containers, mbox and Maildir, are
:mod:`inbox.parsers.mailbox`; the bounds on its MIME structure :mod:`inbox.parsers.mime_limits`)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from inbox.domain import Attachment, Channel, Direction, IncomingMessage, content_hash
from inbox.parsers.common import RecordError, decode_text, safe_text, storable_time
from inbox.parsers.mime_limits import MAX_MIME_DEPTH, check_mime_structure, mime_depth
from inbox.text import html_to_text


class _CachingPolicy(policy.EmailPolicy):
    """``policy.default``, but a header value is parsed once, not on every ``msg.get``.

    The email package builds a new header object each time a header is read; reading Content-Type a
    dozen times per mail made header parsing most of an import's cost. Equal raw values parse equally,
    so the parsed header is reused (a bounded cache).
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        key = (name.lower(), value)
        hit = _HEADERS.get(key)
        if hit is None:
            if len(_HEADERS) > 50_000:
                _HEADERS.clear()
            hit = _HEADERS[key] = super().header_fetch_parse(name, value)
        return hit


_HEADERS: dict[tuple[str, str], Any] = {}
_PARSER = BytesParser(policy=_CachingPolicy())
_MSGID = re.compile(r"<[^<>\s]+>")


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _has_escapes(value: str) -> bool:
    """Whether the parser kept raw 8-bit bytes of this text as surrogate escapes."""
    return _ESCAPED_BYTE.search(value) is not None


def _unescape(value: str) -> str:
    """Header text as a person wrote it: raw 8-bit bytes the parser kept as surrogate escapes are decoded
    (UTF-8, else Windows-1252), and nothing unstorable is left."""
    if not _has_escapes(value):
        return safe_text(value)
    try:
        return decode_text(value.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:  # other lone surrogates: not bytes the parser escaped
        return safe_text(value)


def _raw_header(msg: EmailMessage, name: str) -> str:
    """The first ``name`` header without the policy's parsing, its encoded-words decoded where possible."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            value = re.sub(r"\r?\n(?=[ \t])", "", str(value))  # unfold
            if _has_escapes(value):
                return value  # raw 8-bit bytes: _unescape decodes them
            try:
                return str(make_header(decode_header(value)))
            except Exception:  # an encoded-word with an unknown charset or bad bytes: keep it as written
                return value
    return ""


def _header(msg: EmailMessage, name: str) -> str:
    try:
        val = msg.get(name)
        text = str(val) if val is not None else ""
    except Exception:  # a malformed header the policy cannot decode: read it as written
        text = _raw_header(msg, name)
    if "\ufffd" in text:  # the policy read raw 8-bit bytes as UTF-8 and they were not (Latin-1, Windows-1252)
        raw = _raw_header(msg, name)
        if _has_escapes(raw):
            text = raw
    return _unescape(text).strip()


def _first_address(msg: EmailMessage, name: str) -> tuple[str, str]:
    """(display name, address) of the first address in a header, or ("", "")."""
    try:
        header = msg.get(name)
        addresses: tuple[Address, ...] = getattr(header, "addresses", ()) if header is not None else ()
        pair = (addresses[0].display_name or "", addresses[0].addr_spec or "") if addresses else None
    except Exception:
        pair = None
    if pair is None:
        raw = _header(msg, name)
        pairs = getaddresses([raw]) if raw else []
        pair = pairs[0] if pairs else ("", "")
    return _unescape(pair[0]), _unescape(pair[1])


def _part_text(part: EmailMessage) -> str:
    """A text part's content: its declared charset when the bytes fit it, else a best guess (never raises)."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        try:
            charset = part.get_content_charset()
        except Exception:
            charset = None
        return decode_text(payload, charset)
    raw = part.get_payload()
    return _unescape(raw) if isinstance(raw, str) else ""


# A line that opens a MIME part: ``--`` and a boundary (RFC 2046 bchars, at most 70).
_DELIMITER = re.compile(rb"^--([0-9A-Za-z'()+_,./:=?-][0-9A-Za-z'()+_,./:=? -]{0,69}?)(--)?[ \t]*\r?$", re.M)


def _repair_multipart(msg: EmailMessage) -> EmailMessage | None:
    """A multipart the parser could not split (its declared boundary is missing or never used), read again
    with the boundary its body actually uses; None when the body has no part delimiter at all."""
    try:
        payload = msg.get_payload(decode=True)
    except Exception:
        return None
    if not isinstance(payload, bytes):
        return None
    found = _DELIMITER.search(payload)
    if found is None:
        return None
    subtype = msg.get_content_subtype()
    subtype = subtype if re.fullmatch(r"[a-z0-9.+-]{1,40}", subtype) else "mixed"
    head = f'Content-Type: multipart/{subtype}; boundary="'.encode() + found.group(1) + b'"\n\n'
    repaired = _PARSER.parsebytes(head + payload)
    return repaired if isinstance(repaired, EmailMessage) and repaired.is_multipart() else None


def _nested_size(part: EmailMessage) -> int:
    try:
        inner = part.get_payload(0)
        return len(inner.as_bytes()) if isinstance(inner, Message) else 0
    except Exception:  # a nested mail the generator cannot write back: size unknown
        return 0


def _body_and_attachments(msg: EmailMessage) -> tuple[str, tuple[Attachment, ...]]:
    if msg.get_content_maintype() == "multipart" and not msg.is_multipart():
        repaired = _repair_multipart(msg)
        if repaired is None:  # no parts to find: the body as written is the best there is
            return _part_text(msg), ()
        msg = repaired
    if not msg.is_multipart():
        # Most mail is one text part: read its Content-Type once (header parsing dominates the cost).
        ctype = msg.get_content_type()
        if ctype.startswith("text/") and msg.get_content_disposition() != "attachment":
            text = _part_text(msg)
            return (html_to_text(text) if ctype == "text/html" else text), ()
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part is not msg and part.get_content_type() == "message/rfc822":
            # A forwarded or attached mail: recorded as one attachment (its own parts are walked too).
            attachments.append(Attachment(_unescape(part.get_filename() or ""), "message/rfc822",
                                          _nested_size(part)))
            continue
        if part.is_multipart():
            continue
        if part.is_attachment() or (part.get_filename() and part.get_content_maintype() != "text"):
            payload = part.get_payload(decode=True)
            size = len(payload) if isinstance(payload, bytes) else 0
            attachments.append(Attachment(_unescape(part.get_filename() or ""), part.get_content_type(), size))
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


def parse_email_bytes(data: bytes, *, office_addresses: frozenset[str] = frozenset(),
                      received_at: datetime | None = None) -> IncomingMessage:
    """One raw mail → IncomingMessage. Direction is ``out`` when the sender is one of the office's
    addresses, or when the mail says it was sent by the office (``X-Flerkanal-Direction: out``,
    or a From address on a nav domain).

    Most mail is one plain ASCII-headed text part; :func:`_simple_fields` reads those with the stdlib's
    light ``compat32`` parser (about eight times faster). Everything else, and anything that parser is
    unsure of, goes through the full ``policy.default`` reader (:func:`_full_fields`).

    ``received_at``: when the office received the mail, as the mailbox says (IMAP INTERNALDATE, an mbox From_
    line, a Maildir file's name); without it, the newest Received header's time, if any. The queue's fair
    order uses it, never the Date header, which the sender writes; an implausible Date is flagged.
    """
    if not data.strip():
        raise RecordError("empty message")
    check_mime_structure(data)
    fields = _simple_fields(data)
    if fields is None:
        fields = _full_fields(data)
    return _build(data, fields, office_addresses, received_at)


@dataclass(frozen=True, slots=True)
class _Fields:
    """What a mail's reader found: decoded header values and the body."""

    name: str
    addr: str
    to_addr: str
    date: str
    subject: str
    message_id: str
    references: str
    in_reply_to: str
    direction: str
    body: str
    attachments: tuple[Attachment, ...] = ()
    received: str = ""  # the newest (first) Received header


_SIMPLE_PARSER = BytesParser(policy=policy.compat32)
_UNFOLD = re.compile(r"\r?\n(?=[ \t])")
_WANTED = ("from", "to", "date", "subject", "message-id", "references", "in-reply-to", "x-flerkanal-direction",
           "content-type", "content-transfer-encoding", "content-disposition", "received")


def _simple_header(value: str) -> str:
    """An ASCII header value unfolded, its RFC 2047 encoded-words decoded (raises on a broken one)."""
    value = _UNFOLD.sub("", value)
    if "=?" in value:
        value = str(make_header(decode_header(value)))
    return safe_text(value).strip()


_ADDRESSES: dict[str, list[tuple[str, str]]] = {}


def _addresses(value: str) -> list[tuple[str, str]]:
    """``getaddresses([value])``, remembered: the same senders write again and again and every mail goes to
    the same few office addresses, and the stdlib's address parser was a fifth of reading a plain mail."""
    found = _ADDRESSES.get(value)
    if found is None:
        if len(_ADDRESSES) > 50_000:
            _ADDRESSES.clear()
        found = _ADDRESSES[value] = getaddresses([value])
    return list(found)


def _simple_fields(data: bytes) -> _Fields | None:
    """The fields of a single-part text mail whose headers are plain ASCII, or None for anything else."""
    try:
        msg = _SIMPLE_PARSER.parsebytes(data)
        if msg.defects:
            return None
        seen: dict[str, str] = {}
        for key, value in msg.raw_items():
            k = key.lower()
            if k in _WANTED and k not in seen:
                if not isinstance(value, str) or not value.isascii():
                    return None  # 8-bit header bytes or a Header object: the full reader's repair rules apply
                seen[k] = value
        if not seen.keys() & {"from", "date", "message-id", "subject"}:
            return None
        if msg.is_multipart():
            if mime_depth(msg) > MAX_MIME_DEPTH:
                return None  # the full reader refuses it, saying why
            found = _simple_parts(msg)
            if found is None:
                return None
            body_part, attachments = found
        else:
            body_part, attachments = msg, ()
            if msg.get_content_disposition() == "attachment":
                return None
        ctype = body_part.get_content_type()
        if not ctype.startswith("text/"):
            return None
        sender = _UNFOLD.sub("", seen.get("from", ""))
        if "(" in sender:  # an RFC 5322 comment: the two parsers read its name differently
            return None
        pairs = _addresses(sender)
        if len(pairs) != 1 or not pairs[0][1] or "@" not in pairs[0][1]:
            return None
        name = _simple_header(pairs[0][0]) if pairs[0][0] else ""
        to_pairs = _addresses(_UNFOLD.sub("", seen["to"])) if "to" in seen else []
        payload = body_part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return None
        text = decode_text(payload, body_part.get_content_charset())
        return _Fields(
            name=name, addr=_unescape(pairs[0][1]), to_addr=to_pairs[0][1] if to_pairs else "",
            date=_simple_header(seen.get("date", "")), subject=_simple_header(seen.get("subject", "")),
            message_id=_simple_header(seen.get("message-id", "")),
            references=_simple_header(seen.get("references", "")),
            in_reply_to=_simple_header(seen.get("in-reply-to", "")),
            direction=_simple_header(seen.get("x-flerkanal-direction", "")).lower(),
            body=html_to_text(text) if ctype == "text/html" else text, attachments=attachments,
            received=_UNFOLD.sub("", seen.get("received", "")),
        )
    except Exception:  # an encoded-word with an unknown charset, odd bytes: the full reader decides
        return None


def _simple_parts(msg: Message) -> tuple[Message, tuple[Attachment, ...]] | None:
    """Body part and attachments of a plain multipart/mixed or /alternative mail, chosen as the full reader
    chooses them (``get_body``: text/plain before text/html, the first of each); None for anything else
    (nested mails, multipart/related, parts with 8-bit or encoded headers, parser defects)."""
    best: Message | None = None
    best_rank = 2
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.defects or not all(isinstance(v, str) and v.isascii() for v in part.values()):
            return None
        maintype, subtype = part.get_content_maintype(), part.get_content_subtype()
        disposition = part.get_content_disposition()
        if part.is_multipart():
            if maintype != "multipart" or subtype not in ("mixed", "alternative") or disposition is not None:
                return None
            continue
        if maintype == "multipart" or maintype == "message":
            return None
        filename = part.get_filename()
        if filename is not None and "=?" in filename:
            return None
        if disposition == "attachment" or (filename and maintype != "text"):
            payload = part.get_payload(decode=True)
            attachments.append(Attachment(_unescape(filename or ""), part.get_content_type(),
                                          len(payload) if isinstance(payload, bytes) else 0))
            continue
        if maintype == "text" and subtype in ("plain", "html"):
            rank = 0 if subtype == "plain" else 1
            if rank < best_rank:
                best, best_rank = part, rank
    return (best, tuple(attachments)) if best is not None else None


def _full_fields(data: bytes) -> _Fields:
    msg = _PARSER.parsebytes(data)
    if not isinstance(msg, EmailMessage):
        raise RecordError("not an email message")
    if msg.is_multipart() and mime_depth(msg) > MAX_MIME_DEPTH:
        raise RecordError(f"MIME parts nested deeper than {MAX_MIME_DEPTH} levels: not read")
    if not any(k.lower() in ("from", "date", "message-id", "subject") for k in msg):
        raise RecordError("no mail headers (From, Date, Message-ID, Subject) found")
    name, addr = _first_address(msg, "From")
    if not addr:
        raise RecordError("no usable From address")
    _to_name, to_addr = _first_address(msg, "To")
    body, attachments = _body_and_attachments(msg)
    return _Fields(
        name=name, addr=addr, to_addr=to_addr, date=_header(msg, "Date"), subject=_header(msg, "Subject"),
        message_id=_header(msg, "Message-ID"), references=_header(msg, "References"),
        in_reply_to=_header(msg, "In-Reply-To"), direction=_header(msg, "X-Flerkanal-Direction").lower(),
        body=body, attachments=attachments, received=_raw_header(msg, "Received"),
    )


#: An office address (compiled once: the regex cache loses it to the mail parser's boundary patterns).
_NAV_ADDRESS = re.compile(r"@(\w+\.)*nav(\.example)?\.no$")


#: How far a plausible Date header may lie before the time the mail arrived (mail queued on the way, a
#: device's clock a little off), and after it.
DATE_BEFORE_ARRIVAL = timedelta(days=30)
DATE_AFTER_ARRIVAL = timedelta(days=1)
#: No Date header before this is plausible when the arrival time is not known.
EARLIEST_PLAUSIBLE_DATE = datetime(1990, 1, 1, tzinfo=UTC)
#: The year as written in a Date header ("0001" is read as 2001 by the RFC 2822 rules for short years).
_WRITTEN_YEAR = re.compile(r"\b(\d{1,4})\s+\d{1,2}:\d{2}")


def _header_time(value: str) -> datetime | None:
    """An RFC 5322 date-time, in UTC when it has no zone; None when unreadable or not storable."""
    try:
        dt = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    try:
        storable_time(dt, "time")
    except RecordError:
        return None
    return dt


def received_header_time(value: str) -> datetime | None:
    """The time a Received header was written (after its last ``;``), or None."""
    _, sep, when = value.rpartition(";")
    return _header_time(when.strip()) if sep else None


def plausible_date(sent: datetime, written: str, arrived: datetime | None, now: datetime) -> bool:
    """Whether a Date header's time can be what the sender's side says: not before 1990 (or a month before the
    mail arrived), not after it arrived (or now) by more than a day, its year read as written."""
    year = _WRITTEN_YEAR.search(written)
    if year is not None and len(year.group(1)) == 4 and int(year.group(1)) != sent.year:
        return False
    if sent > (arrived or now) + DATE_AFTER_ARRIVAL:
        return False
    return sent >= (arrived - DATE_BEFORE_ARRIVAL if arrived is not None else EARLIEST_PLAUSIBLE_DATE)


def mail_digest(decoded: str) -> str:
    """SHA-256 of a mail as its container leaves it: the same for a mail read from an mbox, a Maildir (CRLF or
    not) or an .eml file."""
    return hashlib.sha256(canonical_mail(decoded).encode("utf-8", "surrogatepass")).hexdigest()


def canonical_mail(decoded: str) -> str:
    """A mail's text with LF line ends and without the blank lines and spaces its container adds at the end."""
    return decoded.replace("\r\n", "\n").rstrip()


def _build(data: bytes, f: _Fields, office_addresses: frozenset[str], received_at: datetime | None = None
           ) -> IncomingMessage:
    try:
        sent = parsedate_to_datetime(f.date) if f.date else None
    except (TypeError, ValueError, IndexError, OverflowError):
        sent = None
    if sent is None:
        raise RecordError("missing or unreadable Date header")
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    try:
        storable_time(sent, "Date")
    except RecordError:
        raise RecordError("Date header is out of range") from None
    arrived = received_at or (received_header_time(f.received) if f.received else None)
    flags: tuple[str, ...] = ()
    now = datetime.now(UTC)
    if not plausible_date(sent, f.date, arrived, now):
        flags = ("date",)
        if not plausible_date(sent, f.date, None, now):
            # Impossible on its own (in the future, before 1990, its year misread): kept with the time it arrived
            # instead (the Date header stays in the raw mail). A Date merely long before the arrival time stays:
            # the queue's order comes from the arrival time, and an mbox export's From_ lines often carry the
            # time of the export, not of delivery, so the sender's time is the better one for grouping.
            sent = arrived or now
    decoded = data.decode("utf-8", "replace")
    raw = safe_text(decoded)
    digest = mail_digest(decoded)
    found = _MSGID.findall(f.message_id)
    # A mail without Message-ID gets a stable key from its content, the same whatever its container, so
    # re-imports still dedupe (for an .eml or Maildir file with LF line ends, the key it had before).
    key = found[0] if found else f"<sha256-{content_hash(canonical_mail(decoded) + chr(10))}@flerkanal.invalid>"
    refs = tuple(_MSGID.findall(f.references))
    irt = _MSGID.findall(f.in_reply_to)
    lower = f.addr.lower()
    outbound = f.direction == "out" or lower in office_addresses or (
        not f.direction and _NAV_ADDRESS.search(lower) is not None)
    return IncomingMessage(
        channel=Channel.EMAIL,
        provider_key=key,
        direction=Direction.OUT if outbound else Direction.IN,
        sent_at=sent,
        body=f.body,
        raw=raw,
        sender=f.addr,
        recipient=f.to_addr,
        sender_name=f.name,
        subject=f.subject,
        in_reply_to=irt[0] if irt else "",
        references=refs,
        attachments=f.attachments,
        received_at=arrived,
        digest=digest,
        flags=flags,
    )
