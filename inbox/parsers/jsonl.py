"""The project's own export: one JSON object per :class:`~inbox.domain.IncomingMessage`, one per line.

Written by :func:`write_jsonl` (atomically: a temp file renamed into place), read by :func:`read_jsonl`.
Every field of the message is kept, so a message read back equals the one written::

    {"channel": "sms", "provider_key": "SM…", "direction": "in", "sent_at": "2026-10-01T09:30:00+02:00",
     "body": "…", "raw": "…", "sender": "+47…", "recipient": "…", "sender_name": "", "subject": "",
     "conversation": "", "in_reply_to": "", "references": [], "identities": [{"kind": "fnr", "value": "…"}],
     "attachments": [{"name": "a.pdf", "content_type": "application/pdf", "size": 1234}], "status": ""}

Only ``channel``, ``provider_key``, ``direction``, ``sent_at`` and ``body`` are required; the rest default
to empty. A bad line is quarantined with its line number and the reason (never its text).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from inbox.domain import Attachment, Channel, Direction, Identity, IdentityKind, IncomingMessage, Quarantined
from inbox.parsers.common import Items, RecordError, opt_str, parse_iso, require_str

__all__ = ["looks_like_jsonl", "message_from_dict", "message_to_dict", "read_jsonl", "write_jsonl"]

#: Fields every line must have.
REQUIRED = ("channel", "provider_key", "direction", "sent_at", "body")


def message_to_dict(m: IncomingMessage) -> dict[str, Any]:
    """The JSON object for one message (all fields; times as ISO 8601 with their offset)."""
    return {
        "channel": m.channel.value,
        "provider_key": m.provider_key,
        "direction": m.direction.value,
        "sent_at": m.sent_at.isoformat(),
        "body": m.body,
        "raw": m.raw,
        "sender": m.sender,
        "recipient": m.recipient,
        "sender_name": m.sender_name,
        "subject": m.subject,
        "conversation": m.conversation,
        "in_reply_to": m.in_reply_to,
        "references": list(m.references),
        "identities": [{"kind": i.kind.value, "value": i.value} for i in m.identities],
        "attachments": [{"name": a.name, "content_type": a.content_type, "size": a.size} for a in m.attachments],
        "status": m.status,
        **({"received_at": m.received_at.isoformat()} if m.received_at is not None else {}),
        **({"digest": m.digest} if m.digest else {}),
        **({"flags": list(m.flags)} if m.flags else {}),
    }


def _enum(obj: dict[str, Any], key: str, kind: type[Channel] | type[Direction]) -> Any:
    value = require_str(obj, key)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(e.value for e in kind)
        raise RecordError(f"field {key!r} should be one of {allowed}") from None


def _list(obj: dict[str, Any], key: str) -> list[Any]:
    val = obj.get(key)
    if val is None:
        return []
    if not isinstance(val, list):
        raise RecordError(f"field {key!r} should be a list, got {type(val).__name__}")
    return val


def message_from_dict(obj: Any) -> IncomingMessage:
    """One JSON object → IncomingMessage; raises :class:`RecordError` saying what is wrong."""
    if not isinstance(obj, dict):
        raise RecordError(f"line should be a JSON object, got {type(obj).__name__}")
    identities: list[Identity] = []
    for i in _list(obj, "identities"):
        if not isinstance(i, dict):
            raise RecordError("field 'identities' should hold objects {kind, value}")
        try:
            identities.append(Identity(IdentityKind(require_str(i, "kind")), require_str(i, "value")))
        except ValueError as exc:
            raise RecordError("field 'identities' holds an unknown kind") from exc
    attachments: list[Attachment] = []
    for a in _list(obj, "attachments"):
        if not isinstance(a, dict) or not isinstance(a.get("size", 0), int):
            raise RecordError("field 'attachments' should hold objects {name, content_type, size}")
        attachments.append(Attachment(opt_str(a, "name"), opt_str(a, "content_type"), int(a.get("size", 0))))
    references = _list(obj, "references")
    if not all(isinstance(r, str) for r in references):
        raise RecordError("field 'references' should be a list of strings")
    flags = _list(obj, "flags")
    if not all(isinstance(f, str) for f in flags):
        raise RecordError("field 'flags' should be a list of strings")
    received = opt_str(obj, "received_at")
    return IncomingMessage(
        channel=_enum(obj, "channel", Channel),
        provider_key=require_str(obj, "provider_key"),
        direction=_enum(obj, "direction", Direction),
        sent_at=parse_iso(require_str(obj, "sent_at"), "sent_at"),
        body=require_str(obj, "body", allow_empty=True),
        raw=opt_str(obj, "raw"),
        sender=opt_str(obj, "sender"),
        recipient=opt_str(obj, "recipient"),
        sender_name=opt_str(obj, "sender_name"),
        subject=opt_str(obj, "subject"),
        conversation=opt_str(obj, "conversation"),
        in_reply_to=opt_str(obj, "in_reply_to"),
        references=tuple(references),
        identities=tuple(identities),
        attachments=tuple(attachments),
        status=opt_str(obj, "status"),
        received_at=parse_iso(received, "received_at") if received else None,
        digest=opt_str(obj, "digest"),
        flags=tuple(flags),
    )


def looks_like_jsonl(path: Path) -> bool:
    """True when the file starts with a JSON object line holding this export's required fields.

    Reads at most the first 64 KB: a line longer than that (a mail's raw text can be) is judged by the
    field names in its start, which :func:`message_to_dict` writes first.
    """
    if not path.is_file():
        return False
    with path.open("rb") as f:
        head = f.read(64 * 1024)
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{"):
        return False
    first, newline, _ = head.partition(b"\n")
    if newline:
        try:
            obj = json.loads(first)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return False
        return isinstance(obj, dict) and all(k in obj for k in REQUIRED)
    return all(f'"{k}":'.encode() in first for k in REQUIRED)


def read_jsonl(path: Path) -> Items:
    """Stream the messages of a JSONL export, one line at a time."""
    source = str(path)
    with path.open("rb") as f:
        for lineno, raw_line in enumerate(f, start=1):
            line = raw_line.strip()
            if lineno == 1:
                line = line.lstrip(b"\xef\xbb\xbf")
            if not line:
                continue
            try:
                obj = json.loads(line)
            except UnicodeDecodeError:
                yield Quarantined(source, f"line {lineno}", "line is not valid UTF-8")
                continue
            except json.JSONDecodeError as exc:
                yield Quarantined(source, f"line {lineno}", f"invalid JSON: {exc.msg}")
                continue
            try:
                yield message_from_dict(obj)
            except RecordError as exc:
                channel = obj.get("channel") if isinstance(obj, dict) else None
                yield Quarantined(source, f"line {lineno}", str(exc), raw=line.decode("utf-8", "replace"),
                                  channel=channel if isinstance(channel, str) else "")


def write_jsonl(messages: Iterable[IncomingMessage], path: Path) -> int:
    """Write the messages as JSONL atomically (temp file, then rename); returns how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    n = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            for m in messages:
                f.write(json.dumps(message_to_dict(m), ensure_ascii=False, separators=(",", ":")))
                f.write("\n")
                n += 1
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n
