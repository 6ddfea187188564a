"""The App: screens, theme, help, command palette, and the demo feed.

It receives its services (:class:`tui.services.Services`) in its constructor; build it with
:func:`tui.factory.build_app`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import ClassVar, TypeVar, cast

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker

from inbox.display import printable
from inbox.errors import InboxError, TransientError
from tui.answer import Draft
from tui.messages import Failed, NewMessages, ThreadLoaded, report_worker_error
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.merge import MergeScreen
from tui.screens.profile import ProfileScreen
from tui.screens.queue import QueueScreen
from tui.screens.reply import ReplyScreen
from tui.screens.supervisor import SupervisorScreen
from tui.screens.thread import ThreadScreen, load_thread
from tui.services import Services

T = TypeVar("T")
CONNECTOR_TIMEOUT_S = 60.0


class InboxApp(App[None]):
    """flerkanal for caseworkers: the queue, one thread per inquiry, one answer."""

    CSS_PATH = "app.tcss"
    TITLE = "flerkanal"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", key_display="?", tooltip="This list of every key"),
        Binding("ctrl+t", "toggle_dark", "Theme", show=False, tooltip="Switch between the light and dark theme"),
        Binding("ctrl+p", "command_palette", "Palette", show=False,
                tooltip="Command palette: every action of this screen by name"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, tooltip="Quit"),
    ]

    def __init__(self, services: Services, *, freeze_gc: bool = False) -> None:
        super().__init__()
        self.services = services
        self.freeze_gc = freeze_gc
        self._thread_screen: ThreadScreen | None = None
        self.notices: list[tuple[str, str]] = []
        """Every notification shown, as (severity, text): what the caseworker was told."""
        self.drafts: dict[int, Draft] = {}
        """Unsent answers by thread, kept when the answer screen is left with esc (restored on the next ``a``)."""

    def get_default_screen(self) -> Screen[None]:
        if self.services.supervisor:
            return SupervisorScreen(self.services)
        return QueueScreen(self.services)

    @property
    def queue(self) -> QueueScreen:
        return cast(QueueScreen, self.screen_stack[0])

    def open_thread(self, thread_id: int) -> None:
        """Show one inquiry: load it (and audit the read) in a worker, then switch to the thread screen,
        which is built once and reused, so the first frame shown is the loaded thread. In supervisor mode
        it refuses: a supervisor sees aggregates only."""
        if self.services.supervisor:
            self.refuse_thread()
            return
        self._load_for_open(thread_id)

    def refuse_thread(self) -> None:
        self.notify("a supervisor sees aggregates only: no inquiry, message text, names or ID numbers",
                    title="Not in the supervisor view", severity="error")

    def action_supervise(self) -> None:
        """The supervisor view on top of the queue (every role may view the aggregates); esc goes back."""
        if not isinstance(self.screen, SupervisorScreen):
            self.push_screen(SupervisorScreen(self.services))

    @work(thread=True, exclusive=True, exit_on_error=False, group="open")
    def _load_for_open(self, thread_id: int) -> None:
        try:
            data = load_thread(self.services, thread_id, opened=True)
        except InboxError as exc:
            self.post_message(Failed("open", str(exc)))
            return
        self.post_message(ThreadLoaded(data))

    def on_thread_loaded(self, message: ThreadLoaded) -> None:
        if self.services.supervisor:
            return
        if self._thread_screen is None:
            self._thread_screen = ThreadScreen(self.services)
            self.install_screen(self._thread_screen, name="thread")
        if self.screen is not self._thread_screen:
            self._thread_screen.open(message.data)
            self.push_screen(self._thread_screen)

    def on_failed(self, message: Failed) -> None:
        self.notify(message.text, title="Could not open it", severity="error")

    async def action_quit(self) -> None:
        """Quit (q on the queue, ctrl+q anywhere); with unsent drafts, ask first: they would be lost."""
        drafts = [tid for tid, d in self.drafts.items() if d.body.strip()]
        if not drafts:
            self.exit()
            return
        if isinstance(self.screen, ConfirmScreen):
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.exit()

        which = ", ".join(f"#{t}" for t in sorted(drafts))
        self.push_screen(ConfirmScreen(f"You have an unsent answer for {which}. Quit and lose "
                                       f"{'it' if len(drafts) == 1 else 'them'}?", yes="Quit"), confirmed)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)

    def on_mount(self) -> None:
        self._loop_for_connectors = asyncio.get_running_loop()
        self._book_feed()

    def run_connector(self, fn: Callable[[], Awaitable[T]]) -> T:
        """From a worker thread: run a connector coroutine on the app's event loop (where the connectors'
        clients live) and wait for it, at most CONNECTOR_TIMEOUT_S, so a stuck channel cannot hold the
        worker (or the app's exit) forever."""

        async def call() -> T:
            return await fn()

        future = asyncio.run_coroutine_threadsafe(call(), self._loop_for_connectors)
        try:
            return future.result(timeout=CONNECTOR_TIMEOUT_S)
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise TransientError(f"the channel did not answer within {CONNECTOR_TIMEOUT_S:.0f} s") from exc

    def on_ready(self) -> None:
        """Once the first frame is up: most objects alive now (Textual, the stylesheet, SQLAlchemy) live as
        long as the app, and Python's full collections walk them all, pausing input for 100 ms and more.
        ``gc.freeze`` leaves them out of collection. Off in tests, where it would keep every app alive."""
        if self.freeze_gc:
            gc.freeze()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        message, title = printable(message), printable(title, multiline=False)  # an error may quote data
        self.notices.append((severity, f"{title}: {message}" if title else message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- help and command palette -----------------------------------------------------------------------------
    def help_sections(self) -> list[tuple[str, list[BindingType]]]:
        if self.services.supervisor:
            return [("Supervisor", SupervisorScreen.BINDINGS), ("Everywhere", self.BINDINGS)]
        return [
            ("Queue", QueueScreen.BINDINGS),
            ("Inquiry", ThreadScreen.BINDINGS),
            ("Answer", ReplyScreen.BINDINGS),
            ("Merge", MergeScreen.BINDINGS),
            ("Profile", ProfileScreen.BINDINGS),
            ("Questions", ConfirmScreen.BINDINGS),
            ("Everywhere", self.BINDINGS),
        ]

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_sections()))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette offers every key of the current screen by name, plus Textual's own commands."""
        yield from super().get_system_commands(screen)
        for b in screen.BINDINGS:
            if isinstance(b, Binding) and b.description and not b.action.startswith("cursor"):
                yield SystemCommand(b.description, f"{b.tooltip} (key: {b.key_display or b.key})",
                                    partial(self.run_action, b.action, screen))
        yield SystemCommand("Help: every key", "key: ?", self.action_help)
        if not self.services.supervisor and not isinstance(screen, SupervisorScreen):
            yield SystemCommand("Supervisor view", "Queue length, waiting times and load (aggregates only)",
                                self.action_supervise)

    # -- the demo feed ------------------------------------------------------------------------------------
    def _book_feed(self) -> None:
        feed = self.services.feed
        if feed is not None:
            self.set_timer(feed.next_delay(), self._feed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="feed")
    def _feed(self) -> None:
        feed, store = self.services.feed, self.services.store
        if feed is None:
            return
        try:
            feed.deliver()
            new = self.run_connector(lambda: feed.sync(store, self.services.matcher))
        except (InboxError, RuntimeError):
            self.post_message(NewMessages(0))  # books the next delivery
            return
        self.post_message(NewMessages(new))

    def on_new_messages(self, message: NewMessages) -> None:
        if message.count:
            self.notify(f"{message.count} new message{'s' * (message.count != 1)} arrived", title="New")
            if isinstance(self.screen, QueueScreen) and self.screen is self.queue:
                self.queue.load("refresh")
        self._book_feed()
