"""Every key, by screen, generated from the screens' own bindings (so it cannot drift)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

NAMES = {"question_mark": "?", "slash": "/", "escape": "esc", "enter": "enter", "ctrl+s": "ctrl+s",
         "ctrl+p": "ctrl+p", "ctrl+q": "ctrl+q", "ctrl+t": "ctrl+t"}


def key_names(keys: str) -> str:
    return " ".join(NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def bindings_table(sections: list[tuple[str, list[BindingType]]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column()
    for title, bindings in sections:
        table.add_row(Text(title, style="bold underline"), "")
        for b in bindings:
            if isinstance(b, Binding) and b.description:
                table.add_row(f" {key_names(b.key)}", b.tooltip or b.description)
        table.add_row("", "")
    return table


def bindings_text(sections: list[tuple[str, list[BindingType]]]) -> str:
    """The same as plain text (for tests and the command line)."""
    lines = []
    for title, bindings in sections:
        lines.append(title)
        lines += [f"  {key_names(b.key)}  {b.tooltip or b.description}" for b in bindings
                  if isinstance(b, Binding) and b.description]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", tooltip="Close this help")]

    def __init__(self, sections: list[tuple[str, list[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Static(Text("Keys", style="bold"), id="help-title")
            yield Static(bindings_table(self.sections), id="help-keys")
            yield Static("Mouse works too: click a row, double-click to open. esc closes this.", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
