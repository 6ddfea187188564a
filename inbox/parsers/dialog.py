"""Activity-plan dialogue dumps (Nav veilarbdialog).

Accepted shapes:
- a list of ``{"fnr", "aktorId", "dialoger": [DialogDTO]}`` (one entry per person, as exported);
- a GraphQL answer ``{"data": {"dialoger": [DialogDTO]}}`` or a bare list of DialogDTO;
- the internal v1 REST shape (snake_case: ``dialog_id``, ``avsender_type``, ``sendt_dato``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inbox.domain import (
    Channel,
    Direction,
    Identity,
    IdentityKind,
    IncomingMessage,
    Quarantined,
    content_hash,
)
from inbox.identity import fnr_is_valid
from inbox.parsers.common import (
    Items,
    RecordError,
    dump_raw,
    json_error_position,
    opt_str,
    parse_iso,
    safe_text,
)

_AVSENDER = {"BRUKER": Direction.IN, "VEILEDER": Direction.OUT}


def _id_text(value: Any, field: str) -> str:
    if not value:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError(f"field {field!r} should be a string, got {type(value).__name__}")
    return safe_text(str(value))


def dialog_person_identities(fnr_value: Any, aktor_value: Any) -> tuple[Identity, ...]:
    """The identities a dialogue dump vouches for: its fnr and aktørId fields, validated (may be empty)."""
    fnr = _id_text(fnr_value, "fnr")
    aktor_id = _id_text(aktor_value, "aktorId")
    ids: list[Identity] = []
    if fnr:
        if not fnr_is_valid(fnr):
            raise RecordError("field 'fnr' is not a valid national ID number")
        ids.append(Identity(IdentityKind.FNR, fnr))
    if aktor_id:
        ids.append(Identity(IdentityKind.AKTOR_ID, aktor_id))
    return tuple(ids)


def parse_henvendelse(
    h: Any, dialog: dict[str, Any], identities: tuple[Identity, ...]
) -> IncomingMessage:
    """One HenvendelseDTO inside its DialogDTO → IncomingMessage."""
    if not isinstance(h, dict):
        raise RecordError(f"henvendelse should be an object, got {type(h).__name__}")
    avsender = opt_str(h, "avsender") or opt_str(h, "avsender_type")
    if avsender not in _AVSENDER:
        raise RecordError("field 'avsender' should be BRUKER or VEILEDER")
    sendt = opt_str(h, "sendt") or opt_str(h, "sendt_dato")
    if not sendt:
        raise RecordError("missing field 'sendt'")
    sent = parse_iso(sendt, "sendt")
    tekst = h.get("tekst")
    if not isinstance(tekst, str):
        raise RecordError("field 'tekst' should be a string" if tekst is not None else "missing field 'tekst'")
    tekst = safe_text(tekst)
    dialog_id = opt_str(h, "dialogId") or opt_str(h, "dialog_id") or opt_str(dialog, "id") or opt_str(
        dialog, "dialog_id")
    if not dialog_id:
        raise RecordError("missing field 'dialogId'")
    hid = opt_str(h, "id") or f"{dialog_id}-{content_hash(sendt, avsender, tekst)[:16]}"
    fnr = next((i.value for i in identities if i.kind == IdentityKind.FNR), "")
    aktor = next((i.value for i in identities if i.kind == IdentityKind.AKTOR_ID), "")
    citizen = fnr or aktor
    direction = _AVSENDER[avsender]
    caseworker = opt_str(h, "avsenderId") or opt_str(h, "avsender_id")
    return IncomingMessage(
        channel=Channel.DIALOG,
        provider_key=hid,
        direction=direction,
        sent_at=sent,
        body=tekst,
        raw=dump_raw(h),
        sender=citizen if direction == Direction.IN else caseworker,
        recipient=caseworker if direction == Direction.IN else citizen,
        subject=opt_str(dialog, "overskrift"),
        conversation=dialog_id,
        identities=identities,
    )


def _dialogs(data: Any) -> list[tuple[Any, Any, Any, str]]:
    """(fnr, aktorId, dialoger, position) for each person block in a dump (ids as given: checked later)."""
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        return [("", "", data["data"].get("dialoger"), "data.dialoger")]
    if isinstance(data, dict) and "dialoger" in data:
        return [(data.get("fnr"), data.get("aktorId"), data["dialoger"], "dialoger")]
    if isinstance(data, list) and data and isinstance(data[0], dict) and "henvendelser" in data[0]:
        return [("", "", data, "top level")]
    if isinstance(data, list):
        out: list[tuple[Any, Any, Any, str]] = []
        for i, block in enumerate(data):
            if not isinstance(block, dict):
                out.append(("", "", None, f"[{i}]"))
                continue
            out.append((block.get("fnr"), block.get("aktorId") or block.get("aktor_id"), block.get("dialoger"),
                        f"[{i}]"))
        return out
    raise RecordError("not a dialogue dump (expected a list of {fnr, aktorId, dialoger})")


def read_dialog_json(path: Path) -> Items:
    source = str(path)
    try:
        data = json.loads(path.read_bytes())
    except UnicodeDecodeError as exc:
        yield Quarantined(source, f"byte {exc.start}", "file is not valid UTF-8 JSON", channel="dialog")
        return
    except json.JSONDecodeError as exc:
        yield Quarantined(source, json_error_position(exc), f"invalid JSON: {exc.msg}", channel="dialog")
        return
    except RecursionError:
        yield Quarantined(source, "top level", "JSON nested too deeply", channel="dialog")
        return
    try:
        blocks = _dialogs(data)
    except RecordError as exc:
        yield Quarantined(source, "top level", str(exc), channel="dialog")
        return
    for fnr, aktor, dialoger, pos in blocks:
        if not isinstance(dialoger, list):
            yield Quarantined(source, pos, "missing or invalid 'dialoger' list",
                              raw="" if dialoger is None else dump_raw(dialoger), channel="dialog")
            continue
        try:
            identities = dialog_person_identities(fnr, aktor)
        except RecordError as exc:
            yield Quarantined(source, pos, str(exc), raw=dump_raw(dialoger), channel="dialog")
            continue
        for j, dialog in enumerate(dialoger):
            dpos = f"{pos}.dialoger[{j}]"
            if not isinstance(dialog, dict) or not isinstance(dialog.get("henvendelser"), list):
                yield Quarantined(source, dpos, "dialog without a 'henvendelser' list",
                                  raw=dump_raw(dialog), channel="dialog")
                continue
            for k, h in enumerate(dialog["henvendelser"]):
                try:
                    yield parse_henvendelse(h, dialog, identities)
                except RecordError as exc:
                    yield Quarantined(source, f"{dpos}.henvendelser[{k}]", str(exc), raw=dump_raw(h),
                                      channel="dialog")
