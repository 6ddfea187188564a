"""One inquiry: its messages across channels in time order, why they were grouped, and the person.

Opening writes a read-audit event. Keys split a message out, merge another inquiry in, undo the last
split or merge, claim, answer and close.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Static
from textual.worker import Worker

from inbox.domain import ThreadState
from inbox.errors import ConflictError, DifferentPersons, InboxError
from tui.format import badge, badges, channel_name, field, person_label, waiting
from tui.messages import (
    Done,
    Failed,
    MergeNeedsForce,
    SuggestionReady,
    ThreadData,
    ThreadLoaded,
    report_worker_error,
)
from tui.services import Services
from tui.widgets.grouping import GroupingPanel
from tui.widgets.key_bar import KeyBar
from tui.widgets.profile_panel import ProfilePanel
from tui.widgets.timeline import Timeline, entries


def load_thread(services: Services, thread_id: int, *, opened: bool) -> ThreadData:
    """Everything the thread screen shows, in one go; ``opened`` writes the read-audit event."""
    s = services
    view = s.store.thread(thread_id)
    if opened:
        s.store.audit(s.user, "read", thread_id, via="tui")
    return ThreadData(view, s.store.match_reasons(thread_id), s.store.replies(thread_id),
                      s.store.profile(view.person.id) if view.person else None)


class ThreadScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the queue"),
        Binding("a", "answer", "Answer", tooltip="Answer once, on the suggested channel or another (claims first)"),
        Binding("c", "claim", "Claim", tooltip="Claim this inquiry, or release your claim"),
        Binding("s", "split", "Split", tooltip="Split the highlighted message out into an inquiry of its own"),
        Binding("m", "merge", "Merge", tooltip="Merge another inquiry into this one (search by name, #id, words)"),
        Binding("u", "undo", "Undo", tooltip="Undo your last split or merge"),
        Binding("r", "toggle_raw", "Raw", tooltip="Toggle the raw message: full mail with quotes and headers"),
        Binding("p", "edit_profile", "Profile", tooltip="Edit the profile: preferred channel, skills, language, notes"),
        Binding("d", "close_thread", "Close", tooltip="Close this inquiry without an answer"),
        Binding("j", "cursor('down')", "Down", show=False, tooltip="Next message (also ↓)"),
        Binding("k", "cursor('up')", "Up", show=False, tooltip="Previous message (also ↑)"),
    ]

    def __init__(self, services: Services, thread_id: int = 0) -> None:
        super().__init__()
        self.services = services
        self.thread_id = thread_id
        self.data: ThreadData | None = None
        self.raw = False
        self._answer_after_load = False
        self._incoming: ThreadData | None = None
        self._timer: Timer | None = None
        self.shown = 0  # the thread on screen (0: none yet)

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("loading…", id="thread-banner")
        with Horizontal(id="thread-body"):
            yield Timeline(self.services, id="timeline")
            with VerticalScroll(id="thread-side"):
                yield Static(id="thread-suggestion")
                yield GroupingPanel(id="grouping")
                yield ProfilePanel(id="profile")
        yield KeyBar()

    def open(self, data: ThreadData) -> None:
        """Show this inquiry (already loaded, with the read audited) when the screen is next shown. The app
        reuses one ThreadScreen and loads before it switches: composing a screen and painting a "loading"
        frame for every thread costs more than the 100 ms an open may take."""
        if data.view.thread.id != self.thread_id:
            self.data = None
            self.raw = False
        self.thread_id = data.view.thread.id
        self._answer_after_load = False
        self._incoming = data

    def on_mount(self) -> None:
        self.sub_title = self.services.user

    def on_screen_resume(self) -> None:
        if self._incoming is not None:  # not when coming back from the reply screen or a dialog
            data, self._incoming = self._incoming, None
            self.title = f"inquiry #{self.thread_id}"
            self.timeline.focus()
            self._apply(data)
        self._book_reload()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _book_reload(self) -> None:
        """Reload now and then while shown: a colleague's claim and a reply's delivery status appear."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.services.refresh_seconds, self._tick) if self.services.refresh_seconds \
            else None

    def _tick(self) -> None:
        self._timer = None
        if self.app.screen is self:
            self.load()

    # -- loading -------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="thread")
    def load(self) -> None:
        """Reload after a change (the first load, with the read audit, is :func:`load_thread` by the app)."""
        try:
            data = load_thread(self.services, self.thread_id, opened=False)
        except InboxError as exc:
            self.post_message(Failed("load", str(exc)))
            return
        self.post_message(ThreadLoaded(data))

    def on_thread_loaded(self, message: ThreadLoaded) -> None:
        message.stop()
        # Not when another thread was opened meanwhile; not when nothing changed (the periodic reload).
        if message.data.view.thread.id == self.thread_id and (message.data != self.data or self._answer_after_load):
            self._apply(message.data)
        if self.app.screen is self:
            self._book_reload()

    def _apply(self, data: ThreadData) -> None:
        keep = self.timeline.highlighted_entry() if self.data is not None else None
        if self.data is None or self.data.view != data.view or self.data.replies != data.replies:
            self._show_suggestion(data)
        self.data = data
        self.timeline.show(entries(data.view.messages, data.replies), raw=self.raw, keep=keep.key if keep else None)
        self._show_banner()
        self._explain()
        self.query_one(ProfilePanel).show(data.view.person, data.profile)
        self.shown = self.thread_id
        if self._answer_after_load:
            self._answer_after_load = False
            self._open_reply()

    # -- the suggested answer, before pressing a ----------------------------------------------------------------
    def _show_suggestion(self, data: ThreadData) -> None:
        box = self.query_one("#thread-suggestion", Static)
        if data.view.thread.state not in (ThreadState.OPEN, ThreadState.CLAIMED):
            box.display = False
            return
        box.display = True
        if self.data is None or self.data.view.thread.id != data.view.thread.id:
            box.update(Text("Suggested answer: working it out…", style="dim"))
        self._suggest(data.view.thread.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="suggest")
    def _suggest(self, thread_id: int) -> None:
        s = self.services
        try:
            self.post_message(SuggestionReady(s.recommend(s.store, thread_id, s.user), thread_id))
        except Exception as exc:  # a pluggable recommender: whatever it raises, the thread stays readable
            self.post_message(SuggestionReady(None, thread_id, str(exc) if isinstance(exc, InboxError)
                                              else f"the recommender failed ({type(exc).__name__})"))

    def on_suggestion_ready(self, message: SuggestionReady) -> None:
        message.stop()
        if message.thread_id != self.thread_id:
            return
        box = self.query_one("#thread-suggestion", Static)
        s = message.suggestion
        if s is None or not s.ranked:
            box.update(Text(f"Suggested answer: none ({message.error or 'no channel ranked'})", style="dim"))
            return
        best = s.ranked[0]
        text = Text.assemble(("Suggested answer\n", "bold underline"), "★ ", badge(best.channel.value), " ",
                             (channel_name(best.channel.value), "bold"))
        if best.reasons:
            text.append(f"\n{field(best.reasons[0].text)}")
        text.append("\na answers", style="dim")
        box.update(text)

    @property
    def timeline(self) -> Timeline:
        return self.query_one(Timeline)

    def _show_banner(self) -> None:
        if self.data is None:
            return
        t, s = self.data.view.thread, self.services
        mine = t.claimed_by == s.user
        text = Text.assemble((f"#{t.id} ", "bold"), (person_label(self.data.view.person), "bold"), "  ",
                             badges(c.value for c in t.channels), f"  {t.state.value}")
        if t.state in (ThreadState.OPEN, ThreadState.CLAIMED):
            text.append(f" · waiting {waiting((s.now() - t.first_contact).total_seconds())}")
        if t.claimed_by:
            text.append(" · claimed by you" if mine else f" · claimed by {t.claimed_by}: read only", style="bold")
        banner = self.query_one("#thread-banner", Static)
        banner.update(text)
        banner.set_class(bool(t.claimed_by) and not mine, "-taken")
        banner.set_class(mine, "-mine")

    @on(Timeline.Highlighted)
    def _explain(self) -> None:
        if self.data is None:
            return
        entry = self.timeline.highlighted_entry()
        self.query_one(GroupingPanel).explain(self.data.view, self.data.reasons, entry.message if entry else None)

    # -- actions -------------------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cursor(self, direction: str) -> None:
        if direction == "down":
            self.timeline.action_cursor_down()
        else:
            self.timeline.action_cursor_up()

    def action_toggle_raw(self) -> None:
        self.raw = not self.raw
        if self.data is not None:
            keep = self.timeline.highlighted_entry()
            self.timeline.show(entries(self.data.view.messages, self.data.replies), raw=self.raw,
                               keep=keep.key if keep else None)
        self.notify("showing messages as received (headers, quotes)" if self.raw else "showing the clean text")

    def _taken_by_other(self) -> str:
        if self.data is None:
            return ""
        t = self.data.view.thread
        return t.claimed_by if t.claimed_by and t.claimed_by != self.services.user else ""

    def action_claim(self) -> None:
        if self.data is None:
            return
        t = self.data.view.thread
        self._claim(release=t.claimed_by == self.services.user, then_answer=False)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def _claim(self, release: bool, then_answer: bool) -> None:
        s, tid = self.services, self.thread_id
        try:
            if release:
                s.store.release(tid, s.user)
                self.post_message(Done("release", f"released #{tid}", tid))
            else:
                s.store.claim(tid, s.user)
                self.post_message(Done("claim-answer" if then_answer else "claim", f"you claimed #{tid}", tid))
        except ConflictError as exc:
            self.post_message(Failed("claim", str(exc), conflict=True))
        except InboxError as exc:
            self.post_message(Failed("claim", str(exc)))

    def action_answer(self) -> None:
        if self.data is None:
            return
        t = self.data.view.thread
        other = self._taken_by_other()
        if other:
            self.notify(f"#{t.id} is claimed by {other}: only they can answer it", title="Already taken",
                        severity="error", timeout=8)
        elif t.state == ThreadState.OPEN:
            self._claim(release=False, then_answer=True)  # answering claims first, atomically
        elif t.state == ThreadState.CLAIMED:
            self._open_reply()
        else:
            self.notify(f"#{t.id} is {t.state.value}: nothing to answer", severity="warning")

    def _open_reply(self) -> None:
        from tui.screens.reply import ReplyScreen

        if self.data is None:
            return

        drafts = self.app.drafts  # type: ignore[attr-defined]
        tid = self.data.view.thread.id

        def replied(outcome: Any) -> None:
            if outcome is not None:
                drafts.pop(tid, None)
                override = f" (override: suggested {channel_name(outcome.suggested)})" if outcome.override else ""
                self.notify(f"answered on {channel_name(outcome.channel)}{override}. " + "; ".join(outcome.notes),
                            title="Answered", timeout=8)
            self.load()

        self.app.push_screen(ReplyScreen(self.services, self.data.view, drafts.get(tid)), replied)

    def action_split(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        entry = self.timeline.highlighted_entry()
        if self.data is None or entry is None or entry.message is None:
            self.notify("highlight a message to split out", severity="warning")
            return
        if len(self.data.view.messages) < 2:
            self.notify("this inquiry has a single message: nothing to split", severity="warning")
            return
        m = entry.message
        question = (f"Split message #{m.id} ({channel_name(m.channel.value)}) out of #{self.thread_id} into an "
                    "inquiry of its own?")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._split(m.id)

        self.app.push_screen(ConfirmScreen(question, yes="Split"), confirmed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def _split(self, message_id: int) -> None:
        s = self.services
        try:
            new = s.store.split(message_id, s.user)
        except InboxError as exc:
            self.post_message(Failed("split", str(exc), conflict=isinstance(exc, ConflictError)))
            return
        self.post_message(Done("split", f"message #{message_id} is now inquiry #{new} (u undoes)", new))

    def action_merge(self) -> None:
        from tui.screens.confirm import ConfirmScreen
        from tui.screens.merge import MergeScreen

        if self.data is None:
            return
        person = self.data.view.person
        name = person.name if person and person.in_register else ""

        def picked(other: int | None) -> None:
            if not other:
                return

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._merge(other)

            self.app.push_screen(ConfirmScreen(f"Merge inquiry #{other} into #{self.thread_id}? Its messages move "
                                               "here.", yes="Merge"), confirmed)

        self.app.push_screen(MergeScreen(self.services, self.thread_id, name), picked)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def _merge(self, other: int, force_reason: str = "") -> None:
        s = self.services
        try:
            moved = s.store.merge(self.thread_id, other, s.user, force_reason=force_reason)
        except DifferentPersons as exc:
            self.post_message(MergeNeedsForce(other, exc.names))
            return
        except InboxError as exc:
            self.post_message(Failed("merge", str(exc), conflict=isinstance(exc, ConflictError)))
            return
        self.post_message(Done("merge", f"moved {len(moved)} message(s) from #{other} into #{self.thread_id} "
                                        "(u undoes)", self.thread_id))

    def on_merge_needs_force(self, message: MergeNeedsForce) -> None:
        """Two different registered persons: merge only when the caseworker confirms this very thing."""
        from tui.screens.confirm import ConfirmScreen

        message.stop()
        other = message.other
        who = " and ".join(message.names) if message.names else "two different registered persons"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._merge(other, force_reason=f"confirmed in the TUI: {who} are one inquiry")
            else:
                self.notify(f"not merged: #{other} stays a separate inquiry")

        self.app.push_screen(ConfirmScreen(
            f"#{other} and #{self.thread_id} are from different registered persons ({who}). Merge them into one "
            "inquiry anyway? The audit log records that you confirmed it.", yes="Merge anyway"), confirmed)

    def action_undo(self) -> None:
        self._undo()

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def _undo(self) -> None:
        s = self.services
        try:
            res = s.store.undo(s.user)
        except InboxError as exc:
            self.post_message(Failed("undo", str(exc)))
            return
        self.post_message(Done("undo", f"undid the {res['undid']}: {len(res['messages'])} message(s) back in "
                                       f"#{res['thread']}", int(res["thread"])))

    def action_edit_profile(self) -> None:
        from tui.screens.profile import ProfileScreen

        if self.data is None or self.data.view.person is None or self.data.profile is None:
            self.notify("unknown sender: there is no profile to edit", severity="warning")
            return
        person = self.data.view.person

        def saved(fields: dict[str, Any] | None) -> None:
            if fields:
                self._save_profile(person.id, fields)

        self.app.push_screen(ProfileScreen(person_label(person), self.data.profile), saved)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def _save_profile(self, person_id: int, fields: dict[str, Any]) -> None:
        s = self.services
        try:
            s.store.update_profile(person_id, s.user, **fields)
        except (InboxError, ValueError) as exc:
            self.post_message(Failed("profile", str(exc)))
            return
        self.post_message(Done("profile", "profile saved: " + ", ".join(sorted(fields))))

    def action_close_thread(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._close()

        self.app.push_screen(ConfirmScreen(f"Close inquiry #{self.thread_id} without an answer?", yes="Close"),
                             confirmed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="action")
    def _close(self) -> None:
        s = self.services
        try:
            s.store.set_state(self.thread_id, ThreadState.CLOSED, s.user)
        except InboxError as exc:
            self.post_message(Failed("close", str(exc)))
            return
        self.post_message(Done("close", f"closed #{self.thread_id}", self.thread_id))

    # -- results -------------------------------------------------------------------------------------------
    def on_done(self, message: Done) -> None:
        message.stop()
        self.notify(message.text)
        if message.what == "close":
            self.app.pop_screen()
            return
        self._answer_after_load = message.what == "claim-answer"
        self.load()

    def on_failed(self, message: Failed) -> None:
        message.stop()
        self.notify(message.text, title="Already taken" if message.conflict else "Could not do that",
                    severity="error", timeout=8)
        if message.what == "load" and self.data is None:
            self.query_one("#thread-banner", Static).update(message.text)
        elif message.what != "load":
            self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
