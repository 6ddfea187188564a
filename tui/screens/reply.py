"""Answer the inquiry once: the suggested channel first, the alternatives ranked with their reasons.

Written channels (dialogue, SMS, email) are composed here and sent through the connector after a
confirmation; talk channels (phone, video, meeting) record the plan, optionally with a short written
notice. Choosing another channel than the suggestion is recorded as an override.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, Header, Input, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker

from inbox.display import printable
from inbox.domain import ReplyChannel, ThreadView
from inbox.errors import InboxError
from tui.answer import NOTICE_DEFAULTS, WRITTEN, Draft, answer, consequences, is_written, problems, target_for
from tui.format import badge, channel_name, field, person_label
from tui.messages import Answered, Failed, SuggestionReady, report_worker_error
from tui.services import Services
from tui.widgets.key_bar import KeyBar

T = TypeVar("T")


class ReplyScreen(Screen[Any]):
    """Dismisses with the :class:`tui.answer.Outcome`, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Send / record", tooltip="Send the reply (written) or record the plan (talk), "
                "after a confirmation that says everything it will do"),
        Binding("ctrl+o", "channels", "Channel", tooltip="Choose another channel: the ranked list on the left "
                "(↑ ↓, enter back to the text)"),
        Binding("escape", "cancel", "Cancel", tooltip="Back to the inquiry without answering (what you wrote is kept "
                "as a draft)"),
    ]

    def __init__(self, services: Services, view: ThreadView, draft: Draft | None = None) -> None:
        super().__init__()
        self.services = services
        self.view = view
        self.suggestion: Any = None
        self.channel = ""
        self.sending = False
        self._notice_default = ""
        self.restored = draft
        """A draft kept from an earlier visit (esc), put back into the form."""

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static(id="reply-title")
        with Horizontal(id="reply-main"):
            with Vertical(id="reply-choice"):
                yield Static("Answer on", classes="section-title")
                yield OptionList(id="reply-channels")
                with VerticalScroll(id="reply-reasons-box"):
                    yield Static("working out the suggestion…", id="reply-reasons")
            with Vertical(id="reply-compose"):
                yield Static(id="reply-target")
                yield Input(placeholder="To (phone or email address)", id="reply-to", compact=True)
                yield Input(placeholder="Subject", id="reply-subject", compact=True)
                yield TextArea(id="reply-body", soft_wrap=True)
                yield Checkbox("also send a short written notice", id="reply-notice", compact=True)
                with Horizontal(id="notice-row"):
                    yield Select([(channel_name(c), c) for c in WRITTEN], value="sms", allow_blank=False,
                                 id="notice-channel", compact=True)
                    yield Input(id="notice-body", compact=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = f"answer #{self.view.thread.id}"
        self.sub_title = self.services.user
        self.query_one("#reply-title", Static).update(Text.assemble(
            ("Answer ", "bold"), (f"#{self.view.thread.id} ", "bold"), person_label(self.view.person),
            " · one answer for every channel it came on"))
        self._set_form("")
        if self.restored is not None:
            d = self.restored
            self.query_one("#reply-body", TextArea).text = d.body
            self.query_one("#reply-to", Input).value = d.to
            self.query_one("#reply-subject", Input).value = d.subject
            if d.notice_channel:
                self.query_one("#reply-notice", Checkbox).value = True
                self.query_one("#notice-channel", Select).value = d.notice_channel
                self.query_one("#notice-body", Input).value = d.notice_body
        self.query_one("#reply-body", TextArea).focus()  # typing goes into the answer straight away
        self._suggest()

    # -- the suggestion --------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="suggest")
    def _suggest(self) -> None:
        s = self.services
        try:
            suggestion = s.recommend(s.store, self.view.thread.id, s.user)
        except InboxError as exc:
            self.post_message(Failed("suggest", str(exc)))
            return
        except Exception as exc:  # a pluggable recommender: whatever it raises, answering must stay possible
            self.post_message(Failed("suggest", f"the recommender failed ({type(exc).__name__})"))
            return
        self.post_message(SuggestionReady(suggestion))

    def on_suggestion_ready(self, message: SuggestionReady) -> None:
        message.stop()
        self.suggestion = message.suggestion
        options = self.query_one(OptionList)
        options.clear_options()
        for i, c in enumerate(self.suggestion.ranked):
            mark = ("★ ", "bold") if i == 0 else ("  ", "")
            options.add_option(Option(Text.assemble(mark, badge(c.channel.value), " ",
                                                    (f"{channel_name(c.channel.value):<14}", "bold" if i == 0 else ""),
                                                    (f"{c.score:+.1f}", "dim")),
                                      id=c.channel.value))
        options.highlighted = self._start_index()

    def _start_index(self) -> int:
        """The suggested channel, or the channel of a restored draft."""
        options = self.query_one(OptionList)
        if self.restored is not None:
            for i in range(options.option_count):
                if options.get_option_at_index(i).id == self.restored.channel:
                    return i
        return 0

    def _fallback_options(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for ch in ReplyChannel:
            options.add_option(Option(Text.assemble(badge(ch.value), " ", channel_name(ch.value)), id=ch.value))
        options.highlighted = self._start_index()

    @on(OptionList.OptionHighlighted, "#reply-channels")
    def _channel_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._set_form(event.option.id or "")

    @on(OptionList.OptionSelected, "#reply-channels")
    def _channel_selected(self) -> None:
        self.query_one("#reply-body", TextArea).focus()

    def _reasons(self, channel: str) -> Text:
        text = Text()
        if self.suggestion is None:
            return Text("no suggestion: choose the channel yourself", style="italic")
        score = next((c for c in self.suggestion.ranked if c.channel.value == channel), None)
        if score is None:
            return text
        best = self.suggestion.best.value
        if channel == best:
            text.append("★ suggested\n", style="bold")
        else:
            text.append(f"choosing this overrides the suggestion ({channel_name(best)})\n", style="bold")
        for r in score.reasons:
            text.append(f"{r.weight:+.1f} ", style="bold")
            text.append(f"{field(r.text)}\n")
        for a in getattr(self.suggestion, "acknowledge", ()):
            text.append(f"acknowledge on {channel_name(a.channel.value)}: {field(a.text)}\n", style="dim")
        return text

    def _set_form(self, channel: str) -> None:
        self.channel = channel
        written = bool(channel) and is_written(channel)
        target = target_for(self.view, channel) if channel else None
        to = self.query_one("#reply-to", Input)
        subject = self.query_one("#reply-subject", Input)
        body = self.query_one("#reply-body", TextArea)
        notice = self.query_one("#reply-notice", Checkbox)
        to.display = bool(written and target and target.editable)
        if target and to.display and not to.value:
            to.value = printable(target.to, multiline=False)
        subject.display = channel == "email"
        if target and channel == "email" and not subject.value:
            subject.value = field(target.subject)
        notice.display = bool(channel) and not written
        self.query_one("#notice-row").display = notice.display and notice.value
        if channel and not written:
            notice_body = self.query_one("#notice-body", Input)
            default = NOTICE_DEFAULTS.get(channel, "")
            if not notice_body.value or notice_body.value == self._notice_default:
                notice_body.value = default
            self._notice_default = default
        body.border_title = ("your reply" if written else f"planned {channel_name(channel)}: when, who, what"
                             ) if channel else "choose a channel"
        if target is None:
            where = "choose a channel on the left"
        elif written:
            where = f"to {field(target.shown) or '(type the address)'}"
        else:
            where = f"plan a {channel_name(channel)} with {person_label(self.view.person)}"
        self.query_one("#reply-target", Static).update(Text.assemble(badge(channel) if channel else "", " ", where))
        self.query_one("#reply-reasons", Static).update(self._reasons(channel) if channel else "")

    @on(Checkbox.Changed, "#reply-notice")
    def _notice_toggled(self, event: Checkbox.Changed) -> None:
        self.query_one("#notice-row").display = event.value

    # -- sending -------------------------------------------------------------------------------------------
    def draft(self) -> Draft:
        notice = self.query_one("#reply-notice", Checkbox)
        notice_channel = self.query_one("#notice-channel", Select).value
        written = is_written(self.channel)
        return Draft(
            channel=self.channel,
            body=self.query_one("#reply-body", TextArea).text,
            to=self.query_one("#reply-to", Input).value if written else "",
            subject=self.query_one("#reply-subject", Input).value if self.channel == "email" else "",
            notice_channel=str(notice_channel) if (not written and notice.value) else "",
            notice_body=self.query_one("#notice-body", Input).value if (not written and notice.value) else "",
        )

    def action_send(self) -> None:
        from tui.screens.confirm import ConfirmScreen

        if self.sending or not self.channel:
            return
        draft = self.draft()
        issues = problems(self.view, draft)
        if issues:
            self.notify("; ".join(issues), title="Not yet", severity="warning")
            return
        best = self.suggestion.best.value if self.suggestion is not None else ""
        steps = consequences(self.services, self.view, draft, best)
        question = "This will:\n" + "\n".join(f"• {step}" for step in steps) + "\n\nGo ahead?"
        yes = "Send" if any(step.startswith(("send", "also send")) for step in steps) else "Record"

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.sending = True
                self._answer(draft)

        self.app.push_screen(ConfirmScreen(question, yes=yes), confirmed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer")
    def _answer(self, draft: Draft) -> None:
        best = self.suggestion.best.value if self.suggestion is not None else ""
        factors = tuple(self.suggestion.factors) if self.suggestion is not None else ()
        try:
            outcome = answer(self.services, self.view, draft, suggested=best, factors=factors, run=self._run_in_app)
        except InboxError as exc:
            self.post_message(Failed("answer", str(exc)))
            return
        self.post_message(Answered(outcome))

    def _run_in_app(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run a connector coroutine on the app's event loop (where the connectors live) and wait for it."""
        run: Callable[[Callable[[], Awaitable[T]]], T] = self.app.run_connector  # type: ignore[attr-defined]
        return run(fn)

    def on_answered(self, message: Answered) -> None:
        message.stop()
        self.sending = False
        self.dismiss(message.outcome)

    def action_channels(self) -> None:
        self.query_one(OptionList).focus()

    def on_failed(self, message: Failed) -> None:
        message.stop()
        self.sending = False
        if message.what == "suggest":
            self.suggestion = None
            self._fallback_options()
            self.notify(f"no suggestion: {message.text}", severity="warning")
        else:
            self.notify(f"{message.text}: nothing was recorded", title="Not sent", severity="error", timeout=10)

    def action_cancel(self) -> None:
        drafts: dict[int, Draft] = self.app.drafts  # type: ignore[attr-defined]
        tid = self.view.thread.id
        draft = self.draft() if self.channel else None
        if draft is not None and draft.body.strip():
            drafts[tid] = draft
            self.notify(f"draft kept: a answers #{tid} with it; q asks before quitting")
        else:
            drafts.pop(tid, None)
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
