"""Detection: every factor the case shows, each with its evidence (phrase lists, profile, relationship, load,
and with a semantic matcher, sentences and notes compared by meaning)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from inbox.domain import Direction, ReplyChannel
from inbox.recommend.model import CaseworkerLoad, Evidence, Profile, Relationship, Signal, ThreadInput, ThreadMessage
from inbox.recommend.phrases import (
    _APOSTROPHES,
    _WORD,
    _Found,
    _is_young,
    _Msg,
    _note_matches,
    _other_language,
    _profile_ev,
    _quote,
    _search,
    _skill,
    parse_channel,
)
from inbox.recommend.policy import _CHANNEL_GROUPS, _COMPLEX_GROUPS, _FIRST_PERSON, Patterns, Policy
from inbox.recommend.semantic import Embed, SemanticMatcher, Unit, split_sentences

ASK, ACCEPT, REFUSE = "ask", "accept", "refuse"


def _channel_requests(msg: _Msg, lex: Mapping[str, Patterns]) -> list[tuple[ReplyChannel | None, str, Evidence]]:
    """(channel, kind, evidence) for each channel the message asks for (ASK), says is fine (ACCEPT) or
    says no to (REFUSE); channel None is a meeting that may be physical or on screen.

    A marker ("kan vi", "helst", "could we") followed in the same sentence by a channel word is a wish; a
    negation between them makes it a refusal. A channel word followed by "i stedet"/"is best" is a wish,
    by "går fint"/"is fine" an acceptance.
    """
    text = msg.text
    out: list[tuple[ReplyChannel | None, str, Evidence]] = []

    def negated(between: str) -> bool:
        return bool(_search(lex["negation"], between)) and not _search(lex["negation_cancel"], between)

    for marker_group, kind in (("request_marker", ASK), ("accept_marker", ACCEPT)):
        for marker in lex[marker_group]:
            for m in marker.finditer(text):
                stop = min([i for i in (text.find(c, m.end()) for c in ".?!\n") if i >= 0], default=len(text))
                window = text[m.end() : min(stop, m.end() + 70)]
                # "heller møtes enn å ha det på skjerm": what follows "enn"/"than" is the channel not wanted
                over = _search(lex["prefer_over"], window)
                cut = over.start() if over else len(window)
                for channel, group in _CHANNEL_GROUPS:
                    for p in lex[group]:
                        for cm in p.finditer(window):
                            quote = _quote(text, m.start(), m.end() + cm.end())
                            rejected = cm.start() >= cut or negated(window[: cm.start()])
                            out.append((channel, REFUSE if rejected else kind, msg.evidence(quote)))
    for channel, group in _CHANNEL_GROUPS:
        for p in lex[group]:
            for cm in p.finditer(text):
                tail = text[cm.end() : cm.end() + 30]
                for after_group, kind in (("acceptance", ASK), ("accept_after", ACCEPT)):
                    am = _search(lex[after_group], tail)
                    if am and am.start() <= 12 and not negated(tail[: am.end()]):
                        out.append((channel, kind, msg.evidence(_quote(text, cm.start(), cm.end() + am.end()))))
    direct: tuple[tuple[ReplyChannel, str], ...] = (
        (ReplyChannel.PHONE, "direct_phone"),
        (ReplyChannel.SMS, "direct_sms"),
    )
    for channel, group in direct:
        ev = msg.match(lex[group])
        if ev:
            out.append((channel, ASK, ev))
    for channel, group in ((ReplyChannel.VIDEO, "refuse_video"), (ReplyChannel.PHONE, "refuse_phone")):
        rm = _search(lex[group], text)
        if rm and not _search(lex["negation_cancel"], rm.group()):
            out.append((channel, REFUSE, msg.evidence(_quote(text, rm.start(), rm.end()))))
    return out


_ECHO = re.compile(r"^\W*((?:[^\W_]+[\s,]*){1,5})\?")


def _echo_questions(msgs: Sequence[_Msg]) -> list[Evidence]:
    """Replies that open by echoing the caseworker's words back as a question ("Stanset??", "Which
    appointment?"): a sign the written exchange is not landing."""
    out = []
    last_out: set[str] = set()
    for m in msgs:
        if m.message.direction is Direction.OUT:
            last_out = {w.lower()[:5] for w in _WORD.findall(m.text) if len(w) >= 4}
            continue
        hit = _ECHO.match(m.text)
        if last_out and hit and any(w.lower()[:5] in last_out for w in _WORD.findall(hit.group(1)) if len(w) >= 4):
            out.append(m.evidence(hit.group(0).strip()))
    return out


