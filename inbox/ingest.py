"""Reading export files for import: every file parsed, good records sorted by the time they were sent.

Sorting matters: threads form in the order people wrote, whatever the order of the files given.
Big inputs are parsed by several processes (a directory of Twilio pages file by file, a big mbox in
ranges cut at message boundaries); positions in quarantine records stay those of a sequential read.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from operator import attrgetter
from pathlib import Path
from typing import Any

from inbox.domain import Attachment, Channel, Direction, Identity, IdentityKind, IncomingMessage, Quarantined
from inbox.parsers import read_any
from inbox.parsers.detect import Format, detect_format, expand, skipped
from inbox.parsers.mailbox import MboxSpan, mbox_spans, read_mbox
from inbox.text import clean_text

Item = IncomingMessage | Quarantined
PARALLEL_BYTES = 8 * 1024 * 1024  # below this, starting processes costs more than it saves
#: Ranges per worker a big mbox is cut into: small enough that the last ones finish together.
_SPANS_PER_WORKER = 6
Unit = tuple[Path, MboxSpan | None, frozenset[str]]


def time_order(items: Iterable[Item]) -> list[Item]:
    """Quarantined records first (they carry no time), then messages by (sent time, key)."""
    seq = list(items)
    bad: list[Item] = [i for i in seq if isinstance(i, Quarantined)]
    good = [i for i in seq if isinstance(i, IncomingMessage)]
    good.sort(key=lambda m: (m.sent_at.timestamp(), m.key))
    return [*bad, *good]


def _clean_of(m: IncomingMessage) -> str:
    """The message's clean text: the reader's, else worked out here."""
    return m.clean_body if m.clean_body is not None else clean_text(m.body, email=m.channel == Channel.EMAIL)


def with_clean_body(item: Item) -> Item:
    """The message with its clean text worked out (the store would otherwise do it, on one core)."""
    if isinstance(item, Quarantined) or item.clean_body is not None:
        return item
    return dataclasses.replace(item, clean_body=_clean_of(item))


def _read_raw(unit: Unit) -> Iterable[Item]:
    path, span, office = unit
    return read_mbox(path, office_addresses=office, span=span) if span is not None else read_any(
        path, office_addresses=office)


def _read_unit(unit: Unit) -> list[Item]:
    return [with_clean_body(i) for i in _read_raw(unit)]

_FIELDS = [f.name for f in dataclasses.fields(IncomingMessage)]
_CHANNEL, _DIRECTION, _BODY, _IDENTITIES, _ATTACHMENTS, _CLEAN = (
    _FIELDS.index(name) for name in ("channel", "direction", "body", "identities", "attachments", "clean_body"))
_CHANNELS = {c.value: c for c in Channel}
_DIRECTIONS = {d.value: d for d in Direction}
_KINDS = {k.value: k for k in IdentityKind}
_SAME_AS_BODY = 0  # in the clean-text slot: the clean text equals the body (a clean text is a str or None)


_ALL_FIELDS = attrgetter(*_FIELDS)


def _pack(m: IncomingMessage, clean: str | None = None) -> tuple[Any, ...]:
    """A message as plain values (enums by value, nested records as tuples, a clean text equal to the body
    left out), for sending from a parse process: pickling the frozen dataclasses themselves cost about as
    much as reading the SMS export, once in the worker and again in the main process.

    ``clean``, when given, is packed as the clean text (the message's own is then None): a worker packs the
    text it worked out instead of copying the whole message to hold it (``dataclasses.replace``).
    """
    values: list[Any] = list(_ALL_FIELDS(m))
    values[_CHANNEL] = m.channel.value
    values[_DIRECTION] = m.direction.value
    values[_IDENTITIES] = tuple((i.kind.value, i.value) for i in m.identities)
    values[_ATTACHMENTS] = tuple((a.name, a.content_type, a.size) for a in m.attachments)
    if clean is None:
        clean = m.clean_body
    values[_CLEAN] = _SAME_AS_BODY if clean is not None and clean == m.body else clean
    return tuple(values)


def _unpack(values: tuple[Any, ...]) -> IncomingMessage:
    """The message :func:`_pack` was given (equal to it in every field)."""
    v = list(values)
    v[_CHANNEL] = _CHANNELS[v[_CHANNEL]]
    v[_DIRECTION] = _DIRECTIONS[v[_DIRECTION]]
    v[_IDENTITIES] = tuple(Identity(_KINDS[k], value) for k, value in v[_IDENTITIES])
    v[_ATTACHMENTS] = tuple(Attachment(*a) for a in v[_ATTACHMENTS])
    if v[_CLEAN] is not None and not isinstance(v[_CLEAN], str):
        v[_CLEAN] = v[_BODY]
    return IncomingMessage(*v)


def _read_packed(unit: Unit) -> tuple[list[tuple[Any, ...]], list[Quarantined]]:
    """:func:`_read_unit` in a worker: its messages packed (:func:`_pack`), and its quarantined records."""
    good: list[tuple[Any, ...]] = []
    bad: list[Quarantined] = []
    for item in _read_raw(unit):
        if isinstance(item, Quarantined):
            bad.append(item)
        else:
            good.append(_pack(item, _clean_of(item)))
    return good, bad


def _big_mbox(p: Path, workers: int) -> bool:
    return workers > 1 and p.is_file() and p.stat().st_size > PARALLEL_BYTES and detect_format(p) == Format.MBOX


def read_files(files: Sequence[Path], *, office_addresses: frozenset[str] = frozenset(),
               workers: int | None = None, counts: dict[Path, int] | None = None) -> list[Item]:
    """Parse every file (format detected from content) and return its records in time order; what a folder
    holds that is not read (hidden files, links to folders) comes as quarantined records saying so.

    ``workers`` processes parse in parallel (default: one per CPU when the input is big). ``counts``, when
    given, gets the number of messages read from each of ``files`` (0: nothing in it could be read).
    """
    owner = {p: f for f in files for p in expand(f)}
    items, per_path = _read_paths(list(owner), office_addresses, workers)
    if counts is not None:
        counts.update(dict.fromkeys(files, 0))
        for path, n in per_path.items():
            counts[owner[path]] += n
    hidden = [q for f in files for q in skipped(f)]
    return [*hidden, *items] if hidden else items


def _read_paths(paths: list[Path], office_addresses: frozenset[str], workers: int | None
                ) -> tuple[list[Item], dict[Path, int]]:
    """:func:`read_files` for expanded paths: the records in time order, and the messages read per path."""
    total = sum(p.stat().st_size for p in paths if p.is_file())
    if workers is None:
        workers = (os.cpu_count() or 1) if total > PARALLEL_BYTES else 1
    office = office_addresses
    big = {p for p in paths if _big_mbox(p, workers)}
    cut: dict[Path, list[MboxSpan]] = {}
    if len(paths) == 1 and big:  # nothing else to read while it is cut
        cut[paths[0]] = mbox_spans(paths[0], workers * _SPANS_PER_WORKER)
    per_path: dict[Path, int] = dict.fromkeys(paths, 0)
    if workers <= 1 or not paths or (len(paths) == 1 and len(cut.get(paths[0], ())) <= 1):
        seq: list[Item] = []
        for p in paths:
            read = _read_unit((p, None, office))
            per_path[p] += sum(isinstance(i, IncomingMessage) for i in read)
            seq.extend(read)
        return time_order(seq), per_path
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # The other files are handed out first, so the workers are busy while the big mboxes are cut.
        slots: list[list[Future[tuple[list[tuple[Any, ...]], list[Quarantined]]]]] = [
            [] if p in big else [pool.submit(_read_packed, (p, None, office))] for p in paths]
        for p, slot in zip(paths, slots, strict=True):
            if p in big:
                spans = cut.get(p) or mbox_spans(p, workers * _SPANS_PER_WORKER)
                slot.extend(pool.submit(_read_packed, (p, span, office)) for span in spans)
        items: list[Item] = []
        for p, slot in zip(paths, slots, strict=True):  # in the order of a sequential read (equal keys keep it)
            for future in slot:
                good, bad = future.result()
                items.extend(bad)
                items.extend(_unpack(v) for v in good)
                per_path[p] += len(good)
    return time_order(items), per_path
