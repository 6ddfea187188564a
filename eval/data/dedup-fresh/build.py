#!/usr/bin/env python3
"""Hand-written labelled test set for cross-channel deduplication (Nav Sandnes).

All message texts below are written by hand, one by one. This script only renders
them into the export formats (contacts.csv, sms.json, mail.mbox, dialog.json) and
labels.csv, then runs consistency checks. Stdlib only.
"""
import csv, datetime as dt, email.policy, email.utils, hashlib, json, mailbox, os, re, time
from email.message import EmailMessage

HERE = os.path.dirname(os.path.abspath(__file__))
YEAR = 2026
OFFICE_NUM = "+4755553000"
OFFICE_MAIL = "nav.sandnes@nav.example.no"
OFFICE_NAME = "Nav Sandnes"
ACC = "AC" + "0" * 32
VEILEDER = "Z990123"

# ---------------------------------------------------------------- persons
# pid, name, birth date, first individual number to try, phone, email
PERSONS = [
    ("p01", "Ingrid Haugland", "1988-04-14", 412, "+4791234501", "ingrid.haugland@online.example.no"),
    ("p02", "Tor Egil Sæther", "1969-11-02", 233, "+4792283402", "toregil.saether@post.example.no"),
    ("p03", "Marta Kowalska", "1991-07-23", 488, "+4746512203", "marta.kowalska91@mail.example.com"),
    ("p04", "Ahmed Hassan", "1983-01-01", 376, "+4740198804", "ahmed.hassan83@mail.example.com"),
    ("p05", "Faadumo Cali", "1986-03-09", 451, "+4748822105", ""),
    ("p06", "Olena Shevchenko", "1990-12-05", 427, "+4745117306", "olena.shevchenko@mail.example.com"),
    ("p07", "Sander Lie", "2007-06-18", 571, "+4799014407", "sander.lie07@online.example.no"),
    ("p08", "Hilde Lie", "1976-09-30", 262, "+4790455108", "hilde.lie@post.example.no"),
    ("p09", "Mona Berntsen", "1984-02-11", 448, "+4793301209", "berntsen.familien@online.example.no"),
    ("p10", "Geir Berntsen", "1981-08-27", 315, "+4793301310", "berntsen.familien@online.example.no"),
    ("p11", "Yonas Tesfay", "1993-05-15", 417, "+4746033411", ""),
    ("p12", "Lucía Fernández", "1995-10-08", 482, "", "lucia.fernandez.r@mail.example.com"),
    ("p13", "Tomas Petrauskas", "1987-06-02", 339, "+4741220913", "tomas.petrauskas@mail.example.com"),
    ("p14", "Åse Vik", "1964-04-21", 240, "+4795511414", "ase.vik@post.example.no"),
    ("p15", "Eirik Fjell", "1979-12-12", 355, "+4797713015", "eirik.fjell@online.example.no"),
    ("p16", "John Miller", "1982-03-30", 397, "+4794418816", "john.miller.nor@mail.example.com"),
    ("p17", "Sigrid Berg", "1972-07-07", 286, "+4798832117", "sigrid.berg@online.example.no"),
    ("p18", "Knut Dahl", "1961-01-19", 123, "+4791156618", ""),
    ("p19", "Nina Solberg", "1998-09-03", 514, "+4740567219", "nina.solberg98@mail.example.com"),
    ("p20", "Jonas Moen", "1996-11-25", 538, "+4741678820", "jonas.moen@online.example.no"),
    ("p21", "Anders Hovland", "1985-05-05", 367, "+4792345621", "anders.hovland@post.example.no"),
    ("p22", "Linnea Strand", "2001-02-28", 502, "+4746789022", "linnea.strand01@mail.example.com"),
    ("p23", "Amina Yusuf", "1989-08-16", 446, "+4747890123", ""),
    ("p24", "Piotr Nowak", "1980-10-10", 311, "+4745678024", "piotr.nowak80@mail.example.com"),
    ("p25", "Agnieszka Nowak", "1983-03-03", 424, "+4745678024", ""),
    ("p26", "Hamid Rahimi", "1978-06-25", 299, "+4748901226", "hamid.rahimi@mail.example.com"),
    ("p27", "Mariam Haile", "1992-01-30", 468, "+4740012327", ""),
    ("p28", "Dmytro Kovalenko", "1975-09-12", 251, "+4741123428", "d.kovalenko@mail.example.com"),
    ("p29", "Bjørn Aasen", "1970-03-18", 204, "+4790234529", "bjorn.aasen@post.example.no"),
    ("p30", "Camilla Øverland", "1994-07-21", 433, "+4797345630", "camilla.overland@online.example.no"),
    ("p31", "Morten Kvamme", "1966-11-11", 218, "", "morten.kvamme@outlook.example.com"),
    ("p32", "Fatima El Amrani", "1988-12-24", 405, "+4746456732", "fatima.elamrani@mail.example.com"),
    ("p33", "Helge Torvik", "1977-04-04", 272, "+4791567833", "helge.torvik@post.example.no"),
    ("p34", "Ole Rasmussen", "1999-05-29", 521, "+4792678934", "ole.rasmussen99@mail.example.com"),
    ("p35", "Rukia Abdi", "1997-02-14", 493, "+4747789035", ""),
    ("p36", "Karolina Wiśniewska", "1993-09-09", 438, "+4748890136", "karolina.wisniewska@mail.example.com"),
    ("p37", "Emma Johansen", "2000-06-06", 547, "+4740901237", "emma.johansen00@online.example.no"),
    ("p38", "Vidar Eide", "1973-08-08", 264, "+4741012338", "vidar.eide@post.example.no"),
    ("p39", "Luis García", "1990-04-17", 476, "+4745123439", "luis.garcia.m@mail.example.com"),
    ("p40", "Silje Holm", "1995-01-22", 509, "+4790123440", "silje.holm@online.example.no"),
    # not in the register (not written to contacts.csv)
    ("p41", "Kristian Nilsen", "1992-10-13", 351, "+4740011041", ""),
    ("p42", "", "1987-01-01", 100, "", "sommerfugl1987@mail.example.com"),
    ("p43", "", "1990-01-01", 100, "+4799887743", ""),
]
UNREGISTERED = {"p41", "p42", "p43"}

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


# ===================================================== p01 Ingrid Haugland (nb)
S("p01-i1", "11-10 08:12", "Hei. Dagpengene mine har ikke kommet inn på konto denne gangen, meldekortet ble sendt fredag. Mvh Ingrid Haugland")
E("p01-i1", "11-10 19:40", "Hei,\n\nJeg har ikke fått utbetalt dagpenger for siste periode. Meldekortet sendte jeg inn i god tid fredag, og vanligvis kommer pengene tirsdag. Kan dere sjekke hva som har skjedd? Husleia trekkes den 15.\n\nVennlig hilsen\nIngrid Haugland", subj="Utbetaling av dagpenger mangler")
S("p01-i1", "11-11 09:05", "Hei Ingrid. Meldekortet ditt lå til manuell kontroll. Det er nå godkjent, og pengene skal være på konto innen 2-3 virkedager. Hilsen Nav Sandnes", out=True)
S("p01-i1", "11-13 12:31", "Takk, pengene kom i dag 👍")
D("p01-i2", "11-16 10:02", "p01a", "Hei! Jeg oppdaget at jeg har ført feil antall timer på meldekortet. Jeg jobbet 6 timer tirsdag i uke 46, men det står 16. Hvordan retter jeg dette? Vil ikke at det skal bli trukket feil.", title="Feil timer på meldekort")
S("p01-i2", "11-17 15:20", "Hei igjen, skrev i aktivitetsplanen i går om feil timer på meldekortet (16 i stedet for 6). Må jeg sende noe mer? Ingrid")
D("p01-i2", "11-18 09:30", "p01a", "Hei Ingrid. Du kan korrigere meldekortet selv under «Meldekort» på nav.no: velg perioden og trykk «Endre». Si fra hvis du ikke finner knappen. Hilsen veileder", out=True)
D("p01-i2", "11-18 11:02", "p01a", "Fant det, takk! Har rettet nå.")

# ===================================================== p02 Tor Egil Sæther (nb), AAP pending for weeks
E("p02-i1", "10-20 09:15", "Hei.\n\nJeg sendte søknad om arbeidsavklaringspenger 28. september etter at sykepengene gikk ut. Har ikke fått noen bekreftelse på at den er mottatt. Kan dere se om den ligger inne hos dere?\n\nHilsen Tor Egil Sæther", subj="Søknad om AAP", id="p02e1")
E("p02-i1", "10-21 10:04", "Hei Tor Egil.\n\nSøknaden din er registrert mottatt 29.09. Saksbehandlingstiden for AAP er for tiden rundt åtte uker. Du får beskjed når det er fattet vedtak.\n\nMed vennlig hilsen\nNav Sandnes", reply="p02e1", out=True, id="p02e2")
S("p02-i1", "11-04 10:40", "Hei, det er Tor Egil Sæther. Hvordan går det med AAP-søknaden min? Sykepengene er slutt og jeg står uten inntekt.")
E("p02-i1", "11-12 08:55", "Hei igjen.\n\nFortsatt ikke hørt noe. Det er snart sju uker siden jeg søkte, og det begynner å bli trangt økonomisk.\n\nTor Egil", reply="p02e2", subj="SV: Søknad om AAP")
D("p02-i2", "11-13 21:17", "p02a", "Hei. Mens jeg venter på vedtak om AAP har jeg ikke penger til husleia for desember. Kan jeg søke økonomisk sosialhjelp i mellomtiden? Hva må jeg legge ved?", title="Penger mens jeg venter")
D("p02-i2", "11-16 08:45", "p02a", "Hei Tor Egil. Ja, du kan søke om økonomisk sosialhjelp digitalt på nav.no. Legg ved kontoutskrift for siste måned og husleiekontrakt. Vi prioriterer saken.", out=True)
D("p02-i2", "11-16 09:12", "p02a", "Ok, sender søknaden i kveld.")
S("p02-i1", "11-26 14:10", "Noe nytt om AAP?")
S("p02-i1", "12-03 09:01", "Fikk vedtaket i dag. Takk for hjelpen!")