def _back_and_forth(msgs: Sequence[_Msg]) -> list[Evidence]:
    """A written exchange that keeps going: two or more replies that still ask after the caseworker
    has written twice."""
    outs = [m for m in msgs if m.message.direction is Direction.OUT]
    if len(outs) < 2:
        return []
    asking = [m for m in msgs if m.message.direction is Direction.IN and m.index > outs[0].index and "?" in m.text]
    if len(asking) < 2:
        return []
    n_out, n_in = len(outs), len(asking)
    return [asking[-1].evidence(f"{n_out} answers from the office, {n_in} questions back")]


class _Ctx:
    """What the detectors share: the messages in their roles, the phrase lists and the collected signals."""

    def __init__(self, thread: ThreadInput, profile: Profile, policy: Policy) -> None:
        self.policy = policy
        self.lex = policy.text_lexicon
        self.nlex = policy.notes_lexicon
        self.notes = profile.notes
        self.found = _Found()
        self.msgs = [_Msg(i, m, m.text.translate(_APOSTROPHES)) for i, m in enumerate(thread.messages, start=1)]
        outs = [m.index for m in self.msgs if m.message.direction is Direction.OUT]
        self.inbound = [m for m in self.msgs if m.message.direction is Direction.IN]
        # The messages still waiting for an answer (after the office last wrote); all inbound if none are.
        self.pending = [m for m in self.inbound if m.index > max(outs, default=0)] or self.inbound
        # Inbound messages written after the office had answered something: where an exchange can go wrong.
        self.after_out = [m for m in self.inbound if outs and m.index > outs[0]]
        # Inbound messages another party wrote (a header "Fra DPS:", a note of the employer's call): what
        # they ask for is that party's wish, not the person's.
        self.third_party = {m.index for m in self.inbound if _search(self.lex["third_party"], m.text)}

    def _denial(self, group: str) -> Patterns:
        return self.lex["denial"] if group in self.policy.deniable else ()

    def text(self, group: str, messages: Sequence[_Msg]) -> list[Evidence]:
        """The first match of a phrase group in each message (a denied one does not count)."""
        return [e for m in messages if (e := m.match(self.lex[group], self._denial(group)))]

    def in_notes(self, group: str) -> list[Evidence]:
        return _note_matches(self.notes, self.nlex[group], self._denial(group))


def _detect_person(ctx: _Ctx, profile: Profile) -> None:
    """Preference, digital skills, use of the activity plan, age and language."""
    found, policy = ctx.found, ctx.policy
    if profile.prefers:
        found.add("prefers_channel", [_profile_ev("prefers", profile.prefers.value)], profile.prefers)
    else:  # a recorded note ("foretrekker telefon")
        for i, note in enumerate(ctx.notes):
            pm = _search(ctx.nlex["preference"], note)
            preferred = parse_channel(pm.group("channel")) if pm and "channel" in pm.re.groupindex else None
            if preferred:
                found.add("prefers_channel", [Evidence("profile", f"person.notes[{i}]", note)], preferred)
                break

    skill = _skill(profile.digital_skills)
    low_ev = ctx.text("low_digital", ctx.inbound) + ctx.in_notes("low_digital")
    if skill == "low":
        low_ev.insert(0, _profile_ev("digital_skills", profile.digital_skills))
    found.add("low_digital_skills", low_ev)
    if skill == "high" and not low_ev:
        found.add("high_digital_skills", [_profile_ev("digital_skills", profile.digital_skills)])
    found.add("dialog_login_barrier_mobile", ctx.text("login_barrier", ctx.inbound))
    found.add("dialog_inactive", ctx.in_notes("dialog_inactive"))
    if not found.has("dialog_inactive"):
        found.add("dialog_active", ctx.in_notes("dialog_active"))
    found.add("mobile_only", ctx.in_notes("mobile_only"))
    found.add("phone_misunderstanding_risk", ctx.in_notes("phone_risk") + ctx.text("phone_risk", ctx.inbound))

    if _is_young(profile.age_group, policy.young_below_age):
        found.add("young_phone_sms", [_profile_ev("age_group", profile.age_group)])
    minority_ev = []
    if profile.lang and profile.lang.strip().lower() not in policy.written_languages:
        minority_ev.append(_profile_ev("lang", profile.lang))
    minority_ev += ctx.in_notes("minority")
    minority_ev += [m.evidence(_quote(m.text, 0, min(len(m.text), 40))) for m in ctx.inbound if _other_language(m.text)]
    found.add("minority_language", minority_ev)
    if profile.interpreter_needed:
        found.add("interpreter_needed", [_profile_ev("interpreter_needed", "true")])


