"""Evidence about a pair of messages, beyond plain cosine similarity.

Every signal is a curated, multilingual pattern or a measurable property, written for how people in
general phrase things, not fitted to individual messages:

- *cross-references*: the writer says they already wrote on another channel ("sendte også sms",
  "I emailed yesterday", "skrev i aktivitetsplanen", "has dere fått meldingen min?");
- *new-topic markers*: "et annet spørsmål", "one more question", "noe annet";
- *content-free follow-ups*: "hallo??", "tusen takk!", "ok";
- *topics*: benefit and service names (dagpenger, sykepenger, meldekort, BankID, …) in the languages
  the office sees, as a set per message;
- *specifics*: dates, amounts, weeks and other numbers both messages mention.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dedup.foreign_words import FOREIGN as _FOREIGN
from dedup.foreign_words import FOREIGN_TOPICS
from dedup.normalise import fold
from inbox.text import asks_for_attention, is_acknowledgement, is_content_free

_F = re.IGNORECASE | re.UNICODE

# -- channels a writer may refer to -----------------------------------------------------------------
CHANNEL_WORDS: dict[str, re.Pattern[str]] = {
    "sms": re.compile(
        r"\b(sms\w*|tekstmelding\w*|text(ed|s)?\b|text message|melding på (mobil|telefon)|smsa|wiadomoś\w*|"
        r"смс\w*|повідомлен\w*|сообщени\w*|fariin\w*|رسالة|پیام|mensaje\w*|žinut\w*|ኤስኤምኤስ|መልእኽቲ)", _F),
    "email": re.compile(
        r"(e-?post\w*|\be-?mail\w*|\bmail(en|et|a)?\b|\bmailet\b|emailed|\blist(em|u)?\b|mejl\w*|"
        r"імейл\w*|електронн\w*|email\w*|iimayl\w*|почт\w*|письм\w*|имейл\w*|correo\w*|laišk\w*|"
        r"البريد|بريد|إيميل|ايميل|ایمیل|ኢመይል)", _F),
    "dialog": re.compile(
        r"(aktivitetsplan\w*|\bdialog(?!møte)\w*|activity plan|innboks\w*|meldinga? på nav|meldingen min på nav|"
        r"nav\.no[- ]?(meldinga?|innboks)|planie aktywności|плані активності|план\w* активност\w*|qorshaha|"
        r"plan de actividad\w*|veiklos plan\w*|خطة النشاط|خطة الأنشطة|برنامه فعالیت|ኣክቲቪቲ|ኣክቲቭቲ)", _F),
}
# Past tense only: "sendte/skrev/emailed" says an earlier message exists; "kan sende på e-post" does not.
_WROTE = re.compile(
    r"\b(sendte|sendt|skrev|skreiv|skrevet|har skrive|spurte|spurde|spurt|prøvde|prøvd|la inn|lagt inn|"
    r"(eg|jeg|vi|ho|han|hun) sende|b(a|ad) om|viser til|purrer|purra|meldte|melde(te)? fr(a|å)|"
    r"sent|wrote|written|emailed|texted|messaged|asked|tried|"
    r"wysła\w*|napisa\w*|pisał\w*|pytał\w*|надісла\w*|написа\w*|писа(в|ла)\b|пита(в|ла)\b|"
    r"diray\w*|qoray\w*|soo dir\w*|envi[eé]|escrib[ií]|mand[eé]|pregunt[eé]|skickade|frågade|"
    r"отправил\w*|написал\w*|писал\w*|išsiunči\w*|parašiau|rašiau|أرسلت|كتبت|راسلت|فرستادم|نوشتم|"
    r"ጽሒፈ|ሰዲደ|ልኢኸ)", _F)
_ALSO = re.compile(
    r"\b(også|og|òg|igjen|i tillegg|her også|her og|as well|too|also|again|już|też|również|також|ще|"
    r"sidoo kale|mar kale)\b", _F)
#: Asking whether an earlier message arrived: one kind of follow-up (:data:`_FOLLOWUP`), and the one that says
#: an earlier message exists ("har dere fått meldingen min?", not "still no money").
_ASKS_RECEIVED_WORDS = (
    r"har (dere|de|du) (fått|sett|mottatt|motteke|fått med deg|lest|lese|sjekket|kikket)|"
    r"(fikk|fekk) (dere|de|du)|kom (den|det|meldinga|meldingen|mailen|e-posten|han|ho) (fram|frem)|"
    r"did (you|anyone) (get|receive|see|read)|have you (got|received|seen|read)|czy (dostali|otrzymali)")
_ASKS_RECEIVED = re.compile(f"({_ASKS_RECEIVED_WORDS})", _F)
_FOLLOWUP = re.compile(
    f"({_ASKS_RECEIVED_WORDS}|"
    r"(ikke|ikkje|ingen) (fått|hørt|høyrt|fått noe|fått noko) (svar|noe|noko)?|"
    r"venter (fortsatt|framleis|enno|ennå|på svar)|"
    r"ventar (framleis|enno|på svar)|(har|hev) ikk?j?e (hørt|høyrt|fått)|(ikke|ikkje) svar|"
    r"any (update|news)|"
    r"no (reply|answer|response)|not (heard|received|got) (back|anything|a reply|an answer)|still (waiting|no)|"
    r"nadal (czekam|nic)|brak odpowiedzi|ще чекаю|не отримав\w*|"
    r"hallo\?+|hei\?+|hello\?+|\?\?+)", _F)
_NEW_TOPIC = re.compile(
    r"(et annet spørsmål|eit anna spørsmål|et nytt spørsmål|eit nytt spørsmål|"
    r"(et|eit) (anna|annet|nytt) (tema|sak|problem)|"
    r"noe annet|noko anna|(en|ei|ein|eitt?) (ting|spørsmål) (til|te)|one more thing|\bnytt spørsmål|\bnytt spm\b|"
    r"(en|ei) (annen|anna|ny) sak|ny sak|annen ting|anna ting|dukket opp noe|dukka opp noko|"
    r"another (question|matter|thing|issue|problem)|"
    r"(one|a) (more|new|different|separate) (question|thing|matter|issue|problem)|"
    r"something (else|different)|(different|separate|unrelated) (question|matter|issue)|not about|"
    # "not about" — never "vet ikke om" ("don't know whether"), the commonest use of the words
    r"(gjelder|gjeld|handler|handlar|dreier seg|dreiar seg) (ikke|ikkje) om|"
    r"inne pytanie|inna sprawa|coś innego|інше питання|ще одне питання|su'aal kale|arrin kale|"
    # a second complaint: "klager også på vedtaket om …", "vil klage på det og"
    r"(klager|klagar|klage) (også|og|òg) på|vil (også|og|òg) klage|klage på (det|den|dette) (også|og|òg)\b|"
    r"(also|too) (want to )?(complain|appeal)|(complain|appeal)\w* (about|against) (that|this|it) (too|as well))", _F)
# -- topics: benefit and service names, in the languages the office sees ------------------------------
TOPICS: dict[str, re.Pattern[str]] = {name: re.compile(rx, _F) for name, rx in {
    "dagpenger": r"dagpeng\w*|unemployment (benefit|money|pay)|zasił\w* dla bezrobotnych|допомог\w* по безробіттю",
    "sykepenger": r"sjukepeng\w*|sykepeng\w*|sick(ness)? (pay|benefit)|zasił\w* chorobow\w*|likarn\w*",
    "sykmelding": r"sjukmeld\w*|sykmeld\w*|sykemeld\w*|sick(\s|-)?(note|leave)|zwolnieni\w* lekarsk\w*",
    "meldekort": r"meldekort\w*|employment status (form|card)|karta? zgłoszeniow\w*",
    "aap": r"\baap\w*|arbeidsavklaring\w*",
    "uforetrygd": r"uføre\w*|disability (benefit|pension)|renta? (z tytułu )?niezdolności",
    "foreldrepenger": r"foreldrepeng\w*|parental (benefit|leave)|foreldrepermisjon\w*|svangerskapspeng\w*|"
                      r"engangsstønad\w*|zasiłek rodzicielsk\w*",
    "barnetrygd": r"barnetrygd\w*|child benefit|kontantstøtte\w*|świadczenie na dzieck\w*",
    "bostotte": r"bostøtte\w*|housing (benefit|allowance)|husbanken|dodatek mieszkaniow\w*",
    "sosialhjelp": r"sosialhjelp\w*|sosialstønad\w*|økonomisk (stønad|hjelp|sosialhjelp)|nødhjelp\w*|"
                   r"kvalifiseringsstønad\w*|\bkvp\b|mat\b|husleie\w*|depositum\w*|social (assistance|benefit)|"
                   r"emergency (help|aid)|food|rent\b",
    "pensjon": r"alderspensjon\w*|\bpensjon\w*|\bpension\b|emerytur\w*",
    "kontonummer": r"kontonummer\w*|konto\w*|bankkonto\w*|ny bank|byttet bank|bytta bank|bank account|"
                   r"account number|<konto>|numer konta|рахун\w*",
    "innlogging": r"bankid\w*|logge? (meg )?(inn|på)|innlogging\w*|kodebrikke\w*|log(ged)? ?in\w*|"
                  r"zalogowa\w*|увійти|логін\w*|min ?id|buypass|nav\.no (er )?nede",
    "mote": r"\bmøte\w*|\bmøtet\b|meeting\w*|appointment\w*|spotkani\w*|зустріч\w*|kulan|avtale\w*|"
            r"samtale\w*|time hos|innkalling\w*|dialogmøte\w*",
    "tolk": r"\btolk\w*|interpret\w*|tłumacz\w*|перекладач\w*|turjubaan\w*",
    "tiltak": r"\bkurs\w*|\bcourse\w*|tiltak\w*|arbeidstrening\w*|praksis\w*|læreplass\w*|lærling\w*|"
              r"apprentice\w*|training|kursu?|курс\w*|utdanning\w*|education",
    "cv": r"\bcv\w*|\bresume\b|jobbsøk\w*|søknad(er)? på jobb|job application\w*|stilling\w*|jobbintervju\w*",
    "skatt": r"\bskatt\w*|skattekort\w*|\btax\w*|podat\w*",
    "tilbakebetaling": r"tilbakebetal\w*|feilutbetal\w*|betale tilbake|etteroppgjør\w*|repay\w*|overpa\w*|"
                       r"zwrot\w*",
    "klage": r"klage\w*|klag(er|e|ar)\b|complain\w*|appeal\w*|odwołani\w*|скарг\w*|жалоб\w*",
    "adresse": r"adress\w*|flytt\w*|\bmoved?\b|moving|przeprowadz\w*|переїх\w*",
    "arbeidsgiver": r"arbeidsgiver\w*|arbeidsgjevar\w*|employer\w*|\bsjef\w*|\bboss\w*|pracodaw\w*|"
                    r"konkurs\w*|lønnsgaranti\w*|permitter\w*|oppsig\w*|sagt opp|redundan\w*|laid off",
    "utbetaling": r"utbetal\w*|payment\w*|\bpenger\w*|\bmoney\b|\bpengane\b|kommer pengene|wypłat\w*|виплат\w*",
    "vedtak": r"vedtak\w*|\bdecision\w*|saksbehandling\w*|behandlingstid\w*|decyzj\w*|рішенн\w*",
    "helse": r"lege\w*|fastlege\w*|doctor\w*|behandling\w*|psykolog\w*|angst\w*|anxiety|depresj\w*|"
             r"rehabilit\w*|sykehus\w*|hospital\w*",
    "eos": r"\beøs\b|\bu2\b|utland\w*|abroad|ireland|polen|poland|sverige|sweden|export\w*|ta med .* til",
}.items()}

_NUMBER = re.compile(
    r"(?<![\w<])(\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?|\d{1,3}(?:[ .\u00a0]\d{3})+|\d+(?:[,.]\d+)?)(?!\w)")
_MONTHS = ("jan", "feb", "mar", "apr", "mai", "may", "jun", "jul", "aug", "sep", "okt", "oct", "nov", "des", "dec")


# -- a fast, exact pre-check for the topic patterns ----------------------------------------------------
# Searching 27 case-insensitive patterns is most of the matcher's time. Every match of a topic's pattern
# starts with one of a few literal strings, so a topic whose strings are all missing from the lower-cased
# text cannot match and its pattern is not searched. Only characters whose case-insensitive matches are
# exactly what ``str.lower`` gives are used (not "i" and "s", which also match "ı" and "ſ", nor the
# Cyrillic letters with old variant forms); a pattern whose branches do not all start with such a literal
# is always searched. tests/dedup/test_features.py checks both claims against every Unicode character.
_SAFE = frozenset("abcdefghjklmnopqrtuvwxyz0123456789 !\"#$%&'()*+,-./:;<=>?@[]^_`{|}~"
                  "åæøłśабгезийклмнпрухчшюії")


def _prefixes(items: Any) -> set[str] | None:
    """Literal strings one of which starts every match of the parsed sequence ``items``; None: unknown."""
    from re import _constants as c  # type: ignore[attr-defined]

    run = ""
    for op, av in items:
        if op is c.AT and not run:  # \b, ^ before the first literal
            continue
        if op is c.LITERAL:
            run += chr(av)
            continue
        if run:
            break
        if op is c.SUBPATTERN:
            return _prefixes(av[-1])
        if op is c.BRANCH:
            found: set[str] = set()
            for branch in av[1]:
                sub = _prefixes(branch)
                if sub is None:
                    return None
                found |= sub
            return found
        return None
    return {run} if run else None


def _anchors(rx: re.Pattern[str]) -> tuple[str, ...] | None:
    """For each literal prefix of ``rx``, its longest run of safe characters, lower-cased; None when some
    match of ``rx`` might contain none of them (the pattern is then always searched)."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        prefixes = _prefixes(_parser.parse(rx.pattern, rx.flags))
    except (ImportError, AttributeError):  # another Python's internals: no pre-check, same results
        return None
    if not prefixes:
        return None
    out: set[str] = set()
    for prefix in prefixes:
        runs = [r for r in re.split(r"[^" + re.escape("".join(sorted(_SAFE))) + "]+", prefix.lower()) if r]
        if not runs:
            return None
        out.add(max(runs, key=len))
    return tuple(sorted(out))


