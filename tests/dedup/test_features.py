"""Each kind of pair evidence, in the languages the office sees."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dedup.features import (
    Signals,
    is_closer,
    is_content_free,
    is_followup,
    is_new_topic,
    names_day_of,
    pair_features,
    referenced_channels,
    specifics,
    topics,
)
from dedup.normalise import fold, normalise

T = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "channels"), [
    ("Jeg sendte også en sms i går om dette.", {"sms"}),
    ("Skreiv i aktivitetsplanen på onsdag, har du sett det?", {"dialog"}),
    ("I emailed you yesterday but got no reply.", {"email"}),
    ("Har dere fått e-posten min fra mandag?", {"email"}),
    ("Wysłałem wczoraj e-mail w tej sprawie.", {"email"}),
    ("Eg kan sende det på e-post om du vil.", set()),  # an offer, not an earlier message
    ("Når kommer pengene?", set()),
])
def test_cross_references_to_other_channels(text: str, channels: set[str]) -> None:
    assert set(referenced_channels(text)) == channels


@pytest.mark.parametrize("text", [
    "hallo?? har ikke fått svar", "Har dere sett meldingen min?", "Any update on this?",
    "Venter fortsatt på svar.", "Fekk de meldinga mi?",
])
def test_follow_up_questions(text: str) -> None:
    assert is_followup(text)


def test_a_plain_question_is_not_a_follow_up() -> None:
    assert not is_followup("Hvordan fyller jeg ut meldekortet når jeg har jobbet tre dager?")


@pytest.mark.parametrize("text", [
    "Et annet spørsmål: må jeg søke bostøtte på nytt?", "I have one more question that is not about the leave.",
    "Nå har det dukket opp noe annet: lønna kom ikke.", "Eit anna spørsmål, korleis søkjer eg?",
])
def test_new_topic_markers(text: str) -> None:
    assert is_new_topic(text)


@pytest.mark.parametrize("text", [
    "Sendte sms i går, men vet ikke om den kom fram.", "Veit ikkje om de les meldingane her?",
    "Jeg skjønner ikke om kravet gjelder meg.",
])
def test_not_knowing_whether_is_no_new_topic(text: str) -> None:
    assert not is_new_topic(text)


def test_saying_it_is_not_about_the_earlier_matter_is_a_new_topic() -> None:
    assert is_new_topic("Dette handler ikke om bostøtten, men om en tannlegeregning.")


@pytest.mark.parametrize(("text", "free"), [
    ("tusen takk!!", True), ("Fikset, takk!", True), ("Det passer bra. Jeg kommer.", True), ("ok 👍", True),
    ("Great, thank you! I'll be there.", True), ("hallo??", True),
    ("Takk, men når kommer pengene?", False), ("Jeg har mistet BankID og får ikke sendt meldekort", False),
])
def test_content_free_messages(text: str, free: bool) -> None:
    assert is_content_free(text) is free


def test_topics_cross_languages() -> None:
    assert "dagpenger" in topics("When will my unemployment benefit be paid?")
    assert "dagpenger" in topics("Søkte dagpengar for tre veker sidan")
    assert "sykepenger" in topics("Har venta i 5 uker på sjukepengane")
    assert "innlogging" in topics("Får ikke logget inn med BankID")
    assert topics("Hei") == frozenset()


def test_a_complaint_is_a_subject_of_its_own_not_a_repayment() -> None:
    """A complaint against a refusal and a repayment claim are two matters; only the second is a repayment."""
    assert {"klage", "dagpenger"} <= topics("Klager på avslaget på dagpenger som kom i dag.")
    assert "tilbakebetaling" not in topics("Klager på avslaget på dagpenger som kom i dag.")
    assert {"klage", "tilbakebetaling"} <= topics("Vil klage på kravet om å betale tilbake 18 400 kr.")
    assert "klage" in topics("I want to appeal the decision") and "klage" in topics("Chcę złożyć odwołanie")


def test_specifics_normalise_dates_and_amounts() -> None:
    a = specifics("Søknaden ble sendt 28.08 og jeg skal betale 18 400 kr")
    b = specifics("I applied on 28 August; they want 18400 back")
    assert {"d28.8", "18400"} <= a & b
    assert "3" not in specifics("3 dager")  # small counts identify nothing


def test_normalise_masks_identifiers_and_strips_greetings() -> None:
    n = normalise("Hei!\nMitt fnr er 14839109602, konto 1234.56.78901, ring 912 34 567.\nMvh Kari", email=True)
    assert n.fnrs == ("14839109602",)
    assert n.accounts == ("12345678901",)
    assert n.phones == ("+4791234567",)
    assert "14839109602" not in n.text and "<fnr>" in n.text and "<konto>" in n.text
    assert not n.text.lower().startswith("hei")
    assert fold("Wiśniewski Ørjan") == "wisniewski orjan"


def test_pair_features_reflect_the_evidence() -> None:
    old = Signals.of("Jeg har ikke fått dagpenger for uke 35 og 36, søkte 28.08", "email", T)
    new = Signals.of("Sendte e-post i går om dagpengene fra 28.08. Har dere fått den?", "sms", T + timedelta(hours=20))
    ev = pair_features(new, old, 0.9, identity_via_text=False, answered_between=False).values
    assert ev["refers_to_this_channel"] == 1.0
    assert ev["followup"] == 1.0
    assert ev["same_channel"] == 0.0
    assert ev["topic_jaccard"] == 1.0
    assert ev["shared_specifics"] >= 1.0
    other = Signals.of("Jeg har flyttet, ny adresse er Storgata 1", "sms", T + timedelta(hours=20))
    ev2 = pair_features(other, old, 0.8, identity_via_text=False, answered_between=True).values
    assert ev2["topic_conflict"] == 1.0
    assert ev2["answered_between"] == 1.0


def test_safe_characters_match_case_insensitively_exactly_what_lower_gives() -> None:
    """The topic pre-check's premise, for every Unicode character: a pattern letter from ``_SAFE``
    matches a character (ignoring case) exactly when that character's ``lower()`` contains it."""
    import sys

    from dedup.features import _SAFE

    everything = "".join(chr(cp) for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF)
    # where each letter occurs in the characters' lower(): one pass over them, not one for every letter
    lowered_has: dict[str, set[int]] = {x: set() for x in (*_SAFE, "i")}
    for i, c in enumerate(everything):
        low = c.lower()
        if low != c or low in lowered_has:
            for x in set(low) & lowered_has.keys():
                lowered_has[x].add(i)
    for x in sorted(_SAFE):
        matched = {m.start() for m in re.finditer(re.escape(x), everything, re.IGNORECASE | re.UNICODE)}
        assert matched == lowered_has[x], x
    unsafe = {m.start() for m in re.finditer("i", everything, re.IGNORECASE)}
    assert unsafe != lowered_has["i"]  # why "i" is left out ("ı")