# ===================================================== p03 Marta Kowalska (pl/nb/en)
S("p03-i1", "10-22 18:20", "Dzień dobry, złożyłam wniosek o dagpenger dwa tygodnie temu i nadal nie mam odpowiedzi. Czy możecie sprawdzić? Marta Kowalska")
E("p03-i1", "10-23 07:50", "Hei\nJeg søkte dagpenger 8. oktober. Ingen svar fra dere enda. Jeg snakker ikke så godt norsk, beklager. Kan dere si hva skjer med søknaden?\n\nMarta Kowalska", subj="Dagpenger søknad")
D("p03-i1", "10-27 11:32", "p03a", "Hello, I wrote SMS and email last week about my dagpenger application from 8 October. Still no answer. Do I have to send more documents?", title="Dagpenger")
D("p03-i1", "10-28 13:05", "p03a", "Hei Marta. Søknaden din er under behandling. Vi mangler bekreftelse fra arbeidsgiver på oppsigelsen. Last den opp under «Ettersendelse» på nav.no, så behandler vi saken raskt.", out=True)
D("p03-i1", "10-28 17:40", "p03a", "Dziękuję! Thank you, I will ask my boss for the letter tomorrow.")
S("p03-i2", "11-19 20:02", "Muszę jechać do Polski na pogrzeb babci w przyszłym tygodniu. Co mam zaznaczyć w meldekort? Czy stracę dagpenger?")
S("p03-i2", "11-20 12:44", "Halo? Wyjeżdżam w poniedziałek")
S("p03-i2", "11-20 13:30", "Hei Marta. Kondolerer. Du svarer ja på spørsmålet om opphold i utlandet og fører dagene du er borte. Du får ikke dagpenger for de dagene, men retten faller ikke bort. Hilsen Nav", out=True)

# ===================================================== p04 Ahmed Hassan (ar/nb)
S("p04-i1", "11-05 09:30", "مرحبا، أنا أحمد حسن. ليس لدي مال للطعام هذا الأسبوع. هل يمكنني الحصول على مساعدة طارئة؟")
S("p04-i1", "11-05 13:45", "Hei jeg Ahmed Hassan. Trenger nødhjelp til mat. Ingen penger. Tre barn hjemme")
S("p04-i1", "11-05 14:10", "Hei Ahmed. Kom til Nav Sandnes i dag før kl. 15 og spør etter sosialvakta. Ta med bankkort. Hilsen Nav", out=True)
S("p04-i1", "11-05 14:18", "شكرا، سآتي الآن")
E("p04-i2", "11-18 10:22", "Hei\nVi har ny husleiekontrakt fra 1. desember, husleie 11 500 kr. Jeg kan ikke legge ved fil, telefonen er ødelagt. Hvordan sende kontrakten til dere?\n\nAhmed Hassan\nfnr {fnr:p04}", subj="husleiekontrakt", cte="8bit")
D("p04-i2", "11-19 16:03", "p04a", "أرسلت بريدًا إلكترونيًا عن عقد الإيجار الجديد. كيف أرسل العقد؟ الهاتف لا يعمل لرفع الصور.", title="Husleie")
D("p04-i2", "11-20 08:50", "p04a", "Hei Ahmed. Du kan levere en kopi av husleiekontrakten i skranken på Nav Sandnes, så skanner vi den inn. Hilsen veileder", out=True)
D("p04-i2", "11-23 14:27", "p04a", "Leverte kontrakten i skranken i dag.")

# ===================================================== p05 Faadumo Cali (so/nb) – borrows daughter's e-mail
S("p05-i1", "10-26 19:11", "Salaan, waxaan dhalay ilmo bishii September. Barnetrygd weli ma aanan helin. Maxaan sameeyaa? Faadumo Cali")
S("p05-i1", "11-09 08:02", "Weli jawaab ma helin. Faadumo")
E("p05-i1", "11-09 20:36", "Hei. Det er Faadumo Cali som skriver, jeg låner e-posten til datteren min. Jeg fikk baby 14. september og har ikke fått barnetrygd for henne. Har sendt SMS to ganger. Fødselsnummer mitt er {fnr:p05}.\n\nHilsen Faadumo", subj="barnetrygd baby", addr="hodan.ali2008@mail.example.com", name="Hodan Ali", id="p05e1")
E("p05-i1", "11-10 12:15", "Hei Faadumo.\n\nBarnetrygd for barn født i Norge innvilges vanligvis automatisk. Vi ser at barnet er registrert på en annen adresse enn deg i Folkeregisteret, derfor har det stoppet. Vi har sendt saken videre til Nav Familie- og pensjonsytelser, og du får svar innen tre uker.\n\nMed vennlig hilsen\nNav Sandnes", reply="p05e1", out=True)
S("p05-i1", "11-24 17:48", "Barnetrygd waa la helay. Mahadsanid!")

# ===================================================== p06 Olena Shevchenko (uk/nb/en)
D("p06-i1", "10-21 12:20", "p06a", "Добрий день! Я закінчила курс норвезької мови рівня A2. Чи можу я почати курс B1 через NAV? Дуже хочу швидше знайти роботу.", title="Курс норвезької")
S("p06-i1", "10-29 09:15", "Hei, det er Olena Shevchenko. Jeg skrev i aktivitetsplanen om norskkurs B1. Har dere sett det?")
D("p06-i1", "10-30 10:40", "p06a", "Hei Olena. Vi kan søke deg inn på norskopplæring B1 som tiltak. Jeg har lagt inn en aktivitet i planen din, oppstart blir trolig i januar.", out=True)
D("p06-i1", "10-30 11:02", "p06a", "Дякую! Чудово.")
S("p06-i2", "11-16 07:15", "Доброго ранку. Моя дитина захворіла, я не можу прийти на зустріч сьогодні о 10:00. Вибачте. Олена")
S("p06-i2", "11-16 07:41", "Sorry, I can not come to meeting today 10:00, my child is sick. Olena Shevchenko")
S("p06-i2", "11-16 08:20", "Hei Olena. Takk for beskjed, god bedring til barnet. Ny time torsdag 19.11 kl. 10:00. Hilsen Nav Sandnes", out=True)

# ===================================================== p07 Sander Lie (nb) – writes from mum's (p08) phone
S("p07-i1", "11-03 16:22", "Hei det er Sander som skriver fra mammas tlf, min er knust. Kan jeg flytte møtet på torsdag? Har jobbintervju samme tid", num="+4790455108", by="p07")
D("p07-i1", "11-03 20:10", "p07a", "Skrev sms fra mammas nummer i sted. Kan ikke komme på møtet torsdag kl 12 pga intervju på Rema. Går det an fredag?", title="Flytte møte")
D("p07-i1", "11-04 08:35", "p07a", "Hei Sander, lykke til på intervjuet! Fredag kl. 13 passer fint, jeg har endret møtet.", out=True)
S("p07-i1", "11-04 15:03", "Takk! /Sander", num="+4790455108", by="p07")
D("p07-i2", "11-20 18:44", "p07a", "Hei igjen. Fikk jobben på Rema, 60 % fra 1. desember! Hva skjer med tiltakspengene og kurset jeg går på da?")
D("p07-i2", "11-23 09:10", "p07a", "Gratulerer, Sander! Jeg avslutter tiltaket fra 30.11. Husk å føre arbeidstimene på meldekortet fram til da.", out=True)
D("p07-i2", "11-23 09:31", "p07a", "👍")

# ===================================================== p08 Hilde Lie (nb)
S("p08-i1", "11-06 11:52", "Hei. Hilde Lie her. Har vært sykmeldt siden 12.10 og fått beskjed av arbeidsgiver om at Nav skal betale sykepengene direkte til meg. Har ikke mottatt noe. Hvem skal jeg kontakte?")
E("p08-i1", "11-09 07:58", "Hei.\n\nSendte sms på fredag men har ikke fått svar. Jeg har vært sykmeldt fra 12. oktober, og arbeidsgiveren min (Jærbakeriet AS) forskutterer ikke lønn. Inntektsmeldingen skal være sendt. Når kan jeg vente utbetaling?\n\nMvh Hilde Lie", subj="Sykepenger – ingen utbetaling", id="p08e1")
E("p08-i1", "11-10 14:20", "Hei Hilde.\n\nVi har mottatt inntektsmeldingen 04.11 og saken er under behandling. Du kan regne med utbetaling innen to uker.\n\nMed vennlig hilsen\nNav Sandnes", reply="p08e1", out=True)
S("p08-i1", "11-25 10:06", "Sykepengene kom i går. Takk.")

# ===================================================== p09 Mona Berntsen / p10 Geir Berntsen – shared e-mail
E("p09-i1", "11-02 21:03", "Hei, det er Mona her. Jeg trenger hjelp med CV-en før jeg søker på stillinger som barnehageassistent. Kan jeg få en time hos veilederen min?\n\nHilsen Mona Berntsen", subj="Hjelp med CV", by="p09")
D("p09-i1", "11-05 12:14", "p09a", "Hei. Sendte mail fra familiens e-postadresse mandag om hjelp med CV, men har ikke fått svar. Kan noen se over CV-en min? Den ligger på arbeidsplassen.", title="CV")
D("p09-i1", "11-06 09:50", "p09a", "Hei Mona. Jeg har sett på CV-en. Skriv gjerne mer om erfaringen fra SFO og legg til førstehjelpskurset. Vi kan gå gjennom den på telefon tirsdag 10.11 kl. 9?", out=True)
D("p09-i1", "11-06 10:05", "p09a", "Passer bra!")
E("p10-i1", "11-03 07:12", "Hei. Det er Geir Berntsen som skriver (vi deler e-post). Jeg er permittert 50 % fra 26. oktober. Må jeg søke dagpenger med en gang, eller kan jeg vente til jeg vet hvor lenge det varer?\n\nGeir", subj="Permittert 50 %", by="p10", id="p10e1")
S("p10-i1", "11-04 12:30", "Hei, Geir Berntsen her. Er permittert 50% fra 26.10. Spurte på mail i går om når jeg må søke dagpenger, haster litt")
E("p10-i1", "11-05 09:22", "Hei Geir.\n\nDu bør søke dagpenger med en gang. Søker du senere enn én uke etter permitteringen, kan du tape dager. Søk på nav.no/dagpenger og legg ved permitteringsvarselet.\n\nMed vennlig hilsen\nNav Sandnes", reply="p10e1", out=True, id="p10e2")
E("p10-i2", "11-24 19:30", "Hei, Geir igjen. Permitteringen er opphevet fra 30.11, og jeg er tilbake i full jobb. Må jeg melde fra noe annet sted enn på meldekortet?\n\nGeir", reply="p10e2", by="p10", subj="SV: Permittert 50 %")
E("p09-i2", "11-24 21:15", "Hei! Mona her igjen. Jeg har fått fast deltidsjobb i en barnehage fra 1. desember. Må jeg fortsatt møte på jobbsøkerkurset neste uke?\n\nMona", subj="Ny jobb", by="p09")

