"""Write the bundled demo exports in ``flerkanal/demo/`` (run from the repository root).

    python bench/make_demo_data.py [--out flerkanal/demo]

Twenty-four made-up people write to one Nav office over the three weeks before 26 November 2026, by SMS
(Twilio), email (mbox) and the activity plan's dialogue. The texts are written by hand below; everything
else (ids, dates in each export's format, quoting, MIME) is derived, so the output is the same on every
run. No real person is in it: national ID numbers follow the synthetic convention (month + 80) and pass
both mod-11 checks, phone numbers are invented, addresses are on example.no/.com/.net.

What the set shows: one late payment on three channels (SMS, then mail, then "har dere fått meldingene
mine?" in the dialogue); a request in Polish by SMS and again in Norwegian by mail from another address;
a man writing from his wife's phone; two people asking nearly the same thing on the same day; new
questions asked as replies in old mail and dialogue threads; Somali, Arabic, Ukrainian and English
writers; office replies on every channel; HTML-only, multipart/alternative and a mail with a PDF.

The last four days (22–25 November) hold fourteen inquiries nobody has answered yet, so the queue has
something to triage: five arrive on two channels (SMS then mail, mail then dialogue, dialogue then SMS,
two SMS and then the dialogue), one in Polish and one in English from writers not in the register, two in
nynorsk, an angry mail about a repayment notice, a young user locked out of the activity plan, a
short "hallo??" nudge and someone anxious about a first meeting.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from synth import (  # noqa: E402
    OFFICE_EMAIL,
    OFFICE_NAME,
    OFFICE_PHONE,
    encode_header,
    fnr_is_valid,
    format_address,
    make_fnr,
    sms_segments,
)
from synth.clock import MON_EN, MON_EN_LONG, MON_NB, MON_NB_ABBR, WD_EN, WD_EN_LONG, WD_NB, WD_NB_ABBR  # noqa: E402
from synth.encoding import CT_HTML, CT_PLAIN, html_part, qp  # noqa: E402

ACCOUNT = "AC" + "0" * 32
API = f"/2010-04-01/Accounts/{ACCOUNT}"
CET = timezone(timedelta(hours=1))  # all of November 2026 is standard time in Oslo
CASEWORKERS = {"Solveig": ("Solveig Brattli", "Z990412"), "Jon Are": ("Jon Are Fossum", "Z990537")}


# --------------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------------


@dataclass
class Person:
    pid: str
    name: str
    born: date
    phone: str
    email: str
    in_register: bool = True
    fnr: str = ""
    aktor: str = ""

    @property
    def first(self) -> str:
        return self.name.split()[0]


def synthetic_fnr(born: date, start: int) -> str:
    """The first valid synthetic fødselsnummer for ``born`` from individual number ``start`` on."""
    for ind in range(start, start + 20):
        fnr = make_fnr(born, ind)
        if fnr is not None:
            assert fnr_is_valid(fnr, synthetic=True), fnr
            return fnr
    raise ValueError(f"no valid number near {start}")


def aktor_id(pid: str) -> str:
    return "2" + str(int(hashlib.sha256(f"aktor:{pid}".encode()).hexdigest(), 16))[:12]


PEOPLE: dict[str, Person] = {
    p.pid: p
    for p in (
        Person("p001", "Marte Kvalheim", date(1988, 4, 12), "+4792617384", "marte.kvalheim@example.no"),
        Person("p002", "Tomasz Zając", date(1985, 7, 3), "+4746830571", "tomasz.zajac@example.com"),
        Person("p003", "Ingvild Haugset", date(1979, 2, 27), "+4795082146", "ingvild.haugset@example.no"),
        Person("p004", "Kristoffer Dahle", date(1996, 9, 14), "+4740518263", "kristoffer.dahle@example.com"),
        Person("p005", "Faadumo Cali", date(1990, 3, 8), "+4798147205", "faadumo.cali@example.net", False),
        Person("p006", "Yousef Haddad", date(1983, 11, 21), "+4793370418", "yousef.haddad@example.com"),
        Person("p007", "Olena Marchenko", date(1992, 5, 30), "+4745209937", "olena.marchenko@example.no"),
        Person("p008", "Jonathan Reed", date(1987, 1, 15), "+4741863092", "jon.reed@example.net", False),
        Person("p009", "Siv Aarønes", date(1974, 10, 2), "+4790615287", "siv.aaronaes@example.no"),
        Person("p010", "Per Ivar Lunde", date(1961, 6, 19), "+4790327714", "perivar.lunde@example.no"),
        Person("p011", "Anne Lunde", date(1963, 12, 5), "+4741176530", "anne.lunde@example.no"),
        Person("p012", "Even Solstad", date(2001, 8, 27), "+4797420361", "even.solstad@example.com"),
        Person("p013", "Nora Bakke", date(1999, 2, 11), "+4746672915", "nora.bakke@example.net", False),
        Person("p014", "Emilie Nygaard", date(1997, 4, 23), "+4793185046", "emilie.nygaard@example.no"),
        Person("p015", "Lars Øvrebø", date(1969, 3, 17), "+4790871243", "lars.ovrebo@example.no"),
        Person("p016", "Sigrid Tofte", date(1981, 7, 8), "+4798820634", "sigrid.tofte@example.net"),
        Person("p017", "Håvard Lien", date(1977, 10, 29), "+4740392857", "havard.lien@example.com"),
        Person("p018", "Mathias Berg", date(2005, 2, 19), "+4748215907", "mathias.berg05@example.com"),
        Person("p019", "Hanne Strand", date(1993, 9, 4), "+4791350276", "hanne.strand@example.no"),
        Person("p020", "Rune Halvorsen", date(1972, 5, 26), "+4795563018", "rune.halvorsen@example.net"),
        Person("p021", "Stian Moen", date(1989, 12, 13), "+4740927645", "stian.moen@example.com"),
        Person("p022", "Agnieszka Nowak", date(1994, 6, 7), "+4746197382", "agnieszka.nowak@example.net", False),
        Person("p023", "Torunn Myklebust", date(1986, 1, 30), "+4799042851", "torunn.myklebust@example.no"),
        Person("p024", "Ciarán Doyle", date(1990, 10, 11), "+4747730519", "ciaran.doyle@example.com", False),
    )
}
for _n, _p in enumerate(PEOPLE.values()):
    _p.fnr = synthetic_fnr(_p.born, (0 if _p.born.year < 2000 else 500) + 37 * (_n + 3) % 400)
    _p.aktor = aktor_id(_p.pid)


# --------------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------------


@dataclass
class Msg:
    """One message, in the order written below. ``parent`` names the message a mail replies to."""

    ref: str  # a label used inside this script only
    pid: str
    inquiry: str  # "i1", "i2" ...
    channel: str  # sms | email | dialog
    out: bool
    at: str  # "2026-11-09 08:12" Oslo time
    text: str
    subject: str = ""  # email: a new mail's subject; dialogue: the title of a new thread
    parent: str = ""  # email: the mail replied to (and quoted); dialogue: a message in the thread
    style: str = ""  # email quoting: outlook | outlook-en | gmail | gmail-en | thunderbird
    client: str = "gmail"  # email: the sender's mail program, for the Message-ID
    fmt: str = "plain"  # email: plain | html | alternative
    attach: str = ""  # email: file name of an attached PDF
    sender: str = ""  # SMS: another phone; email: another address
    caseworker: str = "Solveig"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def when(self) -> datetime:
        return datetime.strptime(self.at, "%Y-%m-%d %H:%M").replace(tzinfo=CET)


def _fnr_spaced(pid: str) -> str:
    f = PEOPLE[pid].fnr
    return f"{f[:6]} {f[6:]}"


MESSAGES: list[Msg] = [
    # p001 — the same late dagpenger payment on three channels, then the answer in the dialogue.
    Msg("m01", "p001", "i1", "sms", False, "2026-11-09 08:12",
        "Hei! Dagpengene for forrige meldeperiode har ikke kommet inn på kontoen min. Meldekortet ble sendt "
        "31. oktober. Kan dere sjekke hva som har skjedd? Mvh Marte Kvalheim"),
    Msg("m02", "p001", "i1", "email", False, "2026-11-10 10:40",
        "Hei,\n\nJeg sendte en SMS til dere i går, men har ikke fått svar, så jeg prøver på e-post også.\n\n"
        "Dagpengene for meldeperioden 19. oktober–1. november er fortsatt ikke utbetalt. Meldekortet ble "
        "sendt lørdag 31. oktober, og på nav.no står det bare «Under behandling». Vanligvis kommer pengene "
        "et par dager etter at jeg har sendt kortet.\n\nJeg har husleie og barnehage som skal betales, så jeg "
        "vil gjerne vite om det er noe galt med meldekortet, eller om utbetalingen bare er forsinket.\n\n"
        "Med vennlig hilsen\nMarte Kvalheim\n926 17 384",
        subject="Dagpenger ikke utbetalt"),
    Msg("m03", "p001", "i1", "dialog", False, "2026-11-11 13:05",
        "Hei. Har dere fått meldingene mine? Jeg har sendt både SMS og e-post om at dagpengene for 19.10–01.11 "
        "ikke er utbetalt. Skriver her også, siden det er her veilederen min pleier å svare.",
        subject="Utbetaling av dagpenger"),
    Msg("m04", "p001", "i1", "dialog", True, "2026-11-12 09:30",
        "Hei Marte! Beklager at du har måttet vente. Meldekortet ditt ble stoppet til manuell kontroll fordi "
        "det var ført 7,5 timer arbeid uten at arbeidsgiveren var oppgitt. Det er nå godkjent, og pengene "
        "kommer på konto i løpet av to virkedager. Vi har sett både e-posten og SMS-en din, så du trenger "
        "ikke gjøre noe mer. Hilsen Solveig, veileder",
        parent="m03"),
    Msg("m05", "p001", "i1", "dialog", False, "2026-11-12 10:02",
        "Tusen takk for svar! Da venter jeg på pengene 😊", parent="m03"),
    # p002 — a meldekort problem in Polish by SMS, then in simple Norwegian by mail from another address.
    Msg("m06", "p002", "i1", "sms", False, "2026-11-16 07:45",
        "Dzień dobry, nie mogę wysłać meldekortu. Na nav.no pojawia się błąd „Noe gikk galt”. Termin mija "
        "jutro. Co mam zrobić? Tomasz Zając"),
    Msg("m07", "p002", "i1", "email", False, "2026-11-16 12:20",
        "Hei\n\nJeg heter Tomasz Zajac. Jeg kan ikke sende meldekort. Det kommer feil «Noe gikk galt» på "
        "nav.no. Jeg prøvde i går og i dag. Fristen er i morgen. Hva skal jeg gjøre? Jeg vil ikke miste "
        "dagpenger.\n\nBeklager dårlig norsk.\n\nTomasz Zajac\ntlf 468 30 571",
        subject="Meldekort feil", sender="tomek.zajac85@example.net", client="outlook"),
    Msg("m08", "p002", "i1", "sms", True, "2026-11-16 14:05",
        "Hei Tomasz. Det var en feil på innsendingen av meldekort i dag, og den er rettet nå. Prøv å sende "
        "meldekortet igjen – du rekker fristen. Hilsen Nav Grünerløkka"),
    # p003 — AAP in the dialogue (nynorsk); later a different request by mail, answered and thanked.
    Msg("m09", "p003", "i1", "dialog", False, "2026-11-05 10:15",
        "Hei. AAP-perioden min går ut 31. desember, men eg er framleis i behandling på DPS og har ikkje fått "
        "noko svar frå legen om når eg kan byrje å jobbe att. Kva skjer med inntekta mi frå januar? Må eg "
        "søkje om forlenging sjølv, eller gjer de det?",
        subject="AAP etter 31. desember"),
    Msg("m10", "p003", "i1", "dialog", True, "2026-11-06 14:00",
        "Hei Ingvild. AAP kan forlengjast når du framleis får behandling og det er utsikt til at du kan kome "
        "i arbeid. Du treng ikkje søkje sjølv, men vi treng ei oppdatert legeerklæring. Eg har sendt "
        "førespurnad til fastlegen din i dag og gir deg beskjed her når ho er komen. Helsing Solveig, "
        "rettleiar",
        parent="m09"),
    Msg("m11", "p003", "i2", "email", False, "2026-11-18 19:40",
        "Hei,\n\nEg har ført feil på meldekortet for veke 45 og 46. Eg skreiv at eg ikkje hadde arbeidd, men "
        "eg hadde to vakter på biblioteket, til saman 9 timar. Eg oppdaga det no då lønnsslippen kom.\n\n"
        "Korleis rettar eg dette? Eg vil ikkje at det skal sjå ut som eg har prøvd å lure nokon.\n\n"
        "Venleg helsing\nIngvild Haugset",
        subject="Feil på meldekortet for veke 45 og 46", client="thunderbird"),
    Msg("m12", "p003", "i2", "email", True, "2026-11-19 11:10",
        "Hei Ingvild,\n\nTakk for at du seier frå. Du kan rette meldekortet sjølv på nav.no: vel «Meldekort», "
        "finn perioden veke 45–46 og trykk «Endre». Skriv inn dei 9 timane. Har du fått utbetalt for mykje, "
        "blir det trekt i neste utbetaling, og du får brev om det.\n\nMed venleg helsing\nSolveig Brattli\n"
        "Nav Grünerløkka",
        parent="m11", style="outlook"),
    Msg("m13", "p003", "i2", "email", False, "2026-11-19 12:02",
        "Takk, no er det retta.\n\nIngvild", parent="m12", style="thunderbird", client="thunderbird"),
    # p004 — an HTML-only mail about a dagpenger application, then "har dere fått den?" by SMS.
    Msg("m14", "p004", "i1", "email", False, "2026-11-13 21:47",
        "Hei!\n\nJeg ble permittert fra lagerjobben på Alnabru 19. oktober og sendte søknad om dagpenger "
        "21. oktober. Nå har det gått over tre uker, og jeg har ikke hørt noe. Jeg har sendt meldekort hver "
        "andre uke som jeg skal.\n\nKan dere si om søknaden er komplett, og omtrent når jeg får svar? Jeg har "
        "ikke hatt inntekt siden permitteringen.\n\nHilsen\nKristoffer Dahle",
        subject="Søknad om dagpenger – status?", fmt="html"),
    Msg("m15", "p004", "i1", "sms", False, "2026-11-17 08:20",
        "Hei, sendte e-post fredag om dagpengesøknaden min. Har dere fått den? Kristoffer Dahle"),
    Msg("m16", "p004", "i1", "email", True, "2026-11-17 13:40",
        "Hei Kristoffer,\n\nVi har fått både e-posten og SMS-en din. Søknaden om dagpenger er komplett og er "
        "nå til behandling. Saksbehandlingstiden for permitterte er for tiden om lag fem uker, så du kan "
        "regne med vedtak i løpet av uke 48. Trenger du penger før det, kan du søke om forskudd på nav.no."
        "\n\nMed vennlig hilsen\nJon Are Fossum\nNav Grünerløkka",
        parent="m14", style="outlook", caseworker="Jon Are"),
    # p005 — økonomisk sosialhjelp in Somali, a Norwegian reminder the next day; not in the register.
    Msg("m17", "p005", "i1", "sms", False, "2026-11-23 10:05",
        "Salaan. Lacagtii kaalmada dhaqaale (sosialhjelp) ee bishan weli ma iman. Kirada guriga waa in la "
        "bixiyaa 1-da bisha. Goorma ayay imanaysaa? Faadumo Cali"),
    Msg("m18", "p005", "i1", "sms", False, "2026-11-24 09:40",
        "Hei. Har dere fått meldingen min i går? Om sosialhjelp. Faadumo"),
    Msg("m19", "p005", "i1", "sms", True, "2026-11-24 12:15",
        "Hei Faadumo. Vi har fått meldingen din. Søknaden om sosialhjelp for desember er under behandling, og "
        "du får svar innen fredag. Trenger du tolk når vi ringer deg? Svar JA eller NEI. Hilsen Nav "
        "Grünerløkka"),
    Msg("m20", "p005", "i1", "sms", False, "2026-11-24 12:31", "JA. Takk"),
    # p006 — moving a meeting, in Arabic.
    Msg("m21", "p006", "i1", "sms", False, "2026-11-19 16:22",
        "مرحبا، لا أستطيع الحضور إلى الموعد يوم الثلاثاء 24 نوفمبر الساعة العاشرة بسبب موعد عند الطبيب. "
        "هل يمكن تغيير الموعد؟ شكرا، يوسف حداد"),
    Msg("m22", "p006", "i1", "sms", True, "2026-11-20 09:10",
        "Hei Yousef. Vi har flyttet møtet til onsdag 25. november kl. 13.00. Ny innkalling ligger i "
        "aktivitetsplanen. Hilsen Nav Grünerløkka"),
    Msg("m23", "p006", "i1", "sms", False, "2026-11-20 09:26", "شكرا جزيلا. Takk!"),
    # p007 — a Norwegian course, asked in Ukrainian in the dialogue.
    Msg("m24", "p007", "i1", "dialog", False, "2026-11-10 11:30",
        "Добрий день! Я закінчила курс норвезької мови рівня A2 у жовтні. Чи можу я почати курс рівня B1 "
        "через NAV? Коли починається наступний курс? Дякую, Олена",
        subject="Norskkurs"),
    Msg("m25", "p007", "i1", "dialog", True, "2026-11-11 15:20",
        "Hei Olena! Så bra at du har fullført A2. Neste norskkurs på B1-nivå starter 4. januar. Jeg har meldt "
        "deg på, og du får innkalling i aktivitetsplanen før jul. Hilsen Jon Are, veileder",
        parent="m24", caseworker="Jon Are"),
    Msg("m26", "p007", "i1", "dialog", False, "2026-11-11 18:05", "Tusen takk! Jeg gleder meg.", parent="m24"),
    # p008 — sickness benefit in English: mail, a reminder by SMS, the office's answer, a thank-you.
    Msg("m27", "p008", "i1", "email", False, "2026-11-16 08:55",
        "Hello,\n\nI have been on sick leave from my job as a chef since 28 September. My employer told me "
        "that they stopped paying my salary after the first 16 days and that NAV would pay the sickness "
        "benefit (sykepenger) directly to me. I sent the application on nav.no on 2 November, but nothing has "
        "been paid yet and I have not received any letter.\n\nCould you please check whether anything is "
        "missing from my employer or from me? I have rent and bills due at the end of the month.\n\n"
        "Kind regards,\nJonathan Reed\n+47 418 63 092",
        subject="Sick pay for October not received"),
    Msg("m28", "p008", "i1", "sms", False, "2026-11-18 12:14",
        "Hi, this is Jonathan Reed. Did you get my email from Monday about my sick pay? Still no payment. "
        "Thanks"),
    Msg("m29", "p008", "i1", "email", True, "2026-11-19 10:05",
        "Dear Jonathan,\n\nThank you for your email and your text message. Your application was waiting for "
        "the income report (inntektsmelding) from your employer, which we received yesterday. The sickness "
        "benefit for October has now been approved and will be in your account within 3–5 working days. "
        "You will find the decision on nav.no.\n\nBest regards\nJon Are Fossum\nNav Grünerløkka",
        parent="m27", style="outlook-en", caseworker="Jon Are"),
    Msg("m30", "p008", "i1", "email", False, "2026-11-19 10:31",
        "Thank you, that is a relief!\n\nJonathan", parent="m29", style="gmail-en"),
    # p009 — a CV as a PDF by mail, feedback in the dialogue; later a meeting moved by SMS.
    Msg("m31", "p009", "i1", "email", False, "2026-11-12 09:20",
        "Hei Jon Are,\n\nSom avtalt på møtet forrige uke sender jeg CV-en min, så du kan se på den før jeg "
        "søker på stillingen som konsulent i bydelen. Jeg er usikker på om jeg skal ta med alle årene som "
        "butikksjef, eller bare de siste.\n\nSøknadsfristen er 27. november.\n\nHilsen\nSiv Aarønes",
        subject="CV til gjennomsyn", client="outlook", attach="CV_Siv_Aaronaes.pdf"),
    Msg("m32", "p009", "i1", "dialog", True, "2026-11-13 14:45",
        "Hei Siv. Takk for CV-en du sendte på e-post, den er oversiktlig! Ta gjerne med alle årene som "
        "butikksjef, men skriv kortere om de eldste stillingene og mer om personalansvar og budsjett. Legg "
        "også til Excel-kurset fra i vår. Lykke til med søknaden! Hilsen Jon Are, veileder",
        subject="Tilbakemelding på CV", caseworker="Jon Are"),
    Msg("m33", "p009", "i2", "sms", False, "2026-11-24 07:58",
        "Hei, kan vi flytte møtet fredag kl 09.30? Har fått time hos tannlegen da. Siv Aarønes"),
    Msg("m34", "p009", "i2", "sms", True, "2026-11-24 10:20",
        "Hei Siv. Det går fint. Nytt møte er fredag 4. desember kl. 09.30. Hilsen Nav Grünerløkka"),
    # p010 — kvalifiseringsstønad, first from his wife's phone (she is p011), then in his own dialogue.
    Msg("m35", "p010", "i1", "sms", False, "2026-11-20 07:55",
        "God morgen. Dette er Per Ivar Lunde, jeg låner telefonen til kona. Kvalifiseringsstønaden for "
        "november er ikke kommet. Den pleier å komme den 15. Kan dere sjekke?",
        sender="+4741176530"),
    Msg("m36", "p010", "i1", "dialog", False, "2026-11-20 12:30",
        "Hei. Stønaden for november har ikke kommet inn på kontoen. Jeg sendte SMS i morges fra telefonen til "
        "kona mi, fordi min er ødelagt. Husleia skal betales 1. desember.",
        subject="Kvalifiseringsstønad november"),
    Msg("m37", "p010", "i1", "dialog", True, "2026-11-23 09:15",
        "Hei Per Ivar. Utbetalingen stoppet fordi vi manglet timelisten fra praksisplassen for oktober. Den "
        "kom inn fredag, og stønaden for november er utbetalt i dag. Den er på kontoen din i morgen eller "
        "onsdag. Hilsen Solveig, veileder",
        parent="m36"),
    # p011 — graded sick leave by mail (multipart/alternative); a new question asked in the reply.
    Msg("m38", "p011", "i1", "email", False, "2026-11-18 12:05",
        "Hei,\n\nJeg har vært 100 % sykmeldt fra jobben i hjemmetjenesten siden 14. september. Legen mener "
        "jeg kan prøve å jobbe 40 % fra mandag 23. november, og har skrevet en ny sykmelding på 60 %.\n\n"
        "Må jeg gjøre noe selv for at sykepengene blir riktige, eller ordner arbeidsgiveren og legen dette? "
        "Jeg vil ikke få for mye utbetalt.\n\nVennlig hilsen\nAnne Lunde",
        subject="Gradert sykmelding fra mandag", fmt="alternative"),
    Msg("m39", "p011", "i1", "email", True, "2026-11-19 11:40",
        "Hei Anne,\n\nDen nye sykmeldingen kommer automatisk til oss fra legen. Når perioden er over, får du "
        "en søknad om sykepenger på nav.no der du fyller inn hvor mye du faktisk har jobbet. Da blir "
        "sykepengene beregnet for de 60 prosentene du er sykmeldt. Du trenger ikke gjøre noe mer nå.\n\n"
        "Med vennlig hilsen\nJon Are Fossum\nNav Grünerløkka",
        parent="m38", style="outlook", caseworker="Jon Are"),
    Msg("m40", "p011", "i2", "email", False, "2026-11-19 12:40",
        "Takk for svar, det var greit.\n\nEt annet spørsmål: får jeg feriepenger av sykepengene, eller bare "
        "av lønna? Jeg lurer på om jeg må spare til ferien neste år.\n\nAnne",
        parent="m39", style="gmail", fmt="alternative"),
    # p012 — a truck course in the dialogue; a new question (travel costs) in the same thread.
    Msg("m41", "p012", "i1", "dialog", False, "2026-11-06 09:40",
        "Hei! Jeg har sett at det finnes truckførerkurs gjennom Nav. Jeg har søkt mange lagerjobber, og nesten "
        "alle vil ha truckførerbevis. Kan jeg få gå på et sånt kurs?",
        subject="Truckførerkurs"),
    Msg("m42", "p012", "i1", "dialog", True, "2026-11-09 13:15",
        "Hei Even! Det høres fornuftig ut. Jeg har meldt deg på AMO-kurs i truck (T1 og T2) med oppstart "
        "30. november. Du får innkalling fra kursarrangøren i løpet av neste uke. Hilsen Jon Are, veileder",
        parent="m41", caseworker="Jon Are"),
    Msg("m43", "p012", "i2", "dialog", False, "2026-11-17 20:10",
        "Takk! Et annet spørsmål: kurset er på Berger, og jeg bor på Holmlia. Får jeg dekket reiseutgiftene, "
        "og hvordan søker jeg i så fall?",
        parent="m41"),
    Msg("m44", "p012", "i2", "dialog", True, "2026-11-18 10:30",
        "Hei igjen! Ja, du kan få tilleggsstønad til daglige reiser når du deltar på kurs. Søk på nav.no under "
        "«Tilleggsstønader» når kurset har startet, og legg ved kvittering eller periodebillett. Hilsen Jon "
        "Are, veileder",
        parent="m41", caseworker="Jon Are"),
    # p013 and p014 — nearly the same question on the same morning from two different people.
    Msg("m45", "p013", "i1", "sms", False, "2026-11-24 08:03",
        "Hei! Sendte meldekortet i går. Når kommer dagpengene inn på konto? Nora Bakke"),
    Msg("m46", "p013", "i1", "sms", True, "2026-11-24 13:30",
        "Hei Nora. Meldekort som sendes på mandag, blir vanligvis utbetalt innen 2–3 virkedager. Hilsen Nav "
        "Grünerløkka"),
    Msg("m47", "p014", "i1", "sms", False, "2026-11-24 09:51",
        "hei, sendte meldekort i går kveld. når får jeg pengene? mvh emilie"),
    Msg("m48", "p014", "i1", "dialog", False, "2026-11-25 15:12",
        "Hei. Jeg sendte SMS i går om når dagpengene kommer etter at meldekortet er sendt, men har ikke fått "
        "svar. Har dere fått den?",
        subject="Utbetaling"),
    # p015 — help with an electricity bill; after the answer, a new request (a deposit) in the same thread.
    Msg("m49", "p015", "i1", "email", False, "2026-11-09 14:20",
        "Hei.\n\nJeg har fått en strømregning på 4 870 kroner for oktober som forfaller 20. november. Jeg har "
        "bare arbeidsavklaringspenger, og etter husleie og strøm er det nesten ingenting igjen. Kan jeg få "
        "hjelp til å betale regningen?\n\nHilsen Lars Øvrebø",
        subject="Strømregning", client="outlook"),
    Msg("m50", "p015", "i1", "email", True, "2026-11-10 12:00",
        "Hei Lars,\n\nDu kan søke om økonomisk sosialhjelp til strømregningen på nav.no under «Økonomisk "
        "sosialhjelp». Legg ved regningen og kontoutskrift for de siste to månedene. Vi prøver å behandle "
        "søknaden før forfallsdatoen.\n\nMed vennlig hilsen\nSolveig Brattli\nNav Grünerløkka",
        parent="m49", style="outlook"),
    Msg("m51", "p015", "i2", "email", False, "2026-11-20 10:15",
        "Hei igjen, og takk for hjelpen med strømregningen, den er betalt nå.\n\nNå har jeg et nytt problem. "
        "Jeg har fått tilbud om en mindre og billigere leilighet fra 1. januar, men utleieren vil ha "
        "depositum på 27 000 kroner. Kan Nav stille garanti for depositumet?\n\nLars",
        parent="m50", style="gmail"),
    Msg("m52", "p015", "i2", "email", True, "2026-11-23 14:05",
        "Hei Lars,\n\nJa, Nav kan gi garanti for depositum når flyttingen gjør boutgiftene dine lavere. Send "
        "en søknad om økonomisk sosialhjelp på nav.no, skriv at det gjelder depositumsgaranti, og legg ved "
        "leiekontrakten eller tilbudet fra utleieren.\n\nMed vennlig hilsen\nSolveig Brattli\nNav Grünerløkka",
        parent="m51", style="outlook"),
    # p016 — a lower AAP payment, by mail and two days later in the dialogue (nynorsk).
    Msg("m53", "p016", "i1", "email", False, "2026-11-16 20:30",
        "Hei.\n\nUtbetalinga av AAP som kom i dag, var nesten 2 000 kroner lågare enn vanleg. Eg har ikkje "
        "arbeidd noko, og eg sende meldekortet i tide. Kan de sjå på kva som har skjedd?\n\nHelsing\n"
        "Sigrid Tofte",
        subject="Lågare AAP enn vanleg"),
    Msg("m54", "p016", "i1", "dialog", False, "2026-11-18 08:45",
        "Hei. Eg sende e-post måndag om at AAP-en var lågare enn vanleg denne gongen, men har ikkje fått svar. "
        "Skriv her i tilfelle e-posten ikkje kom fram.",
        subject="AAP-utbetalinga"),
    Msg("m55", "p016", "i1", "dialog", True, "2026-11-18 14:20",
        "Hei Sigrid. Vi har sett på saka. Det vart trekt meir skatt etter eit nytt skattekort frå november, "
        "difor er utbetalinga lågare. Skattekortet finn du hos Skatteetaten, og meiner du at det er feil, må "
        "du endre det der. Helsing Solveig, rettleiar",
        parent="m54"),
    # p017 — sickness benefit by SMS and, the same evening, by mail with all the details. Not answered yet.
    Msg("m56", "p017", "i1", "sms", False, "2026-11-25 11:48",
        "Hei. Sykepengene mine for oktober er ikke kommet. Arbeidsgiver sier de har sendt inntektsmeldingen. "
        "Hva skjer? Håvard Lien"),
    Msg("m57", "p017", "i1", "email", False, "2026-11-25 19:22",
        "Hei,\n\nSkrev SMS i dag også, men sender en e-post så dere har alle opplysningene.\n\nJeg har vært "
        "sykmeldt siden 5. oktober etter en kneoperasjon. Arbeidsgiveren min, et lite rørleggerfirma, betaler "
        "ikke lønn under sykdom etter arbeidsgiverperioden, så jeg er avhengig av sykepengene fra dere. "
        "Søknaden for oktober sendte jeg 2. november, og regnskapsføreren bekrefter at inntektsmeldingen ble "
        "sendt 28. oktober.\n\nKan dere se hva som mangler?\n\nMvh\nHåvard Lien\nfnr {fnr}",
        subject="Sykepenger oktober", extra={"fnr": "p017"}),
    #
    # The last four days: inquiries nobody has answered yet, so the queue has something to triage.
    #
    # p018 — a young user who cannot get into the activity plan: SMS late Sunday, mail the next day.
    Msg("m58", "p018", "i1", "sms", False, "2026-11-22 22:14",
        "hei. prøver å logge inn på aktivitetsplanen sånn som veilederen sa men får bare opp en side om at "
        "jeg ikke har tilgang. har bankid på mobil og den funker på alt annet. skal ha møte med dere fredag "
        "og må legge inn ting før det. hva gjør jeg?"),
    Msg("m59", "p018", "i1", "email", False, "2026-11-23 12:40",
        "Hei\n\nsendte sms i går kveld men vet ikke om den kom frem. Kommer fortsatt ikke inn på "
        "aktivitetsplanen. Når jeg trykker på lenken i sms-en fra dere kommer jeg til nav.no og så står det "
        "«Du har ikke tilgang til denne tjenesten». Har prøvd både på mobilen og på pc-en til mamma, og "
        "slettet cookies og alt sånt. Prøvde å ringe også men det var 40 min kø så jeg ga opp.\n\n"
        "Veilederen min (tror hun heter Solveig?) sa at jeg skulle skrive inn jobbene jeg har søkt på før "
        "møtet fredag. Går det an å bare ta det med på papir i stedet?\n\nMathias Berg",
        subject="får ikke logget inn på aktivitetsplan"),
    # p020 — a repayment notice read as a final demand: an angry mail, then a calmer dialogue message.
    Msg("m60", "p020", "i1", "email", False, "2026-11-23 08:55",
        "Hei.\n\nJeg fikk et brev fra dere fredag om at jeg skal betale tilbake 14 380 kroner i dagpenger "
        "fordi jeg «har hatt inntekt i perioden». Det stemmer ikke. Jeg har ført ALLE timene på meldekortet, "
        "hver eneste uke, og jeg har skjermbilder som viser det. Det er dere som har regnet feil, ikke jeg."
        "\n\nJeg har ikke 14 000 kroner liggende, og jeg godtar ikke at dere bare trekker dette fra neste "
        "utbetaling. Jeg vil klage, og jeg vil snakke med en som faktisk har sett på saken min – ikke få et "
        "standardsvar tilbake.\n\nRune Halvorsen",
        subject="Krav om tilbakebetaling - dette er feil", client="outlook"),
    Msg("m61", "p020", "i1", "dialog", False, "2026-11-24 15:30",
        "Sendte e-post i går om kravet på 14 380 kr, men har ikke hørt noe. Har lest brevet en gang til nå, "
        "og det står «Varsel» øverst og at jeg kan uttale meg innen 8. desember. Betyr det at ingenting er "
        "bestemt ennå? Da har jeg kanskje misforstått litt. Jeg vil uansett gjerne ha et møte og gå gjennom "
        "timene, for jeg mener fortsatt at de er ført riktig.",
        subject="Varsel om tilbakekreving"),
    # p022 — sickness benefit, in Polish by SMS; not in the register and no BankID yet.
    Msg("m62", "p022", "i1", "sms", False, "2026-11-23 09:34",
        "Dzień dobry. Jestem na zwolnieniu lekarskim od 2 listopada, mam złamaną rękę. Szef mówi, że po 16 "
        "dniach płaci NAV. Czy muszę sama wysłać jakiś wniosek? Nie mam jeszcze norweskiego BankID. "
        "Agnieszka Nowak"),
    # p021 — økonomisk sosialhjelp: an SMS, a two-word nudge the next day, then the dialogue.
    Msg("m63", "p021", "i1", "sms", False, "2026-11-23 11:02",
        "Hei. Søkte om sosialhjelp 10. november og har ikke hørt noe siden. Har 140 kr igjen på konto og "
        "nesten ikke mat. Kan jeg få nødhjelp eller et matkort? Stian Moen"),
    Msg("m64", "p021", "i1", "sms", False, "2026-11-24 16:55", "hallo?? har dere sett meldingen min"),
    Msg("m65", "p021", "i1", "dialog", False, "2026-11-25 08:10",
        "Hei. Har sendt to SMS uten å få svar, så jeg prøver her. Søknaden om økonomisk sosialhjelp sendte "
        "jeg 10. november. En kompis har hjulpet meg med litt mat, men det går ikke så mye lenger. Kan noen "
        "ringe meg i dag? 409 27 645",
        subject="Søknad om sosialhjelp"),
    # p016 — an evening course while on AAP, in nynorsk.
    Msg("m66", "p016", "i2", "dialog", False, "2026-11-23 19:30",
        "Hei. Eg har fått plass på eit kveldskurs i rekneskap og lønn ved Folkeuniversitetet frå januar, to "
        "kveldar i veka. Kan eg ta kurset medan eg får AAP, eller misser eg pengane då? Kurset kostar 9 800 "
        "kroner – finst det nokon moglegheit for at Nav dekkjer noko av det? Eg trur det kan gjere det "
        "lettare å kome tilbake i jobb.",
        subject="Kveldskurs i rekneskap"),
    # p012 — the truck course starts on Monday and no invitation has come: SMS, then his old dialogue thread.
    Msg("m67", "p012", "i3", "sms", False, "2026-11-24 08:40",
        "Hei! Truckkurset skal starte mandag 30.11, men jeg har ikke fått noen innkalling fra kursarrangøren. "
        "Er jeg fortsatt påmeldt? Even Solstad"),
    Msg("m68", "p012", "i3", "dialog", False, "2026-11-25 10:05",
        "Hei igjen. Sendte SMS i går, men skriver her også: jeg har fortsatt ikke fått noe fra dem som "
        "holder truckkurset. Vet ikke hvor jeg skal møte eller når på dagen. Kan du sjekke at påmeldingen "
        "gikk gjennom?",
        parent="m41"),
    # p007 — a new phone and no BankID, with the meldekort due on Friday (simple Norwegian).
    Msg("m69", "p007", "i2", "sms", False, "2026-11-24 10:12",
        "Hei. Jeg har ny telefon og BankID virker ikke mer. Banken sier ny BankID kommer i posten om 5-7 "
        "dager. Meldekort må sendes fredag og jeg kan ikke logge inn på nav.no. Hva skal jeg gjøre? Olena "
        "Marchenko"),
    # p001 — travelling abroad at Christmas while on dagpenger.
    Msg("m70", "p001", "i2", "email", False, "2026-11-24 13:05",
        "Hei,\n\nTakk for hjelpen med utbetalingen sist, alt kom i orden.\n\nNå lurer jeg på noe annet. "
        "Vi har lyst til å besøke svigerforeldrene mine i Portugal i jula, fra 20. desember til 3. januar. "
        "Kan jeg reise når jeg får dagpenger, og hva må jeg eventuelt gjøre på meldekortet? Jeg vil ikke "
        "risikere å miste pengene for hele perioden.\n\nMvh\nMarte Kvalheim",
        subject="Reise til utlandet i jula"),
    # p023 — bostøtte refused on last year's pay; dialogue, then an SMS the next morning (nynorsk).
    Msg("m71", "p023", "i1", "dialog", False, "2026-11-24 13:20",
        "Hei. Eg flytta frå Førde til Oslo i september og leiger no ei lita leilegheit på Tøyen for 11 500 "
        "kr i månaden. Eg søkte bustøtte i oktober, men fekk avslag fordi inntekta var for høg. Dei rekna "
        "visst med løna frå jobben eg hadde fram til august, men no har eg berre AAP. Kan de hjelpe meg å "
        "søkje på nytt, eller må eg klage til Husbanken? Eg veit ikkje heilt kven som har ansvaret for kva.",
        subject="Avslag på bustøtte"),
    Msg("m72", "p023", "i1", "sms", False, "2026-11-25 09:05",
        "Hei, eg skreiv i aktivitetsplanen i går om avslaget på bustøtte. Husleiga for desember forfell "
        "1.12, så det hastar litt. Helsing Torunn Myklebust"),
    # p019 — anxious before her first meeting.
    Msg("m73", "p019", "i1", "email", False, "2026-11-24 14:10",
        "Hei,\n\nJeg har fått innkalling til et første møte hos dere mandag 30. november kl. 11.00, og jeg "
        "må innrømme at jeg gruer meg ganske mye. Jeg har aldri hatt noe med Nav å gjøre før. Jeg har vært "
        "sykmeldt siden januar på grunn av angst, og fastlegen sier at sykepengene snart er brukt opp.\n\n"
        "Hva skal vi snakke om på møtet? Må jeg ha med noe, for eksempel papirer fra legen eller fra "
        "arbeidsgiveren? Og går det an å ta med moren min? Jeg er redd for at jeg ikke klarer å forklare meg "
        "ordentlig hvis jeg blir nervøs.\n\nBeklager hvis dette er dumme spørsmål.\n\nVennlig hilsen\n"
        "Hanne Strand",
        subject="Spørsmål før møtet mandag", client="outlook", fmt="alternative"),
    # p024 — English, dagpenger after years of work in Ireland; not in the register (a D-number only).
    Msg("m74", "p024", "i1", "email", False, "2026-11-24 20:15",
        "Hello,\n\nI moved to Oslo from Cork in August (my partner is Norwegian). I worked in Ireland for "
        "six years, and here I had a temporary contract at a hotel in Bjørvika from 1 September until 15 "
        "November, when it ended. I have a D-number but no Norwegian BankID yet.\n\nCan I apply for "
        "unemployment benefit (dagpenger), and will my years in Ireland count? A colleague told me I need a "
        "form called PD U1 from the Irish authorities. Should I request that myself, and how do I apply "
        "without BankID?\n\nKind regards,\nCiarán Doyle",
        subject="Unemployment benefit after working in Ireland"),
    # p004 — back at work part-time from December: how to fill in the meldekort.
    Msg("m75", "p004", "i2", "sms", False, "2026-11-25 07:15",
        "Morn. Har fått beskjed om å begynne igjen på lageret 60 % fra 1. desember, resten er jeg fortsatt "
        "permittert. Hvordan fører jeg det på meldekortet? Og må jeg sende ny søknad? Kristoffer Dahle"),
    # p009 — a job interview before the moved meeting; asks for a talk earlier.
    Msg("m76", "p009", "i3", "email", False, "2026-11-25 09:40",
        "Hei Jon Are,\n\nGode nyheter: jeg er kalt inn til intervju for konsulentstillingen i bydelen, "
        "tirsdag 1. desember kl. 13.00!\n\nMøtet vårt er jo flyttet til fredag 4. desember, men jeg hadde "
        "satt stor pris på å snakke med deg før intervjuet, om så bare en halvtime. Har du tid mandag "
        "30. november eller tidlig tirsdag? Telefon går også fint.\n\nHilsen\nSiv",
        subject="Intervju tirsdag – kan vi snakkes før?", client="outlook"),
    # p006 — after the moved meeting: an Arabic interpreter next time.
    Msg("m77", "p006", "i2", "sms", False, "2026-11-25 18:40",
        "مساء الخير. كان الاجتماع اليوم جيدا، لكنني لم أفهم كل شيء بالنرويجية، خاصة الجزء عن الخطة والتدريب. "
        "هل يمكن أن يكون هناك مترجم (tolk) عربي في الاجتماع القادم؟ شكرا، يوسف"),
]


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------

def digest(label: str, n: int = 32) -> str:
    return hashlib.sha256(f"flerkanal-demo:{label}".encode()).hexdigest()[:n]


def sms_sid(m: Msg) -> str:
    return "SM" + digest(m.ref)


def message_id(m: Msg) -> str:
    if m.out:
        return f"<{digest(m.ref, 24)}@nav.example.no>"
    if m.client == "outlook":
        return f"<{digest(m.ref, 32).upper()}@EUR02.prod.outlook.com>"
    if m.client == "thunderbird":
        h = digest(m.ref)
        domain = sender_address(m).rsplit("@", 1)[1]
        return f"<{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}@{domain}>"
    raw = hashlib.sha256(f"gmail:{m.ref}".encode()).digest()[:30]
    return "<CA" + base64.b64encode(raw).decode("ascii").rstrip("=") + "@mail.gmail.com>"


def sender_address(m: Msg) -> str:
    return m.sender or PEOPLE[m.pid].email


def body_text(m: Msg) -> str:
    text = m.text
    if m.extra.get("fnr"):
        text = text.replace("{fnr}", _fnr_spaced(m.extra["fnr"]))
    return text


@dataclass
class Mail:
    msg: Msg
    msgid: str
    refs: tuple[str, ...]
    subject: str
    from_name: str
    from_addr: str
    to_name: str
    to_addr: str
    text: str  # the full plain text, quote included


def quote(style: str, parent: Mail) -> str:
    """The quoted earlier mail, as the named mail program writes it under a reply."""
    w = parent.msg.when
    hm = w.strftime("%H:%M")
    if style in ("outlook", "outlook-en"):
        if style == "outlook":
            head = (f"Fra: {parent.from_name} <{parent.from_addr}>\n"
                    f"Sendt: {WD_NB[w.weekday()]} {w.day}. {MON_NB[w.month - 1]} {w.year} {hm}\n"
                    f"Til: {parent.to_name}\nEmne: {parent.subject}")
        else:
            head = (f"From: {parent.from_name} <{parent.from_addr}>\n"
                    f"Sent: {WD_EN_LONG[w.weekday()]}, {w.day} {MON_EN_LONG[w.month - 1]} {w.year} {hm}\n"
                    f"To: {parent.to_name}\nSubject: {parent.subject}")
        return f"{head}\n\n{parent.text}"
    quoted = "\n".join("> " + ln if ln else ">" for ln in parent.text.split("\n"))
    if style == "gmail":
        head = (f"{WD_NB_ABBR[w.weekday()]} {w.day}. {MON_NB_ABBR[w.month - 1]} {w.year} kl. {hm} skrev "
                f"{parent.from_name} <{parent.from_addr}>:")
    elif style == "gmail-en":
        head = f"On {WD_EN[w.weekday()]}, {w.day} {MON_EN[w.month - 1]} {w.year} at {hm}, {parent.from_name} " \
               f"<{parent.from_addr}> wrote:"
    else:
        head = f"Den {w.strftime('%d.%m.%Y')} {hm}, skrev {parent.from_name}:"
    return f"{head}\n{quoted}"


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
       b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def mail_bytes(mail: Mail) -> bytes:
    m = mail.msg
    utc = m.when.astimezone(UTC)
    head = (
        f"From {mail.from_addr} {utc.strftime('%a %b %d %H:%M:%S %Y')}\n"
        f"From: {format_address(mail.from_name, mail.from_addr)}\n"
        f"To: {format_address(mail.to_name, mail.to_addr)}\n"
        f"Subject: {encode_header(mail.subject)}\n"
        f"Date: {format_datetime(m.when)}\n"
        f"Message-ID: {mail.msgid}\n"
    )
    if mail.refs:
        head += f"In-Reply-To: {mail.refs[-1]}\nReferences: " + "\n ".join(mail.refs) + "\n"
    boundary = f"----=_Part_{digest(m.ref + ':b', 16)}"
    if m.attach:
        pdf = base64.encodebytes(PDF).decode("ascii")
        return (
            (head + f'Content-Type: multipart/mixed; boundary="{boundary}"\nMIME-Version: 1.0\n\n'
             f"--{boundary}\n{CT_PLAIN}\n").encode("utf-8")
            + qp(mail.text + "\n")
            + (f'\n--{boundary}\nContent-Type: application/pdf; name="{m.attach}"\n'
               f'Content-Disposition: attachment; filename="{m.attach}"\nContent-Transfer-Encoding: base64\n\n'
               f"{pdf}--{boundary}--\n").encode("ascii")
        )
    if m.fmt == "html":
        return (head + CT_HTML + "MIME-Version: 1.0\n\n").encode("utf-8") + qp(html_part(mail.text) + "\n")
    if m.fmt == "alternative":
        return (
            (head + f'Content-Type: multipart/alternative; boundary="{boundary}"\nMIME-Version: 1.0\n\n'
             f"--{boundary}\n{CT_PLAIN}\n").encode("utf-8")
            + qp(mail.text + "\n")
            + f"\n--{boundary}\n{CT_HTML}\n".encode("ascii")
            + qp(html_part(mail.text) + "\n")
            + f"\n--{boundary}--\n".encode("ascii")
        )
    return (head + CT_PLAIN + "MIME-Version: 1.0\n\n").encode("utf-8") + qp(mail.text + "\n")


def reply_subject(subject: str, style: str) -> str:
    if subject.lower().startswith(("sv:", "re:")):
        return subject
    if style == "outlook-en":
        return "RE: " + subject
    return ("Re: " if style in ("thunderbird", "gmail-en") else "SV: ") + subject


def build(out: Path) -> dict[str, int]:
    by_ref = {m.ref: m for m in MESSAGES}
    assert len(by_ref) == len(MESSAGES), "duplicate refs"
    labels: list[tuple[str, str, str, str]] = []
    sms: list[tuple[datetime, dict[str, object]]] = []
    mails: dict[str, Mail] = {}
    dialog_of: dict[str, str] = {}  # message ref -> dialogue id
    dialogs: dict[str, dict[str, object]] = {}
    owner: dict[str, str] = {}  # dialogue id -> pid
    next_dialog = 300_100
    for m in sorted(MESSAGES, key=lambda x: x.when):
        p = PEOPLE[m.pid]
        if m.channel == "sms":
            sid = sms_sid(m)
            stamp = format_datetime(m.when.astimezone(UTC))
            body = body_text(m)
            sms.append((m.when, {
                "account_sid": ACCOUNT,
                "api_version": "2010-04-01",
                "body": body,
                "date_created": stamp,
                "date_sent": stamp,
                "date_updated": stamp,
                "direction": "outbound-api" if m.out else "inbound",
                "error_code": None,
                "error_message": None,
                "from": OFFICE_PHONE if m.out else (m.sender or p.phone),
                "to": (m.sender or p.phone) if m.out else OFFICE_PHONE,
                "messaging_service_sid": None,
                "num_media": "0",
                "num_segments": str(sms_segments(body)),
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "delivered" if m.out else "received",
                "subresource_uris": {"media": f"{API}/Messages/{sid}/Media.json"},
                "uri": f"{API}/Messages/{sid}.json",
            }))
            key = f"sms:{sid}"
        elif m.channel == "email":
            parent = mails[m.parent] if m.parent else None
            own = body_text(m)
            if m.out:
                citizen = parent.msg if parent else m
                to_addr = parent.from_addr if parent else sender_address(m)
                frm, to = (OFFICE_NAME, OFFICE_EMAIL), (PEOPLE[citizen.pid].name, to_addr)
            else:
                frm, to = (p.name, sender_address(m)), (OFFICE_NAME, OFFICE_EMAIL)
            if parent is not None:
                subject = reply_subject(parent.subject, m.style)
                text = f"{own}\n\n{quote(m.style, parent)}"
                refs = (*parent.refs, parent.msgid)
            else:
                subject, text, refs = m.subject, own, ()
            mail = Mail(m, message_id(m), refs, subject, frm[0], frm[1], to[0], to[1], text)
            mails[m.ref] = mail
            key = f"email:{mail.msgid}"
        else:
            if m.parent:
                did = dialog_of[m.parent]
            else:
                did = str(next_dialog)
                next_dialog += 100
                dialogs[did] = {
                    "id": did, "aktivitetId": None, "overskrift": m.subject, "henvendelser": [],
                }
                owner[did] = m.pid
            dialog_of[m.ref] = did
            hs = dialogs[did]["henvendelser"]
            assert isinstance(hs, list)
            hid = f"{did}{len(hs):02d}"
            hs.append({
                "id": hid,
                "dialogId": did,
                "avsender": "VEILEDER" if m.out else "BRUKER",
                "avsenderId": CASEWORKERS[m.caseworker][1] if m.out else None,
                "sendt": m.when.isoformat(),
                "lest": True,
                "viktig": False,
                "tekst": body_text(m),
            })
            key = f"dialog:{hid}"
        labels.append((key, f"{m.pid}-{m.inquiry}", m.pid, "out" if m.out else "in"))

    out.mkdir(parents=True, exist_ok=True)
    # sms.json: one Twilio list page, newest first.
    sms.sort(key=lambda x: x[0], reverse=True)
    page_uri = f"{API}/Messages.json?PageSize={len(sms)}&Page=0"
    page = {
        "end": len(sms) - 1,
        "first_page_uri": page_uri,
        "messages": [s for _, s in sms],
        "next_page_uri": None,
        "page": 0,
        "page_size": len(sms),
        "previous_page_uri": None,
        "start": 0,
        "uri": page_uri,
    }
    (out / "sms.json").write_text(json.dumps(page, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    # mail.mbox: oldest first.
    with open(out / "mail.mbox", "wb") as f:
        for mail in sorted(mails.values(), key=lambda x: x.msg.when):
            f.write(mail_bytes(mail) + b"\n")
    # dialog.json: one entry a person, each dialogue with the fields veilarbdialog's DialogDTO has.
    entries: dict[str, list[dict[str, object]]] = {}
    for did, d in dialogs.items():
        hs = d["henvendelser"]
        assert isinstance(hs, list)
        last = hs[-1]
        entries.setdefault(owner[did], []).append({
            "id": did,
            "aktivitetId": d["aktivitetId"],
            "overskrift": d["overskrift"],
            "sisteTekst": last["tekst"],
            "sisteDato": last["sendt"],
            "opprettetDato": hs[0]["sendt"],
            "historisk": False,
            "lest": True,
            "venterPaSvar": False,
            "ferdigBehandlet": last["avsender"] == "VEILEDER",
            "lestAvBrukerTidspunkt": None,
            "erLestAvBruker": True,
            "oppfolgingsperiode": None,
            "henvendelser": hs,
            "egenskaper": [],
            "kontorsperreEnhetId": None,
        })
    dump = [{"fnr": PEOPLE[pid].fnr, "aktorId": PEOPLE[pid].aktor, "dialoger": ds} for pid, ds in entries.items()]
    (out / "dialog.json").write_text(json.dumps(dump, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    # contacts.csv: the register (five of the writers are not in it).
    with open(out / "contacts.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["fnr", "aktor_id", "name", "phone", "email"])
        for p in PEOPLE.values():
            if p.in_register:
                w.writerow([p.fnr, p.aktor, p.name, p.phone, p.email])
    with open(out / "labels.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["key", "inquiry", "person", "direction"])
        w.writerows(sorted(labels))
    return {"sms": len(sms), "email": len(mails), "dialog": len(dialog_of)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "flerkanal" / "demo", help="where to write the files")
    args = ap.parse_args(argv)
    counts = build(args.out)
    total = sum(counts.values())
    print(f"wrote {total} messages ({', '.join(f'{k} {v}' for k, v in counts.items())}) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
