"""Reading a contact register: the citizens the office knows, with their ID numbers and addresses (no IO
beyond the file read, no database)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from inbox.domain import Contact, Quarantined
from inbox.identity import fnr_is_valid, normalise_email, normalise_phone


def read_contacts_csv(path: Path) -> Iterator[Contact | Quarantined]:
    """Rows of a contact register CSV (fnr, aktor_id, name, phone, email); bad rows are quarantined."""
    source = str(path)
    required = ("fnr", "aktor_id", "name", "phone", "email")
    # surrogateescape: a byte that is not UTF-8 spoils only its own row, which is quarantined below.
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
        reader = csv.DictReader(f)
        try:
            fieldnames = reader.fieldnames or []
        except csv.Error as exc:
            yield Quarantined(source, "line 1", f"unreadable CSV header ({exc})")
            return
        header = [h.strip().lower() for h in fieldnames]
        if any(_has_bad_bytes(h) for h in header):
            yield Quarantined(source, "line 1", "header is not valid UTF-8")
            return
        missing = [c for c in required if c not in header]
        if missing:
            yield Quarantined(source, "line 1", f"missing columns: {', '.join(missing)} "
                              f"(expected header {','.join(required)})")
            return
        fnr_lines: dict[str, str] = {}  # fnr → the line that holds it
        while True:
            try:
                raw = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield Quarantined(source, f"line {reader.reader.line_num}", f"unreadable CSV row ({exc})")
                continue
            line = f"line {reader.line_num}"
            if None in raw:
                yield Quarantined(source, line, f"row has more cells than the header's {len(fieldnames)}")
                continue
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
            if any(_has_bad_bytes(v) for v in row.values()):
                yield Quarantined(source, line, "row is not valid UTF-8")
                continue
            fnr = row["fnr"]
            if fnr and not fnr_is_valid(fnr):
                yield Quarantined(source, line, "fnr is not a valid national ID number (mod 11)")
                continue
            if not (fnr or row["phone"] or row["email"]):
                yield Quarantined(source, line, "row has neither fnr, phone nor email")
                continue
            if row["phone"] and normalise_phone(row["phone"]) is None:
                yield Quarantined(source, line, "phone is not a valid phone number")
                continue
            if row["email"] and normalise_email(row["email"]) is None:
                yield Quarantined(source, line, "email is not a valid address")
                continue
            if fnr and fnr in fnr_lines:
                # Never one row silently overwriting another: the first one is loaded, this one reported.
                yield Quarantined(source, line, f"fnr repeats {fnr_lines[fnr]}: this row is not loaded")
                continue
            if fnr:
                fnr_lines[fnr] = line
            yield Contact(fnr=fnr, aktor_id=row["aktor_id"], name=row["name"], phone=row["phone"],
                          email=row["email"], source=source, position=line)


def _has_bad_bytes(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


__all__ = ["read_contacts_csv"]