# ===================================================== p11 Yonas Tesfay (ti/nb)
S("p11-i1", "11-02 10:05", "ሰላም፡ ኣነ ዮናስ ተስፋይ እየ። ኣብ ርክብ ምስ NAV ናይ ትግርኛ ተርጓሚ የድልየኒ። የቐንየለይ።")
D("p11-i1", "11-03 13:40", "p11a", "Hei. Jeg trenger tolk tigrinja på møtet 10. november. Takk. Yonas", title="Tolk")
D("p11-i1", "11-04 09:02", "p11a", "Hei Yonas. Vi har bestilt tigrinjatolk til møtet 10.11 kl. 11. Velkommen.", out=True)
S("p11-i2", "11-17 18:25", "ሰላም፡ ንቖልዑ ናይ ክረምቲ ክዳን ዝገዝኣሉ ገንዘብ የብለይን። ሓገዝ ክረክብ ይኽእል ድየ? ዮናስ")
S("p11-i2", "11-30 09:48", "ሰላም፡ ክሳብ ሕጂ መልሲ ኣይረኸብኩን።")
D("p11-i2", "11-30 14:12", "p11a", "Hei. Spurte på sms om hjelp til vinterklær til barna for to uker siden. Ingen svar. Yonas")

# ===================================================== p12 Lucía Fernández (es/en)
E("p12-i1", "10-26 10:18", "Hola,\n\nsoy Lucía Fernández. Estoy buscando trabajo como auxiliar de enfermería y necesito ayuda para escribir mi CV en noruego. ¿Hay algún curso o alguien que me pueda ayudar?\n\nGracias,\nLucía", subj="Ayuda con mi CV")
D("p12-i1", "10-30 15:55", "p12a", "Hi, I sent an email on Monday (in Spanish, sorry!). I need help to write my CV in Norwegian for helsefagarbeider jobs. Is there a course for this?", title="CV help")
D("p12-i1", "11-02 10:30", "p12a", "Hei Lucía. Du kan delta på jobbsøkerkurset «Jobbklar» som starter 16.11. Der får du hjelp med CV på norsk. Jeg har meldt deg på.", out=True)
D("p12-i1", "11-02 11:47", "p12a", "Thank you so much!")
D("p12-i2", "11-10 20:20", "p12a", "One more question: how do I get my nursing diploma from Spain approved in Norway? Can Nav help with the application to Helsedirektoratet?")
E("p12-i2", "11-25 09:03", "Hola de nuevo. Hace dos semanas pregunté en el plan de actividades cómo homologar mi título de enfermera de España. ¿Alguna novedad? / Any news about the diploma?\n\nLucía", subj="Título de enfermera / diploma")

# ===================================================== p13 Tomas Petrauskas (lt/nb/en)
S("p13-i1", "11-11 07:33", "Laba diena, pamiršau laiku išsiųsti meldekort. Ar vis tiek gausiu dagpenger? Tomas Petrauskas")
S("p13-i1", "11-11 07:52", "Hei, jeg glemte å sende meldekort i tide. Får jeg pengene likevel? Tomas")
S("p13-i1", "11-12 08:40", "Hei Tomas. Send meldekortet nå. Når det kommer inn for sent, kan du få trekk for dagene som er for sent, men du mister ikke retten. Hilsen Nav", out=True)
S("p13-i1", "11-12 09:15", "Ačiū, išsiunčiau")
E("p13-i2", "11-19 16:40", "Labas,\nman reikia pažymos, kad gaunu dagpenger, naujam nuomotojui.\nHello, I need a confirmation letter that I receive dagpenger, for my new landlord. How can I get it?\n\nTomas Petrauskas", subj="Confirmation letter / pažyma")
E("p13-i2", "11-26 08:10", "Hello, sorry to write again. The landlord needs the letter before Monday. Tomas", subj="Confirmation letter / pažyma")

# ===================================================== p14 Åse Vik (nn) – complaint open for weeks
E("p14-i1", "10-19 14:30", "Hei.\n\nEg vil klage på vedtaket om uføretrygd datert 2. oktober 2026, der eg fekk innvilga 50 prosent uføregrad. Eg meiner uføregraden skal vere høgare, sidan eg ikkje har klart å jobbe meir enn 30 prosent dei siste to åra. Fastlegen min støttar dette og vil sende ei ny erklæring.\n\nHelsing\nÅse Vik\nfnr. {fnr:p14}", subj="Klage på vedtak om uføretrygd", id="p14e1")
E("p14-i1", "10-21 09:40", "Hei Åse.\n\nVi stadfestar at klaga er motteken. Ettersend gjerne legeerklæringa når ho er klar.\n\nMed venleg helsing\nNav Sandnes", reply="p14e1", out=True, id="p14e2")
E("p14-i1", "11-02 11:11", "Hei att.\n\nLegen har no sendt den nye erklæringa direkte til Nav. Kan de sjå at ho er komen fram?\n\nÅse", reply="p14e2", subj="SV: Klage på vedtak om uføretrygd")
D("p14-i1", "11-16 13:24", "p14a", "Eg klaga på uføregraden i oktober. Kor lang tid tek det før eg får svar?", title="Klage uføretrygd")
S("p14-i1", "12-01 10:02", "Framleis ikkje høyrt noko om klaga mi. Åse Vik")
S("p14-i1", "12-02 08:55", "Hei Åse. Klaga di er send til Nav klageinstans 25.11. Forventa behandlingstid er 3-4 månader. Helsing Nav Sandnes", out=True)

# ===================================================== p15 Eirik Fjell (nn)
S("p15-i1", "11-09 16:50", "Hei. Eg har fått time hos fysioterapeut same dag som møtet med dykk onsdag. Kan vi flytte til neste veke? Eirik Fjell")
S("p15-i1", "11-10 10:20", "Hallo?")
D("p15-i1", "11-10 12:02", "p15a", "Sende sms i går om å flytte møtet på onsdag. Går det an å ta det måndag 16.?", title="Flytte møte onsdag")
D("p15-i1", "11-10 13:15", "p15a", "Hei Eirik, måndag 16.11 kl. 10 er greitt. Eg har endra avtalen.", out=True)
E("p15-i2", "11-27 15:42", "Hei.\n\nEg har fått tilbod om å jobbe nokre timar i veka på ein gard her i Sandnes. Kor mykje kan eg jobbe utan at AAP-en blir redusert, og korleis fører eg det?\n\nHelsing Eirik", subj="Jobb ved sida av AAP")

# ===================================================== p16 John Miller (en)
E("p16-i1", "11-04 18:30", "Hi,\n\nI cannot log in to nav.no to send my meldekort, because my BankID expired and the bank needs two weeks to issue a new one. The deadline is Friday. What should I do?\n\nBest regards,\nJohn Miller", subj="Can't send meldekort - BankID expired")
S("p16-i1", "11-05 08:47", "Hi, John Miller here. Sent you an email last night about the meldekort, my BankID expired. Deadline is tomorrow. Could someone call me?")
S("p16-i1", "11-05 10:15", "Hi John. We have registered your meldekort as received on time. Call us on 55 55 33 33 and we will fill it in with you over the phone. Nav Sandnes", out=True)
S("p16-i1", "11-05 10:31", "Great, thanks. Will call after lunch")
D("p16-i2", "11-18 11:40", "p16a", "Hi. Do you know employers around Sandnes that hire English speakers? I'm an electrician with US certification, but I don't know if it is valid here.", title="Jobs in English")
D("p16-i2", "11-30 08:12", "p16a", "Any thoughts on this?")

# ===================================================== p17 Sigrid Berg (nb)
D("p17-i1", "10-22 14:05", "p17a", "Hei. Fastlegen spør hva slags erklæring Nav trenger fra ham før sykepengene går ut i desember. Er det vanlig legeerklæring eller et eget skjema?", title="Legeerklæring")
E("p17-i1", "10-29 07:20", "Hei\n\nSom jeg skrev i aktivitetsplanen forrige uke: fastlegen min lurer på hvilket skjema han skal fylle ut. Jeg har time hos ham 5. november. Kan dere svare før det?\n\nHilsen Sigrid Berg", subj="Hvilket skjema skal legen bruke?")
D("p17-i1", "10-30 09:12", "p17a", "Hei Sigrid. Legen fyller ut «Legeerklæring ved arbeidsuførhet» og sender den elektronisk til Nav. Han finner den i journalsystemet sitt.", out=True)
D("p17-i1", "10-30 09:40", "p17a", "Supert, takk!")
D("p17-i2", "11-19 19:05", "p17a", "Legen sendte erklæringen 6. november. Når får jeg vite om jeg får AAP når sykepengene slutter 11. desember? Jeg har sendt søknaden.")
S("p17-i2", "12-02 07:45", "Hei, Sigrid Berg. Sykepengene slutter om 9 dager, og jeg vet fortsatt ingenting om AAP.")

# ===================================================== p18 Knut Dahl (nb) – same question in two months
S("p18-i1", "11-02 09:01", "Hei, når blir sosialhjelpen for november utbetalt? Den pleier å komme den 1. Knut Dahl")
S("p18-i1", "11-03 08:15", "?? Knut")
S("p18-i1", "11-03 09:40", "Hei Knut. Vedtaket for november ble fattet i går, pengene er på konto onsdag. Hilsen Nav Sandnes", out=True)
S("p18-i1", "11-04 07:20", "takk pengene kom")
S("p18-i2", "12-01 08:30", "Hei igjen. Sosialhjelpen for desember har ikke kommet. Knut")
S("p18-i2", "12-02 11:05", "Kom nå. Takk")

# ===================================================== p19 Nina Solberg / p20 Jonas Moen – same question, same day
S("p19-i1", "11-17 08:05", "Hei! Når blir dagpengene utbetalt denne uka? Sendte meldekort i går. Nina Solberg")
S("p20-i1", "11-17 08:11", "Hei, når kommer dagpengene denne uken? Meldekortet er sendt. Hilsen Jonas Moen")
S("p19-i1", "11-17 10:02", "Hei Nina. Meldekortet ditt er behandlet, og pengene er normalt på konto i løpet av 1-2 virkedager. Hilsen Nav", out=True)
E("p20-i1", "11-17 12:25", "Hei.\n\nSendte sms i morges, men skriver her også. Lurer på når dagpengene kommer denne gangen, jeg har regninger som forfaller fredag.\n\nHilsen Jonas Moen", subj="Dagpenger denne uka")
S("p20-i1", "11-19 09:57", "Pengene kom. Takk")
D("p19-i2", "11-20 14:33", "p19a", "Hei, jeg så at Nav har jobbmesse på Sandnes kulturhus 25.11. Må man melde seg på på forhånd, og bør jeg ta med CV på papir?", title="Jobbmesse")
D("p19-i2", "11-20 15:10", "p19a", "Hei Nina. Ingen påmelding, bare møt opp. Ta gjerne med noen utskrifter av CV-en.", out=True)

