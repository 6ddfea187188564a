#!/usr/bin/env python3
"""Hand-written labelled test set for cross-channel deduplication (Nav Tromsø).

Every message text below was written by hand, one by one, for this set. The script
only renders them into the export formats (contacts.csv, sms.json, mail.mbox,
dialog.json) plus labels.csv and NOTES.md, then runs consistency checks. Stdlib only;
re-running it gives byte-identical files.

The helper and renderer code (S/E/D record helpers, fnr generation, time handling,
renderers, checks) is reused from the dedup-fresh set's build.py.
"""
import csv, datetime as dt, email.policy, email.utils, hashlib, json, mailbox, os, re, time
import email.headerregistry
from email.message import EmailMessage

HERE = os.path.dirname(os.path.abspath(__file__))
YEAR = 2026
OFFICE_NUM = "+4777600000"
OFFICE_MAIL = "nav.tromso@nav.example.no"
OFFICE_NAME = "Nav Tromsø"
ACC = "AC" + "7" * 32
VEILEDER = "Z994417"

# ---------------------------------------------------------------- persons
# pid, name, birth date, first individual number to try, phone, email
PERSONS = [
    ("p01", "Kari Nordvik", "1985-03-12", 414, "+4791120301", "kari.nordvik@online.example.no"),
    ("p02", "Ståle Pedersen", "1972-08-19", 236, "+4792230402", "stale.pedersen@post.example.no"),
    ("p03", "Hanna Isaksen", "1994-11-05", 461, "+4740340503", "hanna.isaksen@mail.example.com"),
    ("p04", "Abdirahman Warsame", "1988-06-01", 392, "+4746450604", ""),
    ("p05", "Saba Gebremedhin", "1991-02-17", 455, "+4747560705", "saba.gm@mail.example.com"),
    ("p06", "Oksana Melnyk", "1987-09-23", 418, "+4748670806", "oksana.melnyk@mail.example.com"),
    ("p07", "Aleksandr Volkov", "1979-04-30", 305, "+4741780907", "a.volkov79@mail.example.com"),
    ("p08", "Katarzyna Zielińska", "1990-12-14", 472, "+4745891008", "zielinscy@mail.example.com"),
    ("p09", "Marek Zieliński", "1988-07-07", 381, "+4745891109", "zielinscy@mail.example.com"),
    ("p10", "Carlos Mendoza", "1986-05-25", 363, "+4790012310", "carlos.mendoza.v@mail.example.com"),
    ("p11", "Erik Lindqvist", "1983-01-28", 344, "+4799123411", "erik.lindqvist@post.example.se"),
    ("p12", "Mohammad Nazari", "1975-10-10", 277, "+4746234512", ""),
    ("p13", "Rasa Kazlauskienė", "1982-03-03", 329, "+4741345613", "rasa.kaz@mail.example.com"),
    ("p14", "Layla Haddad", "1993-08-08", 447, "+4748456714", "layla.haddad@mail.example.com"),
    ("p15", "Sigmund Elvebakk", "1960-02-02", 158, "+4795567815", "sigmund.elvebakk@post.example.no"),
    ("p16", "Tone Elvebakk", "1962-06-06", 171, "+4795567815", "tone.elvebakk@online.example.no"),
    ("p17", "Hanna Berg", "1999-04-04", 488, "+4740678917", "hanna.berg99@online.example.no"),
    ("p18", "Jørgen Hansen", "2006-09-09", 563, "+4799789018", "jorgen06@online.example.no"),
    ("p19", "Mette Hansen", "1978-01-15", 322, "+4791890119", "mette.hansen@post.example.no"),
    ("p20", "Rune Karlsen", "1968-12-01", 219, "+4790901220", ""),
    ("p21", "Line Mathisen", "1990-07-19", 436, "+4740012321", "line.mathisen@online.example.no"),
    ("p22", "Thomas Eriksen", "1981-11-30", 358, "+4792123422", "thomas.eriksen@post.example.no"),
    ("p23", "Ida Strøm", "1997-05-05", 494, "+4741234523", "ida.strom@mail.example.com"),
    ("p24", "Yusuf Abdullahi", "1995-09-19", 483, "+4747345624", ""),
    ("p25", "Nadia Rahimi", "1989-12-20", 425, "+4748456725", "nadia.rahimi@mail.example.com"),
    ("p26", "Mohammed Saleh", "1984-03-14", 367, "+4746567826", "mohammed.saleh@mail.example.com"),
    ("p27", "Petra Ananiassen", "1976-04-22", 289, "+4790678927", "petra.ananiassen@online.example.no"),
    ("p28", "Johnny Olsen", "1964-10-31", 201, "+4791789028", ""),
    ("p29", "Mariia Bondarenko", "1996-01-09", 476, "+4745890129", "mariia.bondarenko@mail.example.com"),
    ("p30", "Daniel Solli", "1992-08-28", 433, "+4798901230", "daniel.solli@online.example.no"),
    ("p31", "Amal Yousef", "1987-02-25", 409, "+4747012331", ""),
    ("p32", "Kristoffer Moe", "2002-06-13", 517, "+4740123432", "kristoffer.moe@mail.example.com"),
    ("p33", "Astrid Nilsen", "1958-09-14", 132, "+4794234533", "astrid.nilsen@post.example.no"),
    ("p34", "Filmon Tekle", "1994-03-27", 452, "+4746345634", ""),
    ("p35", "Jessica Brown", "1989-11-11", 419, "+4741456735", "jessica.brown@mail.example.com"),
    ("p36", "Tomasz Lewandowski", "1984-07-17", 371, "+4748567836", "tomasz.lew@mail.example.com"),
    ("p37", "Sofia Andersson", "1998-02-08", 499, "+4799678937", "sofia.andersson@post.example.se"),
    ("p38", "Geir Kristiansen", "1970-05-20", 246, "+4790789038", "geir.kristiansen@post.example.no"),
    ("p39", "Stian Lund", "1991-10-26", 441, "+4792890139", "stian.lund@online.example.no"),
    ("p40", "Anne Lise Dahl", "1967-03-19", 265, "+4795901240", "annelise.dahl@post.example.no"),
    ("p41", "Ibrahim Diallo", "1990-06-30", 428, "+4746012341", "ibrahim.diallo@mail.example.com"),
    # not in the register (not written to contacts.csv)
    ("p42", "", "1993-01-01", 100, "+4740098742", ""),
    ("p43", "Eva Larsen", "1980-03-12", 287, "", "eva.larsen.tos@mail.example.com"),
    ("p44", "Jolanta Wójcik", "1986-08-21", 313, "+4745550944", "jolanta.wojcik86@mail.example.com"),
    ("p45", "", "1977-01-01", 100, "", "nordlys77@mail.example.com"),
]
UNREGISTERED = {"p42", "p43", "p44", "p45"}

# phones used as literal "num=" overrides (borrowed / family phones)
PH_METTE = "+4791890119"      # p19, mother of p18
PH_FRIEND_KRISTOFFER = "+4740555132"   # a friend of p32, not in register
PH_SIGMUND_TONE = "+4795567815"         # shared by p15 and p16

# ---------------------------------------------------------------- records
R = []


def S(inq, when, text, num=None, by=None, out=False):
    """SMS. num: the citizen-side number (sender if inbound, recipient if outbound)."""
    R.append(dict(ch="sms", inq=inq, when=when, text=text, num=num, by=by, out=out))


def E(inq, when, text, subj=None, addr=None, name=None, reply=None, html=False, by=None,
      out=False, id=None, cte="quoted-printable", quote=True, qlang="nb"):
    """E-mail. addr: citizen-side address. reply: local id of the mail answered."""
    R.append(dict(ch="email", inq=inq, when=when, text=text, subj=subj, addr=addr, name=name,
                  reply=reply, html=html, by=by, out=out, id=id, cte=cte, quote=quote, qlang=qlang))


def D(inq, when, thread, text, title=None, out=False):
    """Dialogue message in the activity plan; thread owner = first 3 chars of thread key."""
    R.append(dict(ch="dialog", inq=inq, when=when, thread=thread, text=text, title=title, out=out))


SIG = "\n\nMed vennlig hilsen\nveileder, Nav Tromsø"

# ===================================================== p01 Kari Nordvik (nb)
# i1 late dagpenger payment; i2 correcting hours on the SAME meldekort (hard negative)
E("p01-i1", "11-10 09:12", "Hei.\n\nJeg sendte meldekortet for uke 44 og 45 fredag 6. november, men har ikke fått utbetalt "
  "dagpenger ennå. Vanligvis kommer pengene to–tre virkedager etter at jeg har sendt. Kan dere sjekke om "
  "det har skjedd noe med utbetalingen?\n\nMed vennlig hilsen\nKari Nordvik",
  subj="Dagpenger ikke utbetalt", id="p01m1")
S("p01-i1", "11-11 18:40", "hei, dagpengene har fortsatt ikke kommet inn på konto. husleia trekkes fredag 😬 kan noen se på det?")
E("p01-i1", "11-12 10:05", "Hei Kari.\n\nMeldekortet ditt ble stoppet for en manuell kontroll fordi det var ført arbeid på en "
  "helligdag. Det er nå godkjent, og pengene skal være på kontoen din i løpet av to virkedager." + SIG,
  reply="p01m1", out=True)
D("p01-i2", "11-12 20:30", "p01-a", "Hei! Jeg ser nå at jeg har ført 7,5 timer arbeid onsdag 28.10, men det var bare 5 timer "
  "den dagen. Det er det samme meldekortet som jeg sendte 6.11. Hvordan retter jeg det opp?",
  title="Feil timer på meldekort")
D("p01-i2", "11-13 09:20", "p01-a", "Hei Kari. Du kan korrigere meldekortet selv på nav.no under «Tidligere meldekort» – "
  "velg perioden og trykk «Endre». Har du problemer med det, så si fra her.", out=True)
S("p01-i1", "11-13 12:02", "pengene kom nå. takk!")
S("p01-i2", "11-13 21:05", "fikk rettet timene selv 👍")

# ===================================================== p02 Ståle Pedersen (Tromsø dialect / formal mail)
E("p02-i1", "10-13 07:45", "Hei.\n\nJeg har fått time hos fysioterapeut torsdag formiddag og lurer på om vi kan ta "
  "samtalen vår kl. 10.00 over telefon i stedet for å møtes på kontoret i Storgata?\n\nHilsen\nStåle Pedersen",
  subj="Møte torsdag 15.10")
S("p02-i1", "10-14 16:30", "Hei det e Ståle. Æ rekk ikkje å kommå innom på torsdag, ka om vi tar det på telefon i staden?")
S("p02-i1", "10-14 17:05", "Hei Ståle, det går fint. Jeg ringer deg torsdag kl. 10. Hilsen veileder, Nav Tromsø", out=True)
D("p02-i2", "10-28 11:00", "p02-a", "Æ har fått tilbud om truckførerkurs (T1–T4) hos ei bedrift på Breivika. Kurset koste "
  "6900 kr. E det nokka Nav kan dekke? Det e krav for jobben æ søke på.", title="Truckkurs")
S("p02-i2", "11-04 09:10", "har dokker sett på det med truckkurset? påmeldinga stenge fredag")
D("p02-i2", "11-04 13:40", "p02-a", "Hei Ståle. Vi kan vurdere å dekke kurset som en del av planen din. Send oss tilbudet "
  "fra kursleverandøren, så gir vi svar før fredag.", out=True)
E("p02-i2", "11-04 19:15", "Her e tilbudet fra kursleverandøren. Kurset starte 23. november og går over tre dager.\n\nStåle",
  subj="Tilbud truckkurs")
D("p02-i2", "11-04 19:22", "p02-a", "la ved tilbudet på mail no")

# ===================================================== p03 Hanna Isaksen (nb)   [same first name as p17]
S("p03-i1", "10-20 08:30", "Hei, dette er Hanna. Sykepengene for september har ikke kommet. Arbeidsgiver sier de har sendt inntektsmeldingen.")
S("p03-i1", "10-22 13:15", "noe nytt?")
E("p03-i1", "10-23 10:02", "Hei!\n\nJeg sendte sms tirsdag om sykepengene for september, som fortsatt ikke er utbetalt. "
  "Arbeidsgiveren min (Ishavskysten Bakeri AS) har bekreftet at inntektsmeldingen ble sendt 2. oktober.\n\n"
  "Kan noen se på saken?\n\nVennlig hilsen\nHanna Isaksen", subj="Sykepenger september", id="p03m1")
E("p03-i1", "10-26 11:30", "Hei Hanna.\n\nInntektsmeldingen er nå koblet til saken din, og sykepengene for september er "
  "behandlet. Utbetalingen kommer i løpet av denne uken." + SIG, reply="p03m1", out=True)
D("p03-i2", "11-09 09:40", "p03-a", "Legen har skrevet meg 50 % sykmeldt fra 16. november i stedet for 100 %. Må jeg gjøre "
  "noe selv overfor Nav, eller går det automatisk?", title="Tilbake i jobb")
S("p03-i2", "11-10 07:55", "Hei igjen, hanna isaksen her. Må jeg søke på nytt når jeg går ned til halv sykmelding?")

