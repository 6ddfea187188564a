"""The person beside the thread: what the reply-channel suggestion uses (edit it with ``p``)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from inbox.domain import Person
from tui.format import channel_name, field, person_label, shown

SHOWN = (("preferred_channel", "prefers"), ("digital_skills", "digital skills"), ("language", "language"),
         ("interpreter", "interpreter"), ("age_group", "age group"), ("meetings_held", "meetings held"),
         ("open_conflict", "open conflict"))


def describe(person: Person | None, profile: dict[str, Any] | None) -> Text:
    text = Text()
    text.append("Person\n", style="bold underline")
    if person is None or profile is None:
        text.append("unknown sender: no profile")
        return text
    text.append(f"{person_label(person)}\n", style="bold")
    text.append("in the contact register\n" if person.in_register else "not in the contact register\n",
                style="" if person.in_register else "italic")
    for key, label in SHOWN:
        value = profile.get(key)
        if isinstance(value, bool):
            value_text = "yes" if value else "no"
        elif key == "preferred_channel" and value:
            value_text = field(channel_name(str(value)))
        else:
            value_text = field(str(value)) if value not in (None, "") else "–"
        text.append(f"{label}: ", style="dim")
        text.append(f"{value_text}\n")
    notes = str(profile.get("notes") or "").strip()
    if notes:
        text.append("notes: ", style="dim")
        text.append(shown(notes))
    return text


class ProfilePanel(Static):
    def show(self, person: Person | None, profile: dict[str, Any] | None) -> None:
        self.update(describe(person, profile))
