"""Email: one RFC 5322 message, an mbox file, a Maildir. Parsed with the stdlib email package."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from inbox.domain import Attachment, Channel, Direction, IncomingMessage, Quarantined, content_hash
from inbox.parsers.common import Items, RecordError, decode_text, safe_text, storable_time
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


#: The most MIME parts a mail may have, and the most multipart containers (each nests the ones inside it):
#: the stdlib parser's time grows faster than the number of parts (5,000 parts: 4 s; 50,000 in 3 MB: 69 s
#: and 766 MB). Real mail has a handful of each.
MAX_MIME_PARTS = 1000
MAX_MIME_CONTAINERS = 200
#: The deepest nesting of parts read (a forwarded mail inside a forwarded mail … counts one level each).
MAX_MIME_DEPTH = 150
#: The parser checks every line against each open container's boundary: containers × lines is bounded too
#: (100 containers around 1.5 million lines took 39 s; this bound is about a second).
MAX_MIME_LINE_CHECKS = 5_000_000
_BOUNDARY_PARAM = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.IGNORECASE)
_DELIMITER_LINE = re.compile(rb"^--([^\r\n]{1,200}?)(?:--)?[ \t]*\r?$", re.MULTILINE)


def check_mime_structure(data: bytes) -> None:
    """Refuse (RecordError, so the mail is quarantined) a mail with more MIME parts or multipart containers
    than a real one has, before the parser reads it: counted on the raw bytes, in linear time."""
    if _BOUNDARY_PARAM.search(data) is None:
        return
    boundaries = {m.group(1) or m.group(2) for m in _BOUNDARY_PARAM.finditer(data)}
    if len(boundaries) > MAX_MIME_CONTAINERS:
        raise RecordError(f"too many MIME containers (over {MAX_MIME_CONTAINERS}): not read")
    if len(boundaries) > 1 and len(boundaries) * data.count(b"\n") > MAX_MIME_LINE_CHECKS:
        raise RecordError(f"too many lines for its {len(boundaries)} nested MIME containers: not read")
    parts = 0
    for m in _DELIMITER_LINE.finditer(data):
        if m.group(1) in boundaries:
            parts += 1
            if parts > MAX_MIME_PARTS:
                raise RecordError(f"too many MIME parts (over {MAX_MIME_PARTS}): not read")


def _mime_depth(msg: Message) -> int:
    """How deep a parsed mail's parts nest (1: no parts), walked without recursion."""
    deepest = 0
    stack: list[tuple[Message, int]] = [(msg, 1)]
    while stack:
        part, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_MIME_DEPTH:
            return deepest
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend((p, depth + 1) for p in payload if isinstance(p, Message))
    return deepest


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
            if _mime_depth(msg) > MAX_MIME_DEPTH:
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
    if msg.is_multipart() and _mime_depth(msg) > MAX_MIME_DEPTH:
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


@dataclass(frozen=True, slots=True)
class MboxSpan:
    """A byte range of an mbox that starts at a message boundary (for reading a big mbox in parallel)."""

    start: int
    end: int | None
    first_line: int
    first_index: int


_MBOX_BOUNDARY = re.compile(rb"(?:\A|\n[ \t\r\f\v]*\n)(?=From )")


def mbox_spans(path: Path, parts: int) -> list[MboxSpan]:
    """Cut an mbox into about ``parts`` ranges at message boundaries, with their first line and message
    numbers, so each range can be read on its own and positions stay those of a sequential read."""
    data = path.read_bytes()
    bounds = [m.end() for m in _MBOX_BOUNDARY.finditer(data)]
    if data.startswith(b"\xef\xbb\xbfFrom "):  # the sequential reader drops a leading BOM
        bounds.insert(0, 0)
    if parts <= 1 or len(bounds) < 2 * parts:
        return [MboxSpan(0, None, 1, 1)]
    step = len(bounds) // parts
    cuts = [bounds[i] for i in range(step, len(bounds), step)][: parts - 1]
    spans: list[MboxSpan] = []
    prev, line, index = 0, 1, 1
    lead = 0 if bounds[0] == 0 else 1  # text before the first From_ line reads as one message
    for cut in [*cuts, None]:
        spans.append(MboxSpan(prev, cut, line, index))
        if cut is not None:
            line += data.count(b"\n", prev, cut)
            index += sum(1 for b in bounds if prev <= b < cut) + (lead if prev == 0 else 0)
            prev = cut
    return spans


