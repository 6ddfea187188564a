"""The embedding matcher: which open inquiry a new message belongs to, with its evidence.

For each new inbound message:

1. Channel structure first: an email reply or a message in the same dialogue thread joins that thread.
2. Who wrote it: the registered sender, or — when the address is unknown — a national ID number or a
   known person's full name written in the text, or an unknown sender of the window who signed a
   message with this sender's display name (:class:`dedup.names.MentionIndex`). Two different registered persons
   are never merged automatically.
3. Candidates: that person's inbound messages in the time window (block by person and time; never a
   scan of all messages).
4. Each open inquiry is represented by its opening request (:func:`dedup.inquiries.opening_requests`); each
   such pair is scored by :class:`dedup.scorer.Scorer` from cosine similarity of the normalised texts plus
   the pair evidence in :mod:`dedup.features`; a thread's score is its best pair.
5. Attach to the best thread above the threshold (chosen for precision: a wrong merge hides an
   inquiry, a missed one only costs a second answer); content-free follow-ups ("hallo??", "takk!")
   join the person's latest inquiry; otherwise start a new one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from dedup.embed import Embedder
from dedup.features import Signals, explain, pair_features
from dedup.inquiries import bounded, open_inquiries, opening_requests
from dedup.language import language
from dedup.names import MentionIndex, NameIndex, name_key, name_pairs
from dedup.neighbours import (
    HINT_WINDOW,
    Entry,
    WindowIndex,
    best_hint,
    says_it_wrote_before,
    self_named,
    signer,
)
from dedup.normalise import normalise
from dedup.pointing import content_poor_decision, dated_reference_decision
from dedup.scorer import Scorer
from dedup.store_window import StoreWindow
from dedup.vector_cache import CachedEmbedder
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.matching import (
    NEW_THREAD,
    CandidateMessage,
    MatchContext,
    MatchDecision,
    NameFinder,
    structural_decision,
)
from inbox.text import is_content_free

#: How long a person's inquiry stays a candidate after its last inbound message: an inquiry is followed for
#: as long as it is open (a complaint or an application can wait for weeks), not for a fixed few days.
DEFAULT_WINDOW = timedelta(days=45)
DEFAULT_THRESHOLD = 0.7
#: A message in an existing channel thread joins it outright only while the thread is this fresh; after a
#: longer pause (or after the office answered) it may be a new question in an old thread: the evidence decides.
THREAD_FRESH = timedelta(days=3)
#: Below this many characters a message says too little for its wording to be compared (follow-ups, closers).
CONTENT_POOR = 60
CONTENT_FREE_WINDOW = timedelta(days=21)
#: How far back a reply in a thread is checked for an office answer since the citizen last wrote.
ANSWERED_LOOKBACK = timedelta(days=60)
#: How far back an office message looks for the inquiry it answers.
OFFICE_REPLY_LOOKBACK = timedelta(days=30)
#: Texts whose :class:`~dedup.features.Signals` the matcher keeps (first in, first out).
SIGNAL_CACHE = 50_000
#: Names held in a store context's :class:`MentionIndex` before it is read afresh from the window.
MENTION_INDEX_LIMIT = 1_000_000


#: How a decision names a writer nobody identified (:meth:`InquiryMatcher._who`).
UNKNOWN_WRITER = ("same unknown address", "")


#: How a decision names a registered sender whose text is signed with another registered person's full name
#: (a shared or borrowed phone: the message is that person's), or names another one beside their own (a relative
#: writing for someone: both persons' inquiries are candidates).
WRITES_AS_OTHER = "registered sender; signed with another registered person's name"
NAMES_OTHER = "registered sender; another registered person named in the text"
#: ... or signed with only a first name, that of someone with the registered sender's last name.
SIGNED_AS_KIN = "registered sender; signed with the first name of someone of the same family"


def _registered_first(found: set[int], ctx: MatchContext) -> tuple[set[int], set[int]]:
    """Of several persons whose names a text holds, the one registered person when there is exactly one: the
    others are writers nobody registered who go by a name seen in the text (a daughter who wrote from her own
    address as "Einar Vik" before texting "datter av Einar Vik"). Their inquiries are searched too (the second
    set), but the message is the registered person's. Two registered persons stay ambiguous."""
    if len(found) < 2:
        return found, set()
    registered = {p for p in found if ctx.registered(p)}
    if len(registered) == 1:
        return registered, found - registered
    return found, set()


def unknown_writer(d: MatchDecision) -> bool:
    """Whether ``d`` was made for a message whose writer is neither registered nor named in it."""
    return d.evidence.get("identity", "") in UNKNOWN_WRITER


