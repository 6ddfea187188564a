"""The supervisor view: queue length now and over time, waiting times, the target, load, connector health.

Aggregates only (:mod:`inbox.supervise`): no message text, citizens' names or ID numbers ever reach
this screen. One worker gathers every figure and posts :class:`~tui.messages.FiguresLoaded`; the next
refresh is booked with ``set_timer`` after that one was shown, and a refresh asked for (``r``) while one
runs waits for it, so two refreshes never run at once. The history comes from the stored queue
snapshots (``Store.snapshot``, taken by the sync daemon and by ``inbox supervise`` at start), so a
freshly started view shows the past too.
"""

from __future__ import annotations

from datetime import timedelta

from rich import box
from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Header, Sparkline, Static
from textual.worker import Worker, WorkerState

from inbox.errors import InboxError
from inbox.supervise import Figures, default_history_since, gather
from inbox.workdays import target_label
from tui.format import channel_name, waiting
from tui.messages import Failed, FiguresLoaded, report_worker_error
from tui.screens.refresh import BookedRefresh
from tui.services import Services
from tui.widgets.key_bar import KeyBar

RANGES = [("24 hours", timedelta(hours=24)), ("7 days", timedelta(days=7))]


def _wait(seconds: float | None) -> str:
    return "-" if seconds is None else waiting(seconds)


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, expand=True)
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i else "left", no_wrap=True, overflow="ellipsis")
    return table