def test_topic_pre_check_gives_what_searching_every_pattern_gives(demo_dir: Any) -> None:
    import random

    from dedup.features import _FOREIGN, _TOPIC_ANCHORS, FOREIGN_TOPICS, TOPICS, topics
    from dedup.train import LabelledSet

    assert all(a is not None for a in _TOPIC_ANCHORS.values())  # every topic gets the pre-check here
    texts = [m.body for m in LabelledSet(demo_dir).messages()]
    # and texts built to catch a pattern's every branch: its own literal words, in odd cases and letters
    rng = random.Random(5)
    words = sorted({w for rx in TOPICS.values() for w in re.findall(r"[^\W\d_]{2,}", rx.pattern)})
    for _ in range(3000):
        picked = [rng.choice(words) for _ in range(rng.randint(1, 6))]
        variant = [w.upper() if rng.random() < 0.3 else w.title() if rng.random() < 0.3 else w for w in picked]
        texts.append(" ".join(variant).replace("i", rng.choice("iıI")).replace("s", rng.choice("sſS")))
    hits = 0
    for text in texts:
        reference = frozenset(name for name, rx in TOPICS.items() if rx.search(text))
        if _FOREIGN.search(text):  # other languages' words, searched in texts with a foreign letter or word
            reference |= {name for name, rx in FOREIGN_TOPICS.items() if rx.search(text)}
        assert topics(text) == reference, text
        hits += bool(reference)
    assert hits > 2000


def test_a_dialogue_meeting_is_not_a_mention_of_the_dialogue_channel() -> None:
    # "dialogmøte" is Nav's meeting with the employer, not the activity plan's dialogue
    from dedup.features import mentioned_channels

    assert "dialog" not in mentioned_channels("Dialogmøtet med arbeidsgiver er flyttet til fredag.")
    assert "dialog" not in mentioned_channels("Kan vi ha dialogmøte 2 på Teams?")
    assert "dialog" in mentioned_channels("Jeg skrev i dialogen i går.")
    assert "dialog" in mentioned_channels("Sendte melding i aktivitetsplanen.")


@pytest.mark.parametrize("text", [
    "Klager også på vedtaket om tilbakebetaling fra mars.", "fikk et brev til i dag. vil klage på det og.",
    "I also want to appeal the decision on the repayment.",
])
def test_a_second_complaint_is_a_new_topic(text: str) -> None:
    assert is_new_topic(text)


@pytest.mark.parametrize("text", [
    "Klager på avslaget, sendte det på e-post også.", "Skriver her også: har dere fått klagen min?",
])
def test_the_same_complaint_sent_again_is_not_a_new_topic(text: str) -> None:
    assert not is_new_topic(text)