# ===================================================== p04 Abdirahman Warsame (so / simple nb, no e-mail)
S("p04-i1", "10-19 10:15", "Hei jeg søkte depositum for ny leilighet 12 oktober. Når kommer svar? Utleier venter. Abdirahman")
D("p04-i1", "10-19 21:00", "p04-a", "Salaan. Waxaan codsaday lacagta dammaanadda (depositum) ee guriga cusub 12-kii "
  "oktoobar. Milkiilaha gurigu wuxuu rabaa jawaab usbuucan. Fadlan ii sheeg goorta go'aanku iman doono.",
  title="Depositum")
D("p04-i1", "10-20 10:30", "p04-a", "Hei Abdirahman. Søknaden om depositumsgaranti er under behandling. Du får svar innen "
  "fredag 23.10. Du kan si det til utleier.", out=True)
S("p04-i1", "10-23 15:00", "Takk. Fikk brev i dag, ok")
S("p04-i2", "11-16 18:25", "Haye, shaqo ayaan ka helay bakhaar bisha December. Maxaan ku sameeyaa meldekort-ka?")
D("p04-i2", "11-17 08:50", "p04-a", "Hei. Jeg har fått jobb på lager fra 1. desember. Hva må jeg gjøre med meldekort?")

# ===================================================== p05 Saba Gebremedhin (ti / simple nb)
D("p05-i1", "10-26 20:15", "p05-a", "ሰላም። ንደቀይ ናይ ክረምቲ ክዳውንቲ ክገዝእ ገንዘብ የብለይን። ሓገዝ ክሓትት ይኽእል ድየ?",
  title="ክዳውንቲ ክረምቲ")
S("p05-i1", "10-27 09:05", "Hei. Jeg trenger hjelp til vinterklær og sko til barna. Kan jeg søke om penger? Saba")
S("p05-i1", "11-09 08:12", "hallo? søknad sendt 29.10. ingen svar")
D("p05-i1", "11-10 13:30", "p05-a", "Hei Saba. Søknaden om vinterklær er innvilget med 3 400 kr. Pengene kommer på konto "
  "innen tre dager.", out=True)
D("p05-i1", "11-10 19:02", "p05-a", "የቐንየለይ 🙏")
E("p05-i2", "11-20 10:45", "Hei.\n\nJeg skal ta norskprøven B1 i desember. Må jeg betale prøven selv, eller kan Nav "
  "betale?\n\nHilsen Saba Gebremedhin", subj="Norskprøve", id="p05m1")
S("p05-i2", "11-23 17:30", "ሰላም። ናይ ቋንቋ ኖርወይ ፈተና ክፍሊት ናቭ ይኸፍል ዶ? ዓርቢ ኢመይል ልኢኸ ነይረ። ሳባ")
E("p05-i2", "11-24 09:15", "Hei Saba.\n\nNav kan dekke prøveavgiften når prøven er en del av planen din. Send oss "
  "kvitteringen etter at du har meldt deg på." + SIG, reply="p05m1", out=True)

# ===================================================== p06 Oksana Melnyk (uk / nb / en)
E("p06-i1", "10-14 19:20", "Добрий день!\n\nМені потрібна довідка від NAV про те, що я отримую introduksjonsstønad, "
  "для нового орендодавця. Чи можете ви надіслати її мені?\n\nЗ повагою,\nОксана Мельник",
  subj="Довідка для орендодавця", id="p06m1", cte="base64")
S("p06-i1", "10-16 08:10", "Hei! Jeg trenger bekreftelse på introduksjonsstønad til ny huseier. Kan dere sende? Oksana")
E("p06-i1", "10-16 12:40", "Hei Oksana.\n\nBekreftelsen er sendt til innboksen din på nav.no. Du kan laste den ned "
  "og sende den til utleier." + SIG, reply="p06m1", out=True)
S("p06-i1", "10-19 09:30", "Дякую, отримала!")
D("p06-i2", "10-29 11:15", "p06-a", "Hei, norskkurset mitt slutter i desember. Kan jeg fortsette på neste nivå fra januar?",
  title="Norskkurs")
E("p06-i2", "11-05 07:50", "Hello,\n\nI asked in the activity plan on 29 October but have not had an answer yet. My "
  "course ends on 18 December. Can I continue with B2 from January?\n\nBest regards,\nOksana Melnyk",
  subj="Norwegian course after December")
S("p06-i3", "11-05 08:05", "Мій син захворів, я не зможу прийти на зустріч у понеділок 9.11. Вибачте.")
D("p06-i2", "11-06 09:00", "p06-a", "Hei Oksana. Beklager sent svar. Ja, du kan søke om B2 fra januar – jeg har meldt deg "
  "på ventelisten.", out=True)

# ===================================================== p07 Aleksandr Volkov (nb / ru) – complaint pending for weeks
E("p07-i1", "10-06 14:02", "Til Nav Tromsø\n\nJeg klager på vedtaket datert 28.09.2026 om at jeg må betale tilbake "
  "14 320 kr i dagpenger.\n\nJeg mener at jeg har ført meldekortene riktig. Arbeidsgiveren betalte lønn for august "
  "i september, og det er derfor timene ser ut til å ikke stemme. Jeg legger ved lønnsslippene.\n\n"
  "Fødselsnummer: {fnr:p07}\n\nMed hilsen\nAleksandr Volkov", subj="Klage på vedtak om tilbakebetaling", id="p07m1")
E("p07-i1", "10-07 09:30", "Hei Aleksandr.\n\nVi har mottatt klagen din. Saksbehandlingstiden er for tiden ca. seks "
  "uker. Du trenger ikke betale før klagen er avgjort." + SIG, reply="p07m1", out=True, id="p07m2")
D("p07-i2", "11-02 10:30", "p07-a", "Kan Nav betale for førerkort klasse C? Jeg har fått tilbud om jobb som sjåfør hos et "
  "transportfirma hvis jeg har C.", title="Jobb som sjåfør")
S("p07-i2", "11-03 18:12", "Здравствуйте. Права категории C — NAV может оплатить? Работодатель ждёт ответа до пятницы.")
S("p07-i1", "11-12 07:40", "Здравствуйте. Что с моей жалобой? Отправил 6 октября, ответа нет. Волков")
S("p07-i1", "11-26 15:55", "hva skjer med klagen min?? har ikke hørt noe siden 7. oktober")
E("p07-i1", "11-27 10:10", "Hei Aleksandr.\n\nKlagen din ble sendt til Nav klageinstans 18. november. Der er "
  "behandlingstiden dessverre lengre. Du får brev når den er avgjort." + SIG, reply="p07m2", out=True)

# ===================================================== p08 Katarzyna / p09 Marek Zieliński – SHARED e-mail address
E("p08-i1", "11-02 21:10", "Dzień dobry,\n\nurodziłam syna 12 października. Czy muszę złożyć wniosek o barnetrygd, "
  "czy dostanę ją automatycznie?\n\nPozdrawiam\nKatarzyna Zielińska", subj="Zasiłek na dziecko",
  name="Katarzyna Zielińska", id="p08m1")
E("p09-i1", "11-03 07:15", "Hei.\n\nJeg glemte å sende meldekortet i går. Kan jeg sende det nå, eller mister jeg "
  "pengene?\n\nMarek Zieliński", subj="Meldekort", name="Marek Zieliński", id="p09m1")
S("p09-i1", "11-03 07:22", "Dzień dobry, zapomniałem wczoraj wysłać meldekort. Co mam zrobić? Marek Z.")
S("p08-i1", "11-03 12:48", "Hei, jeg fikk baby 12.10. Får jeg barnetrygd automatisk? Kasia Zielinska")
S("p09-i1", "11-03 13:00", "Hei Marek. Du kan sende meldekortet for sent i inntil åtte dager, men det kan bli trekk. "
  "Send det i dag. Hilsen Nav Tromsø", out=True)
E("p08-i1", "11-04 09:40", "Hei Katarzyna.\n\nBarnetrygd for barn født i Norge kommer som regel automatisk når "
  "fødselen er registrert. Du får brev fra Nav innen fire uker." + SIG, reply="p08m1", out=True)
S("p09-i1", "11-03 16:45", "sendt. takk")
D("p09-i2", "11-25 20:40", "p09-a", "Hei. Jeg har fått jobb på en fiskebåt fra januar, tre uker på og tre uker av. Hvordan "
  "blir det med dagpengene i ukene jeg er hjemme?", title="Jobb på båt")
E("p09-i2", "11-26 06:55", "Hei igjen. Skrev i aktivitetsplanen i går kveld om jobben på båten, rotasjon 3/3. "
  "Kan jeg få dagpenger i friukene?\n\nMarek", subj="Jobb fiskebåt", name="Marek Zieliński")

# ===================================================== p10 Carlos Mendoza (es / en)
E("p10-i1", "10-15 22:05", "Hola,\n\nme llamo Carlos Mendoza. Perdí mi trabajo en el hotel el 30 de septiembre. "
  "¿Cómo solicito dagpenger? No entiendo bien la página web.\n\nGracias.\nCarlos", subj="Solicitud de ayuda",
  id="p10m1")
S("p10-i1", "10-16 10:30", "Hi, I lost my job at a hotel end of september, how do I apply for unemployment money? Carlos")
E("p10-i1", "10-16 14:20", "Hi Carlos,\n\nYou apply for unemployment benefit (dagpenger) at nav.no with BankID. "
  "First register as a jobseeker, then send the application. Come to our drop-in on Tuesday if you need help.\n\n"
  "Kind regards\nNav Tromsø", reply="p10m1", out=True)
S("p10-i2", "10-29 13:02", "hi, the meeting tomorrow 10:00 – is it at the office in Storgata or on teams?")
D("p10-i3", "11-20 19:45", "p10-a", "Hola. Envié la solicitud de dagpenger el 20 de octubre. ¿Ya hay una decisión?",
  title="Dagpenger")
S("p10-i3", "11-27 09:14", "any news about the dagpenger decision? I asked in the plan last week")
D("p10-i3", "11-30 10:00", "p10-a", "Hei Carlos. Vedtaket er klart – du har fått innvilget dagpenger fra 20. oktober. "
  "Brevet ligger på nav.no.", out=True)
D("p10-i3", "11-30 10:48", "p10-a", "¡Muchas gracias! 🙌")

# ===================================================== p11 Erik Lindqvist (sv / nb)
E("p11-i1", "10-08 11:30", "Hej!\n\nJag har flyttat till Tromsø från Luleå och har arbetat i Sverige de senaste fem "
  "åren. Kan jag få dagpenger i Norge med mina svenska perioder? Behöver jag blankett U1 från a-kassan?\n\n"
  "Med vänlig hälsning\nErik Lindqvist", subj="Arbetssökande från Sverige", id="p11m1")
E("p11-i1", "10-09 13:15", "Hei Erik.\n\nJa, svenske perioder kan telle med. Du må be a-kassan om dokumentet PD U1 "
  "og sende det til oss sammen med søknaden." + SIG, reply="p11m1", out=True, id="p11m2")
E("p11-i1", "10-26 08:40", "Tack. Jag har nu beställt U1 från a-kassan, den ska komma inom två veckor. Ska jag skicka "
  "den till er på mejl eller ladda upp den?\n\nErik", reply="p11m2")
S("p11-i2", "11-09 07:35", "Hej, kan inte komma på mötet på torsdag, ligger sjuk med feber. Erik L")
D("p11-i2", "11-09 12:20", "p11-a", "Jeg er syk og kan ikke komme på møtet torsdag 12.11. Kan vi finne en ny tid neste uke?",
  title="Møte 12.11")

# ===================================================== p12 Mohammad Nazari (Dari / nb, no e-mail)
S("p12-i1", "10-12 08:05", "سلام، من محمد نظری هستم. پول ماه اکتبر هنوز به حسابم نیامده. لطفاً کمک کنید.")
S("p12-i1", "10-12 08:09", "Hei Mohammad her. Penger ikke kommet. Hjelp.")
D("p12-i1", "10-13 07:50", "p12-a", "سلام، دیروز پیام دادم. پول هنوز نیامده. باید کرایه خانه را بپردازم.", title="پول")
D("p12-i1", "10-13 11:15", "p12-a", "Hei Mohammad. Utbetalingen gikk i dag. Den er på konto i morgen. Beklager forsinkelsen.",
  out=True)
S("p12-i1", "10-14 10:02", "پول رسید، تشکر")
D("p12-i2", "11-23 18:30", "p12-a", "یک سوال دیگر دارم: آیا میتوانم برای کورس زبان نارویژی سطح B1 ثبت نام کنم؟")
S("p12-i2", "11-24 09:00", "hei norsk kurs B1 kan jeg begynne januar?")

# ===================================================== p13 Rasa Kazlauskienė (lt / nb)
S("p13-i1", "10-26 07:58", "Laba diena, ar galiu gauti pažymą apie NAV išmokas už 2026 metus? Reikia bankui.")
E("p13-i1", "10-26 20:30", "Hei,\n\njeg trenger en oversikt over utbetalinger fra Nav i år. Banken ber om det i "
  "forbindelse med boliglån.\n\nHilsen\nRasa Kazlauskiene", subj="Oversikt utbetalinger", id="p13m1")
