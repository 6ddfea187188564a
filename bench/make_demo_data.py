"""Write the bundled demo exports in ``flerkanal/demo/`` (run from the repository root).

    python bench/make_demo_data.py [--out flerkanal/demo]

Twenty-four made-up people write to one Nav office over the three weeks before 26 November 2026, by SMS
(Twilio), email (mbox) and the activity plan's dialogue. Who writes, and every text, is written by hand in
``bench/demo_messages.toml``; everything else (ids, dates in each export's format, quoting, MIME) is derived,
so the output is the same on every run. No real person is in it: national ID numbers follow the synthetic
convention (month + 80) and pass both mod-11 checks, phone numbers are invented, addresses are on
example.no/.com/.net.

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
import tomllib
from dataclasses import dataclass
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


DATA = REPO / "bench" / "demo_messages.toml"
_DATA = tomllib.loads(DATA.read_text(encoding="utf-8"))
PEOPLE: dict[str, Person] = {row["pid"]: Person(**row) for row in _DATA["person"]}
for _n, _p in enumerate(PEOPLE.values()):
    _p.fnr = synthetic_fnr(_p.born, (0 if _p.born.year < 2000 else 500) + 37 * (_n + 3) % 400)
    _p.aktor = aktor_id(_p.pid)


# --------------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------------


@dataclass
class Msg:
    """One message, in the order of ``demo_messages.toml``. ``parent`` names the message a mail replies to."""

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
    fnr_of: str = ""  # whose national ID number fills {fnr} in the text

    @property
    def when(self) -> datetime:
        return datetime.strptime(self.at, "%Y-%m-%d %H:%M").replace(tzinfo=CET)


def _fnr_spaced(pid: str) -> str:
    f = PEOPLE[pid].fnr
    return f"{f[:6]} {f[6:]}"


MESSAGES: list[Msg] = [Msg(**row) for row in _DATA["message"]]


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
    if m.fnr_of:
        text = text.replace("{fnr}", _fnr_spaced(m.fnr_of))
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