_TOPIC_ANCHORS: dict[str, tuple[str, ...] | None] = {name: _anchors(rx) for name, rx in TOPICS.items()}


def topics(text: str) -> frozenset[str]:
    low = text.lower()
    found = {name for name, rx in TOPICS.items()
             if ((anchors := _TOPIC_ANCHORS[name]) is None or any(a in low for a in anchors))
             and rx.search(text)}
    if _FOREIGN.search(text):
        found.update(name for name, rx in FOREIGN_TOPICS.items() if name not in found and rx.search(text))
    return frozenset(found)


def specifics(text: str) -> frozenset[str]:
    """Numbers that identify a case: dates, amounts, weeks. Small counts (1–3) say little and are dropped."""
    out: set[str] = set()
    for m in _NUMBER.finditer(text):
        tok = re.sub(r"[ .\u00a0](?=\d{3}\b)", "", m.group(1)).replace(",", ".")
        if re.fullmatch(r"\d{1,2}[./]\d{1,2}([./]\d{2,4})?", tok):
            d, mth = re.split(r"[./]", tok)[:2]
            out.add(f"d{int(d)}.{int(mth)}")
            continue
        try:
            val = float(tok)
        except ValueError:
            continue
        if val >= 4:
            out.add(str(int(val)) if val.is_integer() else tok)
    low = fold(text)
    for m in re.finditer(r"\b(\d{1,2})\.?\s+(" + "|".join(_MONTHS) + r")\w*", low):
        month = _MONTHS.index(m.group(2))
        month_no = [1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 10, 11, 12, 12][month]
        out.add(f"d{int(m.group(1))}.{month_no}")
    return frozenset(out)