E("p13-i1", "10-27 09:50", "Hei Rasa.\n\nDu finner utbetalingsoversikten på nav.no under «Utbetalinger». Der kan du "
  "laste ned en PDF for hele perioden." + SIG, reply="p13m1", out=True)
D("p13-i2", "10-30 16:10", "p13-a", "Jeg har jobbet 12 timer denne uken på hotellet. Skal jeg føre det på meldekortet "
  "selv om jeg ikke har fått lønn ennå?", title="Timer på meldekort")
S("p13-i2", "11-02 08:20", "Ar atsakėte dėl valandų meldekorte? Rašiau plane penktadienį.")

# ===================================================== p14 Layla Haddad (nb / ar / en)
D("p14-i1", "10-19 13:00", "p14-a", "Hei! Jeg lurer på om jeg kan få praksisplass i barnehage. Jeg har jobbet som lærer i "
  "Syria i seks år.", title="Praksisplass")
E("p14-i1", "10-21 21:40", "مرحباً،\n\nكتبت في خطة النشاط يوم الإثنين. أرغب في تدريب عملي في روضة أطفال في ترومسو، "
  "لأنني عملت معلمة لمدة ست سنوات.\n\nمع الشكر\nليلى حداد", subj="تدريب عملي", cte="8bit")
D("p14-i1", "10-22 10:15", "p14-a", "Hei Layla. Så fint! Vi har kontakt med to barnehager på Kvaløysletta. Jeg sender "
  "forespørsel og gir deg svar neste uke.", out=True)
D("p14-i1", "10-22 10:31", "p14-a", "Tusen takk!")
S("p14-i2", "11-11 07:45", "hi its layla, my daughter is sick so I can't come to the course today")
S("p14-i3", "11-12 08:10", "she is still sick. can I get omsorgspenger for the days I am home? I am in praksis not normal job")
# ===================================================== p15 Sigmund / p16 Tone Elvebakk (nn / nb) – SHARED phone
E("p15-i1", "10-05 10:20", "Til Nav Tromsø\n\nEg klagar med dette på vedtaket av 21. september 2026 om stans av "
  "arbeidsavklaringspengar. Vedtaket byggjer på at eg ikkje har møtt til avtalt aktivitet, men eg var innlagd "
  "på UNN i den aktuelle veka. Stadfesting frå sjukehuset ligg ved.\n\nFødselsnummer: {fnr:p15}\n\n"
  "Venleg helsing\nSigmund Elvebakk", subj="Klage på vedtak om stans av AAP", id="p15m1")
E("p15-i1", "10-06 09:05", "Hei Sigmund.\n\nVi stadfester at vi har motteke klaga di. Vi går gjennom saka på nytt "
  "og sender den vidare til klageinstansen dersom vi ikkje endrar vedtaket.\n\nVenleg helsing\nNav Tromsø",
  reply="p15m1", out=True)
D("p15-i1", "11-09 14:00", "p15-a", "Eg sende klage på e-post 5. oktober og har ikkje høyrt noko sidan. Kor lang tid tek "
  "det?", title="Klage AAP")
S("p15-i2", "11-20 11:55", "Eg må flytte møtet 24.11, skal til lege same dag. Sigmund", num=PH_SIGMUND_TONE)
S("p16-i1", "11-20 12:30", "Hei, det er Tone som skriver. Jeg lurer på om jeg kan få hjelp til å søke jobb igjen nå "
  "som sykmeldingen er ferdig?", num=PH_SIGMUND_TONE)
S("p16-i1", "11-20 14:03", "Hei Tone. Ja, så klart. Du får innkalling til en samtale neste uke. Hilsen Nav Tromsø",
  num=PH_SIGMUND_TONE, out=True)
E("p16-i1", "11-23 08:20", "Hei,\n\nsom nevnt på sms fredag er sykmeldingen min slutt, og jeg vil gjerne komme i gang "
  "med jobbsøking. Jeg har bakgrunn fra butikk og renhold. Når kan jeg komme?\n\nHilsen Tone Elvebakk",
  subj="Oppfølging etter sykmelding")
S("p15-i1", "12-02 09:40", "Hei. Kva skjer med klaga mi på AAP? Sendt 5. okt. Sigmund E.", num=PH_SIGMUND_TONE)
D("p15-i1", "12-03 10:30", "p15-a", "Hei Sigmund. Vi har oppretthalde vedtaket, og klaga vart send til Nav klageinstans "
  "25. november. Du får brev derifrå.", out=True)

# ===================================================== p17 Hanna Berg (nb)   [same first name as p03]
S("p17-i1", "10-22 13:40", "hei det er hanna. har dere fått sykmeldingen min? legen sendte den i går")
D("p17-i1", "10-22 20:10", "p17-a", "Lurer på om sykmeldingen fra legevakta 21.10 har kommet fram, jeg finner den ikke "
  "på nav.no.", title="Sykmelding")
D("p17-i1", "10-23 08:50", "p17-a", "Hei Hanna. Ja, den er registrert nå. Den kan bruke et døgn på å vises.", out=True)
E("p17-i2", "11-30 22:15", "Hei!\n\nJeg tar opp to eksamener ved UiT i desember (totalt 15 studiepoeng). Kan jeg "
  "fortsatt få dagpenger mens jeg studerer, eller må jeg melde fra?\n\nMvh Hanna Berg", subj="Dagpenger og eksamen")
S("p17-i2", "12-08 11:05", "lurer fortsatt på om jeg kan ta eksamen og få dagpenger samtidig. sendte mail 30.11. Hanna B")

# ===================================================== p18 Jørgen Hansen (teen) / p19 Mette Hansen (mother)
D("p18-i1", "11-02 22:40", "p18-a", "hei, vil heller jobbe enn å gå på skole. kan nav hjelpe meg med lærlingplass som "
  "elektriker?", title="Lærlingplass")
S("p18-i1", "11-03 08:15", "Hei, det er Mette, mor til Jørgen Hansen. Han skrev til dere i aktivitetsplanen i går om "
  "lærlingplass. Han har ikke mer data på telefonen, så dere kan svare meg her.", num=PH_METTE)
S("p18-i1", "11-03 10:40", "Hei Mette. Takk for beskjed. Vi har et møte med Jørgen torsdag kl. 14 om lærlingplass. "
  "Hilsen Nav Tromsø", num=PH_METTE, out=True)
S("p18-i1", "11-03 19:30", "ok takk fikk beskjed fra mamma 👍")
S("p19-i1", "11-05 12:05", "Hei, Mette Hansen her. Når kommer vedtaket om forlengelse av AAP? Den gamle perioden går ut 30.11.")
E("p19-i1", "11-06 08:30", "Hei.\n\nMin AAP-periode går ut 30. november. Jeg sendte søknad om forlengelse "
  "med ny legeerklæring i begynnelsen av oktober. Blir det et opphold i utbetalingene?\n\nVennlig hilsen\n"
  "Mette Hansen", subj="Forlengelse AAP", id="p19m1")
S("p18-i2", "11-20 15:10", "kan jeg få dekt busskort til tiltaket i breivika? koster 650 i mnd")

# ===================================================== p20 Rune Karlsen (nb, stressed / rude, no e-mail)
D("p20-i1", "10-14 21:50", "p20-a", "Utleier har sagt opp leiligheten fra 1. desember fordi han skal selge. Jeg må ha hjelp "
  "til ny bolig og har ikke råd til depositum.", title="Bolig")
S("p20-i1", "10-20 10:05", "har dere lest det jeg skrev om leiligheten??")
D("p20-i1", "10-21 09:30", "p20-a", "Hei Rune. Ja, vi har lest det. Du kan få depositumsgaranti når du har funnet en "
  "leilighet. Send oss kontrakten.", out=True)
S("p20-i1", "11-25 17:20", "fikk leiligheten i tromsdalen. takk for hjelpa med depositumet")
S("p20-i2", "11-30 07:55", "HVOR ER PENGENE MINE. skulle komme fredag. har ikke mat i huset")
S("p20-i2", "11-30 09:40", "hallo??")
S("p20-i2", "11-30 11:15", "ringer og ringer og ingen tar telefonen. dette er helt på trynet")
S("p20-i2", "11-30 12:00", "Hei Rune. Utbetalingen av sosialhjelpen ble dessverre forsinket, men den er sendt i dag. "
  "Hilsen Nav Tromsø", out=True)
S("p20-i2", "12-01 10:10", "kom nå.")

# ===================================================== p21 Line Mathisen (nb, HTML-only e-mails)
E("p21-i1", "10-12 09:00", "<html><body><p>Hei,</p><p>Jeg sendte søknad om arbeidsavklaringspenger 14. september. "
  "Kan dere si noe om hvor lang saksbehandlingstiden er nå?</p><p>Med vennlig hilsen<br>Line Mathisen</p>"
  "</body></html>", subj="Søknad om arbeidsavklaringspenger", html=True, id="p21m1")
E("p21-i1", "11-09 08:35", "<html><body><p>Hei igjen.</p><p>Viser til e-post 12. oktober om søknaden min om AAP. "
  "Jeg har fortsatt ikke fått svar, og pengene fra sykepengene er snart brukt opp.</p>"
  "<p>Hilsen Line Mathisen</p></body></html>", subj="Purring – søknad AAP", html=True, id="p21m2")
E("p21-i1", "11-10 13:20", "Hei Line.\n\nBeklager at du har måttet vente. Søknaden din om AAP er innvilget, og "
  "vedtaksbrevet ligger på nav.no. Første utbetaling kommer neste uke." + SIG, reply="p21m2", out=True)
E("p21-i2", "11-24 19:05", "<html><body><p>Hei,</p><p>Kan jeg ta et nettkurs i regnskap (30 timer) mens jeg "
  "får AAP? Det er gratis og går på kveldstid.</p><p>Line</p></body></html>", subj="Nettkurs", html=True)
S("p21-i2", "11-25 08:15", "hei, line mathisen her. sendte mail i går om et nettkurs i regnskap, går det greit?")

# ===================================================== p22 Thomas Eriksen (nb) – complaint pending ~2 months
E("p22-i1", "10-07 16:45", "Til Nav Tromsø\n\nJeg vil klage på avslaget på dagpenger datert 30. september.\n\n"
  "I vedtaket står det at jeg ikke har hatt høy nok inntekt de siste tolv månedene. Dette stemmer ikke: jeg hadde "
  "i tillegg inntekt som selvstendig næringsdrivende fram til mars, og den er ikke tatt med.\n\n"
  "Fødselsnummer: {fnr:p22}\n\nMed vennlig hilsen\nThomas Eriksen", subj="Klage på avslag - dagpenger", id="p22m1")
E("p22-i1", "10-08 10:10", "Hei Thomas.\n\nVi har mottatt klagen din og vil vurdere saken på nytt." + SIG,
  reply="p22m1", out=True)
S("p22-i1", "10-29 12:50", "Hei, Thomas Eriksen her. Har det skjedd noe med klagen min fra 7. oktober?")
S("p22-i2", "11-05 08:35", "Kan jeg ta et vikariat på en skole i to uker uten at det ødelegger noe for dagpengesaken?")
E("p22-i1", "11-30 20:40", "Purring: Det er nå snart to måneder siden jeg klaget, og jeg har fortsatt ikke fått svar. "
  "Hva er status?\n\nThomas Eriksen", reply="p22m1", id="p22m2")
E("p22-i1", "12-01 13:00", "Hei Thomas.\n\nVi har gått gjennom klagen og omgjort vedtaket. Du har rett på dagpenger. "
  "Nytt vedtak kommer i løpet av uken." + SIG, reply="p22m2", out=True)

# ===================================================== p23 Ida Strøm (nb)
S("p23-i1", "10-13 08:20", "heii! kan vi flytte møtet på fredag? har eksamen 🥲")
D("p23-i1", "10-13 08:45", "p23-a", "Hei! Jeg har eksamen fredag 16.10 kl. 9–13, så jeg rekker ikke møtet kl. 10. "
  "Kan vi ta det mandag i stedet?", title="Møte fredag")
D("p23-i1", "10-13 13:10", "p23-a", "Hei Ida. Mandag 19.10 kl. 12 passer fint. Lykke til på eksamen!", out=True)
S("p23-i1", "10-13 13:25", "perfekt takk")
D("p23-i2", "11-11 17:00", "p23-a", "Ny greie: kan jeg få støtte til bussbillett til praksisplassen på Langnes?")

# ===================================================== p24 Yusuf Abdullahi (so / nb, no e-mail)
S("p24-i1", "11-30 08:05", "Salaan, lacagta sosialhjelp ee bishan weli ma iman. Goorma ayay imanaysaa?")
S("p24-i1", "11-30 08:07", "Hei når kommer sosialhjelp penger? Yusuf")
S("p24-i1", "11-30 12:05", "Hei Yusuf. Utbetalingen er sendt i dag og kommer i morgen. Hilsen Nav Tromsø", out=True)
S("p24-i2", "12-01 09:00", "Hei. Møte torsdag jeg trenger tolk somali takk")
S("p24-i2", "12-01 09:02", "Fadlan turjubaan Soomaali ah u baahanahay kulanka Khamiista.")