def _detect_relationship_and_load(ctx: _Ctx, relationship: Relationship, load: CaseworkerLoad) -> None:
    found, policy = ctx.found, ctx.policy
    if relationship.first_contact:
        found.add("first_meeting_face_to_face", [Evidence("relationship", "relationship.first_contact", "true")])
    elif relationship.meetings_held <= 0:
        found.add("no_meeting_yet", [Evidence("relationship", "relationship.meetings_held", "0")])
    else:
        held = str(relationship.meetings_held)
        found.add("established_relationship", [Evidence("relationship", "relationship.meetings_held", held)])
    conflict_ev = ctx.text("conflict", ctx.inbound) + ctx.in_notes("conflict")
    if relationship.open_conflict:
        conflict_ev.insert(0, Evidence("relationship", "relationship.open_conflict", "true"))
    found.add("conflict_meet_in_person", conflict_ev)

    cap_ev = []
    if load.caseload >= policy.caseload_high:
        cap_ev.append(Evidence("caseworker", "caseworker.caseload", str(load.caseload)))
    if load.queue_waiting >= policy.queue_high:
        cap_ev.append(Evidence("caseworker", "caseworker.queue_waiting", str(load.queue_waiting)))
    found.add("capacity_gatekeeper", cap_ev)


@dataclass
class _Wishes:
    """Channels the pending messages ask for (None: a meeting, physical or on screen) or refuse."""

    asked: dict[ReplyChannel | None, list[Evidence]] = field(default_factory=dict)
    accepted: dict[ReplyChannel | None, list[Evidence]] = field(default_factory=dict)
    refused: dict[ReplyChannel, list[Evidence]] = field(default_factory=dict)
    asking_messages: set[int] = field(default_factory=set)


def _detect_wishes(ctx: _Ctx) -> _Wishes:
    wishes = _Wishes()
    for m in ctx.pending:
        if m.index in ctx.third_party:
            continue
        about_appointment = m.match(ctx.lex["simple_appointment"]) is not None
        for channel, kind, ev in _channel_requests(m, ctx.lex):
            if channel is ReplyChannel.MEETING and about_appointment and kind != REFUSE:
                continue  # "can I come in at 2 instead?" is about an existing appointment, not a new meeting
            if kind == REFUSE:
                if channel is not None:
                    wishes.refused.setdefault(channel, []).append(ev)
                continue
            (wishes.asked if kind == ASK else wishes.accepted).setdefault(channel, []).append(ev)
            wishes.asking_messages.add(m.index)
    return wishes


def _add_wishes(ctx: _Ctx, wishes: _Wishes) -> None:
    found = ctx.found
    video_ev = wishes.refused.pop(ReplyChannel.VIDEO, []) + ctx.in_notes("video_dislike")
    video_ev += [e for m in ctx.inbound if m not in ctx.pending and (e := m.match(ctx.lex["refuse_video"]))]
    if any(_search(ctx.lex["channel_video"], m.text) for m in ctx.msgs):
        video_ev += ctx.text("home_privacy", ctx.inbound)  # privacy at home counts once video is on the table
    found.add("video_too_personal_at_home", video_ev)
    for channel, ev in wishes.refused.items():
        found.add("refused_channel", ev, channel)
    for target, ev in wishes.asked.items():
        if target is None:
            if ReplyChannel.MEETING not in wishes.asked and ReplyChannel.VIDEO not in wishes.asked:
                found.add("asks_to_meet", ev)
        elif target not in wishes.refused and not (target is ReplyChannel.VIDEO and video_ev):
            found.add("asked_for_channel", ev, target)
    for target, ev in wishes.accepted.items():
        refused_video = target is ReplyChannel.VIDEO and bool(video_ev)
        if target is not None and target not in wishes.asked and target not in wishes.refused and not refused_video:
            found.add("accepts_channel", ev, target)