@dataclass(frozen=True)
class MatcherConfig:
    window: timedelta = DEFAULT_WINDOW
    threshold: float = DEFAULT_THRESHOLD
    content_free_window: timedelta = CONTENT_FREE_WINDOW


class InquiryMatcher:
    """Implements :class:`inbox.matching.Matcher` with embeddings and pair evidence."""

    name = "embedding"

    def __init__(self, embedder: Embedder, scorer: Scorer | None = None, config: MatcherConfig | None = None,
                 *, collect: list[dict[str, Any]] | None = None) -> None:
        self.vectors = CachedEmbedder(embedder, disk=False)  # this matcher's memory of vectors
        self.scorer = scorer or Scorer.load()
        self.config = config or MatcherConfig()
        self.collect = collect  # when a list: every scored pair's features are appended (training)
        self._names: NameIndex | None = None
        self._names_key: tuple[Any, ...] | None = None  # which context and names the index was built from
        self._names_top = 0  # highest person id the index has seen
        self._signal_cache: dict[str, Signals] = {}
        self._mentions: MentionIndex | None = None  # names signed by unknown writers, for a store context
        self._mentions_read = StoreWindow()
        self._nn: WindowIndex | None = None  # every writer's inbound messages, for hints (store context)
        self._nn_read = StoreWindow()

    @property
    def lookback(self) -> timedelta:
        """The furthest back this matcher reads a person's history (the store prefetches that much)."""
        return max(self.config.window, ANSWERED_LOOKBACK, OFFICE_REPLY_LOOKBACK)

    # Matcher protocol --------------------------------------------------------------------------
    def prepare(self, batch: Sequence[tuple[IncomingMessage, str]]) -> None:
        """Embed a batch's texts in one call before they are matched one by one."""
        self.vectors.warm([self._norm(m.channel, clean).text for m, clean in batch if m.direction == Direction.IN])

    #: Whether each inbound decision records the message's language in its evidence (the batch driver, whose
    #: output has no evidence column, turns it off).
    record_language = True

    def assign(self, msg: IncomingMessage, clean_body: str, person_id: int | None,
               ctx: MatchContext) -> MatchDecision:
        decision = self._assign(msg, clean_body, person_id, ctx)
        if msg.direction == Direction.IN and self.record_language:
            decision = dataclasses.replace(decision, evidence={**decision.evidence, "language": language(clean_body)})
        return decision

    def _assign(self, msg: IncomingMessage, clean_body: str, person_id: int | None,
                ctx: MatchContext) -> MatchDecision:
        if msg.direction == Direction.OUT:
            return structural_decision(msg, ctx) or self._office_reply(msg, person_id, ctx)
        norm = self._norm(msg.channel, clean_body)
        sig = self._signals(norm.text, msg.channel.value, msg.sent_at)
        found = structural_decision(msg, ctx)
        excluded: int | None = None
        conversation: int | None = None
        if found is not None:
            if sig.new_topic:
                # "Et annet spørsmål …" in a reply: a new inquiry, whatever thread it was written in.
                excluded = found.thread_id
            elif person_id is None or not (self._answered(found.thread_id, person_id, msg, ctx)
                                           or self._reopens(found.thread_id, person_id, msg, sig, ctx)):
                return found
            else:
                # A reply after the office answered, or after a long pause: a follow-up or a new question in
                # an old thread? Let the evidence say.
                conversation = found.thread_id
        since = msg.sent_at - self.config.window
        persons, via_text, identity = self._who(person_id, msg.sender_name, norm.fnrs, norm.text, ctx,
                                                (since, msg.sent_at), clean_body)
        effective = (next(iter(via_text)) if via_text and (identity in (WRITES_AS_OTHER, SIGNED_AS_KIN)
                                                           or not (person_id and ctx.registered(person_id)))
                     else None)
        new = MatchDecision(None, None, "new inquiry" + (" (new topic in a reply)" if excluded else ""),
                            {"identity": identity} if identity else {}, effective)
        if unknown_writer(new):
            # Nobody knows who wrote this: say so when another writer's inquiry looks the same.
            new = self._with_hint(new, msg, clean_body, norm, sig, person_id, ctx,
                                  max(since, msg.sent_at - HINT_WINDOW))
        if not persons:
            return new
        history: list[CandidateMessage] = []
        for pid in persons:
            history.extend(ctx.recent_messages(pid, since, msg.sent_at))
        history.sort(key=lambda c: (c.sent_at, c.message_id))
        open_threads = open_inquiries(history, msg.sent_at, self._is_closer)
        inbound = [c for c in history if c.direction == Direction.IN and c.key != msg.key
                   and c.thread_state != "closed" and c.thread_id != excluded and c.thread_id in open_threads]
        if not inbound:
            return new
        if excluded is None and (sig.content_free or sig.closer or sig.length < CONTENT_POOR):
            poor = content_poor_decision(msg, sig, inbound, open_threads, identity, effective, new, self._signals_of,
                                         self.config.content_free_window)
            if poor is not None:
                return poor
        # An inquiry its writer closed ("fikset, takk!", "det passer, jeg kommer") takes no new request.
        inbound = bounded([c for c in inbound if not open_threads[c.thread_id or 0].closed_by_writer])
        if not inbound:
            return new
        vec = self.vectors.get(norm.text)
        latest_thread = inbound[-1].thread_id
        if sig.new_topic and excluded is None:
            # "Et annet spørsmål …": not the inquiry it was written after, whatever wording the two share.
            inbound = [c for c in inbound if c.thread_id != latest_thread]
            if not inbound:
                return dataclasses.replace(new, reason=new.reason + " (says it is another question)")
        dated = dated_reference_decision(sig, inbound, identity, effective, self._signals_of)
        if dated is not None:
            return dated
        cand_norm = [self._norm(c.channel, c.clean_body) for c in inbound]
        # Compare with what each inquiry asked: its opening request, not its every side message.
        chosen = opening_requests(inbound, [len(n.text) >= CONTENT_POOR for n in cand_norm], msg.channel)
        inbound, cand_norm = [inbound[i] for i in chosen], [cand_norm[i] for i in chosen]
        self.vectors.warm([n.text for n in cand_norm])
        best: dict[int, tuple[float, CandidateMessage, Any]] = {}
        for c, cn in zip(inbound, cand_norm, strict=True):
            cos = float(np.dot(vec, self.vectors.get(cn.text)))
            answered = any(o.thread_id == c.thread_id and o.direction == Direction.OUT
                           and c.sent_at < o.sent_at < msg.sent_at for o in history)
            ev = pair_features(sig, self._signals(cn.text, c.channel.value, c.sent_at), cos,
                               identity_via_text=c.person_id in via_text or c.person_id != person_id,
                               answered_between=answered, latest_thread=c.thread_id == latest_thread,
                               same_conversation=c.thread_id == conversation)
            ps = self.scorer.score(ev)
            if self.collect is not None:
                self.collect.append({"key": msg.key, "other": c.key, **ev.values})
            if c.thread_id not in best or ps.probability > best[c.thread_id][0]:
                best[c.thread_id] = (ps.probability, c, (ps, ev))
        tid, (prob, cand, (ps, ev)) = max(best.items(), key=lambda kv: kv[1][0])
        if prob < self.config.threshold:
            return MatchDecision(None, prob, new.reason + " (best match below threshold)",
                                 {**new.evidence, "best": cand.key, "probability": round(prob, 3)}, effective)
        evidence = {
            "matched": cand.key,
            "identity": identity,
            "cosine": round(ev.values["cosine"], 3),
            "gap_hours": round((msg.sent_at - cand.sent_at).total_seconds() / 3600, 1),
            "top": [(f, round(v, 2)) for f, v in ps.top(4)],
        }
        return MatchDecision(tid, prob, explain(ev.values, identity), evidence, effective)

    # helpers --------------------------------------------------------------------------------------
    def _with_hint(self, new: MatchDecision, msg: IncomingMessage, clean: str, norm: Any, sig: Signals,
                   person_id: int | None, ctx: MatchContext, since: datetime) -> MatchDecision:
        """``new`` with a :class:`~dedup.neighbours.Hint` in its evidence when the message says it wrote before
        and the nearest messages of other writers in the window (a context that can list them: the
        store's) hold one that scores as the same inquiry (:func:`~dedup.neighbours.best_hint`). The batch
        driver searches its merged output instead
        (:class:`~dedup.neighbours.HintFinder`)."""
        store = ctx.store
        if store is None or not says_it_wrote_before(norm.text):
            return new
        index = self._neighbour_index(store.inbound_messages, store.database, since)
        hint = best_hint(self.scorer, self.config.threshold, sig,
                         index.nearest(self.vectors.get(norm.text), since, msg.sent_at, exclude_person=person_id),
                         norm.fnrs, signer(clean))
        if hint is None:
            return new
        return dataclasses.replace(new, evidence={**new.evidence, **hint.as_evidence()})

    def _neighbour_index(self, rows: Any, source: Any, since: datetime) -> WindowIndex:
        """The window's inbound messages of every writer, with their vectors, kept across batches: read
        once, then only the rows stored since (by id). Only messages whose vectors are known (embedded
        when this or an earlier run matched them, so in the vector cache) are indexed: the search never
        runs the model over the history."""
        read = self._nn_read
        if self._nn is None or read.source != source:
            self._nn = WindowIndex()
            read.reset(source)
        elif read.start is not None and since - read.start > self.config.window:  # time moved on
            self._nn.evict(since)
            read.start = since
        fetched, earlier = read.read(rows, since)
        fetched += earlier
        if fetched:
            norms = [self._norm(Channel(ch), body) for _, _, _, ch, _, body in fetched]
            vecs = self.vectors.known([n.text for n in norms])
            for (key, tid, pid, ch, sent, body), n in zip(fetched, norms, strict=True):
                vec = vecs.get(n.text)
                if vec is not None:
                    self._nn.add(Entry(key, tid, pid, ch, sent, n.text, n.fnrs, signer(body)), vec)
        return self._nn

    def _signals_of(self, c: CandidateMessage) -> Signals:
        return self._signals(self._norm(c.channel, c.clean_body).text, c.channel.value, c.sent_at)

    def _is_closer(self, c: CandidateMessage) -> bool:
        return self._signals_of(c).closer

    def _reopens(self, thread_id: int | None, person_id: int, msg: IncomingMessage, sig: Signals,
                 ctx: MatchContext) -> bool:
        """Whether a message written in the person's existing channel thread comes after a pause longer than
        :data:`THREAD_FRESH`, or — unless it is itself a follow-up or a closer — after the person's own closer
        ("nå gikk det, takk"): then it may be a new question in an old thread."""
        own = [m for m in ctx.recent_messages(person_id, msg.sent_at - self.config.window, msg.sent_at)
               if m.thread_id == thread_id and m.direction == Direction.IN and m.key != msg.key]
        if not own:
            return False
        last = own[-1]
        return msg.sent_at - last.sent_at > THREAD_FRESH or (not (sig.closer or sig.followup)
                                                             and self._is_closer(last))

    def _signals(self, text: str, channel: str, sent_at: datetime) -> Signals:
        """:meth:`Signals.of`, its text-derived part kept for the texts seen last: a message is read again
        each time it is a candidate, and the topic patterns are the matcher's main cost."""
        known = self._signal_cache.get(text)
        if known is None:
            known = self._signal_cache[text] = Signals.of(text, channel, sent_at)
            if len(self._signal_cache) > SIGNAL_CACHE:
                del self._signal_cache[next(iter(self._signal_cache))]
            return known
        if known.channel == channel and known.sent_at == sent_at:
            return known
        return dataclasses.replace(known, channel=channel, sent_at=sent_at)

    def _norm(self, channel: Channel, text: str) -> Any:
        return normalise(text, already_clean=True, email=channel == Channel.EMAIL)

    def _answered(self, thread_id: int | None, person_id: int, msg: IncomingMessage, ctx: MatchContext) -> bool:
        """Whether the office wrote in ``thread_id`` after the citizen's last message there.

        A bare acknowledgement from the citizen ("Fikset, takk!") closes the exchange: it does not
        count as a message still waiting for an answer.
        """
        recent = [m for m in ctx.recent_messages(person_id, msg.sent_at - ANSWERED_LOOKBACK, msg.sent_at)
                  if m.thread_id == thread_id]
        last_in = max((m.sent_at for m in recent if m.direction == Direction.IN
                       and not is_content_free(self._norm(m.channel, m.clean_body).text)), default=None)
        last_out = max((m.sent_at for m in recent if m.direction == Direction.OUT), default=None)
        return last_out is not None and (last_in is None or last_out > last_in)

    def _office_reply(self, msg: IncomingMessage, person_id: int | None, ctx: MatchContext) -> MatchDecision:
        if person_id is None:
            return NEW_THREAD
        recent = ctx.recent_messages(person_id, msg.sent_at - OFFICE_REPLY_LOOKBACK, msg.sent_at)
        inbound = [m for m in recent if m.direction == Direction.IN and m.channel == msg.channel] or [
            m for m in recent if m.direction == Direction.IN]
        if inbound:
            return MatchDecision(inbound[-1].thread_id, None, "office reply to the latest inquiry")
        return NEW_THREAD

    def _who(self, person_id: int | None, sender_name: str, fnrs: Sequence[str], text: str, ctx: MatchContext,
             window: tuple[datetime, datetime], signed: str = "") -> tuple[set[int], set[int], str]:
        """Persons whose history to search, persons identified only through the text, and how."""
        if person_id is not None and ctx.registered(person_id):
            # A shared or borrowed phone, or a relative writing for someone: the full name of one other
            # registered person in the text brings that person's inquiries in too.
            names = self._name_index(ctx)
            found = names.find(text)
            named, also = _registered_first(found - {person_id}, ctx)
            if len(named) == 1 and not any(ctx.person_by_identity("fnr", f) not in (None, *named) for f in fnrs):
                if person_id in found:
                    return {person_id} | named | also, named, NAMES_OTHER
                return named | also, named, WRITES_AS_OTHER
            if not found and len(kin := names.household(person_id, self_named(signed))) == 1:
                # Signed with only the first name of someone of the holder's household: a shared phone or
                # family address ("noe nytt om busskortet? Hamid" from his mother's phone).
                return set(kin), kin, SIGNED_AS_KIN
            return {person_id}, set(), "registered sender"
        via: set[int] = set()
        for f in fnrs:
            pid = ctx.person_by_identity("fnr", f)
            if pid is not None:
                via.add(pid)
        how = "national ID number in the text" if via else ""
        if not via:
            names = self._name_index(ctx)
            via = {p for p in names.find(sender_name) if p != person_id} if sender_name else set()
            how = "sender's display name" if via else ""
            if not via:
                via = {p for p in names.find(text) if p != person_id}
                how = "name in the text" if via else ""
            if not via and sender_name:
                # Nobody by that name: did an unknown sender of the window sign a message with it?
                via = {p for p in self._mentioning(ctx, sender_name, *window) if p != person_id}
                how = "display name written in an earlier message" if via else ""
        via, also = _registered_first(via, ctx)
        if len(via) > 1:  # two registered persons named: ambiguous, never guess
            via = set()
            how = ""
        persons = set(via) | also
        if person_id is not None:
            persons.add(person_id)
        return persons, via, how or ("same unknown address" if person_id is not None else "")


    def _name_index(self, ctx: MatchContext) -> NameFinder:
        """The index of persons' names, built as rarely as the context allows.

        A context that keeps its own index (the batch driver's) lends it. A store context gives a stamp
        (names version, highest person id): the index is kept across batches and grows by the persons
        created since, and is rebuilt only when the version changes (a contacts import). Any other
        context gets an index of its own.
        """
        own = ctx.indexes
        if own is not None:
            return own.name_index()
        store = ctx.store
        if store is not None:
            version, top = store.names_stamp()
            if self._names is None or self._names_key != ("stamp", version) or top < self._names_top:
                self._names, self._names_key = NameIndex(ctx.person_names()), ("stamp", version)
            elif top > self._names_top:
                for pid, name in ctx.person_names(after_id=self._names_top).items():
                    self._names.add(pid, name)
            self._names_top = top
            return self._names
        names = ctx.person_names()
        if self._names is None or self._names_key != ("context", id(ctx), len(names)):
            self._names, self._names_key = NameIndex(names), ("context", id(ctx), len(names))
        return self._names

    def _mentioning(self, ctx: MatchContext, name: str, since: datetime, until: datetime) -> set[int]:
        """Persons not in the register who wrote the full name ``name`` in a message sent in [since, until].

        A context with its own :class:`MentionIndex` (``persons_mentioning``: the batch driver's) answers
        itself. A store context gives rows (``unknown_inbound``): the window once, then only the messages
        stored since, into an index kept here across batches; the batch's own messages are checked as
        they are.
        """
        own = ctx.indexes
        if own is not None:
            return own.persons_mentioning(name, since, until)
        store = ctx.store
        key = name_key(name)
        if key is None or store is None:
            return set()
        source = store.database
        if (self._mentions is None or self._mentions_read.source != source
                or len(self._mentions) > MENTION_INDEX_LIMIT):
            self._mentions = MentionIndex()
            self._mentions_read.reset(source)
        fetched, earlier = self._mentions_read.read(store.unknown_inbound, since)
        fetched += earlier  # (each answer holds this batch's own rows of its days only: none twice)
        found: set[int] = set()
        for mid, pid, sent, text in fetched:
            if mid:
                self._mentions.add(pid, sent, text)
            elif since <= sent <= until and key in name_pairs(text):
                found.add(pid)
        return found | self._mentions.find(name, since, until)

    def forget(self) -> None:
        """Drop what was learnt from a store transaction that did not commit (its person ids may be reused)."""
        self._names, self._names_key, self._names_top = None, None, 0
        self._mentions = None
        self._nn = None