# ===================================================== p25 Nadia Rahimi (en / Dari / nb)
E("p25-i1", "10-27 18:00", "Hello,\n\nthis is Nadia Rahimi. I want to move my meeting on 3 November to a later date "
  "because my daughter has an appointment at the hospital that day.\n\nThank you\nNadia", subj="Meeting 3 November",
  id="p25m1")
S("p25-i1", "10-30 10:12", "سلام، نادیه هستم. جلسه ۳ نوامبر را نمیتوانم بیایم، دخترم وقت شفاخانه دارد.")
E("p25-i1", "10-30 14:00", "Hi Nadia,\n\nNo problem. Your new meeting time is Tuesday 10 November at 11:00.\n\n"
  "Kind regards\nNav Tromsø", reply="p25m1", out=True, qlang="en")
S("p25-i2", "12-07 09:20", "Hei, søknad om støtte til tannlege, har dere fått papirene? Nadia")
S("p25-i2", "12-10 16:40", "??")

# ===================================================== p26 Mohammed Saleh (ar / nb)
E("p26-i1", "11-04 16:30", "مرحباً،\n\nأنا محمد صالح. أحتاج إلى مساعدة في كتابة سيرتي الذاتية باللغة النرويجية. "
  "هل يمكن حجز موعد؟\n\nشكراً", subj="طلب مساعدة", cte="base64")
S("p26-i1", "11-06 10:05", "Hei, kan jeg få hjelp med CV på norsk? Mohammed")
S("p26-i2", "11-30 08:40", "السلام عليكم، لم تصل المساعدة لشهر ديسمبر. متى تصل؟ محمد صالح")
S("p26-i2", "11-30 12:10", "Hei Mohammed. Pengene er sendt i dag og er på konto i morgen. Hilsen Nav Tromsø", out=True)

# ===================================================== p27 Petra Ananiassen (nb) – long multi-question e-mail
E("p27-i1", "10-19 20:55", "Hei!\n\nJeg har noen spørsmål etter møtet vårt forrige uke:\n\n"
  "1. Kan jeg ha arbeidsutprøvingen på Tromsø Museum, der jeg har fått tilbud om to dager i uka?\n"
  "2. Hvordan fører jeg timene fra utprøvingen på meldekortet – som arbeid eller som aktivitet?\n"
  "3. Får jeg dekket bussen dit, eller må jeg betale selv?\n\n"
  "Jeg vil gjerne starte så fort som mulig.\n\nMvh\nPetra Ananiassen", subj="Spørsmål om arbeidsutprøving",
  id="p27m1")
E("p27-i1", "10-21 11:45", "Hei Petra.\n\n1. Ja, Tromsø Museum er godkjent.\n2. Du fører det som aktivitet, ikke "
  "arbeid.\n3. Ja, du kan søke om tilleggsstønad til reise.\n\nVi lager avtalen denne uken." + SIG,
  reply="p27m1", out=True)
D("p27-i2", "11-16 10:20", "p27-a", "Jeg har ført feil timer på meldekortet for uke 45 – skrev 15 timer aktivitet, det "
  "skulle vært 10. Hvordan retter jeg?", title="Meldekort uke 45")
S("p27-i3", "11-16 13:00", "hei, kan du ringe meg? det gjelder legeerklæringa fra fastlegen")
S("p27-i3", "11-17 12:45", "fortsatt ingen som har ringt")
S("p27-i3", "11-17 13:10", "Beklager, Petra. Jeg ringer deg i morgen kl. 9. Hilsen veileder, Nav Tromsø", out=True)

# ===================================================== p28 Johnny Olsen (Tromsø dialect, no e-mail)
S("p28-i1", "10-09 09:10", "Hei. Johnny Olsen her. Æ har fått brev om at æ skal betale tebake penga. Ka e det for "
  "nokka? Æ har ikkje fått nokka ekstra")
S("p28-i1", "10-09 09:12", "ring mæ")
D("p28-i1", "10-12 08:30", "p28-a", "Som æ skreiv på sms fredag: æ skjønne ikkje brevet om tebakebetaling. Æ har ikkje "
  "8000 kr å betale. Ka gjør æ?", title="Tebakebetaling")
D("p28-i1", "10-12 14:00", "p28-a", "Hei Johnny. Det gjelder feriepenger som ble utbetalt to ganger i juni. Du kan søke "
  "om nedbetalingsplan – vi hjelper deg med det. Jeg ringer deg i morgen.", out=True)
S("p28-i2", "11-27 09:05", "fikk ikke møtt i dag, bilen starta ikkje. kaldt som faen i dag")

# ===================================================== p29 Mariia Bondarenko (ru / uk / en)
S("p29-i1", "10-21 07:30", "Здравствуйте, я не получила деньги за октябрь. Когда они придут? Мария Бондаренко")
D("p29-i1", "10-21 12:10", "p29-a", "Добрий день. Виплата за жовтень досі не надійшла на рахунок. Прошу перевірити.",
  title="Виплата")
D("p29-i1", "10-22 09:30", "p29-a", "Hei Mariia. Utbetalingen ble stoppet fordi kontonummeret var feil. Den er sendt på "
  "nytt nå.", out=True)
S("p29-i1", "10-23 10:40", "спасибо, пришли")
D("p29-i2", "11-18 19:00", "p29-a", "Можна питання про інше? Я хочу поїхати до Польщі на тиждень у грудні, до мами. "
  "Чи треба повідомляти NAV?")
E("p29-i2", "11-24 21:10", "Hi,\n\nI asked in the activity plan on 18.11 about a trip to Poland 14–20 December. Do I "
  "need permission from NAV, and what happens to my introduction benefit that week?\n\nMariia Bondarenko",
  subj="Travel in December", id="p29m1")
E("p29-i2", "11-25 10:30", "Hi Mariia,\n\nYou must apply for leave from the programme (permisjon). Use the form "
  "in the activity plan at least two weeks before you travel.\n\nKind regards\nNav Tromsø",
  reply="p29m1", out=True, qlang="en")

# ===================================================== p30 Daniel Solli (nb)
E("p30-i1", "10-20 14:10", "Hei.\n\nJeg har fått jobbintervju hos Coop Nord torsdag 22.10 kl. 10, samme tid som "
  "møtet vårt. Kan vi ta møtet på telefon senere på dagen, eller flytte det?\n\nMvh\nDaniel Solli",
  subj="Endring av møte torsdag")
S("p30-i1", "10-21 19:35", "hei, kan vi ta torsdagsmøtet over telefon på ettermiddagen i stedet? daniel")
S("p30-i2", "10-23 15:30", "fikk jobben!!! 🎉 hva skjer med dagpengene nå?")
D("p30-i2", "10-23 16:05", "p30-a", "Jeg har fått fast jobb hos Coop Nord fra 2. november. Hva må jeg gjøre for å "
  "stoppe dagpengene?", title="Ny jobb")
D("p30-i2", "10-26 09:10", "p30-a", "Gratulerer, Daniel! Før timene på meldekortet som vanlig og kryss av for at du har "
  "fått jobb. Da stanser dagpengene automatisk.", out=True)
# ===================================================== p31 Amal Yousef (ar / nb, no e-mail)
S("p31-i1", "11-30 08:20", "صباح الخير، لم يصل المال حتى الآن. أطفالي بحاجة إلى طعام. أمل")
D("p31-i1", "11-30 09:05", "p31-a", "Hei, penger for desember er ikke kommet. Kan dere se? Amal", title="Utbetaling")
D("p31-i1", "11-30 12:20", "p31-a", "Hei Amal. Utbetalingen er sendt i dag. Den er på kontoen din i morgen tidlig.", out=True)
D("p31-i1", "12-01 08:30", "p31-a", "takk kom")
S("p31-i2", "12-08 10:00", "مرحبا، أريد موعداً مع المرشدة لنتحدث عن العمل.")
S("p31-i2", "12-08 10:04", "Kan jeg få møte med deg om jobb? Amal")

# ===================================================== p32 Kristoffer Moe (nb, slang; borrows a friend's phone)
S("p32-i1", "10-28 23:10", "yo, e d mulig å få hjelp m førerkort? trenger lappen for å få jobb på lager")
D("p32-i1", "10-29 08:30", "p32-a", "Hei! Jeg har fått tilbud om jobb på et lager i Breivika, men de krever førerkort "
  "klasse B. Kan Nav hjelpe med noe av kostnaden?", title="Førerkort")
D("p32-i1", "10-30 12:00", "p32-a", "Hei Kristoffer. Vi kan se på det, men trenger bekreftelse fra arbeidsgiver om at du "
  "får jobben med førerkort.", out=True)
S("p32-i1", "11-06 21:45", "det e kristoffer moe, lånt tlf te kompisen. har sendt bekreftelsen fra lageret i planen. "
  "noe nytt om lappen?", num=PH_FRIEND_KRISTOFFER)
D("p32-i1", "11-09 10:15", "p32-a", "Vi har fått bekreftelsen. Nav dekker kjøretimene – avtalen sendes deg i posten.",
  out=True)
S("p32-i2", "11-12 07:10", "sykk i dag, kommer ikke på tiltak 🤒")
S("p32-i2", "11-13 07:30", "fortsatt dårlig")

# ===================================================== p33 Astrid Nilsen (nn)
E("p33-i1", "10-22 15:00", "Hei.\n\nEg søkte om uføretrygd i august og lurer på kor langt saka er komen. Eg har ikkje "
  "fått noko brev etter at eg fekk stadfesting på at søknaden var motteken.\n\nVenleg helsing\nAstrid Nilsen",
  subj="Søknad om uføretrygd – stoda", id="p33m1")
S("p33-i1", "11-26 10:30", "Hei. Eg sende e-post 22. oktober om uføresøknaden min. Har ikkje fått svar. Astrid Nilsen")
E("p33-i1", "11-26 14:10", "Hei Astrid.\n\nOrsak at du ikkje har fått svar. Saka di ligg no hos rådgjevande lege, og "
  "vi reknar med vedtak i løpet av januar.\n\nVenleg helsing\nNav Tromsø", reply="p33m1", out=True, id="p33m2")
E("p33-i2", "11-27 09:20", "Takk for svar.\n\nEit anna spørsmål: eg har flytta til Kvaløysletta. Må eg melde ny adresse "
  "til Nav, eller held det at eg har meldt flytting til Folkeregisteret?\n\nAstrid", reply="p33m2", id="p33m3")
E("p33-i2", "11-27 12:00", "Hei Astrid.\n\nDet held å melde flytting til Folkeregisteret, vi får adressa automatisk.\n\n"
  "Venleg helsing\nNav Tromsø", reply="p33m3", out=True)

# ===================================================== p34 Filmon Tekle (ti / nb, no e-mail)
S("p34-i1", "11-02 09:30", "hei jeg mistet bankkort og har ny konto. pengene fra nav kan gå til ny konto?")
S("p34-i1", "11-02 09:41", "ሰላም። ሓድሽ ቁጽሪ ባንኪ ኣለኒ። ገንዘብ ናብ ሓድሽ ሕሳብ ክኣቱ ደልየ። ፍልሞን")
S("p34-i1", "11-02 13:15", "Hei Filmon. Du endrer kontonummer selv på nav.no under «Personopplysninger». Trenger du "
  "hjelp, kom innom kontoret. Hilsen Nav Tromsø", out=True)
S("p34-i1", "11-03 10:00", "ok takk")
S("p34-i2", "11-16 07:20", "Hei dette er Filmon. Jeg kan ikke komme på kurs i dag, jeg er syk")
S("p34-i2", "11-17 07:25", "ሎሚ'ውን ሓሚመ ኣለኹ። ናብ ኮርስ ክመጽእ ኣይኽእልን።")

# ===================================================== p35 Jessica Brown (en)
E("p35-i1", "10-15 12:30", "Hi,\n\nI'm due in February. My partner is Norwegian and I've worked at UiT for eight "
  "months on a temporary contract. Am I entitled to parental benefit (foreldrepenger), and when should I apply?\n\n"
  "Thanks in advance,\nJessica Brown", subj="Question about parental benefit")
D("p35-i1", "10-20 09:00", "p35-a", "I emailed you on 15.10 about parental benefit – any update?",
  title="Parental benefit")
D("p35-i1", "10-21 10:40", "p35-a", "Hi Jessica. You have worked more than six of the last ten months, so you qualify. "
  "Apply at nav.no no later than four weeks before your leave starts.", out=True)
S("p35-i2", "11-10 16:20", "Hi Jessica here, can't make it to the appointment on thursday – could we do a phone call instead?")

# ===================================================== p36 Tomasz Lewandowski (pl / nb)
S("p36-i1", "10-05 08:00", "Dzień dobry, nie dostałem pieniędzy za wrzesień. Tomasz L.")
S("p36-i1", "10-06 07:45", "hei jeg har ikke fått dagpenger for september")
E("p36-i2", "10-06 21:00", "Dzień dobry,\n\nchcę zmienić numer konta bankowego, bo zamknąłem konto w banku. Nowy "
  "numer: 1503.44.12345. Czy mogę to zrobić przez e-mail?\n\nTomasz Lewandowski", subj="Zmiana numeru konta",
  id="p36m1")
S("p36-i1", "10-07 09:15", "Hei Tomasz. Dagpengene for september ble utbetalt 6.10 og er på konto i dag. Hilsen Nav Tromsø",
  out=True)