def _detect_content(ctx: _Ctx, wishes: _Wishes, relationship: Relationship) -> None:
    """What the pending request is about."""
    found, lex, policy, pending = ctx.found, ctx.lex, ctx.policy, ctx.pending
    simple_ev: list[Evidence] = []
    for m in pending:
        question = m.match(lex["simple_question"])
        # A question about the appointment counts, unless it asks for another way to meet.
        appointment = None if m.index in wishes.asking_messages else m.match(lex["simple_appointment"])
        topic = m.match(lex["simple_topic"]) or appointment
        if question and topic:
            simple_ev += [question, topic]
        simple_ev += [e for e in (m.match(lex["simple_quick"]), m.match(lex["payment_missing"])) if e]
    found.add("simple_practical_written", simple_ev)

    complex_ev = [ev[0] for group in _COMPLEX_GROUPS if (ev := ctx.text(group, pending))]
    if len(complex_ev) >= policy.complex_min_categories:
        found.add("richness_complex_content", complex_ev)
    for m in pending:
        words = [w.lower() for w in _WORD.findall(m.text)]
        first_person = sum(w in _FIRST_PERSON for w in words)
        if len(words) >= policy.long_message_words and first_person >= 4:
            found.add("long_personal_message", [m.evidence(f"{len(words)} words, {first_person} about the writer")])

    strong = ctx.text("misunderstanding_explicit", ctx.inbound) + ctx.text("confusion_strong", ctx.after_out)
    weak = ctx.text("confusion_weak", ctx.after_out) + _echo_questions(ctx.msgs) + _back_and_forth(ctx.msgs)
    if strong or len(weak) >= 2:
        found.add("misunderstanding_switch_channel", strong + weak)

    relational_ev = ctx.text("relational", ctx.inbound)
    wellbeing = ctx.in_notes("wellbeing")
    if not relational_ev:
        # A request to pause or postpone, when the notes record strain or the reason is left vague: the
        # inquiry may not say what the conversation is really needed for.
        for m in pending:
            pause = m.match(lex["pause_request"])
            vague = m.match(lex["vague_reason"])
            if pause and (vague or wellbeing):
                relational_ev += [pause] + ([vague] if vague else [])
        # A practical request from someone the notes say is going through a crisis (a separation, a death, no
        # place to live): a call can ask about what the message leaves out.
        crisis = ctx.in_notes("life_crisis")
        if crisis and not relational_ev:
            relational_ev += [m.evidence(_quote(m.text, 0, min(len(m.text), 40))) for m in pending[-1:]] + crisis
    if relational_ev:
        found.add("hidden_relational_need", relational_ev + wellbeing)
    found.add("unwelcome_news", ctx.in_notes("unwelcome_news"))

    anxiety_ev = ctx.in_notes("anxiety") + ctx.text("anxiety_strong", ctx.inbound)
    found.add("anxiety_video_or_written_prep", anxiety_ev + ctx.text("anxiety_context", ctx.inbound))
    found.add("office_avoidance", ctx.text("office_avoidance", pending))
    # A summary of a meeting or talk (not of an earlier written message).
    talked = [m for m in pending if m.match(lex["meeting_context"])]
    found.add("written_summary_after_meeting", ctx.text("summary_request", talked))
    found.add("written_preparation", ctx.text("prep_request", pending))

    multi_ev = ctx.text("multi_party_explicit", pending)
    if ctx.text("meeting_word", pending):
        for m in pending:
            parties = {pm.group().lower() for p in lex["party"] for pm in p.finditer(m.text)}
            if len(parties) >= 2:
                multi_ev.append(m.evidence(", ".join(sorted(parties))))
        multi_ev += ctx.in_notes("multi_party")
    found.add("multi_party_coordination", multi_ev)

    found.add("travel_distance", ctx.text("travel", ctx.inbound) + ctx.in_notes("travel"))
    found.add("work_together_on_documents", ctx.text("documents_together", pending))
    found.add("planning_talk", ctx.text("planning_talk", pending))
    found.add("urgency", ctx.text("urgency", pending))
    if not relationship.first_contact:
        found.add("digital_followup_established", ctx.text("positive_news", pending))


def _detect_duplicates(ctx: _Ctx) -> None:
    """The same request on several channels: pending messages on two or more channels close in time, or
    the person saying they have written elsewhere."""
    pending = ctx.pending
    dup_ev = ctx.text("duplicate_mention", pending)
    if len({m.message.channel for m in pending}) >= 2:
        times = [m.message.sent for m in pending if m.message.sent]
        span_h = (max(times) - min(times)).total_seconds() / 3600 if len(times) >= 2 else 0.0
        if span_h <= ctx.policy.duplicate_window_hours:
            dup_ev = [m.evidence(f"{m.message.channel}: " + _quote(m.text, 0, min(len(m.text), 50))) for m in pending]
    ctx.found.add("same_request_multiple_channels", dup_ev)


#: At most this many sentences and notes of a case are compared (the most telling first), so a long thread
#: costs no more than a short one.
MAX_UNITS = 24


