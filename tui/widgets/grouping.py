"""Why these messages are one inquiry: the matcher's score, reason and evidence for the highlighted
message, the shared identity and the time gap to the message before it."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from inbox.domain import Message, ThreadView
from tui.format import badges, field, person_label, waiting


def _evidence_lines(evidence: dict[str, Any]) -> list[str]:
    out = []
    for k, v in evidence.items():
        if isinstance(v, list | tuple):
            v = ", ".join(f"{a} {b}" if isinstance(a, str) else str(a) for a, b in
                          (x if isinstance(x, list | tuple) and len(x) == 2 else (x, "") for x in v))
        out.append(f"{field(str(k)).replace('_', ' ')}: {field(str(v))}")
    return out


def explain(view: ThreadView, reasons: dict[int, dict[str, Any]], message: Message | None) -> Text:
    t = view.thread
    msgs = view.messages
    text = Text()
    text.append("Why grouped\n", style="bold underline")
    text.append(f"#{t.id} · {len(msgs)} message{'s' * (len(msgs) != 1)} · ")
    text.append_text(badges(c.value for c in t.channels))
    if len(msgs) > 1:
        span = (msgs[-1].sent_at - msgs[0].sent_at).total_seconds()
        text.append(f" · over {waiting(span)}")
    text.append("\n")
    persons = {m.person_id for m in msgs}
    if view.person is not None and persons == {view.person.id}:
        where = "in the register" if view.person.in_register else "not in the register"
        text.append(f"shared identity: {person_label(view.person)} ({where})\n")
    elif len(persons) > 1:
        text.append("different senders in one inquiry\n", style="bold")
    if message is None:
        text.append("\n(highlight a message to see why it is here)", style="dim")
        return text
    r = reasons.get(message.id, {})
    text.append(f"\nmessage #{message.id}\n", style="bold")
    text.append(f"{field(str(r.get('reason') or '')) or 'no reason recorded'}\n")
    score = r.get("score")
    if isinstance(score, int | float):
        text.append(f"score {score:.2f}\n")
    before = [m for m in msgs if m.sent_at < message.sent_at or (m.sent_at == message.sent_at and m.id < message.id)]
    if before:
        gap = (message.sent_at - before[-1].sent_at).total_seconds()
        text.append(f"time gap {waiting(gap)} after #{before[-1].id}\n")
    evidence = r.get("evidence") or {}
    similar = evidence.get("similar_thread")
    if isinstance(similar, int) and similar != t.id:
        # an unknown writer who says they wrote before, and an earlier inquiry of another writer that fits:
        # a lead for the caseworker, never merged by the matcher
        text.append(f"looks like #{similar}", style="bold yellow")
        text.append(f" (another writer, probability {float(evidence.get('probability', 0)):.2f}): the same "
                    f"person on a new address? If so, merge it in (m, #{similar})\n")
    for line in _evidence_lines(evidence):
        text.append(f"{line}\n", style="dim")
    return text


class GroupingPanel(Static):
    """Shows :func:`explain` for the highlighted message."""

    def explain(self, view: ThreadView, reasons: dict[int, dict[str, Any]], message: Message | None) -> None:
        self.update(explain(view, reasons, message))
