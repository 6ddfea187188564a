"""Twilio message lists: the REST ``Messages.json`` page and the console's CSV export."""

from __future__ import annotations

import csv
import json
import re
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from inbox.domain import Channel, Direction, IncomingMessage, Quarantined
from inbox.parsers.common import (
    Items,
    RecordError,
    dump_raw,
    json_error_position,
    opt_str,
    parse_iso,
    parse_rfc2822,
    require_str,
)


def parse_twilio_message(msg: Any) -> IncomingMessage:
    """One Twilio Message resource (as in the REST API's JSON) → IncomingMessage."""
    if not isinstance(msg, dict):
        raise RecordError(f"entry should be an object, got {type(msg).__name__}")
    sid = require_str(msg, "sid")
    if not sid.startswith(("SM", "MM")):
        raise RecordError("field 'sid' is not a message SID (SM… or MM…)")
    body = require_str(msg, "body", allow_empty=True)
    direction_raw = require_str(msg, "direction")
    direction = Direction.IN if direction_raw == "inbound" else Direction.OUT
    sent_raw = msg.get("date_sent") or msg.get("date_created")
    if not isinstance(sent_raw, str):
        raise RecordError("missing field 'date_sent' (and 'date_created')")
    sent = parse_rfc2822(sent_raw, "date_sent")
    return IncomingMessage(
        channel=Channel.SMS,
        provider_key=sid,
        direction=direction,
        sent_at=sent,
        body=body,
        raw=dump_raw(msg),
        sender=require_str(msg, "from"),
        recipient=require_str(msg, "to"),
        status=opt_str(msg, "status"),
    )


def read_twilio_json(path: Path) -> Items:
    """A ``Messages.json`` page (``{"messages": [...], "next_page_uri": ...}``) or a bare list of them."""
    source = str(path)
    try:
        data = json.loads(path.read_bytes())
    except UnicodeDecodeError as exc:
        yield Quarantined(source, f"byte {exc.start}", "file is not valid UTF-8 JSON", channel="sms")
        return
    except json.JSONDecodeError as exc:
        yield Quarantined(source, json_error_position(exc), f"invalid JSON: {exc.msg}", channel="sms")
        return
    except RecursionError:
        yield Quarantined(source, "top level", "JSON nested too deeply", channel="sms")
        return
    messages = data.get("messages") if isinstance(data, dict) else data
    if not isinstance(messages, list):
        yield Quarantined(source, "top level", "no 'messages' list in this Twilio page", channel="sms")
        return
    for i, entry in enumerate(messages):
        try:
            yield parse_twilio_message(entry)
        except RecordError as exc:
            yield Quarantined(source, f"messages[{i}]", str(exc), raw=dump_raw(entry), channel="sms")


# Twilio console CSV export columns (also accepts the API's snake_case names).
_CSV_ALIASES = {
    "sid": ("Sid", "SID", "sid", "MessageSid"),
    "from": ("From", "from"),
    "to": ("To", "to"),
    "body": ("Body", "body"),
    "direction": ("Direction", "direction"),
    "date_sent": ("SentDate", "DateSent", "date_sent", "Date Sent", "DateCreated", "date_created"),
    "status": ("Status", "status"),
}


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _unreadable(value: object) -> bool:
    """Whether a CSV cell (or the list of extra cells) holds bytes that were not UTF-8."""
    if isinstance(value, list):
        return any(_unreadable(v) for v in value)
    return isinstance(value, str) and _ESCAPED_BYTE.search(value) is not None


def read_twilio_csv(path: Path) -> Items:
    """The console's CSV export, row by row: a row that is not UTF-8 or that the CSV reader cannot read is
    quarantined with its line number, and the rows after it are still read."""
    source = str(path)
    # Bytes that are not UTF-8 come through as surrogate escapes, so only the rows holding them are lost.
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
        reader = csv.DictReader(f)
        try:
            header = reader.fieldnames or []
        except csv.Error as exc:
            yield Quarantined(source, "line 1", f"unreadable CSV header ({exc})", channel="sms")
            return
        cols: dict[str, str] = {}
        for name, aliases in _CSV_ALIASES.items():
            for a in aliases:
                if a in header:
                    cols[name] = a
                    break
        missing = [n for n in ("sid", "from", "to", "body", "direction", "date_sent") if n not in cols]
        if missing:
            yield Quarantined(source, "line 1", f"CSV header lacks columns: {', '.join(missing)}", channel="sms")
            return
        failed_at = -1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # e.g. a field over the reader's size limit; the reader goes on after it
                at = reader.reader.line_num  # (the DictReader's own count is only updated after a good row)
                if at == failed_at:  # no progress: stop rather than loop, and say so
                    yield Quarantined(source, f"line {at}", "CSV reader stuck: the rest of the file is not read",
                                      channel="sms")
                    break
                failed_at = at
                yield Quarantined(source, f"line {at}", f"unreadable CSV row ({exc})", channel="sms")
                continue
            line = f"line {reader.line_num}"
            if any(_unreadable(v) for v in row.values()):
                yield Quarantined(source, line, "row is not valid UTF-8", raw=dump_raw(row), channel="sms")
                continue
            try:
                rec = {k: row.get(v) for k, v in cols.items()}
                date = rec.get("date_sent") or ""
                sent = parse_iso(date, "date_sent") if date[:4].isdigit() else parse_rfc2822(date, "date_sent")
                direction = rec.get("direction") or ""
                yield parse_twilio_message({
                    **rec,
                    "direction": "inbound" if direction.lower().startswith("inbound") else direction,
                    "date_sent": format_datetime(sent),
                })
            except RecordError as exc:
                yield Quarantined(source, line, str(exc), raw=dump_raw(row), channel="sms")
