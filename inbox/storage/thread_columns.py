"""The thread columns kept from a thread's messages (times, counts, channels), and the state that follows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from inbox.storage.bulk import in_chunks, in_values
from inbox.storage.convert import utc
from inbox.storage.tables import T_MSG, T_REPLY, T_THREAD

_UPDATE_THREAD = (
    update(T_THREAD)
    .where(T_THREAD.c.id == bindparam("tid"))
    .values(
        first_contact=bindparam("fc"), last_activity=bindparam("la"), last_inbound=bindparam("li"),
        last_outbound=bindparam("lo"), message_count=bindparam("n"), inbound_count=bindparam("n_in"),
        channels=bindparam("ch"), state=bindparam("st"),
    )
)


def aggregate_rows(thread_id: int, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What :func:`refresh_threads` asks the database, worked out from message rows in hand."""
    sent = [r["sent_at"] for r in rows]
    inbound = [r["sent_at"] for r in rows if r["direction"] == "in"]
    asks = [r["sent_at"] for r in rows if r["direction"] == "in" and not r["ack"]]
    out = [r["sent_at"] for r in rows if r["direction"] == "out"]
    return {
        "thread_id": thread_id, "first_any": min(r["received_at"] for r in rows), "last_any": max(sent),
        "first_in": min((r["received_at"] for r in rows if r["direction"] == "in"), default=None),
        "last_in": max(inbound, default=None),
        "last_ask": max(asks, default=None), "last_out": max(out, default=None),
        "n": len(rows), "n_in": len(inbound), "channels": {r["channel"] for r in rows},
    }


def _update_threads(conn: Connection, aggregates: Sequence[Mapping[str, Any]], states: Mapping[int, str]) -> None:
    """Write the maintained columns and the state that follow from each thread's aggregate.

    The state moves to answered when the office wrote (a message, or a reply recorded by a caseworker) after
    the last inbound message that asks for something (acknowledgements such as "tusen takk!" don't), back to
    open when the citizen wrote again.
    """
    updates = [thread_values(a, states.get(a["thread_id"], "open")) for a in aggregates]
    if updates:
        conn.execute(_UPDATE_THREAD, updates)


def thread_values(a: Mapping[str, Any], state: str) -> dict[str, Any]:
    """The maintained columns of one thread (named as :data:`_UPDATE_THREAD` binds them) from its aggregate."""
    # A bare "takk!" after the office's answer is not waiting for anything.
    last_in = utc(a["last_ask"]) if a["last_ask"] else (a["last_in"] and utc(a["last_in"]))
    # The office's last answer: an outbound message, or a reply recorded in flerkanal (a call, or an answer
    # not sent through a connector leaves no outbound message; without it a refresh reopened the thread).
    answers = [utc(t) for t in (a["last_out"], a.get("last_reply")) if t]
    last_out = max(answers, default=None)
    if last_in is None or (last_out is not None and last_out >= last_in):
        if state in ("open", "claimed"):
            state = "answered"
    elif state in ("answered", "closed"):
        state = "open"
    return {
        "tid": a["thread_id"], "fc": a["first_in"] or a["first_any"], "la": a["last_any"], "li": a["last_in"],
        "lo": a["last_out"], "n": a["n"], "n_in": a["n_in"], "ch": ",".join(sorted(a["channels"])), "st": state,
    }


#: :func:`thread_values`' names → thread columns.
THREAD_COLUMNS = {"fc": "first_contact", "la": "last_activity", "li": "last_inbound", "lo": "last_outbound",
                   "n": "message_count", "n_in": "inbound_count", "ch": "channels", "st": "state"}


def refresh_threads(conn: Connection, thread_ids: Sequence[int]) -> None:
    """Recompute the maintained columns of threads from their messages, and their state.

    first_contact is the earliest inbound message (the fair order's key); for the state see
    :func:`_update_threads`.
    """
    for chunk in in_chunks(conn, list(thread_ids)):
        agg = conn.execute(
            select(
                T_MSG.c.thread_id,
                func.min(T_MSG.c.received_at).label("first_any"),
                func.max(T_MSG.c.sent_at).label("last_any"),
                func.min(T_MSG.c.received_at).filter(T_MSG.c.direction == "in").label("first_in"),
                func.max(T_MSG.c.sent_at).filter(T_MSG.c.direction == "in").label("last_in"),
                func.max(T_MSG.c.sent_at).filter(T_MSG.c.direction == "in", T_MSG.c.ack.is_(False)).label("last_ask"),
                func.max(T_MSG.c.sent_at).filter(T_MSG.c.direction == "out").label("last_out"),
                func.count().label("n"),
                func.count().filter(T_MSG.c.direction == "in").label("n_in"),
            )
            .where(in_values(conn, T_MSG.c.thread_id, chunk))
            .group_by(T_MSG.c.thread_id)
        ).mappings().all()
        chans: dict[int, set[str]] = {}
        for tid, ch in conn.execute(
            select(T_MSG.c.thread_id, T_MSG.c.channel).where(in_values(conn, T_MSG.c.thread_id, chunk)).distinct()
        ):
            chans.setdefault(tid, set()).add(ch)
        states: dict[int, str] = dict(conn.execute(
            select(T_THREAD.c.id, T_THREAD.c.state).where(in_values(conn, T_THREAD.c.id, chunk))).all())
        replied: dict[int, datetime] = dict(conn.execute(
            select(T_REPLY.c.thread_id, func.max(T_REPLY.c.created_at))
            .where(in_values(conn, T_REPLY.c.thread_id, chunk)).group_by(T_REPLY.c.thread_id)).all())
        present = {a["thread_id"] for a in agg}
        _update_threads(conn, [{**a, "channels": chans.get(a["thread_id"], set()),
                                "last_reply": replied.get(a["thread_id"])} for a in agg], states)
        # A thread left without messages (all split or merged away) is closed.
        empty = [t for t in chunk if t not in present]
        if empty:
            conn.execute(update(T_THREAD).where(in_values(conn, T_THREAD.c.id, empty)).values(
                state="closed", message_count=0, inbound_count=0, channels=""))


__all__ = ["THREAD_COLUMNS", "aggregate_rows", "refresh_threads", "thread_values"]