# ===================================================== p21 Anders Hovland (nb) – complaint, then new question in old thread
E("p21-i1", "10-19 22:14", "Hei,\n\nJeg klager herved på avslaget på dagpenger datert 12.10.2026. Avslaget begrunnes med at jeg ikke har hatt høy nok inntekt de siste 12 månedene, men inntekten fra ekstrajobben min hos Sandnes Sykkel er ikke tatt med. Lønnsslippene ettersendes på nav.no.\n\nMvh\nAnders Hovland\nFødselsnr: {fnr:p21}", subj="Klage på avslag om dagpenger", id="p21e1")
E("p21-i1", "10-22 13:30", "Hei Anders.\n\nKlagen er mottatt. Vi vurderer saken på nytt når lønnsslippene er kommet inn.\n\nMed vennlig hilsen\nNav Sandnes", reply="p21e1", out=True, id="p21e2")
E("p21-i1", "11-05 18:02", "Hei. Noe nytt om klagen? Det har gått to uker nå, og lønnsslippene ble lastet opp 23.10.\n\nAnders", reply="p21e2", subj="SV: Klage på avslag om dagpenger", id="p21e3")
E("p21-i1", "11-10 11:45", "Hei Anders.\n\nVi har omgjort vedtaket. Du har rett til dagpenger fra 1. oktober, og nytt vedtak kommer i innboksen på nav.no.\n\nMed vennlig hilsen\nNav Sandnes", reply="p21e3", out=True, id="p21e4")
E("p21-i2", "11-20 20:48", "Takk for det!\n\nEt annet spørsmål: Jeg har fått tilbud om et tre ukers kurs for truckførerbevis som jeg betaler selv. Kan jeg ta det og samtidig beholde dagpengene?\n\nAnders", reply="p21e4", subj="SV: Klage på avslag om dagpenger")
S("p21-i2", "11-23 09:12", "Hei, Anders Hovland. Spurte på mail fredag om truckkurs og dagpenger. Kurset starter mandag, trenger svar")
S("p21-i2", "11-23 12:40", "Hei Anders. Du kan ta kurset hvis du fortsatt er tilgjengelig for jobb og kan avbryte det. Meld det i aktivitetsplanen. Hilsen Nav", out=True)

# ===================================================== p22 Linnea Strand (nb) – new question in old dialogue thread
D("p22-i1", "10-20 11:10", "p22a", "Hei! Jeg har lyst til å prøve arbeidstrening i en butikk. Er det mulig å få det som tiltak gjennom dere?", title="Arbeidstrening")
D("p22-i1", "10-22 14:02", "p22a", "Hei Linnea, ja! Jeg har snakket med Kiwi Ganddal, de kan ta imot deg fra 2.11, tre dager i uka.", out=True)
D("p22-i1", "10-22 16:30", "p22a", "Så bra! Gleder meg")
D("p22-i2", "11-24 19:52", "p22a", "Hei. Helt annet spørsmål: Jeg har fått brev om at jeg skylder Nav penger for feilutbetaling i sommer. Hva gjør jeg nå?")
E("p22-i2", "11-25 08:14", "Hei,\n\njeg har fått brev om tilbakekreving på 8 400 kr. Kan jeg betale dette i avdrag? Jeg skrev også i aktivitetsplanen i går kveld.\n\nLinnea Strand", subj="Tilbakekreving")

# ===================================================== p23 Amina Yusuf (nb/so)
S("p23-i1", "10-21 07:58", "Hei, Amina Yusuf. Kan ikke komme på møtet fredag, må til sykehuset med sønnen min. Kan jeg få ny dag?")
S("p23-i1", "10-21 08:03", "Waan ka xumahay, ma imaan karo ballanta jimcaha. Wiilkayga ayaan isbitaalka u geynayaa.")
S("p23-i1", "10-22 09:30", "Hei Amina. Ny tid mandag 26.10 kl. 13. God bedring til sønnen din. Hilsen Nav", out=True)
D("p23-i2", "11-12 10:44", "p23a", "Hei. Datteren min blir 1 år i desember. Hvordan søker jeg kontantstøtte?", title="Kontantstøtte")
S("p23-i2", "11-20 21:05", "Salaan, weli jawaab kama helin su'aashii kontantstøtte. Amina")

# ===================================================== p24 Piotr Nowak / p25 Agnieszka Nowak (pl/nb) – shared phone
S("p24-i1", "11-06 09:20", "Dzień dobry, tu Piotr Nowak. Jestem na zwolnieniu lekarskim od dwóch tygodni. Lekarz wysłał sykmelding, ale pracodawca mówi, że NAV nic nie ma. Co robić?")
S("p25-i1", "11-06 14:02", "Cześć, tu Agnieszka, żona Piotra. Chciałam zapytać o kurs norweskiego dla mnie. Czy NAV może pomóc?", by="p25")
E("p24-i1", "11-09 06:55", "Hei.\n\nJeg er sykmeldt fra 23.10. Arbeidsgiver sier at Nav ikke har fått sykmeldingen, så de kan ikke sende inntektsmelding. Kan dere sjekke?\n\nPiotr Nowak\nfnr {fnr:p24}", subj="Sykmelding ikke mottatt?", id="p24e1")
E("p24-i1", "11-10 10:05", "Hei Piotr.\n\nSykmeldingen ble mottatt 24.10 og er tilgjengelig for arbeidsgiveren din i Altinn. Be dem sjekke der.\n\nMed vennlig hilsen\nNav Sandnes", reply="p24e1", out=True)
S("p25-i1", "11-18 17:30", "Halo, to znowu Agnieszka. Czy jest odpowiedź w sprawie kursu norweskiego?", by="p25")
S("p25-i1", "11-19 09:05", "Hei Agnieszka. Ta kontakt med Sandnes læringssenter om norskkurs. Vi kan se på om kurset kan inngå i aktivitetsplanen din. Hilsen Nav", out=True)
S("p24-i1", "11-27 13:14", "Arbeidsgiver fant sykmeldingen. Dziękuję. Piotr")

# ===================================================== p26 Hamid Rahimi (ar/nb)
E("p26-i1", "11-11 13:00", "السلام عليكم،\n\nأحتاج إلى رسالة من NAV تؤكد أنني أتلقى المساعدة الاجتماعية، من أجل الشقة الجديدة. كيف أحصل عليها؟\n\nحامد رحيمي", subj="رسالة تأكيد", id="p26e1", cte="8bit")
S("p26-i1", "11-13 10:15", "Hei, Hamid Rahimi. Jeg trenger bekreftelse fra Nav på at jeg får sosialhjelp, til ny leilighet. Sendte e-post onsdag.")
E("p26-i1", "11-16 09:30", "Hei Hamid.\n\nVi har lagt en bekreftelse på at du mottar økonomisk sosialhjelp i innboksen din på nav.no. Du kan laste den ned og sende den til utleier.\n\nMed vennlig hilsen\nNav Sandnes", reply="p26e1", out=True)
S("p26-i1", "11-16 12:02", "شكرا جزيلا")

# ===================================================== p27 Mariam Haile (ti/nb)
S("p27-i1", "10-28 20:40", "ሰላም፡ ምስ ሰብኣየይ ተፈላሊና ኣለና። ተወሳኺ barnetrygd ብኸመይ ክሓትት እኽእል? መርያም")
D("p27-i1", "10-29 11:05", "p27a", "Hei. Jeg er separert fra mannen min. Hvordan søker jeg utvidet barnetrygd? Mariam Haile", title="Utvidet barnetrygd")
D("p27-i1", "11-02 13:20", "p27a", "Hei Mariam. Du søker om utvidet barnetrygd på nav.no/barnetrygd. Legg ved separasjonsbevillingen.", out=True)
S("p27-i2", "11-25 07:30", "ሰላም፡ ሎሚ ናብ ርክብ ክመጽእ ኣይክእልን እየ፡ ሓሚመ ኣለኹ። መርያም")

# ===================================================== p28 Dmytro Kovalenko (uk/en)
D("p28-i1", "10-23 09:14", "p28a", "Привіт. Я водій з досвідом 10 років. Потрібно перевести мої права категорії C на норвезькі. Чи може NAV допомогти?", title="Робота водієм")
E("p28-i1", "11-03 19:20", "Hello,\n\nI wrote in the activity plan about my Ukrainian driving licence (category C). No answer yet. Can NAV pay for the Norwegian driving test?\n\nDmytro Kovalenko", subj="Driving licence category C")
D("p28-i1", "11-04 10:15", "p28a", "Hei Dmytro. Vi ser på om yrkessjåførutdanning kan bli et tiltak for deg. Vi tar det opp på møtet 12.11.", out=True)
S("p28-i2", "11-26 08:20", "Добрий день. Гроші за листопад ще не прийшли. Дмитро Коваленко")
S("p28-i2", "11-27 10:02", "Hello? Money not came yet. Dmytro")
S("p28-i2", "11-27 11:30", "Hei Dmytro. Utbetalingen ble sendt i dag og er på konto mandag. Hilsen Nav", out=True)

# ===================================================== p29 Bjørn Aasen (nb) – two AAP meldekort requests within days
S("p29-i1", "11-02 19:40", "Hei. Får feilmelding når jeg prøver å sende meldekortet for AAP. Det står bare «teknisk feil». Bjørn Aasen")
S("p29-i1", "11-02 22:15", "Fortsatt feil")
S("p29-i1", "11-03 08:30", "Hei Bjørn. Det var en feil hos oss i går kveld. Prøv igjen nå. Hilsen Nav", out=True)
S("p29-i1", "11-03 08:52", "Gikk fint nå")
S("p29-i2", "11-05 13:37", "Hei igjen. Glemte å føre på meldekortet at jeg var på kurs mandag. Hvordan endrer jeg det?")