def mbox_messages(path: Path, span: MboxSpan | None = None) -> Iterator[tuple[int, bytes, bytes]]:
    """Split an mbox into (first line number, raw bytes, the ``From_`` line that opened it or b""), streaming;
    ``>From`` escapes are undone. A ``From_`` line with nothing after it still counts as a (empty) message."""
    buf: list[bytes] = []
    start = 0
    opened = b""
    prev_blank = True
    span = span or MboxSpan(0, None, 1, 1)
    with path.open("rb") as f:
        f.seek(span.start)
        remaining = None if span.end is None else span.end - span.start
        for lineno, line in enumerate(f, start=span.first_line):
            if remaining is not None:
                if remaining <= 0:
                    break
                remaining -= len(line)
            if lineno == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM before the first From_ line
            if line.startswith(b"From ") and prev_blank:
                if buf or opened:
                    yield start, b"".join(buf), opened
                buf = []
                start = lineno
                opened = line
            else:
                if start == 0:
                    start = lineno
                if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                    line = line[1:]
                buf.append(line)
            prev_blank = not line.strip()
    if buf or opened:
        yield start, b"".join(buf), opened


def from_line_time(line: bytes) -> datetime | None:
    """The delivery time on an mbox ``From_`` line (``From addr Mon Nov  9 13:20:00 2026``, UTC), or None."""
    words = line.split()
    if len(words) < 7 or words[3] not in _MONTHS:
        return None
    try:  # read by hand: strptime was a noticeable part of reading a big mbox
        hour, minute, second = (int(x) for x in words[5].split(b":"))
        return datetime(int(words[6]), _MONTHS[words[3]], int(words[4]), hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


_MONTHS = {m: n for n, m in enumerate((b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep",
                                       b"Oct", b"Nov", b"Dec"), start=1)}


#: A Maildir file's name starts with the time it was delivered (``1762694400.M1P2.host:2,S``).
_MAILDIR_TIME = re.compile(r"(\d{9,11})\.")


def maildir_name_time(name: str) -> datetime | None:
    """The delivery time a Maildir file's name starts with, or None."""
    found = _MAILDIR_TIME.match(name)
    if found is None:
        return None
    when = datetime.fromtimestamp(int(found.group(1)), UTC)
    return when if when <= datetime.now(UTC) + DATE_AFTER_ARRIVAL else None


def read_mbox(path: Path, *, office_addresses: frozenset[str] = frozenset(), span: MboxSpan | None = None) -> Items:
    source = str(path)
    for n, (lineno, data, opened) in enumerate(mbox_messages(path, span), start=span.first_index if span else 1):
        position = f"message {n} (line {lineno})"
        if not opened and not data.strip():
            continue  # blank lines before the first From_ line
        try:
            yield parse_email_bytes(data, office_addresses=office_addresses, received_at=from_line_time(opened))
        except RecordError as exc:
            yield Quarantined(source, position, str(exc), raw=safe_text(data.decode("utf-8", "replace")),
                              channel="email")
        except Exception as exc:  # the stdlib parser is lenient, but never let one mail stop the rest
            yield Quarantined(source, position, f"unparseable mail ({type(exc).__name__})",
                              raw=safe_text(data.decode("utf-8", "replace")), channel="email")


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
                yield parse_email_bytes(data, office_addresses=office_addresses,
                                        received_at=maildir_name_time(file.name))
            except RecordError as exc:
                yield Quarantined(source, position, str(exc), raw=safe_text(data.decode("utf-8", "replace")),
                                  channel="email")
            except Exception as exc:
                yield Quarantined(source, position, f"unparseable mail ({type(exc).__name__})",
                                  raw=safe_text(data.decode("utf-8", "replace")), channel="email")
