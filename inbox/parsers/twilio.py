"""Twilio message lists: the REST ``Messages.json`` page and the console's CSV export."""

from __future__ import annotations

import csv
import json
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


def read_twilio_csv(path: Path) -> Items:
    source = str(path)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            cols: dict[str, str] = {}
            for name, aliases in _CSV_ALIASES.items():
                for a in aliases:
                    if a in header:
                        cols[name] = a
                        break
            missing = [n for n in ("sid", "from", "to", "body", "direction", "date_sent") if n not in cols]
            if missing:
                yield Quarantined(source, "line 1", f"CSV header lacks columns: {', '.join(missing)}",
                                  channel="sms")
                return
            for row in reader:
                line = f"line {reader.line_num}"
                try:
                    rec = {k: row.get(v) for k, v in cols.items()}
                    date = rec.get("date_sent") or ""
                    sent = parse_iso(date, "date_sent") if date[:4].isdigit() else parse_rfc2822(
                        date, "date_sent")
                    direction = rec.get("direction") or ""
                    msg = parse_twilio_message({
                        **rec,
                        "direction": "inbound" if direction.lower().startswith("inbound") else direction,
                        "date_sent": sent.strftime("%a, %d %b %Y %H:%M:%S %z"),
                    })
                    yield msg
                except RecordError as exc:
                    yield Quarantined(source, line, str(exc), raw=dump_raw(row), channel="sms")
    except UnicodeDecodeError as exc:
        yield Quarantined(source, f"byte {exc.start}", "file is not valid UTF-8", channel="sms")
