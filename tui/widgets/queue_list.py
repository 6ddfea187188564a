"""The queue as a virtualised list: rows are drawn from ``entries`` as they scroll into view.

A Line-API widget (``ScrollView.render_line``): no widget per row, and each row's strip is cached by
thread and width, so moving the cursor or scrolling repaints from the cache. DataTable re-renders
every visible row on each cursor move, which is too slow for the 50 ms budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from inbox.storage.repository import QueueEntry
from tui.format import badges, field, one_line, person_label, waiting

# (key, heading, width, right-aligned); the preview takes what is left.
COLUMNS: tuple[tuple[str, str, int, bool], ...] = (
    ("id", "#", 6, True),
    ("person", "person", 15, False),
    ("channels", "on", 11, False),
    ("msgs", "msgs", 4, True),
    ("waiting", "waiting", 7, True),
    ("claimed", "claimed", 7, False),
)
KEYS: tuple[str, ...] = (*(c[0] for c in COLUMNS), "preview")
GAP = 1
MIN_PREVIEW = 12


def preview_width(total: int) -> int:
    return max(MIN_PREVIEW, total - sum(c[2] for c in COLUMNS) - GAP * len(COLUMNS) - 1)


def heading(total: int) -> Text:
    """The column headings, aligned with the rows."""
    return _line([Text(h) for _, h, _, _ in COLUMNS] + [Text("preview")], total)


def _line(cells: Sequence[Text], total: int) -> Text:
    widths = [c[2] for c in COLUMNS] + [preview_width(total)]
    right = [c[3] for c in COLUMNS] + [False]
    out = Text(" ", end="", no_wrap=True)
    for cell, width, r in zip(cells, widths, right, strict=True):
        cell = cell.copy()
        cell.truncate(width, overflow="ellipsis")
        pad = " " * (width - cell.cell_len)
        out.append_text(Text(pad) + cell if r else cell + Text(pad))
        out.append(" " * GAP)
    return out


class QueueList(ScrollView, can_focus=True):
    """One row per inquiry; ``entries`` are the rows loaded so far (the screen pages more in)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"queue-list--cursor"}
    DEFAULT_CSS = """
    QueueList { overflow-x: hidden; }
    QueueList > .queue-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground;
                                      text-style: $block-cursor-text-style; }
    QueueList:blur > .queue-list--cursor { background: $block-cursor-blurred-background;
                                           text-style: $block-cursor-blurred-text-style; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=False, init=False, repaint=False)

    class Highlighted(Message):
        def __init__(self, index: int, entry: QueueEntry) -> None:
            super().__init__()
            self.index = index
            self.entry = entry

    class Selected(Message):
        def __init__(self, entry: QueueEntry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, user: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.user = user
        self.entries: list[QueueEntry] = []
        self._now: datetime | None = None
        self._rows: dict[int, tuple[int, Strip]] = {}  # thread id → (width, strip)

    # -- rows ------------------------------------------------------------------------------------------------
    def cells(self, e: QueueEntry) -> tuple[Text, ...]:
        t, now = e.thread, self._now
        claimed = Text("")
        if t.claimed_by:
            mine = t.claimed_by == self.user
            claimed = Text("you", style="bold") if mine else Text(field(t.claimed_by), style="italic")
        wait = waiting((now - t.first_contact).total_seconds()) if now else ""
        return (
            Text(str(t.id)),
            Text(person_label(e.person), style="" if e.person and e.person.in_register else "italic"),
            badges(c.value for c in t.channels),
            Text(str(t.inbound_count)),
            Text(wait),
            claimed,
            Text(one_line(e.preview)),
        )

    def row_cells(self, index: int) -> tuple[Text, ...]:
        return self.cells(self.entries[index])

    def cells_for(self, thread_id: int) -> tuple[Text, ...]:
        return self.cells(next(e for e in self.entries if e.thread.id == thread_id))

    def _row_strip(self, index: int, width: int) -> Strip:
        e = self.entries[index]
        cached = self._rows.get(e.thread.id)
        if cached is not None and cached[0] == width:
            return cached[1]
        strip = Strip(list(_line(self.cells(e), width).render(self.app.console))).adjust_cell_length(width)
        self._rows[e.thread.id] = (width, strip)
        return strip

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.size.width
        base = self.rich_style
        if not 0 <= index < len(self.entries):
            return Strip.blank(width, base)
        strip = self._row_strip(index, width)
        style = base + self.get_component_rich_style("queue-list--cursor") if index == self.cursor else base
        return strip.apply_style(style)

    # -- data ------------------------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.entries)

    def _resize_virtual(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.entries))

    def show(self, entries: Sequence[QueueEntry], now: datetime, *, keep_cursor: bool) -> None:
        """Replace the rows; with ``keep_cursor`` the cursor stays on the same thread (else the same row)
        and the view does not jump."""
        current, row = self.current_id(), self.cursor
        old = {e.thread.id: e for e in self.entries}
        self.entries = list(entries)
        self._now = now
        self._rows = {e.thread.id: self._rows[e.thread.id] for e in self.entries
                      if e.thread.id in self._rows and old.get(e.thread.id) == e}
        self._resize_virtual()
        target = 0
        if keep_cursor:
            target = next((i for i, e in enumerate(self.entries) if e.thread.id == current), row)
        self._move(min(target, max(0, len(self.entries) - 1)), force=True)
        self.refresh()

    def append(self, entries: Sequence[QueueEntry], now: datetime) -> int:
        """Add entries not shown yet (pages overlap when the queue changed in between); returns how many."""
        seen = {e.thread.id for e in self.entries}
        fresh = [e for e in entries if e.thread.id not in seen]
        self.entries.extend(fresh)
        self._resize_virtual()
        self.refresh()
        return len(fresh)

    def current(self) -> QueueEntry | None:
        return self.entries[self.cursor] if 0 <= self.cursor < len(self.entries) else None

    def current_id(self) -> int | None:
        e = self.current()
        return int(e.thread.id) if e else None

    # -- the cursor ------------------------------------------------------------------------------------------
    def move_cursor(self, row: int) -> None:
        self._move(row)

    def _move(self, row: int, *, force: bool = False) -> None:
        if not self.entries:
            self.cursor = 0
            return
        row = max(0, min(row, len(self.entries) - 1))
        old = self.cursor
        if row == old and not force:
            return
        self.set_reactive(QueueList.cursor, row)
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)
        else:  # only the two rows whose highlight changed
            width = self.size.width
            self.refresh(Region(0, old - top, width, 1), Region(0, row - top, width, 1))
        self.post_message(self.Highlighted(row, self.entries[row]))

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_page_up(self) -> None:
        self._move(self.cursor - self._page())

    def action_page_down(self) -> None:
        self._move(self.cursor + self._page())

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self.entries) - 1)

    def action_select(self) -> None:
        e = self.current()
        if e is not None:
            self.post_message(self.Selected(e))

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_offset.y) + event.y
        if 0 <= row < len(self.entries):
            if row == self.cursor or event.chain > 1:
                self._move(row)
                self.action_select()
            else:
                self._move(row)

    def on_resize(self) -> None:
        self._resize_virtual()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._rows.clear()