S("p36-i1", "10-07 10:02", "ok dziekuje")
E("p36-i2", "10-07 13:40", "Hei Tomasz.\n\nAv sikkerhetsgrunner kan vi ikke endre kontonummer på e-post. Logg inn på "
  "nav.no med BankID og endre det under «Personopplysninger»." + SIG, reply="p36m1", out=True)

# ===================================================== p37 Sofia Andersson (sv)
S("p37-i1", "10-19 11:05", "hej! hur gör jag för att skicka meldekort? hittar inte knappen 🙈")
S("p37-i1", "10-19 11:30", "Hei Sofia. Logg inn på nav.no, velg «Meldekort» under «Mitt Nav». Hilsen Nav Tromsø", out=True)
S("p37-i1", "10-19 11:48", "tack, löst!")
E("p37-i2", "11-16 20:15", "Hej,\n\nbanken behöver ett intyg på att jag får dagpenger, och hur mycket per månad. "
  "Kan ni skicka ett sådant?\n\nMvh Sofia Andersson", subj="Intyg till banken")
D("p37-i2", "11-19 08:05", "p37-a", "Skickade mejl i måndags om intyg till banken – har ni sett det?", title="Intyg")
D("p37-i2", "11-19 12:45", "p37-a", "Hei Sofia. Vedtaksbrevet og utbetalingsoversikten på nav.no er godkjent som "
  "dokumentasjon i bankene. Trenger du noe mer, si fra.", out=True)

# ===================================================== p38 Geir Kristiansen (nb) – long e-mail, then NEW question
E("p38-i1", "11-02 10:00", "Hei.\n\nJeg har vært sykmeldt siden februar og har noen spørsmål:\n\n"
  "- Når er maksdatoen for sykepengene mine?\n- Må jeg søke AAP selv, eller skjer det automatisk?\n"
  "- Hvis jeg får AAP, hvor mye går jeg ned i inntekt?\n\nJeg har prøvd å finne det på nav.no, men blir ikke klok "
  "av det.\n\nMed vennlig hilsen\nGeir Kristiansen", subj="Sykepenger og AAP", id="p38m1")
E("p38-i1", "11-04 09:30", "Hei Geir.\n\nMaksdatoen din er 12. februar 2027. Du må søke AAP selv, helst åtte uker før. "
  "AAP utgjør 66 % av inntekten din, så du går noe ned.\n\nVi kan ta en gjennomgang på telefon." + SIG,
  reply="p38m1", out=True)
S("p38-i1", "11-04 18:00", "takk for grundig svar på mailen!")
S("p38-i2", "11-05 08:50", "en ting til: får jeg feriepenger av sykepengene neste år?")

# ===================================================== p39 Stian Lund (nb)   [same first name as p42]
S("p39-i1", "10-26 09:15", "hei, stian her. når er neste meldekort? dagpengene ble innvilget i går")
S("p39-i1", "10-26 10:05", "Hei Stian. Neste meldekort kan sendes fra fredag 30.10. Hilsen Nav Tromsø", out=True)
D("p39-i2", "11-03 12:00", "p39-a", "Kan noen se over CV-en min før jeg søker på jobb i kommunen? Fristen er 10. november.",
  title="CV")
E("p39-i2", "11-05 13:45", "Hei,\n\nla ut spørsmål i aktivitetsplanen tirsdag om CV. Legger ved CV-en her også.\n\n"
  "Stian Lund", subj="CV", id="p39m1")
E("p39-i2", "11-06 09:00", "Hei Stian.\n\nCV-en ser bra ut! Flytt gjerne arbeidserfaringen øverst og kort ned "
  "profilteksten." + SIG, reply="p39m1", out=True)

# ===================================================== p40 Anne Lise Dahl (nb)
E("p40-i1", "10-08 13:20", "Hei.\n\nJeg starter arbeidsutprøving på Finnsnes 19. oktober og må kjøre egen bil, ca. "
  "75 km hver vei. Kan jeg få dekket kjøring, og hvordan dokumenterer jeg det?\n\nMed vennlig hilsen\n"
  "Anne Lise Dahl", subj="Kjøregodtgjørelse arbeidsutprøving", id="p40m1")
S("p40-i1", "10-14 11:30", "Hei. Viser til e-post 8. oktober om kjøregodtgjørelse til Finnsnes. Har ikke fått svar. "
  "Anne Lise Dahl")
E("p40-i1", "10-14 15:00", "Hei Anne Lise.\n\nDu kan søke om tilleggsstønad til daglig reise med egen bil. Før opp "
  "kjøringen i en kjørebok og send den inn hver måned." + SIG, reply="p40m1", out=True)
D("p40-i2", "11-30 08:10", "p40-a", "Jeg har fått ny sykmelding fra fastlegen til 31.12. Har dere fått den?",
  title="Sykmelding")

# ===================================================== p41 Ibrahim Diallo (en / nb)
S("p41-i1", "11-02 16:00", "Hello, I got a letter from NAV in norwegian and I dont understand it. can someone explain? Ibrahim")
D("p41-i1", "11-02 16:20", "p41-a", "Jeg har fått brev om «varsel om stans». Hva betyr det?", title="Brev")
D("p41-i1", "11-03 09:50", "p41-a", "Hei Ibrahim. Brevet betyr at vi vil stanse dagpengene hvis du ikke sender "
  "meldekortet for uke 43. Send det innen fredag, så stanser vi ikke.", out=True)
S("p41-i1", "11-03 18:30", "ok thank you, sent it now")

# ===================================================== p42 "Stian" – NOT in register, unsigned number
S("p42-i1", "10-26 11:40", "Hei det er Stian. Når må jeg sende meldekortet?")
S("p42-i1", "10-26 13:00", "Hei Stian. Hvem er du? Send oss fullt navn og fødselsdato, så kan vi hjelpe deg. "
  "Hilsen Nav Tromsø", out=True)
S("p42-i1", "10-26 13:20", "stian eliassen 14.05.93. meldekort for dagpenger")
S("p42-i2", "11-18 14:00", "Stian E igjen. fikk jobb på rema fra desember. trenger jeg å gjøre noe?")

# ===================================================== p43 Eva Larsen – NOT in register, e-mail only
E("p43-i1", "11-18 09:30", "Hei.\n\nJeg heter Eva Larsen, født 12.03.1980, og har flyttet til Tromsø fra Bodø i "
  "oktober. Jeg hadde sosialhjelp i Bodø, men har ikke fått noe siden jeg flyttet. Hvem er veilederen min nå?\n\n"
  "Eva Larsen", subj="Har flyttet – hvem er veilederen min?", id="p43m1")
E("p43-i1", "11-18 14:30", "Hei Eva.\n\nDu må søke om sosialhjelp på nytt i Tromsø. Kom på drop-in mandag kl. 10 "
  "i Storgata, så hjelper vi deg." + SIG, reply="p43m1", out=True, id="p43m2")
E("p43-i1", "11-18 19:50", "Takk, jeg kommer på mandag.\n\nEva", reply="p43m2")

# ===================================================== p44 Jolanta Wójcik – NOT in register (pl / en)
S("p44-i1", "11-10 10:10", "Dzień dobry, nazywam się Jolanta Wójcik. Przyjechałam do Tromsø w październiku. "
  "Czy mogę dostać pomoc w szukaniu pracy?")
E("p44-i1", "11-11 08:00", "Hello,\n\nmy name is Jolanta Wójcik, I sent you an SMS yesterday. I want to register as a "
  "jobseeker in Tromsø. I have a D-number but no BankID yet.\n\nBest regards\nJolanta", subj="Register as jobseeker",
  id="p44m1")
E("p44-i1", "11-11 13:30", "Hi Jolanta,\n\nWithout BankID you can register at our office. Come to the drop-in on "
  "Tuesday or Thursday between 10 and 14 and bring your passport.\n\nKind regards\nNav Tromsø",
  reply="p44m1", out=True, qlang="en")

# ===================================================== p45 anonymous e-mail – NOT in register
E("p45-i1", "12-03 23:05", "hei. hvor mye kan man få i sosialhjelp hvis man bor alene? spør for en venn",
  id="p45m1")
E("p45-i1", "12-09 22:30", "hallo? ingen svar?", reply="p45m1", id="p45m2")
E("p45-i1", "12-10 10:00", "Hei.\n\nSosialhjelp vurderes individuelt. Veiledende sats for en enslig er ca. 7 400 kr i "
  "måneden i tillegg til boutgifter. Vennen din kan søke på nav.no." + SIG, reply="p45m2", out=True)

# ===================================================== later inquiries and follow-ups (December etc.)

# p01 Kari – i3 Christmas trip (new question, same benefit as i1/i2)
E("p01-i3", "12-03 08:30", "Hei.\n\nJeg har fått tilbud om å bli med familien til Gran Canaria 20.–30. desember. "
  "Kan jeg reise og fortsatt få dagpenger, eller må jeg melde fra på en spesiell måte?\n\nHilsen Kari Nordvik",
  subj="Reise i jula", id="p01m3")
S("p01-i3", "12-04 12:15", "hei igjen. går det an å være 10 dager i syden i jula uten å miste dagpengene?")
E("p01-i3", "12-07 10:40", "Hei Kari.\n\nDu kan ha inntil fem ukers ferie i året uten dagpenger. Kryss av for ferie "
  "på meldekortet for de dagene du er borte – da får du ikke dagpenger de dagene, men du mister ikke retten." + SIG,
  reply="p01m3", out=True)
D("p01-i3", "12-09 19:40", "p01-a", "Skjønte svaret, takk!")

# p02 Ståle – i3 after the truck course: next step (new question in the old thread)
D("p02-i3", "12-02 13:20", "p02-a", "Kurset e ferdig og æ har fått beviset. Ka gjør æ no – ska æ søke jobban sjøl elle "
  "hjelpe dokker te?")
S("p02-i3", "12-03 08:05", "la ut kursbeviset i planen. vil gjerne ha hjelp te å søke på lagerjobban")

# p07 Aleksandr – complaint, third channel (new thread)
D("p07-i1", "11-19 20:30", "p07-b", "Jeg venter fortsatt på svar på klagen om tilbakebetaling fra oktober. Kan dere "
  "sjekke?", title="Klage")

# p08 Katarzyna – husband writes from the shared address about HER barnetrygd; she follows up by SMS
E("p08-i1", "12-07 21:30", "Hei,\n\ndet er Marek som skriver, mannen til Katarzyna. Hun har fortsatt ikke fått "
  "barnetrygd for sønnen vår, og det har ikke kommet noe brev. Kan dere se på det?\n\nMarek Zieliński",
  subj="Barnetrygd Katarzyna Zielińska", name="Marek Zieliński")
S("p08-i1", "12-08 09:10", "Dzień dobry, barnetrygd dalej nie przyszło. Kasia Zielińska")

# p10 Carlos – i4 smaller payment than expected (same benefit as i3, new question)
S("p10-i4", "12-08 08:45", "hi, why was my payment so small this time? only 6200 kr")
D("p10-i4", "12-08 09:30", "p10-a", "¿Por qué he recibido menos dinero esta vez? Solo 6200 coronas.")
S("p10-i4", "12-10 10:00", "hello??")
D("p10-i4", "12-10 13:15", "p10-a", "Hei Carlos. Du førte 20 timer arbeid på meldekortet, og da blir dagpengene "
  "redusert for den perioden.", out=True)

# p12 Mohammad – nothing more

# p13 Rasa – i3 winter shoes for the children (lt sms + nb dialog in old thread)
S("p13-i3", "12-07 07:50", "Laba diena, ar galima gauti pinigų žieminiams batams vaikams? Rasa")
D("p13-i3", "12-07 19:25", "p13-a", "Kan jeg søke om penger til vintersko til barna? De har vokst ut av de gamle.")

# p14 Layla – Arabic twin of the sick-daughter SMS
S("p14-i2", "11-11 07:47", "ابنتي مريضة، لا أستطيع الحضور إلى الدورة اليوم. ليلى")

# p17 Hanna Berg – i3 missed meeting because of bus (new question in the old «Sykmelding» thread)
S("p17-i3", "11-11 08:00", "hanna her, rekker ikke møtet i dag kl 13, bussen sto 😩")
D("p17-i3", "11-11 08:20", "p17-a", "Rekker ikke møtet i dag pga bussen, kan vi ta det på telefon i stedet?")

# p19 Mette – i2 new question on the AAP decision (barnetillegg)
S("p19-i2", "12-01 18:10", "Hei, Mette her. AAP-vedtaket kom, takk. Men barnetillegget er ikke med – skal ikke det med?")
E("p19-i2", "12-02 07:55", "Hei.\n\nI vedtaket om forlengelse av AAP mangler barnetillegget for Jørgen, som jeg "
  "fikk i forrige periode. Han er fortsatt under 18. Kan dere rette dette?\n\nVennlig hilsen\nMette Hansen",
  subj="Barnetillegg mangler i AAP-vedtak")

# p20 Rune – i3 electricity bill (new question in the old «Bolig» thread)
S("p20-i3", "12-07 08:15", "strømmen blir stengt fredag hvis jeg ikke betaler 4300. kan dere hjelpe")
D("p20-i3", "12-07 08:30", "p20-a", "Fikk stengevarsel fra strømselskapet i dag. Jeg skylder 4300 og har ikke penger. "
  "Hva gjør jeg?")
