"""The queue: every open inquiry once, in fair order, with filters, search and claims.

Pages come from a worker (the store pages, indexed); the next page loads as the cursor nears the end.
The refresh is booked with ``set_timer`` after the previous one finished, so refreshes never overlap,
and it pauses while another screen is on top.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Literal

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Header, Input, Static
from textual.worker import Worker, get_current_worker

from inbox.domain import ThreadState
from inbox.errors import ConflictError, InboxError
from tui.format import waiting
from tui.messages import Done, Failed, QueueCounts, QueueLoaded, report_worker_error
from tui.queue_source import PAGE, QueueQuery, fetch
from tui.screens.refresh import BookedRefresh
from tui.services import Services
from tui.widgets.key_bar import KeyBar
from tui.widgets.queue_list import QueueList, heading

LOAD_MORE_MARGIN = 20
COUNT_EVERY_S = 30.0  # the title's counts are a heavier query than a page: not on every refresh


class QueueScreen(BookedRefresh):
    BINDINGS = [
        Binding("enter", "open", "Open", show=False, tooltip="Open the highlighted inquiry (or click it)"),
        Binding("c", "claim", "Claim", tooltip="Claim the highlighted inquiry, or release your claim on it"),
        Binding("n", "claim_next", "Next", tooltip="Claim the next unclaimed inquiry in fair order and open it"),
        Binding("d", "close_thread", "Close", tooltip="Close the highlighted inquiry without an answer"),
        Binding("slash", "search", "Search", tooltip="Search as you type: name, #id or words"),
        Binding("q", "app.quit", "Quit", tooltip="Quit flerkanal (asks first when an answer is unsent)"),
        Binding("a", "scope('all')", "All", show=False, tooltip="Show every open inquiry"),
        Binding("m", "scope('mine')", "Mine", show=False, tooltip="Show only the inquiries you claimed"),
        Binding("u", "scope('unclaimed')", "Unclaimed", show=False, tooltip="Show only unclaimed inquiries"),
        Binding("h", "cycle('channel')", "Channel", show=False,
                tooltip="Channel filter: any → SMS → email → dialogue"),
        Binding("w", "cycle('wait')", "Waiting", show=False,
                tooltip="Waiting filter: any → more than 4 h → 24 h → 72 h"),
        Binding("r", "refresh", "Refresh", show=False, tooltip="Refresh the queue now"),
        Binding("escape", "clear_filters", "Clear", show=False, tooltip="Clear the search and the filters"),
        Binding("j", "cursor('down')", "Down", show=False, tooltip="Next inquiry (also ↓, page down, end)"),
        Binding("k", "cursor('up')", "Up", show=False, tooltip="Previous inquiry (also ↑, page up, home)"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.query_state = QueueQuery()
        self.generation = 0
        self.next_offset = 0
        self.exhausted = False
        self.loading_more = False
        self.scanned = 0
        self.loaded_once = False
        self.loads = 0  # pages shown so far (tests and the benchmark wait on it)
        self._timer: Timer | None = None
        self._search_timer: Timer | None = None
        self._counted_at = 0.0
        self._listed: set[int] = set()  # threads whose name and preview were shown (and audited) this session
        self._listed_lock = threading.Lock()

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(id="queue-filters")
        yield Input(placeholder="search: name, #id, words (esc clears)", id="queue-search", compact=True)
        yield Static(id="queue-heading")
        yield QueueList(self.services.user, id="queue-table")
        yield Static(id="queue-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = "flerkanal"
        self.sub_title = f"queue · {self.services.user}"
        self.query_one("#queue-search").display = False
        self._show_filters()
        self._show_heading()
        self.query_one(QueueList).focus()
        self.load("reset")

    # -- loading -------------------------------------------------------------------------------------------
    @property
    def table(self) -> QueueList:
        return self.query_one(QueueList)

    def load(self, mode: Literal["reset", "refresh", "more"]) -> None:
        if mode == "reset":
            self.generation += 1
            self.exhausted = False
            self.loading_more = False
            self._stop_timer()
            self._fetch(self.query_state, mode, 0, PAGE, self.generation)
        elif mode == "refresh":
            self._fetch(self.query_state, mode, 0, max(PAGE, len(self.table.entries)), self.generation)
        elif not (self.exhausted or self.loading_more):
            self.loading_more = True
            self._fetch_more(self.query_state, self.next_offset, self.generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue")
    def _fetch(self, query: QueueQuery, mode: str, offset: int, want: int, generation: int) -> None:
        self._do_fetch(query, mode, offset, want, generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-more")
    def _fetch_more(self, query: QueueQuery, offset: int, generation: int) -> None:
        self._do_fetch(query, "more", offset, PAGE, generation)

    def _do_fetch(self, query: QueueQuery, mode: str, offset: int, want: int, generation: int) -> None:
        s = self.services
        try:
            page = fetch(s.store, query, s.user, s.now(), offset=offset, want=want, unit=s.unit)
            # a name and a preview on screen is a read of the person's data: audited once per thread and
            # session, before it is shown (a refresh of rows already audited writes nothing)
            with self._listed_lock:
                new = [e.thread.id for e in page.entries if e.thread.id not in self._listed]
                s.store.audit_threads(s.user, "list", new, via="tui")
                self._listed.update(new)
        except InboxError as exc:
            self.post_message(Failed("queue", str(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(QueueLoaded(page, query, mode, generation))

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue-counts")
    def _count(self) -> None:
        """Queue length and oldest wait for the title (a heavier query: after the rows are on screen)."""
        s = self.services
        try:
            st = s.store.stats(now=s.now())
        except InboxError:
            return
        oldest = f" · oldest {waiting(st.oldest_waiting_seconds)}" if st.oldest_waiting_seconds else ""
        self.post_message(QueueCounts(f"{st.open_inquiries} open · {st.claimed} claimed{oldest}"))

    def on_queue_counts(self, message: QueueCounts) -> None:
        message.stop()
        self.sub_title = f"{self.services.user} · {message.text}"

    def on_queue_loaded(self, message: QueueLoaded) -> None:
        message.stop()
        if message.generation != self.generation:
            return
        page, table, now = message.page, self.table, self.services.now()
        if message.mode == "more":
            self.loading_more = False
            table.append(page.entries, now)
            self.scanned += page.scanned
        else:
            table.show(page.entries, now, keep_cursor=message.mode == "refresh")
            self.scanned = page.scanned
            self._book_refresh()
            if message.mode == "reset" or time.monotonic() - self._counted_at > COUNT_EVERY_S:
                self._counted_at = time.monotonic()
                self._count()
        self.next_offset = page.next_offset
        self.exhausted = page.exhausted
        self.loaded_once = True
        self.loads += 1
        self._show_status()
        if message.mode == "more" and not page.exhausted and not page.entries:
            self.load("more")  # a search that found nothing in this stretch keeps looking
        elif self.query_state.search and not page.exhausted and len(table.entries) < PAGE:
            self.load("more")

    def _show_status(self) -> None:
        n = len(self.table.entries)
        more = "" if self.exhausted else " · more below"
        scanned = f" · searched {self.scanned:,}" if self.query_state.search else ""
        if n == 0 and self.exhausted:
            text = "nothing here" + (" (esc clears the filters)" if self.query_state != QueueQuery() else "")
        else:
            text = f"{n:,} shown{more}{scanned}"
        self.query_one("#queue-status", Static).update(text)

    def _show_filters(self) -> None:
        self.query_one("#queue-filters", Static).update(Text.assemble(
            f"showing: {self.query_state.describe()}   ",
            ("a all · m mine · u unclaimed · h channel · w waiting · / search", "dim")))

    # -- the refresh loop ----------------------------------------------------------------------------------
    def _tick(self) -> None:
        self._timer = None
        if self.app.screen is self:
            self.load("refresh")
        # else: the refresh happens when this screen is shown again (on_screen_resume)

    def on_screen_resume(self, _: events.ScreenResume) -> None:
        if self.loaded_once:
            self.load("refresh")

    def on_screen_suspend(self, _: events.ScreenSuspend) -> None:
        self._stop_timer()

    # -- list events ---------------------------------------------------------------------------------------
    @on(QueueList.Highlighted)
    def _highlighted(self, event: QueueList.Highlighted) -> None:
        if event.index >= self.table.row_count - LOAD_MORE_MARGIN:
            self.load("more")

    @on(QueueList.Selected)
    def _selected(self, event: QueueList.Selected) -> None:
        self.action_open(event.entry.thread.id)

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_heading)

    def _show_heading(self) -> None:
        self.query_one("#queue-heading", Static).update(heading(self.table.size.width or self.size.width - 2))

    # -- actions -------------------------------------------------------------------------------------------
    def action_open(self, thread_id: int | None = None) -> None:
        tid = thread_id if thread_id is not None else self.table.current_id()
        if tid is not None:
            self.app.open_thread(tid)  # type: ignore[attr-defined]

    def action_cursor(self, direction: str) -> None:
        if direction == "down":
            self.table.action_cursor_down()
        else:
            self.table.action_cursor_up()

    def action_refresh(self) -> None:
        self.load("refresh")

    def action_scope(self, scope: Literal["all", "mine", "unclaimed"]) -> None:
        self.set_query(replace(self.query_state, scope=scope))

    def action_cycle(self, what: Literal["channel", "wait"]) -> None:
        self.set_query(self.query_state.cycled(what))

    def action_clear_filters(self) -> None:
        search = self.query_one("#queue-search", Input)
        search.value = ""
        search.display = False
        self.table.focus()
        self.set_query(QueueQuery())

    def set_query(self, query: QueueQuery) -> None:
        if query != self.query_state:
            self.query_state = query
            self._show_filters()
            self.load("reset")

    def action_search(self) -> None:
        search = self.query_one("#queue-search", Input)
        search.display = True
        search.focus()

    @on(Input.Changed, "#queue-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        value = event.value.strip()
        self._search_timer = self.set_timer(0.15, lambda: self.set_query(replace(self.query_state, search=value)))

    @on(Input.Submitted, "#queue-search")
    def _search_submitted(self) -> None:
        self.table.focus()

    def action_claim(self) -> None:
        entry = self.table.current()
        if entry is not None:
            self._claim(entry.thread.id, entry.thread.claimed_by == self.services.user)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def _claim(self, tid: int, release: bool) -> None:
        s = self.services
        try:
            if release:
                s.store.release(tid, s.user)
                self.post_message(Done("release", f"released #{tid}", tid))
            else:
                s.store.claim(tid, s.user)
                self.post_message(Done("claim", f"you claimed #{tid}", tid))
        except ConflictError as exc:
            self.post_message(Failed("claim", str(exc), conflict=True))
        except InboxError as exc:
            self.post_message(Failed("claim", str(exc)))

    def action_claim_next(self) -> None:
        self._claim_next()

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def _claim_next(self) -> None:
        s = self.services
        try:
            tid = s.store.claim_next(s.user)
        except InboxError as exc:
            self.post_message(Failed("claim", str(exc), conflict=isinstance(exc, ConflictError)))
            return
        if tid is None:
            self.post_message(Failed("claim", "nothing left to claim"))
        else:
            self.post_message(Done("claim-next", f"you claimed #{tid}, the next in line", tid))

    def action_close_thread(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        entry = self.table.current()
        if entry is None:
            return
        tid = entry.thread.id

        def closed(yes: bool | None) -> None:
            if yes:
                self._close(tid)

        self.app.push_screen(ConfirmScreen(f"Close inquiry #{tid} without an answer?", yes="Close"), closed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def _close(self, tid: int) -> None:
        s = self.services
        try:
            s.store.set_state(tid, ThreadState.CLOSED, s.user)
        except InboxError as exc:
            self.post_message(Failed("close", str(exc)))
            return
        self.post_message(Done("close", f"closed #{tid}", tid))

    def on_done(self, message: Done) -> None:
        message.stop()
        self.app.notify(message.text)
        if message.what == "claim-next" and message.thread_id is not None:
            self.action_open(message.thread_id)
        else:
            self.load("refresh")

    def on_failed(self, message: Failed) -> None:
        message.stop()
        self.app.notify(message.text, title="Already taken" if message.conflict else "Could not do that",
                        severity="error", timeout=8)
        if message.what == "queue":
            self.loading_more = False
            self._book_refresh()  # try again later: the refresh loop must not stop on one failure
        else:
            self.load("refresh")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