# -- the day an earlier message was sent, as its writer names it ----------------------------------------------
#: Weekday names (Monday = 0) in the languages the office sees; "w środę"/"в середу" forms included.
_WEEKDAYS = (
    r"mandag|måndag|monday|poniedzia\w*|понеділ\w*|понедельник\w*|isniin",
    r"tirsdag|tysdag|tisdag|tuesday|wtor\w*|вівтор\w*|вторник\w*|talaado",
    r"onsdag|wednesday|środ\w*|sered\w*|серед\w*|сред\w*|arbaco",
    r"torsdag|thursday|czwart\w*|четвер\w*|khamiis",
    r"fredag|friday|piąt\w*|п'ятниц\w*|пятниц\w*|jimco",
    r"lørdag|laurdag|lördag|saturday|sobot\w*|субот\w*|sabti",
    r"søndag|sundag|söndag|sunday|niedziel\w*|неділ\w*|воскресень\w*|axad",
)
_WEEKDAY = re.compile(r"\b(" + "|".join(f"(?P<w{i}>{rx})" for i, rx in enumerate(_WEEKDAYS)) + r")\b", _F)
#: "i går" (1 day back), "i forgårs" (2), "i dag"/"i morges" (0).
_DAYS_AGO = (
    (2, re.compile(r"\b(i ?forgårs|i ?fjor dag|day before yesterday|przedwczoraj|позавчора|позавчера)\b", _F)),
    (1, re.compile(r"\b(i ?går|i ?går ?kveld|igår|yesterday|last night|wczoraj|вчора|вчера|shalay)\b", _F)),
    (0, re.compile(r"\b(i dag|idag|i morges|i morres|i morgon tidleg|i formiddag|this morning|today|earlier today|"
                   r"dzisiaj|dziś|rano|сьогодні|сегодня|maanta)\b", _F)),
)


