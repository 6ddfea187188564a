"""The suggested reply channel for a stored thread: the store's view of the thread, the person's profile,
the relationship and the caseworker's load, handed to the pure recommender (:func:`inbox.recommend.recommend`).

Which embedding model the semantic detection uses is the application's choice (:mod:`flerkanal.wiring`):
here the semantic matcher is handed in, or left out (phrase lists only).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inbox.domain import ThreadView
    from inbox.recommend import Policy, Profile, Suggestion, ThreadInput
    from inbox.storage.repository import Store

@cache
def default_policy() -> Policy:
    """The shipped policy, read once per process."""
    from inbox.recommend.cases import load_policy

    return load_policy()


def _case(store: Store, thread_id: int) -> tuple[ThreadInput, Profile, ThreadView, dict[str, Any]]:
    """The store's view of a thread as the recommender takes it: the messages and the person's profile (and
    the view and the stored profile, for the relationship)."""
    from inbox.recommend import Profile, ThreadInput, ThreadMessage, parse_channel

    view = store.thread(thread_id)
    prof: dict[str, Any] = store.profile(view.person.id) if view.person else {}
    thread = ThreadInput(tuple(
        ThreadMessage(m.direction, m.channel.value, m.clean_body or m.body, m.sent_at) for m in view.messages
    ), id=str(thread_id))
    profile = Profile(
        age_group=prof.get("age_group", ""), lang=prof.get("language") or "nb",
        digital_skills=prof.get("digital_skills") or "ok", prefers=parse_channel(prof.get("preferred_channel")),
        interpreter_needed=bool(prof.get("interpreter")), notes=_notes(prof.get("notes")),
    )
    return thread, profile, view, prof


def _notes(raw: object) -> tuple[str, ...]:
    """A profile's notes field as the recommender reads it: one note a line, blank lines dropped."""
    return tuple(n for n in str(raw or "").splitlines() if n.strip())


def suggest_for_thread(store: Store, thread_id: int, user: str, *, policy: Policy | None = None,
                       lang: str | None = None, semantic: Any = None) -> Suggestion:
    """The suggestion for ``thread_id`` as ``user`` would get it. ``semantic``: the semantic matcher for the
    policy's concepts (None: the phrase lists only); ``lang``: the reasons' language (None: the policy's)."""
    from inbox.recommend import CaseworkerLoad, Relationship, recommend

    thread, profile, view, prof = _case(store, thread_id)
    earlier = store.person_thread_count(view.person.id) if view.person else 0
    relationship = Relationship(first_contact=earlier <= 1 and not prof.get("meetings_held"),
                                meetings_held=int(prof.get("meetings_held") or 0),
                                open_conflict=bool(prof.get("open_conflict")))
    # One count, not the queue's whole statistics (waiting-time percentiles and all): a suggestion is asked
    # for every thread shown.
    load = CaseworkerLoad(caseload=store.caseload(user), queue_waiting=store.count_open_threads())
    return recommend(thread, profile, relationship, load, policy or default_policy(), lang=lang, semantic=semantic)


def case_texts(store: Store, thread_ids: Iterable[int], *, awaiting_only: bool = False) -> list[str]:
    """The sentences and notes the semantic detection of a suggestion for each of these threads compares, as
    the threads stand now (:func:`inbox.recommend.case_units`), each text once. Embedding them ahead (when a
    message arrives) leaves a later suggestion nothing to embed. Threads that are gone (or outside the
    store's unit) are skipped; ``awaiting_only``: also those not awaiting an answer (answered, closed), whose
    suggestion is not shown."""
    from inbox.domain import ThreadState
    from inbox.errors import NotFoundError, PermissionDenied
    from inbox.recommend import case_units

    texts: dict[str, None] = {}
    for tid in thread_ids:
        try:
            thread, profile, view, _ = _case(store, tid)
        except (NotFoundError, PermissionDenied):  # gone, or outside the user's unit
            continue
        if awaiting_only and view.thread.state not in (ThreadState.OPEN, ThreadState.CLAIMED):
            continue
        texts.update(dict.fromkeys(u.text for u in case_units(thread, profile)))
    return list(texts)


def note_texts(notes: str) -> list[str]:
    """The units the semantic detection makes of a profile's notes field (:func:`inbox.recommend.case_units`
    of a case with these notes and no messages): what to embed when notes are saved."""
    from inbox.recommend import Profile, ThreadInput, case_units

    return list(dict.fromkeys(u.text for u in case_units(ThreadInput(()), Profile(notes=_notes(notes)))))