def case_units(thread: ThreadInput, profile: Profile) -> list[Unit]:
    """The sentences and notes of a case that semantic detection compares, most telling first: the pending
    request, the recorded notes, what the caseworker wrote (latest first), the person's earlier messages."""
    msgs = list(enumerate(thread.messages, start=1))
    outs = [i for i, m in msgs if m.direction is Direction.OUT]
    last_out = max(outs, default=0)
    inbound = [(i, m) for i, m in msgs if m.direction is Direction.IN]
    pending = [(i, m) for i, m in inbound if i > last_out] or inbound
    pending_ids = {i for i, _ in pending}

    def sentences(source: str, i: int, m: ThreadMessage) -> list[Unit]:
        when = f", {m.sent:%Y-%m-%d %H:%M}" if m.sent else ""
        ref = f"message {i} ({m.direction.value}, {m.channel}{when})"
        text = m.text.translate(_APOSTROPHES)
        return [Unit(source, s, ref, i) for s in split_sentences(text)]

    units: list[Unit] = []
    for i, m in reversed(pending):
        units += sentences("request", i, m)
    for n, note in enumerate(profile.notes):
        for s in split_sentences(note.translate(_APOSTROPHES), min_words=2) or [note]:
            units.append(Unit("notes", s, f"person.notes[{n}]"))
    for i, m in reversed([(i, m) for i, m in msgs if m.direction is Direction.OUT][-2:]):  # the latest two
        units += sentences("caseworker", i, m)
    for i, m in reversed([(i, m) for i, m in inbound if i not in pending_ids][-3:]):  # the latest three
        units += sentences("inbound", i, m)
    return units[:MAX_UNITS]


def semantic_matcher(policy: Policy, embedder: Embed) -> SemanticMatcher:
    """The policy's concepts matched with ``embedder`` (build once; exemplar vectors are kept)."""
    return SemanticMatcher(
        embedder, policy.concepts, policy.background, floor=policy.semantic_floor, denial=policy.denial
    )


def _detect_semantic(ctx: _Ctx, thread: ThreadInput, profile: Profile, semantic: SemanticMatcher) -> None:
    for hit in semantic.match(case_units(thread, profile)):
        u = hit.unit
        source = "message" if u.message is not None else "profile"
        ev = Evidence(source, u.ref, _clip(u.text), u.message, matched=hit.exemplar, similarity=hit.similarity)
        ctx.found.add(hit.concept.factor, [ev], hit.concept.target)


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _detect_after_conversation(ctx: _Ctx) -> None:
    """What happened last: the caseworker's latest entry records a call or meeting, and the person has
    written since. Details given by voice are easily lost; a written summary can be reread."""
    talk = (ReplyChannel.PHONE, ReplyChannel.MEETING, ReplyChannel.VIDEO)
    outs = [m for m in ctx.msgs if m.message.direction is Direction.OUT]
    # The latest entry, or the one before it when the caseworker has only written a line since ("I'll send
    # you a summary here"): the conversation is still what happened last.
    talks = [m for m in outs[-2:] if parse_channel(m.message.channel) in talk]
    if talks and any(m.index > talks[-1].index for m in ctx.inbound):
        last = talks[-1]
        ctx.found.add("after_conversation", [last.evidence(_clip(last.text, 100))])


def detect_signals(
    thread: ThreadInput,
    profile: Profile,
    relationship: Relationship,
    load: CaseworkerLoad,
    policy: Policy,
    semantic: SemanticMatcher | None = None,
) -> list[Signal]:
    """Every factor found in the case, with evidence, before the policy's suppress/combine rules. With a
    ``semantic`` matcher, situations described in other words than the phrase lists' count too."""
    ctx = _Ctx(thread, profile, policy)
    ctx.found.add("channel_baseline", [Evidence("policy", "factors.channel_baseline", "baseline")])
    if ctx.inbound:  # answer where the person last wrote
        last = ctx.inbound[-1]
        channel = parse_channel(last.message.channel)
        if channel:
            ctx.found.add("reply_channel", [last.evidence(last.message.channel)], channel)
    _detect_relationship_and_load(ctx, relationship, load)
    _detect_person(ctx, profile)
    wishes = _detect_wishes(ctx)
    _detect_content(ctx, wishes, relationship)
    _detect_duplicates(ctx)
    _add_wishes(ctx, wishes)
    _detect_after_conversation(ctx)
    if semantic is not None:
        _detect_semantic(ctx, thread, profile, semantic)
    return ctx.found.signals()
