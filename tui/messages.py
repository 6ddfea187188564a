"""The messages workers post. A worker does one call and posts one of these; handlers update widgets.

Store and connector results become Textual messages only here, inside tui/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker, WorkerState

from inbox.domain import ThreadView
from inbox.supervise import Figures
from tui.answer import Outcome
from tui.queue_source import QueuePage, QueueQuery


class QueueLoaded(Message):
    """A page of the queue. ``mode``: ``reset`` (new filter), ``refresh`` (same rows, newer data), ``more``."""

    def __init__(self, page: QueuePage, query: QueueQuery, mode: str, generation: int) -> None:
        super().__init__()
        self.page = page
        self.query = query
        self.mode = mode
        self.generation = generation


class FiguresLoaded(Message):
    """One refresh of the supervisor view (aggregates only: :class:`inbox.supervise.Figures`)."""

    def __init__(self, figures: Figures) -> None:
        super().__init__()
        self.figures = figures


class QueueCounts(Message):
    """Queue length and the oldest wait, for the title."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


@dataclass(frozen=True)
class ThreadData:
    view: ThreadView
    reasons: dict[int, dict[str, Any]]
    replies: list[dict[str, Any]]
    profile: dict[str, Any] | None


class ThreadLoaded(Message):
    def __init__(self, data: ThreadData) -> None:
        super().__init__()
        self.data = data


class SuggestionReady(Message):
    """The recommender's suggestion for a thread (None: it failed; ``error`` says why)."""

    def __init__(self, suggestion: Any, thread_id: int = 0, error: str = "") -> None:
        super().__init__()
        self.suggestion = suggestion
        self.thread_id = thread_id
        self.error = error


class Done(Message):
    """A store action succeeded. ``what`` names it (claim, release, close, split, merge, undo, profile)."""

    def __init__(self, what: str, text: str, thread_id: int | None = None) -> None:
        super().__init__()
        self.what = what
        self.text = text
        self.thread_id = thread_id


class Failed(Message):
    """An action failed; ``text`` is safe to show (flerkanal's errors never carry message text)."""

    def __init__(self, what: str, text: str, *, conflict: bool = False) -> None:
        super().__init__()
        self.what = what
        self.text = text
        self.conflict = conflict


class MergeNeedsForce(Message):
    """A merge was refused because the two inquiries are from different registered persons: ask first."""

    def __init__(self, other: int, names: tuple[str, ...]) -> None:
        super().__init__()
        self.other = other
        self.names = names


class Answered(Message):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class NewMessages(Message):
    """The demo feed (or a connector) stored new messages."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count


def report_worker_error(node: DOMNode, event: Worker.StateChanged) -> None:
    """A worker failed in a way the screens do not catch (their own errors become :class:`Failed`): say so,
    by the error's type only, since a third-party message might quote a citizen's text. Worker state
    messages do not bubble, so every node that runs workers forwards them here."""
    if event.state == WorkerState.ERROR:
        error = event.worker.error
        node.app.notify(f"{event.worker.name or 'a background task'} failed ({type(error).__name__})",
                        title="Something went wrong", severity="error", timeout=10)
