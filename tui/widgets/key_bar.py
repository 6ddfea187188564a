"""The keys of the current screen on one line, clickable.

Textual's Footer recomposes its key widgets whenever focus or bindings change, which alone costs more
than opening a thread may take; this bar is one widget, drawn once per screen.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Static


class KeyBar(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; width: 1fr; background: $footer-background; color: $footer-foreground; }
    KeyBar > .key-bar--key { color: $footer-key-foreground; text-style: bold; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str, bool]] = []  # start, end, action, on the app?

    def on_mount(self) -> None:
        self.draw()
        self.watch(self.app, "theme", lambda _: self.draw(), init=False)

    def _shown(self) -> list[tuple[Binding, bool]]:
        shown = [(b, True) for b in self.app.BINDINGS if isinstance(b, Binding) and b.show]  # "? Help" first
        shown += [(b, False) for b in self.screen.BINDINGS if isinstance(b, Binding) and b.show]
        shown.append((Binding("ctrl+p", "command_palette", "Palette", key_display="^p"), True))
        return shown

    def draw(self) -> None:
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        text, spans, x = Text(no_wrap=True, overflow="crop"), [], 1
        text.append(" ")
        for b, on_app in self._shown():
            key = b.key_display or self.app.get_key_display(b)
            piece = Text.assemble((key, key_style), " ", b.description, "  ")
            spans.append((x, x + piece.cell_len - 2, b.action, on_app))
            text.append_text(piece)
            x += piece.cell_len
        self._spans = spans
        self.update(text)

    async def on_click(self, event: events.Click) -> None:
        for start, end, action, on_app in self._spans:
            if start <= event.x < end:
                if on_app:
                    await self.app.run_action(action)
                else:
                    await self.app.run_action(action, self.screen)
                return
