"""Answering an inquiry once: send (or plan) the reply, record it, mark the other copies answered.

No Textual here. Connectors are async; the caller passes ``run``, which runs a coroutine function where
the connectors live (the app's event loop, via ``App.call_from_thread``) and returns its result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar

from connectors.base import OutgoingReply
from inbox.domain import Direction, Message, ReplyChannel, ThreadView
from inbox.errors import ConnectorError
from tui.format import channel_name, field, person_label
from tui.services import Services

T = TypeVar("T")
WRITTEN = ("dialog", "sms", "email")
# The short written notice for a planned talk (the citizen's language is Norwegian here; edit before sending).
NOTICE_DEFAULTS = {
    "phone": "Hei! Vi ringer deg om henvendelsen din. Hilsen Nav",
    "video": "Hei! Vi sender deg en invitasjon til et videomøte om henvendelsen din. Hilsen Nav",
    "meeting": "Hei! Vi sender deg en innkalling til et møte om henvendelsen din. Hilsen Nav",
}


class AsyncRunner(Protocol):
    def __call__(self, fn: Callable[[], Awaitable[T]], /) -> T: ...


@dataclass(frozen=True)
class Target:
    """Where a written reply goes. ``to`` may be an ID number (dialogue): show ``shown``, never ``to``."""

    to: str
    shown: str
    subject: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    conversation: str = ""
    editable: bool = False  # the caseworker may type the address (SMS, email)


@dataclass(frozen=True)
class Draft:
    """What the caseworker wrote or planned."""

    channel: str
    body: str = ""
    to: str = ""  # typed address, overrides the target's (SMS, email)
    subject: str = ""
    notice_channel: str = ""  # talk channels: also send a short written notice here
    notice_body: str = ""


@dataclass(frozen=True)
class Outcome:
    thread_id: int
    channel: str
    state: str  # sent | recorded | planned
    status: str
    suggested: str
    notes: tuple[str, ...] = ()

    @property
    def override(self) -> bool:
        return bool(self.suggested) and self.suggested != self.channel


def is_written(channel: str) -> bool:
    return ReplyChannel(channel).is_written


def _latest(view: ThreadView, channel: str, direction: Direction | None = Direction.IN) -> Message | None:
    found = [m for m in view.messages if m.channel.value == channel and (direction is None or m.direction == direction)]
    return found[-1] if found else None


def target_for(view: ThreadView, channel: str) -> Target:
    """The recipient and threading headers for a reply on ``channel``, from the thread's own messages."""
    who = person_label(view.person)
    if channel == "sms":
        m = _latest(view, "sms")
        return Target(m.sender if m else "", m.sender if m else "", editable=True)
    if channel == "email":
        m = _latest(view, "email")
        last = _latest(view, "email", None)
        subject = (last.subject if last else "") or "Henvendelsen din"
        if not subject.lower().startswith(("re:", "sv:")):
            subject = f"Re: {subject}"
        refs = tuple(x.provider_key for x in view.messages if x.channel.value == "email")
        return Target(m.sender if m else "", m.sender if m else "", subject,
                      last.provider_key if last else "", refs, editable=True)
    if channel == "dialog":
        m = _latest(view, "dialog", None)
        person = view.person
        to = (person.aktor_id or person.fnr) if person else ""
        if not to and m is not None:
            to = m.sender if m.direction == Direction.IN else ""
        conv = m.conversation if m else ""
        shown = f"{who}'s activity plan" + (f", dialogue {conv}" if conv else ", a new dialogue")
        return Target(to, shown, subject=m.subject if m else "", conversation=conv)
    return Target("", f"{who}: {channel_name(channel)}")


def problems(view: ThreadView, draft: Draft) -> list[str]:
    """What stops this draft from being sent, in words for the caseworker (empty: ready)."""
    out: list[str] = []
    if is_written(draft.channel):
        if not draft.body.strip():
            out.append("write the reply first")
        if not (draft.to.strip() or target_for(view, draft.channel).to):
            out.append(f"no {channel_name(draft.channel)} address for this person: type one in “To”")
    else:
        if not draft.body.strip():
            out.append(f"note what is planned (when, who calls whom) for the {channel_name(draft.channel)}")
        if draft.notice_channel:
            if not draft.notice_body.strip():
                out.append("write the short notice, or leave it out")
            if not target_for(view, draft.notice_channel).to:
                out.append(f"no {channel_name(draft.notice_channel)} address for the notice")
    return out