#: Where a sentence ends: not after an ordinal ("28. oktober").
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\d\.)\s+|\n")


def _written_on(text: str) -> frozenset[tuple[str, int, int]]:
    """The days a writer says they sent an earlier message, as written: ("date", day, month), ("weekday", n, 0) or
    ("ago", days, 0), only from sentences that say something was sent or asked before ("sendte e-post i går",
    "skrev i aktivitetsplanen mandag", "wysłałam e-mail 22.10"). Resolved against the message's own date by
    :func:`names_day_of`."""
    out: set[tuple[str, int, int]] = set()
    if not (_WROTE.search(text) or _ASKS_RECEIVED.search(text)):
        return frozenset(out)  # most messages: nothing said to be sent before
    for sentence in _SENTENCE_END.split(text):
        if not (_WROTE.search(sentence) or _ASKS_RECEIVED.search(sentence)):
            continue
        for d in specifics(sentence):
            if d.startswith("d"):
                day, month = d[1:].split(".")
                out.add(("date", int(day), int(month)))
        for m in _WEEKDAY.finditer(sentence):
            out.add(("weekday", next(int(k[1:]) for k, v in m.groupdict().items() if v), 0))
        for ago, rx in _DAYS_AGO:
            if rx.search(sentence):
                out.add(("ago", ago, 0))
                break
    return frozenset(out)