# ===================================================== p30 Camilla Øverland (nb) – friend's phone
S("p30-i1", "11-13 11:20", "Hei det er Camilla Øverland, låner telefonen til ei venninne. Min er stengt pga regning. Søkte nødhjelp onsdag og har ikke fått svar. Har ikke mat til helga", num="+4798765030")
D("p30-i1", "11-13 11:45", "p30a", "Har søkt om nødhjelp onsdag men ikke fått svar. Sendte sms fra venninna sitt nummer også.", title="Nødhjelp")
D("p30-i1", "11-13 13:05", "p30a", "Hei Camilla. Søknaden er innvilget, og 2 400 kr utbetales i dag som hasteutbetaling.", out=True)
D("p30-i1", "11-16 08:40", "p30a", "Takk, pengene kom fredag kveld")
E("p30-i2", "11-24 10:30", "Hei.\n\nKan Nav hjelpe med restanse på strømregningen? Jeg har fått varsel om stenging 1. desember, restansen er 5 130 kr.\n\nCamilla", subj="Strømregning")

# ===================================================== p31 Morten Kvamme (nb) – HTML-only mails
E("p31-i1", "10-20 08:05", "<html><body><p>Hei!</p><p>Jeg søkte om uføretrygd i mai og har ikke hørt noe siden august. Kan dere sjekke hvor saken står?</p><p>Mvh<br>Morten Kvamme</p><p style=\"color:#888\">Sendt fra Outlook</p></body></html>", subj="Uføretrygd - status?", html=True, id="p31e1")
E("p31-i1", "11-17 08:12", "<html><body><div>Hei igjen.</div><div>Viser til e-post 20. oktober. Har fortsatt ikke fått svar om uføretrygden min. Det er et halvt år siden jeg søkte.</div><div><br></div><div>Morten Kvamme</div></body></html>", subj="Uføretrygd - status?", html=True, id="p31e2")
E("p31-i1", "11-18 13:40", "Hei Morten.\n\nBeklager sen tilbakemelding. Saken din er til vurdering hos rådgivende lege, og vi regner med vedtak i løpet av januar.\n\nMed vennlig hilsen\nNav Sandnes", reply="p31e2", out=True, quote=False)

# ===================================================== p32 Fatima El Amrani (nb/ar)
D("p32-i1", "11-09 08:20", "p32a", "Hei. Jeg har veldig vondt i en tann, og tannlegen sier behandlingen koster 6 000 kr. Kan jeg få hjelp fra Nav til tannbehandling?", title="Tannlege")
S("p32-i1", "11-10 17:45", "مرحبا، كتبت في خطة النشاط عن طبيب الأسنان. هل هناك جواب؟ فاطمة")
D("p32-i1", "11-11 09:00", "p32a", "Hei Fatima. Send søknad om økonomisk stønad og legg ved prisoverslag fra tannlegen.", out=True)
D("p32-i1", "11-12 12:10", "p32a", "Ok, tannlegen sender overslag i morgen.")
D("p32-i1", "11-26 10:35", "p32a", "Hei. Sendte søknaden med overslaget 13.11. Har dere bestemt noe? Tanna gjør fortsatt vondt.")

# ===================================================== p33 Helge Torvik (nn)
E("p33-i1", "11-02 07:45", "Hei.\n\nEg vart permittert 100 prosent frå 2. november. Arbeidsgjevaren har sendt permitteringsvarsel. Kva må eg gjere for å få dagpengar, og når må eg sende meldekort første gong?\n\nHelsing Helge Torvik", subj="Permittering", id="p33e1")
E("p33-i1", "11-03 10:10", "Hei Helge.\n\nDu søkjer dagpengar på nav.no/dagpenger og legg ved permitteringsvarselet. Du må også registrere deg som arbeidssøkjar. Første meldekort kjem etter to veker.\n\nMed venleg helsing\nNav Sandnes", reply="p33e1", out=True, id="p33e2")
E("p33-i1", "11-03 12:30", "Takk for svar. Har sendt søknaden no.\n\nHelge", reply="p33e2", subj="Re: Permittering")
S("p33-i2", "11-20 15:05", "Hei. Helge Torvik her. Når kjem første utbetalinga av dagpengar? Søknaden vart send 3. november.")
S("p33-i2", "11-27 09:40", "Framleis ingen pengar, og ikkje vedtak heller.")

# ===================================================== p34 Ole Rasmussen (nb) – same request on all three channels
S("p34-i1", "11-23 21:40", "Glemte meldekortet!! Fristen var i går. Hva gjør jeg nå?")
E("p34-i1", "11-23 21:55", "Hei.\n\nJeg glemte å sende meldekortet innen fristen søndag. Jeg har ikke jobbet noe i perioden. Kan jeg fortsatt sende det?\n\nOle Rasmussen", subj="Meldekort for sent")
D("p34-i1", "11-24 07:05", "p34a", "Meldekortet ble ikke sendt i tide, og nå er knappen borte på nav.no. Hvordan sender jeg det?", title="Meldekort")
D("p34-i1", "11-24 09:25", "p34a", "Hei Ole. Jeg har åpnet meldekortet igjen, så du kan sende det nå. Du kan få trekk for én dag.", out=True)
D("p34-i1", "11-24 09:40", "p34a", "Sendt. Takk")

# ===================================================== p35 Rukia Abdi (so/nb)
S("p35-i1", "11-25 07:42", "Salaan. Maanta ma imaan karo ballanta 10:00, ilmaha ayaa buka. Rukia Abdi")
S("p35-i1", "11-25 08:30", "Hei Rukia. Takk for beskjed. Du får ny time i aktivitetsplanen. Hilsen Nav", out=True)
S("p35-i2", "12-02 18:10", "Hei, jeg trenger tolk på somali på neste møte. Rukia")
S("p35-i2", "12-03 08:05", "Turjumaan af-Soomaali fadlan ballanta xigta. Rukia Abdi")

# ===================================================== p36 Karolina Wiśniewska (pl/nb)
D("p36-i1", "11-04 19:30", "p36a", "Dzień dobry. Czy mogę przerwać kurs „Jobbklar”? Dostałam pracę na zmiany od poniedziałku.", title="Kurs Jobbklar")
S("p36-i1", "11-05 07:50", "Hei, Karolina Wiśniewska. Har fått jobb fra mandag. Kan jeg slutte på kurset? Skrev i dialogen også.")
D("p36-i1", "11-05 10:05", "p36a", "Hei Karolina, gratulerer med jobben! Ja, jeg avslutter kurset fra fredag.", out=True)
S("p36-i2", "11-23 16:15", "Dzień dobry, czy muszę dalej wysyłać meldekort, teraz kiedy pracuję na pełny etat?")

# ===================================================== p37 Emma Johansen (nb) – work e-mail not in register
E("p37-i1", "11-11 14:05", "Hei, Emma Johansen her. Skriver fra jobbmailen. Kan noen se over søknaden min til stillingen som sekretær i Sandnes kommune? Fristen er fredag.\n\nHilsen Emma", subj="Hjelp med søknad", addr="emma.johansen@kontorservice.example.no", name="Emma Johansen | Kontorservice AS")
D("p37-i1", "11-12 08:10", "p37a", "Hei! Sendte e-post fra jobbmailen i går om hjelp med en jobbsøknad, frist fredag. Kan jeg legge den inn her i stedet?", title="Jobbsøknad")
D("p37-i1", "11-12 08:55", "p37a", "Hei Emma, ja, lim inn teksten her, så ser jeg på den i dag.", out=True)
D("p37-i1", "11-12 09:30", "p37a", "Her er den: «Jeg søker stillingen som sekretær ved Sandnes kommune. Jeg har tre års erfaring fra resepsjon og kundeservice, og trives med å ha mange baller i lufta. Jeg er strukturert, blid og lærer nye systemer raskt.» Er det for kort?")
D("p37-i1", "11-12 14:20", "p37a", "Den er god, men gjerne litt lenger. Skriv konkret om systemene du har brukt og hvorfor du vil jobbe i kommunen.", out=True)
D("p37-i1", "11-13 20:02", "p37a", "Sendt inn nå. Tusen takk for hjelpen!")

# ===================================================== p38 Vidar Eide (nb) – complaint open 4 weeks
E("p38-i1", "10-26 09:50", "Hei.\n\nJeg klager på vedtaket av 20.10 om avslag på stønad til depositum. Jeg har ikke egne midler, og utleier krever depositum på 30 000 kr før innflytting 1. desember. Jeg ber om at saken vurderes på nytt.\n\nVidar Eide", subj="Klage på avslag om økonomisk stønad")
S("p38-i1", "11-09 15:30", "Hei, Vidar Eide. Har dere sett på klagen min om depositum? Utleier venter på svar.")
S("p38-i1", "11-10 09:15", "Hei Vidar. Klagen er til behandling. Vi har tre ukers frist før den eventuelt sendes til Statsforvalteren. Hilsen Nav Sandnes", out=True)
E("p38-i1", "11-23 07:30", "Det er nå fire uker siden jeg klaget. Jeg har mistet leiligheten jeg skulle få. Jeg ber om svar.\n\nVidar Eide", subj="Klage - depositum", id="p38e2")
E("p38-i1", "11-24 11:00", "Hei Vidar.\n\nVi har ikke funnet grunn til å endre vedtaket, og klagen er oversendt Statsforvalteren i Rogaland. Vi beklager at det har tatt tid.\n\nMed vennlig hilsen\nNav Sandnes", reply="p38e2", out=True)

# ===================================================== p39 Luis García (es/en)
E("p39-i1", "11-05 17:22", "Hola,\n\nperdí mi trabajo en el restaurante el 30 de octubre. ¿Puedo solicitar dagpenger si he trabajado 14 meses en Noruega?\n\nLuis García", subj="Dagpenger")
S("p39-i1", "11-06 09:05", "Hi, this is Luis Garcia. I lost my job 30 Oct. Can I get dagpenger after 14 months work in Norway? Wrote email in Spanish yesterday")
S("p39-i1", "11-06 11:20", "Hi Luis. Most likely yes. Register as a job seeker and apply at nav.no/dagpenger as soon as possible. Nav Sandnes", out=True)
S("p39-i1", "11-06 11:24", "ok, gracias!")
D("p39-i2", "11-26 13:10", "p39a", "Hi, when is the first meldekort due? I can't see it on nav.no.", title="Meldekort")