def consequences(services: Services, view: ThreadView, draft: Draft, suggested: str = "") -> list[str]:
    """Everything :func:`answer` will do with this draft, in words, for the confirmation: what is sent (or
    only recorded, when no connector is configured), to whom, the written notice too, what is marked."""
    out: list[str] = []

    def send(channel: str, what: str, to: str) -> str:
        if services.connector(channel) is None:
            return f"record {what}, but NOT send it: no {channel_name(channel)} connector is configured"
        return f"send {what} to {to}"

    if is_written(draft.channel):
        to = draft.to.strip() or target_for(view, draft.channel).shown
        out.append(send(draft.channel, f"this {channel_name(draft.channel)}", field(to)))
    else:
        out.append(f"record the planned {channel_name(draft.channel)} with {person_label(view.person)}")
        if draft.notice_channel:
            notice = f"the written notice by {channel_name(draft.notice_channel)} (“{field(draft.notice_body)}”)"
            out.append("also " + send(draft.notice_channel, notice,
                                      field(target_for(view, draft.notice_channel).shown)))
    others = sorted({m.channel.value for m in view.messages} - {draft.channel})
    out.append(f"mark inquiry #{view.thread.id} answered"
               + (f", its copies on {', '.join(channel_name(c) for c in others)} too" if others else ""))
    dialog = services.connector("dialog")
    if dialog is not None and dialog.can_mark_handled and any(
            m.channel.value == "dialog" and m.conversation for m in view.messages):
        out.append("mark the activity-plan dialogue handled")
    if suggested and suggested != draft.channel:
        out.append(f"record that you chose {channel_name(draft.channel)} over the suggested "
                   f"{channel_name(suggested)}")
    return out


def _send(services: Services, view: ThreadView, channel: str, body: str, draft: Draft | None,
          run: AsyncRunner) -> tuple[str, str, str, str]:
    """(state, provider key, status, note) of sending ``body`` on ``channel``."""
    target = target_for(view, channel)
    connector = services.connector(channel)
    if connector is None:
        return "recorded", "", "not sent", f"no {channel_name(channel)} connector configured: recorded, not sent"
    reply = OutgoingReply(
        to=(draft.to.strip() if draft and draft.to.strip() else target.to), body=body,
        subject=(draft.subject if draft and draft.subject else target.subject), in_reply_to=target.in_reply_to,
        references=target.references, conversation=target.conversation,
    )
    result = run(lambda: connector.send(reply))
    return "sent", result.provider_key, result.status, f"sent on {channel_name(channel)} ({result.status})"


def answer(services: Services, view: ThreadView, draft: Draft, *, suggested: str, factors: Sequence[str],
           run: AsyncRunner) -> Outcome:
    """Send or plan the reply, record it (the thread, with every channel's copy, is then answered) and
    tell the dialogue its conversations are handled. Connector errors propagate; nothing is recorded."""
    store, user, tid = services.store, services.user, view.thread.id
    notes: list[str] = []
    if is_written(draft.channel):
        state, key, status, note = _send(services, view, draft.channel, draft.body, draft, run)
        notes.append(note)
        store.record_reply(tid, channel=draft.channel, user=user, body=draft.body, state=state, suggested=suggested,
                           factors=factors, provider_key=key, status=status)
    else:
        state, status = "planned", ""
        store.record_reply(tid, channel=draft.channel, user=user, body=draft.body, state=state, suggested=suggested,
                           factors=factors)
        notes.append(f"{channel_name(draft.channel)} planned")
        if draft.notice_channel:
            n_state, n_key, n_status, note = _send(services, view, draft.notice_channel, draft.notice_body, None, run)
            notes.append("notice " + note)
            store.record_reply(tid, channel=draft.notice_channel, user=user, body=draft.notice_body, state=n_state,
                               provider_key=n_key, status=n_status)
    others = sorted({m.channel.value for m in view.messages} - {draft.channel})
    if others:
        notes.append("also answered: the copies on " + ", ".join(channel_name(c) for c in others))
    notes.extend(_mark_handled(services, view, run))
    return Outcome(tid, draft.channel, state, status, suggested, tuple(field(n) for n in notes))


def _mark_handled(services: Services, view: ThreadView, run: AsyncRunner) -> list[str]:
    conversations = sorted({m.conversation for m in view.messages if m.channel.value == "dialog" and m.conversation})
    dialog = services.connector("dialog")
    if not conversations or dialog is None or not dialog.can_mark_handled:
        return []
    done = 0
    for conv in conversations:
        try:
            run(partial(dialog.mark_handled, conv))
            done += 1
        except ConnectorError as exc:
            return [f"could not mark the dialogue handled: {exc}"]
    return [f"dialogue marked handled ({done})"]