#: Where "i går" and "mandag" are counted (tzdata is a dependency, so the zone is always there).
_LOCAL = ZoneInfo("Europe/Oslo")


def _local_date(t: datetime) -> date:
    return (t.astimezone(_LOCAL) if t.tzinfo is not None else t).date()


def names_day_of(new: Signals, old: Signals) -> bool:
    """Whether ``new`` says it was sent (or asked) before on the very day ``old`` was sent: "sendte e-post i går",
    "skrev i aktivitetsplanen mandag", "I emailed you on 14.10". A weekday means the last such day within the
    week before ``new``."""
    if not new.written_on:
        return False
    today, then = _local_date(new.sent_at), _local_date(old.sent_at)
    back = (today - then).days
    if back < 0:
        return False
    for kind, a, b in new.written_on:
        if kind == "date" and (then.day, then.month) == (a, b):
            return True
        if kind == "ago" and back == a:
            return True
        if kind == "weekday" and 0 <= back <= 7 and then.weekday() == a:
            return True
    return False


def referenced_channels(text: str) -> frozenset[str]:
    """Channels the writer says they used before ("sendte sms", "I emailed", "skrev i aktivitetsplanen")."""
    found: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        if _WROTE.search(sentence) or _FOLLOWUP.search(sentence) or _ALSO.search(sentence):
            found |= mentioned_channels(sentence)
    return frozenset(found)