S("p20-i3", "12-09 09:00", "???")

# p23 Ida – i3 extra Christmas job
S("p23-i3", "12-02 15:40", "heii, kan jeg jobbe ekstra i en butikk i jula selv om jeg er på tiltak? 🎄")
E("p23-i3", "12-02 21:00", "Hei!\n\nJeg har fått tilbud om ekstravakter på Jekta i romjula. Går det greit å ta "
  "dem ved siden av arbeidstreningen?\n\nHilsen Ida Strøm", subj="Ekstrajobb i jula")

# p26 Mohammed – i3 glasses for his daughter (nb e-mail + ar sms)
E("p26-i3", "12-04 11:00", "Hei.\n\nDatteren min på 9 år trenger briller, og optikeren sier det koster 2800 kr. Kan "
  "jeg søke om støtte til dette?\n\nHilsen Mohammed Saleh", subj="Støtte til briller")
S("p26-i3", "12-04 17:35", "مرحبا، ابنتي تحتاج نظارات، السعر ٢٨٠٠ كرونة. هل يمكن المساعدة؟ محمد")

# p28 Johnny – repayment plan pending (i1)
D("p28-i1", "11-02 09:00", "p28-a", "Æ sendte søknaden om nedbetalingsplan 15. oktober. Har ikkje hørt nokka sia.")
S("p28-i1", "11-16 10:30", "hallo? nedbetalingsplanen?")

# p33 Astrid – third channel on the pending disability application
D("p33-i1", "11-10 11:00", "p33-a", "Korleis går det med søknaden min om uføretrygd?", title="Uføretrygd")

# p34 Filmon – i3 income confirmation for family reunification (ti + nb)
S("p34-i3", "12-02 09:10", "ሰላም። ንምጥርናፍ ስድራ ናይ ኣታዊ ወረቐት ካብ ናቭ የድልየኒ ኣሎ። ፍልሞን")
S("p34-i3", "12-02 09:30", "Hei jeg trenger papir om inntekt fra nav til UDI familiegjenforening. Filmon Tekle")

# p36 Tomasz – i3 Norwegian evening course while on dagpenger
E("p36-i3", "11-19 20:20", "Dzień dobry,\n\nchciałbym chodzić na wieczorny kurs norweskiego dwa razy w tygodniu. "
  "Czy mogę nadal dostawać dagpenger?\n\nTomasz Lewandowski", subj="Kurs norweskiego", id="p36m3")
S("p36-i3", "11-20 08:15", "hei kan jeg gå på norskkurs om kvelden og fortsatt få dagpenger?")
S("p36-i3", "11-27 12:00", "i co z kursem?")
E("p36-i3", "11-27 15:20", "Hei Tomasz.\n\nJa, kveldskurs går fint så lenge du er tilgjengelig for arbeid på dagtid." + SIG,
  reply="p36m3", out=True)

# p39 Stian Lund – i3 got the job
S("p39-i3", "12-01 10:20", "hei! fikk jobben i kommunen 🙌 starter 4. januar. må jeg gjøre noe?")
D("p39-i3", "12-01 10:35", "p39-a", "Jeg har fått fast jobb i Tromsø kommune fra 4. januar. Hva skjer med dagpengene "
  "og meldekortet?")

# p41 Ibrahim – i2 travel to a job interview
E("p41-i2", "11-24 17:00", "Hello,\n\nI have a job interview in Alta on Friday 27 November. Can NAV pay for the bus "
  "or flight? I don't have money for the ticket.\n\nRegards\nIbrahim Diallo", subj="Travel to job interview",
  id="p41m2")
S("p41-i2", "11-25 08:40", "Hei, sendte e-post i går om reise til jobbintervju i Alta fredag. Haster!")
S("p41-i2", "11-26 07:55", "??")
E("p41-i2", "11-26 10:10", "Hi Ibrahim,\n\nYes, you can get travel support for the interview. Come to the office "
  "today and we will book the bus ticket for you.\n\nKind regards\nNav Tromsø", reply="p41m2", out=True,
  qlang="en")

# p42 unknown «Stian» – content-poor follow-up from the unregistered number
S("p42-i2", "11-20 16:30", "hallo")

# ---------------------------------------------------------------- fnr (synthetic: month + 80, mod-11 check digits)
W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2]
W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]


def check_digits(d9):
    k1 = 11 - sum(int(c) * w for c, w in zip(d9, W1)) % 11
    k1 = 0 if k1 == 11 else k1
    if k1 == 10:
        return None
    d10 = d9 + str(k1)
    k2 = 11 - sum(int(c) * w for c, w in zip(d10, W2)) % 11
    k2 = 0 if k2 == 11 else k2
    if k2 == 10:
        return None
    return d10 + str(k2)


def make_fnr(birth, indiv):
    y, m, d = birth.split("-")
    while True:
        f = check_digits(f"{d}{int(m) + 80:02d}{y[2:]}{indiv:03d}")
        if f:
            return f
        indiv += 1


def fnr_valid(f):
    return len(f) == 11 and f.isdigit() and check_digits(f[:9]) == f


P = {}
for pid, name, birth, indiv, phone, mail in PERSONS:
    fnr = make_fnr(birth, indiv)
    aktor = "2" + str(int(hashlib.sha256(("aktor" + fnr).encode()).hexdigest(), 16))[:12]
    P[pid] = dict(pid=pid, name=name, fnr=fnr, aktor=aktor, phone=phone, email=mail)


def local_dt(when):
    md, hm = when.split(" ")
    mo, da = map(int, md.split("-"))
    hh, mi = map(int, hm.split(":"))
    naive = dt.datetime(YEAR, mo, da, hh, mi)
    # Europe/Oslo: CEST until 25 Oct 2026 03:00, CET after
    off = 2 if naive < dt.datetime(YEAR, 10, 25, 3, 0) else 1
    return naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=off)))


def fill(text):
    return re.sub(r"\{fnr:(p\d\d)\}", lambda m: P[m.group(1)]["fnr"], text)


