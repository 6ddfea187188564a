"""Edit the person's profile: preferred channel, digital skills, language and interpreter, notes."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from inbox.display import printable

CHANNELS = [("no preference", ""), ("dialogue", "dialog"), ("SMS", "sms"), ("email", "email"),
            ("phone", "phone"), ("video", "video"), ("meeting", "meeting")]
SKILLS = [("not known", ""), ("low", "low"), ("ok", "ok"), ("high", "high")]


class ProfileScreen(ModalScreen[dict[str, Any] | None]):
    """Dismisses with the changed fields (possibly none), or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the profile"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving (tab moves between fields)"),
    ]

    def __init__(self, name: str, profile: dict[str, Any]) -> None:
        super().__init__()
        self.person_name = name
        self.profile = profile

    def compose(self) -> ComposeResult:
        p = self.profile
        with Vertical(id="profile-box", classes="dialog"):
            yield Static(Text(f"Profile: {self.person_name}"), classes="dialog-title")  # text, not markup
            with Horizontal(classes="field"):
                yield Label("prefers", classes="field-label")
                yield Select(CHANNELS, value=p.get("preferred_channel") or "", allow_blank=False,
                             id="preferred_channel", compact=True)
            with Horizontal(classes="field"):
                yield Label("digital skills", classes="field-label")
                yield Select(SKILLS, value=p.get("digital_skills") or "", allow_blank=False, id="digital_skills",
                             compact=True)
            with Horizontal(classes="field"):
                yield Label("language", classes="field-label")
                yield Input(printable(p.get("language") or "", multiline=False), placeholder="nb, nn, en, ar…",
                            id="language", compact=True)
            with Horizontal(classes="field"):
                yield Label("interpreter", classes="field-label")
                yield Checkbox("needs an interpreter", bool(p.get("interpreter")), id="interpreter", compact=True)
            yield Label("notes")
            # the notes as stored (ID numbers included: editing is asking to see them), control characters
            # made visible; saving keeps them that way
            yield TextArea(printable(p.get("notes") or ""), id="notes", soft_wrap=True)
            yield Static("ctrl+s: save · esc: cancel · tab: next field", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#preferred_channel", Select).focus()

    def values(self) -> dict[str, Any]:
        return {
            "preferred_channel": self.query_one("#preferred_channel", Select).value,
            "digital_skills": self.query_one("#digital_skills", Select).value,
            "language": self.query_one("#language", Input).value.strip(),
            "interpreter": self.query_one("#interpreter", Checkbox).value,
            "notes": self.query_one("#notes", TextArea).text.strip(),
        }

    def action_save(self) -> None:
        before = {k: bool(v) if k == "interpreter" else (v or "") for k, v in self.profile.items()}
        changed = {k: v for k, v in self.values().items() if v != before.get(k)}
        self.dismiss(changed)

    def action_cancel(self) -> None:
        self.dismiss(None)