def mentioned_channels(text: str) -> frozenset[str]:
    """Channels named anywhere in ``text`` ("noe svar på mailen?"): in a message of a few words, a pointer to
    the inquiry sent on that channel."""
    return frozenset(ch for ch, rx in CHANNEL_WORDS.items() if rx.search(text))


def is_followup(text: str) -> bool:
    """The writer asks whether an earlier message arrived, says they still wait, or only calls ("hallo")."""
    return _FOLLOWUP.search(text) is not None or asks_for_attention(text)


def asks_if_received(text: str) -> bool:
    """The writer asks whether an earlier message arrived ("har dere fått meldingen min?", "did you get my
    email?"); unlike :func:`is_followup`, "still no money" does not count."""
    return _ASKS_RECEIVED.search(text) is not None


_CLOSER = re.compile(
    r"\b(takk\w*|thanks?|thank you|tak|dziękuj\w*|дякую|спасибо|mahadsanid|gracias|ačiū|aciu|grazie|"
    r"(pengene|pengane|pengar|utbetalinga?|the money|money|it|den|det|han|ho|svaret|vedtaket) (kom|kome|har kome|"
    r"kommet|har kommet|came|arrived|has arrived)|(fikk|fekk|got|received) (pengene|pengane|svar|it|the money|vedtak)|"
    r"løst|loyst|ordnet|ordna|fikset|fiksa|fant ut|fann ut|glem det|gløym det|se bort fra|sjå bort frå|"
    r"solved|sorted|never ?mind|forget it|ignore|"
    # "it works now": a problem the writer reported has gone away
    r"(nå|no|endelig) (gikk|gjekk|gjek|funka|funket|funker|fungerte|fungerer|virka|virket|virker|verka|verkar) "
    r"(det|den|dei|de)?|(ordnet|ordna) seg|"
    r"(it )?works now|it worked|(got|get) it (to work|working)|już działa|udało się|вже працює|заработало)\b|"
    r"شكرا|ተመስገን|የቐንየለይ|lacag\w* (way )?timid|way timid", _F)


#: A closer says little beyond closing the matter: longer messages that thank or say something arrived go on.
CLOSER_MAX = 100


def is_closer(text: str) -> bool:
    """The writer closes the matter ("pengene kom, takk", "løst", "glem det"): short, no question of its own. A bare
    "hallo" asks for attention: it closes nothing."""
    return "?" not in text and len(text) < CLOSER_MAX and (is_acknowledgement(text) or _CLOSER.search(text) is not None)