class SupervisorScreen(BookedRefresh):
    BINDINGS = [
        Binding("r", "refresh", "Refresh", tooltip="Refresh every figure now"),
        Binding("t", "range", "Range", tooltip="Chart range: the last 24 hours or the last 7 days"),
        Binding("enter", "open_thread", "Open", show=False,
                tooltip="Open an inquiry (not in the supervisor view: aggregates only)"),
        Binding("escape", "back", "Back", show=False, tooltip="Back to the queue (when opened from it)"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.figures: Figures | None = None
        """The figures on screen now (tests compare them with `inbox stats --json`)."""
        self.range_index = 0
        self.refreshes = 0
        self._busy = False
        self._again = False
        self._timer: Timer | None = None
        self._worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(id="sup-now")
        yield Static(id="sup-chart-title", classes="section-title")
        with Horizontal(classes="sup-chart-row"):
            yield Static(id="sup-label-inquiries", classes="sup-chart-label")
            yield Sparkline([], id="sup-chart-inquiries", classes="sup-chart")
        with Horizontal(classes="sup-chart-row"):
            yield Static(id="sup-label-messages", classes="sup-chart-label")
            yield Sparkline([], id="sup-chart-messages", classes="sup-chart")
        with Horizontal(id="sup-tables"):
            yield Static(id="sup-channels", classes="sup-table")
            yield Static(id="sup-load", classes="sup-table")
            yield Static(id="sup-connectors", classes="sup-table")
        yield Static(id="sup-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "flerkanal"
        self.sub_title = f"supervisor · {self.services.user}"
        self.query_one("#sup-status", Static).update("loading…")
        self.load()

    # -- the refresh loop ----------------------------------------------------------------------------------
    def load(self) -> None:
        """Gather every figure in a worker; while one runs, another is only noted and follows it."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        self._stop_timer()
        self._worker = self._gather()

    @work(thread=True, exclusive=True, exit_on_error=False, group="supervise")
    def _gather(self) -> None:
        s = self.services
        now = s.now()
        try:
            figures = gather(s.store, now, target_hours=s.target_hours, history_since=default_history_since(now))
        except InboxError as exc:
            self.post_message(Failed("supervise", str(exc)))
            return
        self.post_message(FiguresLoaded(figures))

    def _finished(self) -> None:
        self._busy = False
        if self._again:
            self._again = False
            self.load()
        else:
            self._book_refresh()

    def _tick(self) -> None:
        self._timer = None
        if self.app.screen is self:
            self.load()
        # else: the refresh happens when this screen is shown again (on_screen_resume)

    def on_screen_resume(self, _: events.ScreenResume) -> None:
        if self.figures is not None and self._timer is None:
            self.load()

    def on_screen_suspend(self, _: events.ScreenSuspend) -> None:
        self._stop_timer()

    def on_figures_loaded(self, message: FiguresLoaded) -> None:
        message.stop()
        self.figures = message.figures
        self.refreshes += 1
        self._show()
        self._finished()

    def on_failed(self, message: Failed) -> None:
        message.stop()
        self.app.notify(message.text, title="Could not refresh the figures", severity="error", timeout=8)
        self._finished()  # try again later: one failure must not stop the refresh loop

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
        if event.worker is self._worker and event.state == WorkerState.ERROR:
            self._finished()  # it raised, so it posted nothing: the loop goes on

    # -- showing the figures -------------------------------------------------------------------------------
    def _show(self) -> None:
        f = self.figures
        if f is None:
            return
        s = f.stats
        saved = s.open_messages - s.open_inquiries
        self.query_one("#sup-now", Static).update(Text.assemble(
            ("Open inquiries ", "bold"), (f"{s.open_inquiries:,}", "bold"),
            f" from {s.open_messages:,} messages (grouping saves {saved:,}) · {s.claimed:,} claimed\n",
            "Waiting since first contact: oldest ", _wait(s.oldest_waiting_seconds),
            " · median ", _wait(s.waiting_p50_seconds), " · 90th percentile ", _wait(s.waiting_p90_seconds), "\n",
            f"Beyond the target of {target_label(f.target_hours)}: ",
            (f"{f.waiting_beyond_target:,}", "bold red" if f.waiting_beyond_target else "bold"),
        ))
        self._show_chart()
        self._show_tables()
        local = self.services.local(f.at)
        every = f" · every {self.services.refresh_seconds:g} s" if self.services.refresh_seconds else ""
        self.query_one("#sup-status", Static).update(
            f"updated {local:%H:%M:%S}{every} · aggregates only: no message text, names or ID numbers")

    def _show_chart(self) -> None:
        f = self.figures
        if f is None:
            return
        label, span = RANGES[self.range_index]
        since = f.at - span
        points = [h for h in f.history if h["at"] >= since]
        inquiries = [float(h["open_inquiries"]) for h in points] + [float(f.stats.open_inquiries)]
        messages = [float(h["open_messages"]) for h in points] + [float(f.stats.open_messages)]
        other = RANGES[(self.range_index + 1) % len(RANGES)][0]
        self.query_one("#sup-chart-title", Static).update(Text.assemble(
            f"Queue over the last {label} ", (f"({len(points)} snapshots; t: {other})", "dim")))
        self.query_one("#sup-label-inquiries", Static).update(
            Text.assemble("inquiries ", (f"{f.stats.open_inquiries:>6,}", "bold")))
        self.query_one("#sup-label-messages", Static).update(
            Text.assemble("messages  ", (f"{f.stats.open_messages:>6,}", "bold")))
        self.query_one("#sup-chart-inquiries", Sparkline).data = inquiries
        self.query_one("#sup-chart-messages", Sparkline).data = messages

    def _show_tables(self) -> None:
        f = self.figures
        if f is None:
            return
        s = f.stats
        chans = _table("By channel", "channel", "open")
        for ch, n in s.by_channel.items():
            chans.add_row(channel_name(ch), f"{n:,}")
        for k, n in s.by_channel_count.items():
            chans.add_row(f"on {k} channel{'s' * (k != '1')}", f"{n:,}")
        self.query_one("#sup-channels", Static).update(chans)

        load = _table("Load (answered: today)", "caseworker", "claimed", "answered")
        for name, row in f.caseworkers.items():
            load.add_row(Text(name), f"{row['claimed']:,}", f"{row['answered_today']:,}")
        if not f.caseworkers:
            load.add_row(Text("nobody yet", style="dim"), "", "")
        self.query_one("#sup-load", Static).update(load)

        conns = _table("Connectors (lag: since last success)", "name", "status", "lag", "errors")
        for c in f.connectors:
            style = "green" if c.status == "ok" else "red" if c.status == "failing" else "yellow"
            errors = f"{c.errors_in_a_row} {c.error}".strip() if c.errors_in_a_row else "0"
            conns.add_row(Text(c.name), Text(c.status, style=style), _wait(c.lag_seconds), Text(errors))
        if not f.connectors:
            conns.add_row(Text("no sync yet", style="dim"), "", "", "")
        self.query_one("#sup-connectors", Static).update(conns)

    # -- actions -------------------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.load()

    def action_range(self) -> None:
        self.range_index = (self.range_index + 1) % len(RANGES)
        self._show_chart()

    def action_open_thread(self) -> None:
        self.app.refuse_thread()  # type: ignore[attr-defined]

    def action_back(self) -> None:
        if not self.services.supervisor and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
