"""The suggestion's input (the thread, the person's profile, the relationship, the caseworker's load) and
output (the ranked channels, each with its reasons and their evidence)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inbox.domain import Direction, ReplyChannel

LANGS = ("no", "en")
TARGET = "target"  # weight key for the channel a signal names (preferred, asked for, refused, replied on)


# --------------------------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class Profile:
    """The person: age group ("18-25"), language code, digital skills (low/ok/high), preferred channel."""

    age_group: str = ""
    lang: str = "nb"
    digital_skills: str = "ok"
    prefers: ReplyChannel | None = None
    interpreter_needed: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Relationship:
    first_contact: bool = False
    meetings_held: int = 0
    open_conflict: bool = False


@dataclass(frozen=True, slots=True)
class CaseworkerLoad:
    caseload: int = 0  # users the caseworker follows
    queue_waiting: int = 0  # threads waiting for an answer


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One message of the thread. ``channel`` is a reply-channel name or anything else the source said."""

    direction: Direction
    channel: str
    text: str
    sent: datetime | None = None


@dataclass(frozen=True, slots=True)
class ThreadInput:
    messages: tuple[ThreadMessage, ...]
    id: str = ""


# -------------------------------------------------------------------------------------------- output


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a signal rests on. ``source`` is message/profile/relationship/caseworker; ``ref`` says where."""

    source: str
    ref: str
    quote: str
    message: int | None = None  # 1-based position in the thread, for source == "message"
    matched: str = ""  # for a semantic hit: the exemplar of the factor's situation the quote matched
    similarity: float | None = None  # ... and how close it came (cosine similarity)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "ref": self.ref, "quote": self.quote, "message": self.message}
        if self.matched:
            out["matched"] = self.matched
            out["similarity"] = self.similarity
        return out


@dataclass(frozen=True, slots=True)
class Signal:
    """A detected factor, with its evidence; ``target`` is the channel it names, when it names one."""

    name: str
    evidence: tuple[Evidence, ...]
    target: ReplyChannel | None = None
    suppressed_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "factor": self.name,
            "target": self.target.value if self.target else None,
            "suppressed_by": self.suppressed_by or None,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Reason:
    factor: str
    text: str
    weight: float
    evidence: tuple[Evidence, ...]
    channel: str = ""  # in Suggestion.deciding / .against: the channel the reason speaks for or against

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "factor": self.factor,
            "text": self.text,
            "weight": self.weight,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.channel:
            out["channel"] = self.channel
        return out


@dataclass(frozen=True, slots=True)
class ChannelScore:
    channel: ReplyChannel
    score: float
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel.value,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A channel the same request also came on: acknowledge there, answer on the suggested channel."""

    channel: ReplyChannel
    text: str
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel.value, "text": self.text, "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(frozen=True, slots=True)
class Suggestion:
    ranked: tuple[ChannelScore, ...]
    signals: tuple[Signal, ...]
    acknowledge: tuple[Acknowledgement, ...] = ()
    lang: str = "en"
    id: str = ""
    #: The factors that put the first channel ahead of the second, largest lead first, with evidence.
    deciding: tuple[Reason, ...] = ()
    #: For each other channel (in rank order), the factor that most holds it below the first.
    against: tuple[Reason, ...] = ()

    @property
    def best(self) -> ReplyChannel:
        return self.ranked[0].channel

    @property
    def first_reason(self) -> Reason:
        """The reason that decided the suggestion most, with its evidence (for a one-line display)."""
        return next((r for r in self.deciding if _real(r.evidence)), None) or self.ranked[0].reasons[0]

    @property
    def factors(self) -> tuple[str, ...]:
        """Names of the factors that counted (not suppressed), in detection order."""
        seen: dict[str, None] = {}
        for s in self.signals:
            if not s.suppressed_by:
                seen.setdefault(s.name, None)
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "best": self.best.value,
            "lang": self.lang,
            "ranked": [c.to_dict() for c in self.ranked],
            "deciding": [r.to_dict() for r in self.deciding],
            "against": [r.to_dict() for r in self.against],
            "acknowledge": [a.to_dict() for a in self.acknowledge],
            "signals": [s.to_dict() for s in self.signals],
        }


def _real(evidence: Sequence[Evidence]) -> bool:
    """Evidence from the case itself (a message, the profile), not only the policy's baseline."""
    return any(e.source != "policy" for e in evidence)