@pytest.mark.parametrize("text", ["hallo", "Hallo!!", "hei", "hallo??", "??"])
def test_a_bare_call_for_attention_is_a_follow_up_and_closes_nothing(text: str) -> None:
    assert is_followup(text)
    assert not is_closer(text)


@pytest.mark.parametrize(("text", "closer"), [
    ("Nå gikk det. Meldekortet er sendt.", True),
    ("no funka det, takk", True),
    ("It works now, thanks.", True),
    ("Pengene kom, takk!", True),
    ("nå gikk det. blir det trekk?", False),  # a question of its own
    ("hallo", False),
])
def test_closers(text: str, closer: bool) -> None:
    assert is_closer(text) is closer


@pytest.mark.parametrize("text", [
    "Takk for hjelpen med regningen. Nå har jeg et nytt problem: utleier vil ha depositum.",
    "Thanks, that worked. Another problem: my bus card is lost.",
])
def test_a_new_problem_is_a_new_topic(text: str) -> None:
    assert is_new_topic(text)


# Monday 26 October 2026, 10:00 in Oslo (CET after the change to winter time).
MON = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "sent", "named"), [
    ("Sendte e-post i går om dette.", MON - timedelta(days=1), True),
    ("Sendte e-post i går om dette.", MON - timedelta(days=2), False),
    ("Skrev i aktivitetsplanen torsdag, har du sett det?", MON - timedelta(days=4), True),
    ("Skrev i aktivitetsplanen torsdag, har du sett det?", MON - timedelta(days=3), False),
    ("Eg sende klage på vedtaket 13. oktober. Kan de stadfeste at klagen er motteken?", MON - timedelta(days=13), True),
    ("Wysłałam e-mail 22.10 w sprawie choroby.", MON - timedelta(days=4), True),
    ("I emailed you yesterday but got no reply.", MON - timedelta(days=1), True),
    # A day that is not the day something was sent: a meeting, a deadline.
    ("Kan vi flytte møtet på torsdag?", MON - timedelta(days=4), False),
    ("Fristen er 22.10, hva gjør jeg?", MON - timedelta(days=4), False),
])
def test_the_day_an_earlier_message_was_sent(text: str, sent: datetime, named: bool) -> None:
    new = Signals.of(text, "sms", MON)
    old = Signals.of("Jeg har ikke fått svar på klagen og sykepengene.", "email", sent)
    assert names_day_of(new, old) is named
    ev = pair_features(new, old, 0.8, identity_via_text=False, answered_between=False)
    assert ev.values["names_its_day"] == named


def test_the_day_is_the_local_day_in_norway() -> None:
    """An SMS stamped 23:30 UTC on 21 October was sent on 22 October in Oslo (CEST, +02:00)."""
    new = Signals.of("Sendte sms 22.10 om meldekortet.", "email", datetime(2026, 10, 24, 8, 0, tzinfo=UTC))
    late = Signals.of("meldekortet virker ikke", "sms", datetime(2026, 10, 21, 23, 30, tzinfo=UTC))
    assert names_day_of(new, late)


@pytest.mark.parametrize(("text", "expected"), [
    ("مرحبا. عندي موعد يوم ١٢ نوفمبر. أحتاج مترجم عربي من فضلكم.", {"mote", "tolk"}),
    ("أرسلت طلب المساعدة الاجتماعية لإيجار شهر نوفمبر", {"sosialhjelp"}),  # "social", not "meeting"
    ("Hola, no he recibido el pago de mi pensión este mes.", {"utbetaling", "pensjon"}),
    ("Waxaan rabaa inaan cabasho ka gudbiyo go'aanka.", {"klage", "vedtak"}),
    ("Доброго дня, коли буде виплата? Мені потрібен перекладач на зустріч.", {"utbetaling", "tolk", "mote"}),
    ("Jag har fått beslut om sjukpenning men inte fått någon utbetalning.", {"vedtak", "sykepenger", "utbetaling"}),
])
def test_topics_in_other_languages_and_scripts(text: str, expected: set[str]) -> None:
    assert expected <= topics(text)


def test_norwegian_text_is_not_read_for_foreign_words() -> None:
    """"paro" and "cita" are Spanish; a Norwegian message is not searched for them."""
    assert topics("Hei, jeg har et spørsmål om meldekortet.") == {"meldekort"}


@pytest.mark.parametrize(("text", "channels"), [
    ("ሰላም። ኣብ ኣክቲቪቲ ፕላን ጽሒፈ ኣለኹ።", {"dialog"}),
    ("Hola, envié un correo ayer sobre mi pensión.", {"email"}),
    ("أرسلت رسالة أمس", {"sms"}),
])
def test_cross_references_in_more_languages(text: str, channels: set[str]) -> None:
    assert set(referenced_channels(text)) == channels
