"""Bounds on a mail's MIME structure, checked before (and while) the stdlib parser reads it: a hostile mail
with tens of thousands of parts or containers would otherwise cost minutes and gigabytes."""

from __future__ import annotations

import re
from email.message import Message

from inbox.parsers.common import RecordError

__all__ = [
    "MAX_MIME_CONTAINERS",
    "MAX_MIME_DEPTH",
    "MAX_MIME_LINE_CHECKS",
    "MAX_MIME_PARTS",
    "check_mime_structure",
    "mime_depth",
]

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


def mime_depth(msg: Message) -> int:
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
