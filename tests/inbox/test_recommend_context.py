"""Detection that reads the whole case (issue 16): who wrote a message, what the person would rather *not*
have, news coming in the notes, a practical request that hides strain, and what happened last. Phrase
lists only (no model): each test states the situation in general words and checks the signal and where
the suggestion lands."""

from __future__ import annotations

import pytest

from inbox.domain import ReplyChannel
from inbox.recommend import CaseworkerLoad, Policy, Profile, Relationship, Suggestion
from inbox.recommend.cases import load_policy
from tests.inbox.test_recommend import msg, signal, suggest

P, M, V, D = ReplyChannel.PHONE, ReplyChannel.MEETING, ReplyChannel.VIDEO, ReplyChannel.DIALOG


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def targets(s: Suggestion, name: str) -> set[ReplyChannel | None]:
    return {x.target for x in s.signals if x.name == name}


@pytest.mark.parametrize(
    "text",
    [
        "Jeg kommer på møtet, men vil heller møtes enn å ha det på skjerm.",
        "I'd rather meet at the office than do it on video.",
        "Kan vi ta det på kontoret i stedet for på Teams?",
    ],
)
def test_the_channel_after_rather_than_is_refused_not_asked_for(policy: Policy, text: str) -> None:
    s = suggest(policy, text)
    assert V not in targets(s, "asked_for_channel")
    assert signal(s, "video_too_personal_at_home")  # a refused video counts as not wanting it
    assert s.best is not V


def test_a_plain_wish_for_video_still_counts(policy: Policy) -> None:
    s = suggest(policy, "Kan vi ta det på video i stedet?")
    assert V in targets(s, "asked_for_channel")


@pytest.mark.parametrize(
    "third",
    [
        "Fra DPS, poliklinikken: Vi foreslår et samarbeidsmøte på Teams neste uke.",
        "Styrer ringte. Vil ha en rask avklaring og foreslår et kort Teams-møte.",
        "Forwarded: the employer suggests we could do a video call on Friday.",
    ],
)
def test_another_partys_proposal_is_not_the_persons_wish(policy: Policy, third: str) -> None:
    s = suggest(policy, msg(third, "email"), msg("hei, hva betyr dette for meg?", "sms", hours=2))
    assert V not in targets(s, "asked_for_channel")
    own = suggest(policy, msg("Kan vi ta et kort Teams-møte neste uke?", "sms"))
    assert V in targets(own, "asked_for_channel")  # the same words from the person do count


def test_a_refusal_in_the_notes_puts_unwelcome_news_before_a_simple_question(policy: Policy) -> None:
    question = "Har dere hørt noe om forlengelsen? Har ikke fått noe brev ennå."
    notes = ("Vurdert unntak – vilkårene er ikke oppfylt. Vedtak om avslag sendes ut denne uka.",)
    plain = suggest(policy, question, profile=Profile(age_group="41-60"))
    news = suggest(policy, question, profile=Profile(age_group="41-60", notes=notes))
    assert not signal(plain, "unwelcome_news") and signal(news, "unwelcome_news")
    assert not signal(news, "simple_practical_written")  # its answer is the news: not a simple question
    assert news.best in (M, V)
    reason = next(r for c in news.ranked for r in c.reasons if r.factor == "unwelcome_news")
    assert reason.evidence[0].ref == "person.notes[0]"


def test_not_having_received_a_letter_is_not_a_sign_of_strain(policy: Policy) -> None:
    assert not signal(suggest(policy, "Hei. Har ikke fått noe brev om saken ennå?"), "hidden_relational_need")
    assert signal(suggest(policy, "Har ikke fått til noe denne uka, orker ikke mer."), "hidden_relational_need")


@pytest.mark.parametrize(
    ("text", "notes", "hidden"),
    [
        ("Kan jeg få utsatt fristen for CV-en til neste uke? Beklager.", ("Nevnte at han har det tungt.",), True),
        ("Is it possible to take a break from the work practice for two weeks? Family reasons.", (), True),
        ("Kan jeg få utsatt fristen for CV-en til neste uke?", ("Selvgående, ryddig.",), False),
        ("Hvordan endrer jeg adressen min hos dere?", ("Samtale 03.02: nylig separert, sover hos venner.",), True),
        ("Hvordan endrer jeg adressen min hos dere?", ("Flyttet til ny leilighet i januar.",), False),
    ],
)
def test_a_practical_request_can_hide_a_need_for_a_call(policy: Policy, text: str, notes: tuple[str, ...],
                                                         hidden: bool) -> None:
    s = suggest(policy, text, profile=Profile(age_group="41-60", notes=notes))
    assert signal(s, "hidden_relational_need") is hidden
    if hidden:
        assert s.best in (P, M, V)


def test_a_meeting_followed_by_a_written_line_is_still_what_happened_last(policy: Policy) -> None:
    s = suggest(
        policy,
        msg("Møte på kontoret: ny plan for mai–juni, tre søknader i uka.", "meeting", "out"),
        msg("Hyggelig å se deg i dag. Jeg sender en oppsummering her.", "dialog", "out", hours=1),
        msg("Takk. Jeg fikk ikke skrevet ned noe, det ble helt tomt.", "dialog", hours=3),
    )
    assert signal(s, "after_conversation")
    assert s.best is D
    long_ago = suggest(
        policy,
        msg("Møte på kontoret: ny plan.", "meeting", "out"),
        msg("Hei! Hvordan går det?", "dialog", "out", hours=48),
        msg("Fint, takk.", "dialog", hours=49),
        msg("Husk meldekortet.", "dialog", "out", hours=72),
        msg("Ok, sendt.", "dialog", hours=73),
    )
    assert not signal(long_ago, "after_conversation")


def test_a_compound_meeting_word_counts_for_several_parties(policy: Policy) -> None:
    text = "HMS-rådgiveren og lederen min spør om vi kan ha neste oppfølgingsmøte i juni."
    s = suggest(policy, text, rel=Relationship(meetings_held=5), load=CaseworkerLoad(80, 20))
    assert signal(s, "multi_party_coordination")



@pytest.mark.parametrize(
    "text",
    [
        "Jeg kommer på møtet torsdag, men jeg lurer på hva dere skal spørre om. Jeg er redd for å si noe feil.",
        "I'll be there on Thursday. What will you ask me about? I get so nervous.",
    ],
)
def test_asking_what_a_coming_meeting_is_about_calls_for_written_preparation(policy: Policy, text: str) -> None:
    s = suggest(policy, text, profile=Profile(age_group="41-60", notes=("Angst, gruer seg til møter.",)))
    assert signal(s, "written_preparation")
    assert s.best is D


def test_a_status_question_about_ones_case_is_simple_and_meetings_are_rationed_when_busy(policy: Policy) -> None:
    text = "Kunne vi ta et møte på kontoret neste uke? Jeg vil gjerne høre om det er noe nytt i saken min."
    busy = suggest(policy, text, profile=Profile(prefers=M), load=CaseworkerLoad(130, 45))
    assert signal(busy, "simple_practical_written") and signal(busy, "meetings_rationed")
    assert busy.best is not M
    calm = suggest(policy, text, profile=Profile(prefers=M), load=CaseworkerLoad(40, 5))
    assert not signal(calm, "meetings_rationed")
