"""Pick the inquiry to merge into the open one: search by name, ``#id`` or words."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from inbox.errors import InboxError, NotFoundError, PermissionDenied
from inbox.storage.repository import QueueEntry
from tui.format import badges, one_line, person_label
from tui.messages import report_worker_error
from tui.queue_source import QueueQuery, fetch
from tui.services import Services


class Candidates(Message):
    def __init__(self, entries: list[QueueEntry], needle: str) -> None:
        super().__init__()
        self.entries = entries
        self.needle = needle


class MergeScreen(ModalScreen[int | None]):
    """Dismisses with the id of the inquiry to merge in, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Merge nothing"),
        Binding("down", "to_list", "Candidates", show=False, tooltip="From the search box to the list; enter merges"),
    ]

    def __init__(self, services: Services, thread_id: int, person_name: str = "") -> None:
        super().__init__()
        self.services = services
        self.thread_id = thread_id
        self.person_name = person_name
        self._listed: set[int] = set()  # candidates shown (and audited) in this dialog

    def compose(self) -> ComposeResult:
        with Vertical(id="merge-box", classes="dialog"):
            yield Static(f"Merge another inquiry into #{self.thread_id}", classes="dialog-title")
            yield Input(value=self.person_name, placeholder="name, #id or words", id="merge-search", compact=True)
            yield OptionList(id="merge-candidates")
            yield Static("enter: merge the highlighted one · ↓: list · esc: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.search(self.person_name)

    @on(Input.Changed, "#merge-search")
    def _changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#merge-search")
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            self.dismiss(int(options.get_option_at_index(options.highlighted or 0).id or 0))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="merge-search")
    def search(self, needle: str) -> None:
        store, now = self.services.store, self.services.now()
        found: list[QueueEntry] = []
        digits = needle.strip().lstrip("#")
        try:
            if digits.isdigit():
                try:
                    v = store.thread(int(digits))
                    found.append(QueueEntry(v.thread, v.person, v.messages[-1].clean_body if v.messages else ""))
                except (NotFoundError, PermissionDenied):  # not there, or another unit's: not a candidate
                    pass
            page = fetch(store, QueueQuery(search=needle), self.services.user, now, want=30, scan_limit=20_000,
                         unit=self.services.unit)
            found += [e for e in page.entries if all(e.thread.id != f.thread.id for f in found)]
            new = [e.thread.id for e in found if e.thread.id not in self._listed]
            store.audit_threads(self.services.user, "list", new, via="tui merge")  # names and previews shown
            self._listed.update(new)
        except InboxError:
            found = []
        if not get_current_worker().is_cancelled:
            self.post_message(Candidates([e for e in found if e.thread.id != self.thread_id], needle))

    def on_candidates(self, message: Candidates) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for e in message.entries:
            t = e.thread
            prompt = Text.assemble((f"#{t.id:<5}", "bold"), f"{person_label(e.person)[:18]:<19}",
                                   badges(c.value for c in t.channels), f"  {t.state.value:<8} ",
                                   (one_line(e.preview, 24), "dim"))
            options.add_option(Option(prompt, id=str(t.id)))
        if message.entries:
            options.highlighted = 0

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
