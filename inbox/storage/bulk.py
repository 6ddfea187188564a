"""Bulk SQL for the writer: IN lists in bounded pieces, and many rows inserted at once (SQLite's fast path).

No table of its own: every function takes the table or column it works on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, and_, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite

CHUNK = 400  # bound parameters per IN (...) query, well under SQLite's limit


def chunks(seq: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def in_chunks(conn: Connection, seq: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """``seq`` in pieces for :func:`_in`: whole on SQLite (it is one parameter there), else in pieces of a
    bounded number of parameters."""
    if conn.dialect.name == "sqlite":
        return [seq] if seq else []
    return chunks(seq)


def in_values(conn: Connection, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values``. On SQLite the values travel as one JSON array read with ``json_each``:
    SQLAlchemy renders and binds an expanded IN list anew for every execution, which cost more than SQLite's
    index lookups (the values are strings and integers, which JSON carries unchanged)."""
    if conn.dialect.name == "sqlite":
        return column.in_(select(literal_column("value")).select_from(func.json_each(json.dumps(list(values)))))
    return column.in_(values)


_NOTHING = object()  # "no value seen yet" in insert_rows

#: SQLite's largest rowid: past it SQLite picks ids at random, and only it may say which.
_MAX_ROWID = 2**63 - 1
_DRIVER_INSERTS: dict[tuple[str, str, frozenset[str]], tuple[str, Callable[[Any], tuple[Any, ...]],
                                                           list[tuple[int, Callable[[Any], Any]]]] | None] = {}


#: SQLAlchemy's text form of a datetime on SQLite (its default storage format).
_SQLITE_DATETIME_FORMAT = sqlite.DATETIME._storage_format  # type: ignore[attr-defined]


def faster(type_: Any, proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``proc``, or a faster function giving the very same values.

    SQLite's DATETIME processor fills its format from a dict of seven fields; a bulk import converts about
    four datetimes per message (send times, a new thread's times), and that was about 5 % of storing.
    ``isoformat(" ", "microseconds")`` writes the same fields in the same form (a four-digit year, two-digit
    fields, six-digit microseconds); its time-zone suffix, which the processor leaves out, is cut off.
    Anything but a plain datetime goes to ``proc``.
    """
    if not (type(type_) is sqlite.DATETIME and type_._storage_format == _SQLITE_DATETIME_FORMAT):
        return proc
    plain = datetime

    def process(value: Any) -> Any:
        if type(value) is plain:
            return value.isoformat(" ", "microseconds")[:26]
        return proc(value)

    return process


def _driver_insert(conn: Connection, table: Table, keys: frozenset[str]
                   ) -> tuple[str, Callable[[Any], tuple[Any, ...]], list[tuple[int, Callable[[Any], Any]]]] | None:
    """SQLite: the INSERT text for rows with exactly ``keys``, a getter that turns a row into its values in
    the statement's order, and the bind processors SQLAlchemy would apply (by position); None when
    SQLAlchemy would add values of its own (a column default not given), which only its path supplies."""
    cache_key = (conn.dialect.name, table.name, keys)
    if cache_key not in _DRIVER_INSERTS:
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=sorted(keys))
        order = list(compiled.positiontup or ())
        found = None
        if compiled.positional and set(order) == keys and len(order) == len(keys):
            dialect = conn.dialect
            procs: list[tuple[int, Callable[[Any], Any]]] = [
                (i, faster(dialect.type_descriptor(table.c[name].type), proc)) for i, name in enumerate(order)
                if (proc := dialect.type_descriptor(table.c[name].type).bind_processor(dialect)) is not None]
            getter: Callable[[Any], tuple[Any, ...]] = (
                itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],)))
            found = (str(compiled), getter, procs)
        _DRIVER_INSERTS[cache_key] = found
    return _DRIVER_INSERTS[cache_key]


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT many rows (all with the same keys).

    On SQLite the values go straight to the driver's ``executemany``: SQLAlchemy's own executemany builds
    and bind-processes a parameter set per row, which cost more than SQLite's work of storing it (a bulk
    import spent about 3 of its 19 seconds there). Each value still goes through the very bind processor
    SQLAlchemy would use, so what is stored (e.g. the text form of a datetime) stays the same.
    """
    if not rows:
        return
    fast = _driver_insert(conn, table, frozenset(rows[0])) if conn.dialect.name == "sqlite" else None
    if fast is None:
        conn.execute(insert(table), list(rows))
        return
    sql, getter, procs = fast
    values: list[Any] = [getter(r) for r in rows]
    if procs:
        # Converted column by column (the rows turned into columns and back by zip, in C), rather than
        # each row copied into a list and back into a tuple. A value that is the very object the row before
        # had in that column (the batch's one receive time, False) is converted once: the processors are
        # pure functions of their value.
        columns: list[Any] = list(zip(*values, strict=True))
        for i, proc in procs:
            converted: list[Any] = []
            seen: Any = _NOTHING
            made: Any = None
            for x in columns[i]:
                if x is not seen:
                    seen, made = x, proc(x)
                converted.append(made)
            columns[i] = converted
        values = list(zip(*columns, strict=True))
    conn.exec_driver_sql(sql, values)


def insert_returning_ids(conn: Connection, table: Table, stmt: Any, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT rows and return their new ids, in the rows' order.

    SQLite cannot promise the order of a multi-row INSERT … RETURNING, so SQLAlchemy sends such rows one
    statement each (80,000 statements for a bulk import). Instead the first row is inserted alone, which
    takes the write lock and gives its id; when no id above it exists, SQLite would give the following rows
    the next ids in turn (its rowid is the largest plus one), so they are inserted together with those ids.
    """
    if conn.dialect.name != "sqlite" or len(rows) < 2:
        return [int(r[0]) for r in conn.execute(stmt, rows)] if rows else []
    first = int(conn.execute(stmt, rows[0]).scalar_one())
    top = conn.execute(select(func.max(table.c.id))).scalar_one()
    if top != first or first + len(rows) > _MAX_ROWID or "id" in rows[0]:
        return [first, *(int(r[0]) for r in conn.execute(stmt, rows[1:]))]
    ids = list(range(first, first + len(rows)))
    for row, new_id in zip(rows[1:], ids[1:], strict=True):
        row["id"] = new_id  # the caller's rows are built for this insert only
    insert_rows(conn, table, rows[1:])
    return ids


def insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]], index: list[str]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(table).on_conflict_do_nothing(index_elements=index), rows)
    elif conn.dialect.name == "sqlite":
        conn.execute(sqlite.insert(table).on_conflict_do_nothing(index_elements=index), rows)
    else:  # other dialects: one by one, skipping what is there
        for row in rows:
            cond = and_(*(table.c[k] == row[k] for k in index))
            if conn.execute(select(func.count()).select_from(table).where(cond)).scalar_one() == 0:
                conn.execute(insert(table), [row])


__all__ = ["chunks", "faster", "in_chunks", "in_values", "insert_ignore", "insert_returning_ids", "insert_rows"]