# ===================================================== p40 Silje Holm (nb)
D("p40-i1", "11-02 15:30", "p40a", "Hei! Jeg er gravid i uke 24 og jobber på lager med mye tunge løft. Arbeidsgiver sier de ikke kan tilrettelegge. Kan jeg få svangerskapspenger?", title="Svangerskapspenger")
D("p40-i1", "11-09 09:00", "p40a", "Hallo, noen der?")
D("p40-i1", "11-10 10:40", "p40a", "Hei Silje. Ja, da kan du ha rett til svangerskapspenger. Arbeidsgiver fyller ut tilretteleggingsskjemaet, og du søker på nav.no.", out=True)
E("p40-i2", "11-30 20:15", "Hei,\n\nhvor mange uker før termin må jeg begynne å ta ut foreldrepenger? Termin er 19. februar.\n\nMvh Silje Holm", subj="Foreldrepenger før termin")

# ===================================================== not in the register
S("p41-i1", "11-18 12:50", "Hei, jeg flyttet hit fra Bergen forrige måned. Hvem er veilederen min nå? Kristian Nilsen, fnr {fnr:p41}")
S("p41-i1", "11-25 13:05", "Hei igjen, fortsatt ingen som har tatt kontakt. Kristian")
E("p42-i1", "11-09 23:40", "Hei. Hvor mye får man i sosialhjelp når man bor alene i Sandnes? Lurer på om jeg skal søke.", subj="spørsmål", name="")
S("p43-i1", "11-19 06:58", "Hei, når er neste utbetaling?")

# ================================================================ later inquiries (second batch)
S("p01-i3", "12-01 10:25", "Hei. Jeg har fått tilbud om et vikariat i tre uker i desember. Må jeg melde meg ut som arbeidssøker, eller fører jeg bare timene? Ingrid")
E("p01-i3", "12-02 08:40", "Hei,\n\njeg begynner i et vikariat på Sandnes legesenter 7. desember og jobber der ut året, ca. 30 timer i uka. Skal jeg stoppe dagpengene selv, eller holder det å føre timene på meldekortet?\n\nMvh Ingrid Haugland", subj="Vikariat i desember")
S("p03-i3", "11-30 19:15", "Zmieniłam bank. Gdzie mam podać nowy numer konta, żeby dagpenger przyszły na nowe konto?")
D("p03-i3", "12-01 09:02", "p03a", "Hei, jeg har fått nytt kontonummer. Hvor endrer jeg det så pengene kommer riktig? Marta")
D("p03-i3", "12-01 10:30", "p03a", "Hei Marta. Du endrer kontonummer selv under «Personopplysninger» på nav.no. Endringen gjelder fra neste utbetaling.", out=True)
S("p04-i3", "12-02 11:40", "موعدي مع NAV يوم الخميس. أحتاج مترجمًا عربيًا من فضلكم. أحمد حسن")
S("p04-i3", "12-02 11:46", "Hei. Trenger arabisk tolk på møtet torsdag. Ahmed")
S("p04-i3", "12-02 13:00", "Hei Ahmed. Arabisk tolk er bestilt til torsdag kl. 10. Hilsen Nav", out=True)
S("p05-i2", "12-01 16:30", "Salaan. Ballanta Khamiista ma dib u dhigi karaa? Dhakhtarka ayaan u socdaa. Faadumo Cali")
D("p06-i3", "11-26 20:45", "p06a", "Добрий вечір. Інше питання: чи може NAV допомогти з оплатою за дитячий садок? Для мене це дуже дорого.")
E("p06-i3", "11-27 07:30", "Hello,\n\ncan I get financial support for kindergarten fees (barnehage) for my son? The price is too high for me with my current income.\n\nOlena Shevchenko", subj="Kindergarten fees")
E("p08-i2", "12-01 12:05", "Hei.\n\nSykmeldingen min er forlenget ut desember. Må jeg sende noe nytt til Nav, eller går sykepengene videre automatisk?\n\nHilsen Hilde Lie", subj="Forlenget sykmelding")
S("p08-i2", "12-03 09:50", "Hei, Hilde Lie. Sendte e-post tirsdag om forlenget sykmelding. Må jeg gjøre noe?")
S("p11-i3", "12-03 10:12", "ሰላም፡ ካብ NAV ብዛዕባ ዕዳ ደብዳቤ መጺኡኒ። ኣይተረድኣንን። በጃኹም ሓግዙኒ። ዮናስ ተስፋይ")
E("p12-i3", "12-02 18:30", "Hola,\n\n¿puedo trabajar los fines de semana en una empresa de limpieza mientras hago el curso Jobbklar? Me ofrecieron 8 horas cada sábado.\n\nLucía", subj="Trabajo de fin de semana")
S("p13-i3", "12-03 07:40", "Sveiki. Gavau laišką iš NAV apie skolą (tilbakekreving). Nesuprantu kodėl. Ką daryti? Tomas")
E("p13-i3", "12-03 18:22", "Hello,\n\nI got a letter from NAV that I must pay back 3 200 kr. I don't understand why, I always sent the meldekort. Can you explain?\n\nTomas Petrauskas", subj="Letter about paying back money")
S("p14-i2", "11-10 18:05", "Hei. Eg har flytta til Ålgård, ny adresse er Lauvvegen 4. Må eg melde det til Nav òg, eller held det med folkeregisteret? Åse Vik")
E("p16-i3", "11-24 21:10", "Hi,\n\nit looks like Nav deducts 38 % tax from my dagpenger. My tax card says 24 %. Is there something wrong in your system?\n\nJohn", subj="Too much tax on dagpenger?", id="p16e3")
E("p16-i3", "12-02 09:15", "Hi again, still waiting for an answer about the tax deduction. The next payment is on Friday.\n\nJohn Miller", reply="p16e3", qlang="en")
D("p16-i2", "12-01 11:05", "p16a", "Hei John. Elektrikere med utenlandsk utdanning må søke DSB om godkjenning. Vi kan hjelpe deg med søknaden på neste møte, og jeg sender deg et par stillinger på engelsk.", out=True)
D("p16-i2", "12-01 11:30", "p16a", "Thanks, that helps a lot.")
S("p17-i3", "11-11 13:25", "Hei. Kan jeg få dekket reiseutgifter til behandling på SUS fire ganger i måneden? Sigrid Berg")
S("p19-i3", "12-02 12:10", "Hei, Nina her. Fikk jobb fra januar! Skal jeg melde meg av som arbeidssøker nå eller først i januar?")
S("p19-i3", "12-02 14:30", "Gratulerer, Nina! Fortsett å sende meldekort ut desember. Du avslutter når du begynner i jobben. Hilsen Nav", out=True)
S("p20-i2", "11-26 11:00", "Hei. Jeg skal til Spania 10.-17. desember. Må jeg melde fra om det når jeg får dagpenger? Jonas Moen")
S("p20-i2", "11-27 15:45", "?")
S("p22-i3", "12-01 07:20", "Hei, Linnea her. Er syk i dag og kommer ikke på arbeidstreninga. Må jeg si fra til dere eller bare til Kiwi?")
S("p22-i3", "12-01 08:15", "Hei Linnea. Det holder å si fra til Kiwi, men før fraværet i meldekortet. God bedring! Hilsen Nav", out=True)
D("p23-i2", "11-23 09:45", "p23a", "Hei Amina. Du søker kontantstøtte på nav.no/kontantstotte fra barnet er 13 måneder. Søk gjerne i januar.", out=True)
D("p23-i2", "11-23 10:01", "p23a", "Mahadsanid! Takk")
S("p24-i2", "12-01 19:00", "Dostałem list od NAV o sykepenger po norwesku i nie rozumiem. Co znaczy „delvis avslag”?")
E("p24-i2", "12-01 21:35", "Hei.\n\nJeg fikk brev om «delvis avslag» på sykepenger. Forstår ikke helt. Får jeg ikke penger for de første ukene?\n\nPiotr Nowak", subj="Brev om delvis avslag")
S("p25-i2", "12-02 10:40", "Tu Agnieszka Nowak. Czy mogę dostać barnetrygd na syna, który przyjechał z Polski w październiku?", by="p25")
S("p26-i2", "11-30 09:10", "Hei, Hamid Rahimi. Kommer pengene for desember før helgen? Husleia må betales 1.")
S("p32-i2", "11-30 09:24", "Hei, når blir sosialhjelpen for desember utbetalt? Fatima")
D("p32-i2", "11-30 12:50", "p32a", "Hei igjen. Lurer også på når desember-utbetalingen av sosialhjelpen kommer.")
D("p28-i3", "12-01 08:55", "p28a", "Доброго дня. Коли буде наступна зустріч? Я не отримав запрошення.")
E("p29-i3", "11-19 14:00", "Hei.\n\nAAP-perioden min går ut i februar. Hva skjer da? Kan den forlenges? Jeg er fortsatt i behandling hos DPS.\n\nBjørn Aasen", subj="AAP går ut i februar", id="p29e3")
S("p29-i3", "11-30 13:30", "Hei. Sendte epost 19.11 om forlengelse av AAP. Noe svar? Bjørn Aasen")
E("p29-i3", "12-01 10:20", "Hei Bjørn.\n\nAAP kan forlenges når du fortsatt er under behandling. Vi sender deg et skjema, og ber om en oppdatert legeerklæring fra DPS.\n\nMed vennlig hilsen\nNav Sandnes", reply="p29e3", out=True)
S("p30-i2", "12-01 08:05", "Fikk dere mailen om strømregninga? De stenger i dag! Camilla")
S("p30-i2", "12-01 09:20", "Hei Camilla. Vi har betalt restansen direkte til strømselskapet i dag. Vedtak kommer i innboksen. Hilsen Nav", out=True)
S("p30-i2", "12-01 09:26", "Tusen takk!!")
E("p31-i2", "12-01 07:55", "<html><body><p>Hei,</p><p>jeg har fått brev om at jeg skal møte hos rådgivende lege 9. desember, men jeg ligger inne på sykehuset den dagen. Kan timen flyttes?</p><p>Morten</p></body></html>", subj="Time hos rådgivende lege", html=True, id="p31e3")
E("p31-i2", "12-03 10:12", "Gjelder timen 9. desember. Jeg er på SUS fra 7. til 11. Svar gjerne på sms til kona mi, 97712398.\n\nMorten Kvamme", subj="Time 9. desember")
S("p34-i2", "11-30 10:00", "Hei! Hvor kan jeg se hvor mange uker med dagpenger jeg har igjen?")
D("p36-i2", "11-30 20:20", "p36a", "Hei, spurte på sms forrige uke om jeg må fortsette med meldekort nå som jeg jobber fullt. Må jeg det?")
D("p36-i2", "12-01 09:00", "p36a", "Hei Karolina. Nei, når du jobber fullt stopper vi dagpengene. Send det siste meldekortet for perioden du jobbet, så avslutter vi.", out=True)
S("p37-i2", "11-30 16:40", "Fikk jobben i kommunen!! Hva gjør jeg med dagpengene nå? Emma")
D("p37-i2", "11-30 21:15", "p37a", "Hei igjen! Jeg fikk sekretærjobben og begynner 4. januar. Må jeg stoppe dagpengene selv?")
S("p38-i2", "12-01 07:10", "Jeg har ingen plass å bo fra i dag. Kan Nav skaffe midlertidig bolig? Vidar Eide")
S("p38-i2", "12-01 10:45", "Ringte også men ingen tok telefonen")
S("p38-i2", "12-01 11:10", "Hei Vidar. Kom innom Nav Sandnes i dag før kl. 14, så finner vi et midlertidig botilbud. Hilsen Nav", out=True)
S("p39-i2", "12-02 08:30", "Hi, Luis here. I wrote in the plan last week about the first meldekort date, still don't know. Can someone answer?")
S("p40-i3", "12-02 13:15", "Hei, er sykmeldt 50 % fra i dag pga bekkenløsning. Får jeg svangerskapspenger og sykepenger samtidig? Silje")
S("p41-i2", "12-02 17:20", "Kristian Nilsen igjen. Fikk brev om møte 8.12, men har jobbintervju da. Kan det flyttes?")
E("p02-i3", "12-04 08:30", "Hei.\n\nNå som AAP er innvilget med etterbetaling: blir sosialhjelpen jeg fikk i november trukket fra etterbetalingen?\n\nMvh Tor Egil Sæther", subj="Etterbetaling AAP og sosialhjelp")
E("p33-i3", "12-02 19:40", "Hei.\n\nEg har fått tilbod om eit kortvarig oppdrag på to dagar neste veke. Kan eg ta det utan å miste dagpengane?\n\nHelsing Helge", subj="Kortvarig oppdrag")