def is_new_topic(text: str) -> bool:
    return _NEW_TOPIC.search(text) is not None


@dataclass(frozen=True, slots=True)
class Signals:
    """Everything the pair features need from one message, computed once."""

    text: str
    channel: str
    sent_at: datetime
    topics: frozenset[str]
    specifics: frozenset[str]
    refs: frozenset[str]
    followup: bool
    new_topic: bool
    content_free: bool
    length: int
    closer: bool = False
    written_on: frozenset[tuple[str, int, int]] = frozenset()

    @classmethod
    def of(cls, text: str, channel: str, sent_at: datetime) -> Signals:
        return cls(text, channel, sent_at, topics(text), specifics(text), referenced_channels(text),
                   is_followup(text), is_new_topic(text), is_content_free(text), len(text), is_closer(text),
                   _written_on(text))


FEATURES = (
    "cosine",
    "same_channel",
    "log_gap_hours",
    "refers_to_other_channel",
    "refers_to_this_channel",
    "followup",
    "new_topic",
    "content_free",
    "topic_jaccard",
    "topic_conflict",
    "shared_specifics",
    "identity_via_text",
    "answered_between",
    "short_text",
    "same_conversation",
    "names_its_day",
)


@dataclass(frozen=True, slots=True)
class PairEvidence:
    values: dict[str, float] = field(default_factory=dict)

    def vector(self) -> list[float]:
        return [self.values[f] for f in FEATURES]


def pair_features(new: Signals, old: Signals, cosine: float, *, identity_via_text: bool,
                  answered_between: bool, latest_thread: bool = True, same_conversation: bool = False
                  ) -> PairEvidence:
    """Evidence that ``new`` is part of the same inquiry as the earlier message ``old``."""
    gap_h = max(0.0, (new.sent_at - old.sent_at).total_seconds() / 3600)
    union = new.topics | old.topics
    inter = new.topics & old.topics
    other_channel = new.channel != old.channel
    return PairEvidence({
        "cosine": cosine,
        "same_channel": 0.0 if other_channel else 1.0,
        "log_gap_hours": math.log1p(gap_h),
        "refers_to_other_channel": 1.0 if new.refs and other_channel else 0.0,
        "refers_to_this_channel": 1.0 if old.channel in new.refs and other_channel else 0.0,
        "followup": 1.0 if new.followup else 0.0,
        "new_topic": 1.0 if new.new_topic and latest_thread else 0.0,
        "content_free": 1.0 if new.content_free else 0.0,
        "topic_jaccard": len(inter) / len(union) if union else 0.0,
        "topic_conflict": 1.0 if new.topics and old.topics and not inter else 0.0,
        "shared_specifics": float(min(3, len(new.specifics & old.specifics))),
        "identity_via_text": 1.0 if identity_via_text else 0.0,
        "answered_between": 1.0 if answered_between else 0.0,
        "short_text": 1.0 if new.length < 60 else 0.0,
        "same_conversation": 1.0 if same_conversation else 0.0,
        "names_its_day": 1.0 if names_day_of(new, old) else 0.0,
    })


def explain(v: dict[str, float], identity: str) -> str:
    """The reason a decision to join states, from the pair evidence that carried it and how the writer was
    identified."""
    parts = []
    if v["refers_to_this_channel"]:
        parts.append("says it was also sent on the other channel")
    elif v["followup"]:
        parts.append("asks about an earlier message")
    if v.get("names_its_day"):
        parts.append("names the day that message was sent")
    if v["topic_jaccard"] >= 0.5:
        parts.append("same topic")
    if v["shared_specifics"]:
        parts.append("same dates/amounts")
    if v["cosine"] >= 0.88:
        parts.append("similar wording")
    if identity and identity != "registered sender":
        parts.append(identity)
    return "same inquiry: " + (", ".join(parts) if parts else "combined evidence")
