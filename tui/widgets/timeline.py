"""A thread's timeline: every message across channels and every reply, in time order.

Keys and the mouse select an entry; ``raw`` shows each message as received
(full body with quotes, and its headers) instead of the clean text.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from inbox.domain import Direction, Message
from tui.format import badge, channel_name, field, shown, stamp
from tui.services import Services


@dataclass(frozen=True)
class Entry:
    """One row of the timeline: a stored message, or a reply recorded from the TUI."""

    key: str  # m-<message id> | r-<reply id>
    at: datetime
    message: Message | None = None
    reply: dict[str, Any] | None = None

    @property
    def message_id(self) -> int | None:
        return self.message.id if self.message else None


def entries(messages: tuple[Message, ...], replies: list[dict[str, Any]]) -> list[Entry]:
    items = [Entry(f"m-{m.id}", m.sent_at, message=m) for m in messages]
    items += [Entry(f"r-{r['id']}", r["created_at"], reply=r) for r in replies]
    return sorted(items, key=lambda e: (e.at, e.key))


def render_entry(e: Entry, services: Services, *, raw: bool) -> Text:
    now = services.local(services.now())
    if e.message is not None:
        m = e.message
        inbound = m.direction == Direction.IN
        head = Text.assemble(("→ " if inbound else "← ", "bold"), badge(m.channel.value), " ",
                             (stamp(services.local(m.sent_at), now), "bold"), (f"  #{m.id}", "dim"))
        if not inbound:
            head.append("  from the office", style="italic")
        if m.subject:
            head.append(f"  {field(m.subject)}", style="italic")
        if raw:
            headers = [f"From: {field(m.sender_name + ' ' if m.sender_name else '')}<{field(m.sender)}>",
                       f"Date: {m.sent_at.isoformat()}", f"Id: {field(m.provider_key)}"]
            if m.subject:
                headers.append(f"Subject: {field(m.subject)}")
            if m.conversation:
                headers.append(f"Dialogue: {field(m.conversation)}")
            if m.status:
                headers.append(f"Status: {field(m.status)}")
            return Text.assemble(head, "\n", ("\n".join(headers), "dim"), "\n\n", shown(m.body.rstrip()))
        return Text.assemble(head, "\n", shown((m.clean_body or m.body).strip()))
    r = e.reply or {}
    state = r.get("state", "")
    status = r.get("status") or ""
    label = {"sent": "sent", "planned": "planned", "recorded": "recorded"}.get(state, state)
    head = Text.assemble(("← ", "bold"), badge(r.get("channel", "")), " ",
                         (stamp(services.local(e.at), now), "bold"),
                         (f"  reply by {field(str(r.get('by_user', '')))}", "italic"), "  ",
                         (label, "bold reverse"))
    if status and status != label:
        head.append(f" {field(str(status))}", style="bold")
    if r.get("suggested_channel") and r.get("suggested_channel") != r.get("channel"):
        head.append(f"  (suggested {channel_name(r['suggested_channel'])})", style="dim")
    return Text.assemble(head, "\n", shown(str(r.get("body", "")).strip()))


class Timeline(ScrollView, can_focus=True):
    """The entries of one thread, drawn line by line (no widget per message, so a thread opens without
    mounting anything); ``highlighted_entry`` is the one the keys act on."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"timeline--cursor", "timeline--marker", "timeline--reply"}
    DEFAULT_CSS = """
    Timeline { overflow-x: hidden; }
    Timeline > .timeline--cursor { background: $boost; }
    Timeline > .timeline--marker { color: $accent; }
    Timeline > .timeline--reply { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Previous", show=False),
        Binding("down", "cursor_down", "Next", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]
    GUTTER = 2

    index: reactive[int] = reactive(0, init=False, repaint=False)

    class Highlighted(TextualMessage):
        def __init__(self, entry: Entry | None) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, services: Services, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.services = services
        self.items: list[Entry] = []
        self.raw = False
        self._lines: list[list[Strip]] = []  # per entry, its lines (with a blank line after)
        self._starts: list[int] = []

    # -- content ---------------------------------------------------------------------------------------------
    def show(self, items: list[Entry], *, raw: bool, keep: str | None = None) -> None:
        """Replace the entries; the highlight stays on entry ``keep`` when it is still there."""
        self.items = items
        self.raw = raw
        self._layout()
        keys = [e.key for e in items]
        self.set_reactive(Timeline.index, keys.index(keep) if keep in keys else 0)
        if keep not in keys:  # a new thread starts at the top; a reload keeps the view where it was
            self.scroll_to(y=0, animate=False, immediate=True)
        self._scroll_to_index()
        self.refresh()
        self.post_message(self.Highlighted(self.highlighted_entry()))

    def text_of(self, i: int) -> str:
        """The plain text of entry ``i`` as shown."""
        return render_entry(self.items[i], self.services, raw=self.raw).plain

    def _layout(self) -> None:
        width = max(10, (self.size.width or 80) - self.GUTTER - 1)
        console = self.app.console
        options = console.options.update_width(width)
        self._lines, self._starts, y = [], [], 0
        for e in self.items:
            lines = [Strip(line) for line in console.render_lines(
                render_entry(e, self.services, raw=self.raw), options, pad=False)]
            lines.append(Strip.blank(width))
            self._starts.append(y)
            self._lines.append(lines)
            y += len(lines)
        self.virtual_size = Size(self.size.width, y)

    def on_resize(self) -> None:
        if self.items:
            self._layout()
            self.refresh()

    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_offset.y) + y
        width = self.size.width
        base = self.rich_style
        if not self._starts or row >= self._starts[-1] + len(self._lines[-1]) or row < 0:
            return Strip.blank(width, base)
        i = bisect_right(self._starts, row) - 1
        line = self._lines[i][row - self._starts[i]]
        selected = i == self.index and row - self._starts[i] < len(self._lines[i]) - 1
        style = base + self.get_component_rich_style("timeline--cursor") if selected else base
        if self.items[i].reply is not None:
            style += self.get_component_rich_style("timeline--reply", partial=True)
        marker = Segment("▌ " if selected else "  ", self.get_component_rich_style("timeline--marker") + style
                         if selected else style)
        return Strip([marker, *line.apply_style(style)]).adjust_cell_length(width, style)

    # -- the highlight ---------------------------------------------------------------------------------------
    def highlighted_entry(self) -> Entry | None:
        i = self.index
        return self.items[i] if 0 <= i < len(self.items) else None

    def select(self, i: int) -> None:
        if not self.items:
            return
        i = max(0, min(i, len(self.items) - 1))
        if i != self.index:
            self.set_reactive(Timeline.index, i)
            self._scroll_to_index()
            self.refresh()
            self.post_message(self.Highlighted(self.highlighted_entry()))

    def _scroll_to_index(self) -> None:
        if not self._starts:
            return
        top, height = self._starts[self.index], len(self._lines[self.index])
        self.scroll_to_region(Region(0, top, 1, height), animate=False, immediate=True, top=height > self.size.height)

    def action_cursor_up(self) -> None:
        self.select(self.index - 1)

    def action_cursor_down(self) -> None:
        self.select(self.index + 1)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_first(self) -> None:
        self.select(0)

    def action_last(self) -> None:
        self.select(len(self.items) - 1)

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_offset.y) + event.y
        if self._starts and row >= 0:
            self.select(bisect_right(self._starts, row) - 1)
