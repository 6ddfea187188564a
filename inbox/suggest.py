"""The suggested reply channel for a stored thread: the store's view of the thread, the person's profile,
the relationship and the caseworker's load, handed to the pure recommender (:func:`inbox.recommend.recommend`).

Which embedding model the semantic detection uses is the application's choice (:mod:`flerkanal.wiring`):
here the semantic matcher is handed in, or left out (phrase lists only).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inbox.recommend import Policy, Suggestion
    from inbox.storage.repository import Store

@cache
def default_policy() -> Policy:
    """The shipped policy, read once per process."""
    from inbox.recommend.cases import load_policy

    return load_policy()


def suggest_for_thread(store: Store, thread_id: int, user: str, *, policy: Policy | None = None,
                       lang: str | None = None, semantic: Any = None) -> Suggestion:
    """The suggestion for ``thread_id`` as ``user`` would get it. ``semantic``: the semantic matcher for the
    policy's concepts (None: the phrase lists only); ``lang``: the reasons' language (None: the policy's)."""
    from inbox.recommend import (
        CaseworkerLoad,
        Profile,
        Relationship,
        ThreadInput,
        ThreadMessage,
        parse_channel,
        recommend,
    )

    view = store.thread(thread_id)
    prof: dict[str, Any] = store.profile(view.person.id) if view.person else {}
    thread = ThreadInput(tuple(
        ThreadMessage(m.direction, m.channel.value, m.clean_body or m.body, m.sent_at) for m in view.messages
    ), id=str(thread_id))
    profile = Profile(
        age_group=prof.get("age_group", ""), lang=prof.get("language") or "nb",
        digital_skills=prof.get("digital_skills") or "ok", prefers=parse_channel(prof.get("preferred_channel")),
        interpreter_needed=bool(prof.get("interpreter")),
        notes=tuple(n for n in (prof.get("notes") or "").splitlines() if n.strip()),
    )
    earlier = store.person_thread_count(view.person.id) if view.person else 0
    relationship = Relationship(first_contact=earlier <= 1 and not prof.get("meetings_held"),
                                meetings_held=int(prof.get("meetings_held") or 0),
                                open_conflict=bool(prof.get("open_conflict")))
    # One count, not the queue's whole statistics (waiting-time percentiles and all): a suggestion is asked
    # for every thread shown.
    load = CaseworkerLoad(caseload=store.caseload(user), queue_waiting=store.count_open_threads())
    return recommend(thread, profile, relationship, load, policy or default_policy(), lang=lang, semantic=semantic)