WD = ["man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn."]
MN = ["jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "des."]

for i, r in enumerate(R):
    r["idx"] = i
    r["person"] = r.get("by") or r["inq"].split("-")[0]
    r["dt"] = local_dt(r["when"])
    r["text"] = fill(r["text"])

labels = []

# ---------------------------------------------------------------- contacts.csv
with open(os.path.join(HERE, "contacts.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["fnr", "aktor_id", "name", "phone", "email"])
    for pid, *_ in PERSONS:
        if pid in UNREGISTERED:
            continue
        p = P[pid]
        w.writerow([p["fnr"], p["aktor"], p["name"], p["phone"], p["email"]])

# ---------------------------------------------------------------- sms.json
BASE = f"/2010-04-01/Accounts/{ACC}/Messages"
sms = []
for r in R:
    if r["ch"] != "sms":
        continue
    num = r["num"] or P[r["person"] if not r["out"] else r["inq"].split("-")[0]]["phone"]
    assert num, r
    sid = "SM" + hashlib.md5(f"sms-{r['idx']}-{r['text']}".encode()).hexdigest()
    d = email.utils.format_datetime(r["dt"].astimezone(dt.timezone.utc)).replace("-0000", "+0000")
    sms.append((r["dt"], dict(
        account_sid=ACC, api_version="2010-04-01", body=r["text"],
        date_created=d, date_sent=d, date_updated=d,
        direction="outbound-api" if r["out"] else "inbound",
        error_code=None, error_message=None,
        **{"from": OFFICE_NUM if r["out"] else num, "to": num if r["out"] else OFFICE_NUM},
        messaging_service_sid=None, num_media="0", num_segments="1", price=None, price_unit="USD",
        sid=sid, status="delivered" if r["out"] else "received",
        subresource_uris={"media": f"{BASE}/{sid}/Media.json"}, uri=f"{BASE}/{sid}.json")))
    labels.append((f"sms:{sid}", r))
sms.sort(key=lambda t: t[0], reverse=True)
n = len(sms)
first = f"{BASE}.json?PageSize={n}&Page=0"
with open(os.path.join(HERE, "sms.json"), "w", encoding="utf-8") as f:
    json.dump({"messages": [m for _, m in sms], "end": n - 1, "first_page_uri": first,
               "next_page_uri": None, "page": 0, "page_size": n, "previous_page_uri": None,
               "start": 0, "uri": first}, f, ensure_ascii=False, indent=2)

# ---------------------------------------------------------------- mail.mbox
POL = email.policy.default.clone(linesep="\n")
byid = {}
mails = []
for r in R:
    if r["ch"] != "email":
        continue
    inq_person = r["inq"].split("-")[0]
    parent = byid.get(r["reply"]) if r["reply"] else None
    if r["out"]:
        addr = r["addr"] or (parent["cit_addr"] if parent else P[inq_person]["email"])
        name = r["name"] if r["name"] is not None else (parent["cit_name"] if parent else P[inq_person]["name"])
    else:
        addr = r["addr"] or (parent["cit_addr"] if parent else P[r["person"]]["email"])
        name = r["name"] if r["name"] is not None else P[r["person"]]["name"]
    assert addr, r
    r["cit_addr"], r["cit_name"] = addr, name
    dom = OFFICE_MAIL.split("@")[1] if r["out"] else addr.split("@")[1]
    mid = "<" + hashlib.sha1(f"mail-{r['idx']}".encode()).hexdigest()[:20] + "." + str(int(r["dt"].timestamp())) + "@" + dom + ">"
    r["mid"] = mid
    if parent:
        subj = r["subj"] or ("Re: " + re.sub(r"^(Re|SV|Sv): ", "", parent["subj_final"]))
    else:
        subj = r["subj"] or "(uten emne)"
    r["subj_final"] = subj
    body = r["text"]
    if parent and r["quote"] and not parent["html"]:
        pd = parent["dt"]
        pfrom = (f"{OFFICE_NAME} <{OFFICE_MAIL}>" if parent["out"] else
                 (f"{parent['cit_name']} <{parent['cit_addr']}>" if parent["cit_name"] else parent["cit_addr"]))
        if r["qlang"] == "en":
            hdr = f"On {pd:%a}, {pd.day} {pd:%b} {pd.year} at {pd:%H:%M}, {pfrom} wrote:"
        else:
            hdr = f"Den {WD[pd.weekday()]} {pd.day}. {MN[pd.month - 1]} {pd.year} kl. {pd:%H:%M} skrev {pfrom}:"
        quoted = "\n".join(">" + (" " + ln if ln and not ln.startswith(">") else ln) for ln in parent["body"].split("\n"))
        body = body + "\n\n" + hdr + "\n" + quoted
    r["body"] = body
    m = EmailMessage(policy=POL)
    office = email.headerregistry.Address(OFFICE_NAME, addr_spec=OFFICE_MAIL)
    cit = email.headerregistry.Address(name or "", addr_spec=addr)
    m["From"] = office if r["out"] else cit
    m["To"] = cit if r["out"] else office
    m["Subject"] = subj
    m["Date"] = email.utils.format_datetime(r["dt"])
    m["Message-ID"] = mid
    if parent:
        refs = (parent.get("refs") or []) + [parent["mid"]]
        r["refs"] = refs
        m["In-Reply-To"] = parent["mid"]
        m["References"] = " ".join(refs)
    m["MIME-Version"] = "1.0"
    m.set_content(body + ("" if r["html"] else "\n"), subtype="html" if r["html"] else "plain",
                  charset="utf-8", cte=r["cte"])
    mails.append((r["dt"], m))
    if r["id"]:
        byid[r["id"]] = r
    labels.append((f"email:{mid}", r))
mbox_path = os.path.join(HERE, "mail.mbox")
if os.path.exists(mbox_path):
    os.remove(mbox_path)
box = mailbox.mbox(mbox_path, create=True)
box.lock()
for _, m in sorted(mails, key=lambda t: t[0]):
    mm = mailbox.mboxMessage(m)
    mm.set_from("MAILER-DAEMON", time.strptime("Mon Dec  7 14:08:06 2026", "%a %b %d %H:%M:%S %Y"))
    box.add(mm)
box.flush()
box.unlock()
box.close()

# ---------------------------------------------------------------- dialog.json
threads = {}
order = []
for r in R:
    if r["ch"] != "dialog":
        continue
    th = r["thread"]
    owner = th[:3]
    assert (r["inq"].split("-")[0] if r["out"] else r["person"]) == owner, r
    if th not in threads:
        assert r["title"], r
        threads[th] = dict(owner=owner, title=r["title"], msgs=[])
        order.append(th)
    threads[th]["msgs"].append(r)
hid = 4180000
dialog_num = {}
for k, th in enumerate(sorted(order, key=lambda t: threads[t]["msgs"][0]["dt"])):
    dialog_num[th] = str(871200 + 37 * k)
people = {}
for th in order:
    t = threads[th]
    did = dialog_num[th]
    hs = []
    for r in sorted(t["msgs"], key=lambda r: r["dt"]):
        hid += 13 + (r["idx"] % 7)
        r["hid"] = str(hid)
        hs.append(dict(id=r["hid"], dialogId=did, avsender="VEILEDER" if r["out"] else "BRUKER",
                       avsenderId=VEILEDER if r["out"] else None, sendt=r["dt"].isoformat(),
                       lest=True, viktig=False, tekst=r["text"]))
        labels.append((f"dialog:{r['hid']}", r))
    people.setdefault(t["owner"], []).append(dict(
        id=did, aktivitetId=None, overskrift=t["title"], sisteTekst=hs[-1]["tekst"],
        sisteDato=hs[-1]["sendt"], opprettetDato=hs[0]["sendt"], historisk=False, lest=True,
        venterPaSvar=False, ferdigBehandlet=False, lestAvBrukerTidspunkt=None, erLestAvBruker=True,
        oppfolgingsperiode=None, henvendelser=hs, egenskaper=[]))
dlg = []
for pid in sorted(people):
    assert pid not in UNREGISTERED
    dlg.append(dict(fnr=P[pid]["fnr"], aktorId=P[pid]["aktor"], dialoger=people[pid]))
with open(os.path.join(HERE, "dialog.json"), "w", encoding="utf-8") as f:
    json.dump(dlg, f, ensure_ascii=False, indent=2)

# ---------------------------------------------------------------- labels.csv
labels.sort(key=lambda t: t[1]["dt"])
with open(os.path.join(HERE, "labels.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["key", "inquiry", "person", "direction"])
    for key, r in labels:
        person = r["inq"].split("-")[0] if r["out"] else r["person"]
        w.writerow([key, r["inq"], person, "out" if r["out"] else "in"])


# ================================================================ NOTES.md (hand-written; [[inq@when]] expands to the key)
NOTES = """# dedup-fresh2 – hand-written cross-channel test set (Nav Tromsø)

A synthetic, hand-written, labelled test set for grouping citizens' messages that express the
same inquiry across channels. Office: Nav Tromsø (SMS +4777600000, e-mail
nav.tromso@nav.example.no, dialogue in the activity plan). Period 5 Oct – 10 Dec 2026.
All persons, national ID numbers (synthetic: month + 80, valid mod-11 check digits), phone
numbers, addresses and texts are invented; every message text was written by hand for this set.
`build.py` (stdlib only) holds every record and renders the files; re-running it gives
byte-identical output and runs consistency checks.

## Files
- `contacts.csv` – the register (fnr, aktor_id, name, phone, email). p42–p45 are NOT in it.
- `sms.json` – Twilio-style message list, newest first; dates in UTC.
- `mail.mbox` – e-mails (plain quoted-printable, some base64 / 8bit, three HTML-only), with
  In-Reply-To/References and quoted earlier text for replies.
- `dialog.json` – activity-plan dialogues per person (threads with `henvendelser`).
- `labels.csv` – `key` (`sms:<sid>`, `email:<Message-ID>`, `dialog:<henvendelse id>`), `inquiry`,
  `person`, `direction` (in/out).

## Counts
{{COUNTS}}

## Conventions
- An inquiry (`pNN-iK`) is one request as a caseworker sees it. Follow-ups, reminders and closers
  ("pengene kom", "ok takk", "??") belong to the request they refer to. A NEW question is a new
  inquiry even when it is posted in an old dialogue thread, sent as a reply to an old e-mail, or
  concerns the same benefit.
- A message that both closes an old request and asks a new one is labelled with the new one
  ([[p19-i2@12-01 18:10]]).
- A long e-mail with several questions about one matter is one inquiry ([[p27-i1@10-19 20:55]],
  [[p38-i1@11-02 10:00]]); a question asked after that matter was answered is a new one
  ([[p38-i2@11-05 08:50]]).
- `person` = whose matter it is. Messages written by a relative or from a borrowed phone/address
  carry the person whose matter it is (p18 via his mother's phone, p08 via her husband on the shared
  address, p32 via a friend's phone). For outbound rows, `person` is the citizen the reply answers.
- Outbound office replies carry the inquiry they answer. Outbound SMS to a borrowed/shared phone go
  to that number.
- Local times are Europe/Oslo (+02:00 until 25 Oct 03:00, +01:00 after); SMS dates are UTC.

## Persons (languages; inquiries)
- p01 Kari Nordvik (nb): i1 dagpenger not paid; i2 wrong hours on the SAME meldekort; i3 Christmas trip and dagpenger.
- p02 Ståle Pedersen (Tromsø dialect / formal nb mail): i1 Thursday meeting by phone; i2 truck course; i3 next step after the course.
- p03 Hanna Isaksen (nb): i1 sykepenger for September missing; i2 going down to 50 % sick leave.
- p04 Abdirahman Warsame (so / simple nb, no e-mail): i1 deposit guarantee; i2 new job, what about meldekort.
- p05 Saba Gebremedhin (ti / simple nb): i1 winter clothes for the children; i2 who pays the B1 test.
- p06 Oksana Melnyk (uk / nb / en): i1 confirmation for landlord; i2 continue Norwegian course; i3 cancel Monday meeting (sick son).
- p07 Aleksandr Volkov (nb / ru): i1 complaint on repayment, pending 7 weeks; i2 driving licence class C.
- p08 Katarzyna Zielińska (pl / nb): i1 barnetrygd for newborn. Shares e-mail with p09.
- p09 Marek Zieliński (nb / pl): i1 forgot meldekort; i2 rotation job on a fishing boat. Shares e-mail with p08.
- p10 Carlos Mendoza (es / en): i1 how to apply for dagpenger; i2 where is the meeting; i3 decision pending; i4 why a smaller payment.
- p11 Erik Lindqvist (sv / nb): i1 Swedish periods / U1; i2 sick, move Thursday meeting.
- p12 Mohammad Nazari (Dari / nb, no e-mail): i1 October money missing; i2 B1 course.
- p13 Rasa Kazlauskienė (lt / nb): i1 payment overview for the bank; i2 hours on meldekort before pay; i3 winter shoes for children.
- p14 Layla Haddad (nb / ar / en): i1 work placement in a kindergarten; i2 absent today, daughter sick; i3 omsorgspenger.
- p15 Sigmund Elvebakk (nn): i1 AAP complaint, pending 8 weeks; i2 move meeting. Shares phone with p16.
- p16 Tone Elvebakk (nb): i1 help with job seeking after sick leave. Shares phone with p15.
- p17 Hanna Berg (nb): i1 has the sick note arrived; i2 exams and dagpenger; i3 missed meeting (bus).
- p18 Jørgen Hansen (nb, 20): i1 apprenticeship (mother writes from her phone); i2 bus card.
- p19 Mette Hansen (nb, p18's mother): i1 AAP extension; i2 child supplement missing in the AAP decision.
- p20 Rune Karlsen (nb, stressed/rude, no e-mail): i1 housing and deposit; i2 November sosialhjelp late; i3 electricity cut-off.
- p21 Line Mathisen (nb, HTML mails): i1 AAP application pending; i2 online accounting course.
- p22 Thomas Eriksen (nb): i1 complaint on dagpenger refusal, 7 Oct – 1 Dec; i2 short substitute job.
- p23 Ida Strøm (nb): i1 move Friday meeting (exam); i2 bus ticket; i3 extra Christmas job.
- p24 Yusuf Abdullahi (so / nb, no e-mail): i1 sosialhjelp late; i2 interpreter.
- p25 Nadia Rahimi (en / Dari / nb): i1 move 3 Nov meeting; i2 dental support papers.
- p26 Mohammed Saleh (ar / nb): i1 CV help; i2 December money; i3 glasses for daughter.
- p27 Petra Ananiassen (nb): i1 multi-question mail on work trial; i2 wrong hours on meldekort; i3 call me about the medical statement.
- p28 Johnny Olsen (Tromsø dialect, no e-mail): i1 repayment letter / repayment plan; i2 missed meeting (car).
- p29 Mariia Bondarenko (ru / uk / en): i1 October payment missing; i2 travel to Poland.
- p30 Daniel Solli (nb): i1 meeting vs job interview; i2 got the job, stop dagpenger.
- p31 Amal Yousef (ar / nb, no e-mail): i1 December money; i2 wants a meeting about work.
- p32 Kristoffer Moe (nb slang): i1 driving licence B; i2 sick today.
- p33 Astrid Nilsen (nn): i1 disability application status; i2 change of address (reply in the old thread).
- p34 Filmon Tekle (ti / nb, no e-mail): i1 new bank account; i2 sick, no course; i3 income paper for UDI.
- p35 Jessica Brown (en): i1 parental benefit; i2 Thursday appointment by phone.
- p36 Tomasz Lewandowski (pl / nb): i1 September dagpenger late; i2 change bank account; i3 evening course.
- p37 Sofia Andersson (sv): i1 where to send meldekort; i2 certificate for the bank.
- p38 Geir Kristiansen (nb): i1 long mail on sykepenger/AAP; i2 holiday pay on sykepenger.
- p39 Stian Lund (nb): i1 next meldekort; i2 CV check; i3 got a job.
- p40 Anne Lise Dahl (nb): i1 mileage allowance; i2 new sick note.
- p41 Ibrahim Diallo (en / nb): i1 letter «varsel om stans»; i2 travel to a job interview.
- p42 «Stian» (nb, NOT in register, phone only): i1 when to send meldekort; i2 got a job.
- p43 Eva Larsen (nb, NOT in register, e-mail only): i1 moved from Bodø, who is my caseworker.
- p44 Jolanta Wójcik (pl / en, NOT in register): i1 register as jobseeker.
- p45 anonymous nordlys77@ (nb, NOT in register): i1 how much sosialhjelp, «asking for a friend».

## Deliberate hard cases
1. Same request on another channel, REWORDED, no reference to the other message:
   p01-i1 [[p01-i1@11-10 09:12]] / [[p01-i1@11-11 18:40]]; p02-i1 formal mail / dialect SMS
   [[p02-i1@10-13 07:45]] / [[p02-i1@10-14 16:30]]; p03-i2 [[p03-i2@11-09 09:40]] / [[p03-i2@11-10 07:55]];
   p30-i1 [[p30-i1@10-20 14:10]] / [[p30-i1@10-21 19:35]]; p30-i2; p23-i1; p23-i3; p19-i1; p19-i2;
   p20-i3; p32-i1; p39-i3; p17-i1; p17-i3; p01-i3 [[p01-i3@12-03 08:30]] / [[p01-i3@12-04 12:15]].
2. Same request in another language from the same person (often simple Norwegian on one channel,
   mother tongue on another): p04-i1 nb SMS / so dialog; p04-i2 so SMS / nb dialog; p05-i1 ti dialog / nb SMS;
   p06-i1 uk mail / nb SMS; p07-i2 nb dialog / ru SMS; p10-i1 es mail / en SMS; p10-i4 en SMS / es dialog;
   p11-i2 sv SMS / nb dialog; p12-i1 Dari + nb SMS 4 min apart, then Dari dialog; p12-i2 Dari dialog / nb SMS;
   p13-i1 lt SMS / nb mail; p13-i3 lt SMS / nb dialog; p14-i1 nb dialog / ar mail; p14-i2 en + ar SMS;
   p24-i1, p24-i2 so + nb SMS; p25-i1 en mail / Dari SMS; p26-i1 ar mail / nb SMS; p26-i3 nb mail / ar SMS;
   p29-i1 ru SMS / uk dialog; p31-i1 ar SMS / nb dialog; p31-i2 ar + nb SMS; p34-i1, p34-i3 nb + ti SMS;
   p36-i1 pl + nb SMS; p36-i3 pl mail / nb SMS; p44-i1 pl SMS / en mail; p05-i2 nb mail / ti SMS;
   p08-i1 pl mail / nb SMS / nb mail / pl SMS; p09-i1 nb mail / pl SMS.
3. Explicit reference to the other channel with a day/date: [[p03-i1@10-23 10:02]] («sendte sms tirsdag»);
   [[p06-i2@11-05 07:50]] («asked in the activity plan on 29 October»); [[p09-i2@11-26 06:55]];
   [[p10-i3@11-27 09:14]]; [[p13-i2@11-02 08:20]] (lt, «plane penktadienį»); [[p14-i1@10-21 21:40]] (ar, «Monday»);
   [[p15-i1@11-09 14:00]]; [[p16-i1@11-23 08:20]]; [[p17-i2@12-08 11:05]]; [[p18-i1@11-03 08:15]];
   [[p21-i2@11-25 08:15]]; [[p28-i1@10-12 08:30]]; [[p29-i2@11-24 21:10]]; [[p33-i1@11-26 10:30]];
   [[p35-i1@10-20 09:00]]; [[p37-i2@11-19 08:05]] (sv, «i måndags»); [[p39-i2@11-05 13:45]];
   [[p40-i1@10-14 11:30]]; [[p41-i2@11-25 08:40]]; [[p44-i1@11-11 08:00]]; [[p05-i2@11-23 17:30]] (ti, «Friday»);
   [[p02-i2@11-04 19:22]]; [[p02-i3@12-03 08:05]]; [[p32-i1@11-06 21:45]]; [[p12-i1@10-13 07:50]].
4. Content-poor follow-ups (< 60 characters), several while the person has another inquiry open:
   [[p03-i1@10-22 13:15]] «noe nytt?» (and another Hanna writes 25 min later); [[p05-i1@11-09 08:12]];
   [[p20-i1@10-20 10:05]]; [[p20-i2@11-30 09:40]] «hallo??»; [[p20-i3@12-09 09:00]] «???»; [[p25-i2@12-10 16:40]] «??»;
   [[p27-i3@11-17 12:45]] «fortsatt ingen som har ringt» (p27-i2 open the same days, on dialog);
   [[p28-i1@10-09 09:12]] «ring mæ»; [[p28-i1@11-16 10:30]]; [[p32-i2@11-13 07:30]]; [[p34-i2@11-17 07:25]] (ti);
   [[p36-i3@11-27 12:00]] (pl); [[p41-i2@11-26 07:55]] «??»; [[p42-i2@11-20 16:30]] «hallo» (unregistered number);
   [[p45-i1@12-09 22:30]]; [[p10-i4@12-10 10:00]] «hello??» (p10-i3 answered 10 days earlier); [[p08-i1@12-08 09:10]].
5. Content-poor closers: [[p01-i1@11-13 12:02]] «pengene kom nå. takk!» and [[p01-i2@11-13 21:05]]
   «fikk rettet timene selv 👍» – both by SMS the same day, two open inquiries on the same meldekort;
   [[p36-i1@10-07 10:02]] «ok dziekuje» while p36-i2 (bank account, by mail) is open; [[p20-i2@12-01 10:10]] «kom nå.»;
   [[p20-i1@11-25 17:20]] (5 weeks after the request); [[p31-i1@12-01 08:30]]; [[p04-i1@10-23 15:00]];
   [[p05-i1@11-10 19:02]] (ti); [[p06-i1@10-19 09:30]] (uk); [[p09-i1@11-03 16:45]]; [[p10-i3@11-30 10:48]] (es);
   [[p12-i1@10-14 10:02]] (Dari); [[p14-i1@10-22 10:31]]; [[p18-i1@11-03 19:30]]; [[p23-i1@10-13 13:25]];
   [[p29-i1@10-23 10:40]] (ru); [[p34-i1@11-03 10:00]]; [[p37-i1@10-19 11:48]] (sv); [[p38-i1@11-04 18:00]];
   [[p41-i1@11-03 18:30]]; [[p43-i1@11-18 19:50]]; [[p01-i3@12-09 19:40]] (closer for i3 posted in the old
   dialogue thread that was opened for i2).
6. Pairs far apart (> 4 days), pending complaints/applications: p07-i1 6 Oct → 12 Nov (ru) → 19 Nov (new dialog
   thread) → 26 Nov («har ikke hørt noe siden 7. oktober») [[p07-i1@11-26 15:55]]; p15-i1 5 Oct → 9 Nov → 2 Dec;
   p22-i1 7 Oct → 29 Oct → 30 Nov [[p22-i1@11-30 20:40]]; p33-i1 22 Oct → 10 Nov → 26 Nov; p21-i1 12 Oct → 9 Nov
   (new HTML mail, no In-Reply-To) [[p21-i1@11-09 08:35]]; p28-i1 9 Oct → 2 Nov → 16 Nov; p20-i1 14 Oct → 25 Nov;
   p08-i1 2 Nov → 7 Dec; p11-i1 8 Oct → 26 Oct; p05-i1 26 Oct → 9 Nov; p10-i3 20 → 27 Nov; p17-i2 30 Nov → 8 Dec;
   p36-i3 19 → 27 Nov; p06-i2 29 Oct → 5 Nov; p29-i2 18 → 24 Nov; p02-i2 28 Oct → 4 Nov; p40-i1 8 → 14 Oct;
   p45-i1 3 → 9 Dec.
7. Same person, a second DIFFERENT request on the same benefit within days (hard negatives):
   p01-i1 (payment late) vs p01-i2 (correct hours on the same meldekort), then p01-i3 (holiday);
   p36-i1 (September dagpenger late) vs p36-i2 (change bank account, next day); p13-i1 vs p13-i2;
   p14-i2 (absent today, child sick) vs p14-i3 (omsorgspenger, next day, same channel);
   p38-i1 (answered) vs p38-i2 («en ting til», next day); p19-i1 (AAP extension) vs p19-i2 (child supplement
   missing in that decision); p10-i3 (decision) vs p10-i4 (smaller payment, same dialogue thread);
   p06-i2 (course, mail 07:50) vs p06-i3 (cancel meeting, SMS 08:05 the same morning);
   p27-i2 (meldekort) vs p27-i3 (call me) on the same day; p03-i1 vs p03-i2 (sykepenger); p09-i1 vs p09-i2;
   p20-i1/i2/i3; p39-i1/i2/i3; p21-i1 vs p21-i2 (AAP).
8. Shared or borrowed phones and addresses:
   p08/p09 share zielinscy@… – [[p08-i1@11-02 21:10]] and [[p09-i1@11-03 07:15]] ten hours apart, different persons;
   [[p08-i1@12-07 21:30]] is written by Marek (signed) about Katarzyna's barnetrygd → labelled p08.
   p15/p16 share +4795567815 – [[p15-i2@11-20 11:55]] and [[p16-i1@11-20 12:30]] 35 minutes apart, different
   persons and inquiries; office reply to Tone goes to the shared number.
   p18's matter from his mother's phone [[p18-i1@11-03 08:15]] (office replies there), while the mother's own
   inquiry p19-i1 comes from the same number two days later [[p19-i1@11-05 12:05]].
   p32 from a friend's unknown number [[p32-i1@11-06 21:45]] («lånt tlf te kompisen»).
9. Different persons, similar question, same day:
   30 Nov payment cluster – [[p20-i2@11-30 07:55]], [[p24-i1@11-30 08:05]], [[p31-i1@11-30 08:20]],
   [[p26-i2@11-30 08:40]] (nb / so / ar), office replies 12:00–12:20;
   26 Oct – [[p39-i1@10-26 09:15]] «stian her. når er neste meldekort?» vs unregistered [[p42-i1@10-26 11:40]]
   «det er Stian. Når må jeg sende meldekortet?»; 11 Nov – [[p14-i2@11-11 07:45]] vs [[p17-i3@11-11 08:00]]
   (cannot come today); 22 Oct – [[p03-i1@10-22 13:15]] vs [[p17-i1@10-22 13:40]] (two Hannas).
   Similar on different days: p05-i1 vs p13-i3 (winter clothes/shoes); p07-i2 vs p32-i1 (driving licence);
   p02-i1 vs p30-i1 vs p35-i2 (meeting by phone); p13-i1 vs p37-i2 (paper for the bank);
   p04-i2, p30-i2, p39-i3, p42-i2 (got a job, what now).
10. Same first names: Hanna (p03 / p17), Stian (p39 / unregistered p42), Mohammad / Mohammed (p12 / p26).
11. Not in the register: p42 (first name only, then full name and birth date [[p42-i1@10-26 13:20]]),
    p43 (name and birth date in the mail), p44 (name; pl SMS + en mail), p45 (anonymous, «spør for en venn»).
12. New question in an old dialogue thread (different inquiry from the thread's first one):
    p02-i3 «Truckkurs»; p04-i2 «Depositum»; p12-i2; p13-i3 «Timer på meldekort»; p17-i3 «Sykmelding»;
    p20-i3 «Bolig»; p23-i2 «Møte fredag»; p29-i2 «Виплата»; p10-i4 (thread of p10-i3); p39-i3 «CV».
13. New question as a reply to an old e-mail: [[p33-i2@11-27 09:20]] (replies to the answer on the disability
    application, asks about change of address). Conversely same-inquiry replies: [[p11-i1@10-26 08:40]] (sv, to the
    office's answer), [[p22-i1@11-30 20:40]] and [[p45-i1@12-09 22:30]] (to their own earlier mail).
14. National ID in the text: [[p07-i1@10-06 14:02]], [[p15-i1@10-05 10:20]], [[p22-i1@10-07 16:45]].
15. Formats: HTML-only mails [[p21-i1@10-12 09:00]], [[p21-i1@11-09 08:35]], [[p21-i2@11-24 19:05]]; office reply to
    an HTML mail, without quote, [[p21-i1@11-10 13:20]]; base64 mails (uk [[p06-i1@10-14 19:20]], ar [[p26-i1@11-04 16:30]]), 8bit ar mail
    [[p14-i1@10-21 21:40]]; English quote header in English office replies (p25, p29, p41, p44).
"""
from collections import Counter as _C
_c = _C((r["ch"], "out" if r["out"] else "in") for _, r in labels)
_inq_ch = {}
for _, r in labels:
    if not r["out"]:
        _inq_ch.setdefault(r["inq"], set()).add(r["ch"])
_counts = "\n".join([
    f"- persons: {len(PERSONS)} ({len(PERSONS) - len(UNREGISTERED)} in contacts.csv, {len(UNREGISTERED)} not in the register: "
    + ", ".join(sorted(UNREGISTERED)) + ")",
    f"- inquiries: {len({r['inq'] for _, r in labels})}",
    f"- messages: {len(labels)} – inbound {sum(v for (ch, d), v in _c.items() if d == 'in')}, "
    f"outbound {sum(v for (ch, d), v in _c.items() if d == 'out')}",
    "- by channel: " + "; ".join(f"{ch} in {_c[(ch, 'in')]} / out {_c[(ch, 'out')]}" for ch in ("sms", "email", "dialog")),
    f"- inquiries whose inbound messages span 2+ channels: {sum(1 for v in _inq_ch.values() if len(v) >= 2)} "
    f"(3 channels: {sum(1 for v in _inq_ch.values() if len(v) == 3)})",
    f"- inquiries with 2+ inbound messages: {sum(1 for k in _inq_ch if sum(1 for _, r in labels if r['inq'] == k and not r['out']) >= 2)}",
])
NOTES = NOTES.replace("{{COUNTS}}", _counts)
KEYBY = {}
for key, r in labels:
    k = f"{r['inq']}@{r['when']}"
    assert k not in KEYBY, k
    KEYBY[k] = key
notes = re.sub(r"\[\[([^\]]+)\]\]", lambda m: "`" + KEYBY[m.group(1)] + "`", NOTES)
with open(os.path.join(HERE, "NOTES.md"), "w", encoding="utf-8") as f:
    f.write(notes)

# ================================================================ checks
def checks():
    keys = [k for k, _ in labels]
    assert len(keys) == len(set(keys)), "duplicate label key"
    exp = set()
    sj = json.load(open(os.path.join(HERE, "sms.json"), encoding="utf-8"))
    assert len(sj["messages"]) == sj["page_size"] == sj["end"] + 1
    for m in sj["messages"]:
        assert re.fullmatch(r"SM[0-9a-f]{32}", m["sid"])
        assert re.fullmatch(r"\+47\d{8}", m["from"]) and re.fullmatch(r"\+47\d{8}", m["to"])
        exp.add("sms:" + m["sid"])
    dates = [email.utils.parsedate_to_datetime(m["date_sent"]) for m in sj["messages"]]
    assert dates == sorted(dates, reverse=True), "sms not newest first"
    mids = []
    for m in mailbox.mbox(mbox_path):
        mids.append(m["Message-ID"])
        assert m["Date"] and m["From"] and m["To"] and m["Subject"]
        assert m.get_payload(decode=True).decode("utf-8")
    assert len(mids) == len(set(mids)), "duplicate Message-ID"
    exp |= {"email:" + x for x in mids}
    dj = json.load(open(os.path.join(HERE, "dialog.json"), encoding="utf-8"))
    dids = set()
    for e in dj:
        assert fnr_valid(e["fnr"]) and len(e["aktorId"]) == 13
        for d in e["dialoger"]:
            assert d["id"] not in dids
            dids.add(d["id"])
            for h in d["henvendelser"]:
                assert h["dialogId"] == d["id"]
                exp.add("dialog:" + h["id"])
    n_d = sum(len(d["henvendelser"]) for e in dj for d in e["dialoger"])
    assert n_d == len([k for k in exp if k.startswith("dialog:")]), "duplicate henvendelse id"
    assert exp == set(keys), (exp ^ set(keys))
    for row in csv.DictReader(open(os.path.join(HERE, "contacts.csv"), encoding="utf-8")):
        assert fnr_valid(row["fnr"]), row
        assert re.fullmatch(r"\d{13}", row["aktor_id"])
        assert row["phone"] == "" or re.fullmatch(r"\+47\d{8}", row["phone"])
    fn = [P[p]["fnr"] for p in P]
    assert len(set(fn)) == len(fn)
    for p in P.values():
        assert fnr_valid(p["fnr"])
    # outbound replies: inquiry must have an inbound message before it
    first_in = {}
    for _, r in labels:
        if not r["out"]:
            first_in.setdefault(r["inq"], r["dt"])
    for _, r in labels:
        if r["out"]:
            assert r["inq"] in first_in and first_in[r["inq"]] < r["dt"], r
    return True


checks()
from collections import Counter
c = Counter((r["ch"], "out" if r["out"] else "in") for _, r in labels)
inq = {r["inq"] for _, r in labels}
print("persons", len({r["person"] for _, r in labels if not r["out"]}), "inquiries", len(inq), dict(c),
      "inbound", sum(v for (ch, d), v in c.items() if d == "in"), "outbound", sum(v for (ch, d), v in c.items() if d == "out"))