# ================================================================ extra follow-ups / closers
S("p43-i1", "11-19 09:32", "hallo")
S("p11-i1", "11-04 12:05", "የቐንየለይ!")
D("p27-i1", "11-02 18:40", "p27a", "Takk. የቐንየለይ")
S("p15-i2", "12-03 11:15", "Hei, Eirik Fjell. Sende e-post fredag om jobb ved sida av AAP. Gardsjobben startar måndag, så eg treng svar.")
S("p26-i2", "12-01 12:30", "Takk, kom i dag")
S("p09-i2", "11-27 08:20", "Hei, Mona Berntsen her. Sendte mail fra familiemailen om jobbsøkerkurset. Må jeg møte på mandag?")

# ================================================================ rendering
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
NOTES = """# Fresh dedup test set – notes

Office: Nav Sandnes (SMS +4755553000, e-mail nav.sandnes@nav.example.no, dialogue in the activity plan).
Period: 19 Oct – 4 Dec 2026. Local times are Europe/Oslo (CEST until 25 Oct, CET after); SMS dates are UTC.
Labels: `inquiry` = the underlying request; `person` = who really wrote the message (for outbound rows: the
citizen the reply is addressed to / whose inquiry it answers – the writer is always the office).
p41, p42, p43 are NOT in contacts.csv (unknown senders). All texts are hand-written; build.py only renders them.

## Persons
- p01 Ingrid Haugland (nb): i1 late dagpenger payment (sms+email, reply, «takk, pengene kom»); i2 wrong hours on meldekort (dialog+sms); i3 temporary job in December (sms+email, reworded, no reference).
- p02 Tor Egil Sæther (nb): i1 AAP application pending 6 weeks (email thread, sms «Noe nytt om AAP?», closer 3 Dec); i2 sosialhjelp while waiting (dialog); i3 AAP back pay vs. sosialhjelp (email).
- p03 Marta Kowalska (pl/nb/en, switches language per channel): i1 dagpenger application status; i2 travel to Poland & meldekort; i3 new bank account (sms pl + dialog nb in old thread).
- p04 Ahmed Hassan (ar/nb): i1 emergency food money (ar+nb sms same day); i2 rental contract documentation (email with fnr + dialog ar); i3 Arabic interpreter (ar+nb sms).
- p05 Faadumo Cali (so/nb): i1 barnetrygd for newborn, open 4 weeks, writes from daughter's e-mail (hodan.ali2008@…, not in register) with her fnr; i2 move Thursday meeting (so).
- p06 Olena Shevchenko (uk/en/nb): i1 Norwegian course B1; i2 cancel meeting, sick child (uk then en sms); i3 kindergarten fee support (dialog uk in old thread + email en).
- p07 Sander Lie (nb): writes from mum's (p08) phone. i1 move meeting; i2 got job, what happens to tiltak (new question in old dialogue thread).
- p08 Hilde Lie (nb): i1 sykepenger not paid (sms, email, closer 15 days later); i2 extended sick leave (email + sms with reference).
- p09 Mona Berntsen (nb): shares e-mail with p10. i1 CV help; i2 new part-time job, must she attend course (email + sms).
- p10 Geir Berntsen (nb): shares e-mail with p09. i1 50 % layoff, when to apply for dagpenger; i2 layoff lifted (reply in old email thread).
- p11 Yonas Tesfay (ti/nb): i1 Tigrinya interpreter; i2 winter clothes for children (follow-up after 13 days, then dialog nb); i3 debt letter.
- p12 Lucía Fernández (es/en, no phone): i1 CV in Norwegian; i2 diploma approval (new question in old dialogue thread, follow-up by email 15 days later); i3 weekend job during course.
- p13 Tomas Petrauskas (lt/nb/en): i1 late meldekort (lt + nb sms 19 min apart); i2 confirmation letter for landlord; i3 repayment letter (lt sms + en email).
- p14 Åse Vik (nn): i1 complaint on uføretrygd, open 19 Oct – 2 Dec on email, dialog and sms; i2 change of address.
- p15 Eirik Fjell (nn): i1 move meeting («Hallo?»); i2 work next to AAP (email + sms 6 days later).
- p16 John Miller (en): i1 meldekort without BankID; i2 jobs in English (follow-up after 12 days, answered 1 Dec); i3 too much tax (email + reply to own mail 8 days later).
- p17 Sigrid Berg (nb): i1 which medical form; i2 AAP after sykepenger (dialog in old thread, sms 13 days later); i3 travel costs for treatment.
- p18 Knut Dahl (nb, no e-mail): i1 November sosialhjelp payment; i2 December payment – same wording a month later, different inquiry.
- p19 Nina Solberg (nb): i1 dagpenger payment date; i2 job fair; i3 got job from January.
- p20 Jonas Moen (nb): i1 dagpenger payment date (same morning as p19); i2 holiday abroad («?»).
- p21 Anders Hovland (nb): i1 complaint on dagpenger refusal (email thread 19 Oct – 10 Nov); i2 truck course (reply in the old complaint thread + sms).
- p22 Linnea Strand (nb): i1 work trial; i2 repayment claim (new question in old dialogue thread + email); i3 sick today.
- p23 Amina Yusuf (nb/so, no e-mail): i1 cancel Friday meeting (nb+so sms 5 min apart); i2 kontantstøtte.
- p24 Piotr Nowak (pl/nb): shares phone with p25. i1 sick note not found by employer; i2 «delvis avslag» letter (pl sms + nb email).
- p25 Agnieszka Nowak (pl): shares phone with p24, no e-mail. i1 Norwegian course; i2 barnetrygd for son.
- p26 Hamid Rahimi (ar/nb): i1 confirmation letter for landlord (ar email + nb sms); i2 December payment.
- p27 Mariam Haile (ti/nb, no e-mail): i1 extended barnetrygd after separation; i2 sick, cannot come today.
- p28 Dmytro Kovalenko (uk/en): i1 category C driving licence; i2 November money late (uk + en sms); i3 next meeting (old dialogue thread).
- p29 Bjørn Aasen (nb): i1 technical error sending AAP meldekort; i2 correct meldekort (course day) – same benefit, 2 days later, different; i3 AAP extension (email + sms 11 days later).
- p30 Camilla Øverland (nb): i1 emergency aid, sms from a friend's unknown number + dialog; i2 electricity arrears (email + sms a week later).
- p31 Morten Kvamme (nb, no phone): i1 uføretrygd status (HTML-only mails 4 weeks apart); i2 move appointment with consultant doctor (HTML mail + plain mail).
- p32 Fatima El Amrani (nb/ar): i1 dental treatment (dialog nb + sms ar, follow-up after 14 days); i2 December payment (same morning as p26).
- p33 Helge Torvik (nn): i1 layoff, how to get dagpengar; i2 first payment; i3 short assignment.
- p34 Ole Rasmussen (nb): i1 missed meldekort deadline on all three channels within 10 hours; i2 remaining dagpenger weeks.
- p35 Rukia Abdi (so/nb, no e-mail): i1 cancel today's meeting (same day as p27's cancellation); i2 Somali interpreter (nb + so sms).
- p36 Karolina Wiśniewska (pl/nb): i1 quit course, got job (dialog pl + sms nb); i2 meldekort while working full-time (pl sms + nb dialog a week later).
- p37 Emma Johansen (nb): writes from work e-mail not in register; i1 help with application (long dialog exchange); i2 got the job, stop dagpenger (sms + dialog).
- p38 Vidar Eide (nb, complaint 4 weeks): i1 complaint on deposit refusal; i2 homeless from today (emergency housing).
- p39 Luis García (es/en): i1 dagpenger eligibility (es email + en sms); i2 first meldekort date (dialog + sms a week later).
- p40 Silje Holm (nb): i1 svangerskapspenger («Hallo, noen der?»); i2 foreldrepenger before due date; i3 sick leave + svangerskapspenger.
- p41 Kristian Nilsen (nb, not in register, fnr in text): i1 who is my caseworker (moved from Bergen); i2 move meeting.
- p42 unknown e-mail sender, no name (not in register): i1 how much sosialhjelp.
- p43 unknown phone number, unsigned (not in register): i1 «when is the next payment?» + «hallo».

## Hard cases
1. Same request, another channel, reworded, no reference: p01-i3 [[p01-i3@12-01 10:25]] / [[p01-i3@12-02 08:40]]; p04-i1 ar/nb sms [[p04-i1@11-05 09:30]] / [[p04-i1@11-05 13:45]]; p06-i3 uk dialog [[p06-i3@11-26 20:45]] / en email [[p06-i3@11-27 07:30]]; p24-i2 pl sms [[p24-i2@12-01 19:00]] / nb email [[p24-i2@12-01 21:35]]; p13-i3 lt sms [[p13-i3@12-03 07:40]] / en email [[p13-i3@12-03 18:22]]; p34-i1 three channels [[p34-i1@11-23 21:40]] [[p34-i1@11-23 21:55]] [[p34-i1@11-24 07:05]]; p37-i2 [[p37-i2@11-30 16:40]] / [[p37-i2@11-30 21:15]]; p32-i2 [[p32-i2@11-30 09:24]] / [[p32-i2@11-30 12:50]].
2. Same request with explicit reference to the other channel: p01-i2 [[p01-i2@11-17 15:20]] («skrev i aktivitetsplanen i går»); p03-i1 [[p03-i1@10-27 11:32]] («I wrote SMS and email last week»); p06-i1 [[p06-i1@10-29 09:15]]; p07-i1 [[p07-i1@11-03 20:10]]; p08-i1 [[p08-i1@11-09 07:58]]; p09-i1 [[p09-i1@11-05 12:14]]; p10-i1 [[p10-i1@11-04 12:30]]; p12-i1 [[p12-i1@10-30 15:55]]; p15-i1 [[p15-i1@11-10 12:02]]; p16-i1 [[p16-i1@11-05 08:47]]; p17-i1 [[p17-i1@10-29 07:20]]; p20-i1 [[p20-i1@11-17 12:25]]; p21-i2 [[p21-i2@11-23 09:12]]; p22-i2 [[p22-i2@11-25 08:14]]; p28-i1 [[p28-i1@11-03 19:20]]; p29-i3 [[p29-i3@11-30 13:30]]; p30-i1 [[p30-i1@11-13 11:45]]; p32-i1 [[p32-i1@11-10 17:45]]; p36-i1 [[p36-i1@11-05 07:50]]; p37-i1 [[p37-i1@11-12 08:10]]; p39-i1 [[p39-i1@11-06 09:05]]; p08-i2 [[p08-i2@12-03 09:50]]; p15-i2 [[p15-i2@12-03 11:15]]; p09-i2 [[p09-i2@11-27 08:20]]; p36-i2 [[p36-i2@11-30 20:20]]; p39-i2 [[p39-i2@12-02 08:30]]; p11-i2 [[p11-i2@11-30 14:12]]; p26-i1 ar email [[p26-i1@11-11 13:00]] / nb sms [[p26-i1@11-13 10:15]] («Sendte e-post onsdag»).
3. Content-poor follow-ups (<60 chars) belonging to an earlier inquiry: [[p02-i1@11-26 14:10]] «Noe nytt om AAP?»; [[p03-i2@11-20 12:44]] «Halo? Wyjeżdżam w poniedziałek»; [[p05-i1@11-09 08:02]]; [[p11-i2@11-30 09:48]] (ti «no answer yet»); [[p15-i1@11-10 10:20]] «Hallo?»; [[p16-i2@11-30 08:12]]; [[p18-i1@11-03 08:15]] «?? Knut»; [[p20-i2@11-27 15:45]] «?»; [[p28-i2@11-27 10:02]]; [[p29-i1@11-02 22:15]] «Fortsatt feil»; [[p38-i2@12-01 10:45]]; [[p40-i1@11-09 09:00]]; [[p43-i1@11-19 09:32]] «hallo» from an unknown number; [[p14-i1@12-01 10:02]].
4. Content-poor closers: [[p01-i1@11-13 12:31]] «Takk, pengene kom i dag»; [[p01-i2@11-18 11:02]]; [[p02-i1@12-03 09:01]]; [[p04-i1@11-05 14:18]] (ar); [[p05-i1@11-24 17:48]] (so); [[p06-i1@10-30 11:02]] (uk); [[p07-i1@11-04 15:03]] (from mum's phone); [[p07-i2@11-23 09:31]] «👍»; [[p08-i1@11-25 10:06]]; [[p11-i1@11-04 12:05]] (ti); [[p13-i1@11-12 09:15]] (lt); [[p16-i1@11-05 10:31]]; [[p18-i1@11-04 07:20]]; [[p18-i2@12-02 11:05]]; [[p20-i1@11-19 09:57]]; [[p24-i1@11-27 13:14]]; [[p26-i1@11-16 12:02]] (ar); [[p26-i2@12-01 12:30]]; [[p29-i1@11-03 08:52]]; [[p30-i1@11-16 08:40]]; [[p30-i2@12-01 09:26]]; [[p34-i1@11-24 09:40]]; [[p39-i1@11-06 11:24]] (es); [[p33-i1@11-03 12:30]]; [[p23-i2@11-23 10:01]]; [[p27-i1@11-02 18:40]].
5. Open for weeks (gaps > 4 days, up to 6 weeks): p14-i1 complaint 19 Oct → 2 Dec [[p14-i1@10-19 14:30]] … [[p14-i1@11-16 13:24]] … [[p14-i1@12-01 10:02]]; p02-i1 AAP 20 Oct → 3 Dec; p31-i1 20 Oct → 17 Nov (HTML, 4 weeks, «Viser til e-post 20. oktober») [[p31-i1@11-17 08:12]]; p38-i1 26 Oct → 24 Nov; p21-i1 19 Oct → 10 Nov; p05-i1 26 Oct → 24 Nov; p03-i1 22 Oct → 28 Oct; p12-i2 10 Nov → 25 Nov; p16-i2 18 Nov → 1 Dec; p32-i1 9 Nov → 26 Nov; p17-i2 19 Nov → 2 Dec; p24-i1 6 Nov → 27 Nov (closer 3 weeks later); p08-i1 closer 15 days later.
6. Same person, two different requests on the same benefit within days: p01-i1 late dagpenger vs p01-i2 wrong hours on meldekort (6 days); p29-i1 AAP meldekort technical error vs p29-i2 correcting the meldekort (2 days); p13-i1 late meldekort vs p13-i2 dagpenger confirmation letter; p33-i1 how to apply vs p33-i2 first payment vs p33-i3 short assignment; p02-i1 AAP status vs p02-i2 sosialhjelp while waiting (next day); p18-i1 November payment vs p18-i2 December payment (same wording, a month apart).
7. Different people, nearly the same question, same day: p19-i1 [[p19-i1@11-17 08:05]] vs p20-i1 [[p20-i1@11-17 08:11]] (dagpenger payment, 6 minutes apart); p26-i2 [[p26-i2@11-30 09:10]] vs p32-i2 [[p32-i2@11-30 09:24]] (December sosialhjelp); p27-i2 [[p27-i2@11-25 07:30]] vs p35-i1 [[p35-i1@11-25 07:42]] (cannot come to meeting today); p04-i3 vs p35-i2 (interpreter, 2 Dec); p36-i2 vs p01-i3 vs p37-i2 (working, what about meldekort/dagpenger).
8. Borrowed phone / family e-mail: p07 writes from p08's phone [[p07-i1@11-03 16:22]] [[p07-i1@11-04 15:03]] while p08 has her own inquiry p08-i1 from the same number 3 days later; p05 writes from daughter's e-mail [[p05-i1@11-09 20:36]] (display name «Hodan Ali», fnr in text); p30 from a friend's unknown number [[p30-i1@11-13 11:20]]; p37 from her work e-mail [[p37-i1@11-11 14:05]] (not in register).
9. National ID in the text: [[p04-i2@11-18 10:22]], [[p05-i1@11-09 20:36]], [[p14-i1@10-19 14:30]], [[p21-i1@10-19 22:14]], [[p24-i1@11-09 06:55]], [[p41-i1@11-18 12:50]] (p41 not in register).
10. Unknown senders not in register: p41 [[p41-i1@11-18 12:50]] [[p41-i1@11-25 13:05]] [[p41-i2@12-02 17:20]] (two different inquiries from the same unknown number); p42 [[p42-i1@11-09 23:40]] (no name); p43 [[p43-i1@11-19 06:58]] [[p43-i1@11-19 09:32]].
11. New question in an old dialogue thread: p07 thread «Flytte møte» [[p07-i2@11-20 18:44]]; p12 «CV help» [[p12-i2@11-10 20:20]]; p17 «Legeerklæring» [[p17-i2@11-19 19:05]]; p22 «Arbeidstrening» [[p22-i2@11-24 19:52]] («Helt annet spørsmål»); p03 «Dagpenger» [[p03-i3@12-01 09:02]]; p06 «Курс норвезької» [[p06-i3@11-26 20:45]]; p28 «Робота водієм» [[p28-i3@12-01 08:55]]; p36 «Kurs Jobbklar» [[p36-i2@11-30 20:20]]; p37 «Jobbsøknad» [[p37-i2@11-30 21:15]]. Each is a DIFFERENT inquiry from the thread's first one.
12. New question as a reply to an old email thread: p21-i2 [[p21-i2@11-20 20:48]] (SV: Klage på avslag om dagpenger, quotes the whole complaint thread – different inquiry); p10-i2 [[p10-i2@11-24 19:30]] (SV: Permittert 50 %). Conversely p16-i3 [[p16-i3@12-02 09:15]] replies to his own earlier mail = same inquiry; p31-i1 second HTML mail is a new mail (no In-Reply-To) but same inquiry.
13. Shared contact points: p09/p10 share berntsen.familien@… – [[p09-i2@11-24 21:15]] and [[p10-i2@11-24 19:30]] are from the same address on the same evening but different persons and inquiries; p24/p25 share +4745678024 – [[p24-i1@11-06 09:20]] and [[p25-i1@11-06 14:02]] same number, same day, different persons/inquiries; office replies to p25 go to the shared number.
14. Language switch inside one inquiry: p06-i2 uk→en; p13-i1 lt→nb; p23-i1 nb→so; p39-i1 es→en→es; p03-i1 pl→nb→en→pl; p04-i1 ar→nb→ar; p11-i1 ti→nb; p32-i1 nb→ar; p36-i1 pl→nb; p28-i2 uk→en.
15. Outbound replies (direction out) carry the inquiry they answer, e.g. [[p02-i1@10-21 10:04]], [[p21-i1@11-10 11:45]] (the reply that the new question p21-i2 is later written under), [[p31-i1@11-18 13:40]] (reply to an HTML mail, no quote), [[p16-i2@12-01 11:05]] (answers a question open for 2 weeks).
16. HTML-only mails: [[p31-i1@10-20 08:05]], [[p31-i1@11-17 08:12]], [[p31-i2@12-01 07:55]]; 8bit Arabic mail [[p26-i1@11-11 13:00]] with base64 RFC 2047 subject.
"""
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
