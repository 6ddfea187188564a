"""Builders for malformed and odd inputs, one named case each (all generated at runtime, never stored).

Mail cases are single RFC 5322 messages (bytes, without the mbox ``From_`` line); :func:`mbox_bytes` joins
them into an mbox (mboxrd escaping). Each :class:`MailCase` says what a reader must make of it: a message
whose body has (and lacks) some text, or a quarantined record whose reason says something.

The other builders return the bytes of a whole file: Twilio ``Messages.json`` pages and CSV logs, dialogue
dumps, contact register CSVs and files of no known format.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Literal

# -- shared text ---------------------------------------------------------------------------------------------
EMOJI = "Takk 👍🏽 for hjelpen 👨‍👩‍👧 🇳🇴"
ARABIC = "مرحبا، أحتاج مساعدة بخصوص الإعانة"
HEBREW = "שלום, אני צריך עזרה עם דמי האבטלה"
#: Emoji (skin tone, ZWJ family, flag), Arabic and Hebrew with direction marks and isolates around them.
RTL_MIX = f"{EMOJI} \u200f{ARABIC}\u200f \u2067{HEBREW}\u2069 ok?"
NORWEGIAN = "Søknad om dagpenger: når får jeg svar på søknaden min? Hilsen Øyvind Ærø"

SENT = datetime(2026, 11, 3, 9, 15, tzinfo=UTC)


# -- mail ----------------------------------------------------------------------------------------------------
def _date(n: int = 0) -> bytes:
    return format_datetime(SENT + timedelta(minutes=n)).encode()


def mail(
    msgid: str,
    body: bytes = b"Hei, jeg lurer paa meldekortet mitt.\n",
    *,
    headers: bytes = b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
    subject: bytes = b"Sporsmal om meldekort",
    sender: bytes = b"Kari Nordmann <kari.nordmann@example.com>",
    date: bytes | None = None,
    minutes: int = 0,
) -> bytes:
    """One message: From/To/Subject/Date/Message-ID/MIME-Version, the given extra ``headers`` and ``body``."""
    head = (b"From: " + sender + b"\nTo: Nav Kontaktsenter <kontakt@nav.example.no>\nSubject: " + subject
            + b"\nDate: " + (date if date is not None else _date(minutes)) + b"\nMessage-ID: <" + msgid.encode()
            + b"@example.com>\nMIME-Version: 1.0\n")
    return head + headers + b"\n" + body


def good_mail(i: int) -> bytes:
    return mail(f"good-{i}", f"Hei, dette er en vanlig melding nummer {i}. Når er neste møte?\n".encode(),
                subject=f"Vanlig melding {i}".encode(), minutes=i)


def mbox_bytes(mails: Iterable[bytes]) -> bytes:
    """An mbox (mboxrd): each mail after a ``From_`` line, body lines starting with ``>*From `` escaped."""
    out: list[bytes] = []
    for m in mails:
        out.append(b"From sender@example.com Tue Nov  3 09:15:00 2026\n")
        for line in m.splitlines(keepends=True):
            if line.lstrip(b">").startswith(b"From "):
                line = b">" + line
            out.append(line)
        if not m.endswith(b"\n"):
            out.append(b"\n")
        out.append(b"\n")
    return b"".join(out)


@dataclass(frozen=True)
class MailCase:
    name: str
    build: Callable[[], bytes]
    expect: Literal["message", "quarantine"] = "message"
    body_has: tuple[str, ...] = ()
    body_lacks: tuple[str, ...] = ()
    subject_has: str = ""
    sender: str = "kari.nordmann@example.com"
    reason_has: str = ""
    #: (name, content type, minimum size) of attachments that must be recorded.
    attachments: tuple[tuple[str, str, int], ...] = ()
    max_body_chars: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _multipart(boundary: bytes, parts: Iterable[bytes], *, close: bool = True) -> bytes:
    out = b"This is a multi-part message in MIME format.\n"
    for p in parts:
        out += b"--" + boundary + b"\n" + p + b"\n"
    if close:
        out += b"--" + boundary + b"--\n"
    return out


TEXT_PART = b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
HUGE_ATTACHMENT_BYTES = 5 * 1024 * 1024
TEN_MB = 10 * 1024 * 1024


def _broken_boundary() -> bytes:
    body = _multipart(b"REAL-BOUNDARY", [TEXT_PART + "Jeg har ikke fått utbetalt dagpengene.".encode(),
                                         b"Content-Type: text/html; charset=utf-8\n\n<p>Jeg har ikke</p>"])
    return mail("broken-boundary", body, headers=b'Content-Type: multipart/alternative; boundary="DECLARED-OTHER"\n')


def _missing_boundary() -> bytes:
    body = _multipart(b"xyz123", [TEXT_PART + b"Trenger hjelp med CV-en min."])
    return mail("missing-boundary", body, headers=b"Content-Type: multipart/mixed\n")


def _unterminated_multipart() -> bytes:
    pdf = base64.encodebytes(b"%PDF-1.4 " + b"\x00\x01" * 3000)
    body = _multipart(b"b1", [TEXT_PART + b"Vedlagt er legeerklaeringen.",
                              b"Content-Type: application/pdf; name=\"erklaering.pdf\"\n"
                              b"Content-Disposition: attachment; filename=\"erklaering.pdf\"\n"
                              b"Content-Transfer-Encoding: base64\n\n" + pdf[: len(pdf) // 2]], close=False)
    return mail("unterminated", body, headers=b'Content-Type: multipart/mixed; boundary="b1"\n')


def _ascii_declared_utf8_sent() -> bytes:
    return mail("ascii-utf8", NORWEGIAN.encode("utf-8"),
                headers=b"Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 8bit\n")


def _utf8_declared_latin1_sent() -> bytes:
    return mail("utf8-latin1", NORWEGIAN.encode("latin-1"),
                headers=b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n")


def _unknown_charset() -> bytes:
    return mail("unknown-charset", NORWEGIAN.encode("utf-8"),
                headers=b"Content-Type: text/plain; charset=x-no-such-charset\nContent-Transfer-Encoding: 8bit\n")


def _non_text_codec_charset() -> bytes:
    # Python codecs that are not text encodings (or that decode escapes) must not be used blindly.
    return mail("codec-charset", b"Hei \\ud800 og \\N{SNOWMAN} her.\n",
                headers=b"Content-Type: text/plain; charset=unicode_escape\n")


def _missing_charset_8bit() -> bytes:
    return mail("no-charset", NORWEGIAN.encode("utf-8"), headers=b"Content-Type: text/plain\n")


def _no_content_type_latin1() -> bytes:
    return mail("no-ctype-latin1", NORWEGIAN.encode("cp1252"), headers=b"")


def _eight_bit_headers() -> bytes:
    return mail("8bit-headers", b"Se emnefeltet.\n", subject="Søknad om støtte – haster".encode(),
                sender="Øyvind Ærø <kari.nordmann@example.com>".encode())


def _latin1_header() -> bytes:
    return mail("latin1-header", b"Emnet er i latin-1.\n", subject="Søknad om stønad".encode("latin-1"))


def _encoded_word_errors() -> bytes:
    return mail("encoded-words", b"Emne og avsender har feil i encoded-words.\n",
                subject=b"=?utf-8?B?!!!ikke-base64!!!?= =?x-unknown?Q?S=F8knad?= =?utf-8?Q?uavsluttet",
                sender=b"=?utf-8?Q?Kari_=C3=98?= =?bogus?B?AAAA?= <kari.nordmann@example.com>")


def _utf7_encoded_word() -> bytes:
    # UTF-7 can spell lone surrogates, which no database accepts.
    return mail("utf7-word", b"Emnet er UTF-7.\n", subject=b"=?utf-7?Q?+2AA-_hei?=")


def _huge_attachment() -> bytes:
    blob = base64.encodebytes(bytes(range(256)) * (HUGE_ATTACHMENT_BYTES // 256))
    body = _multipart(b"att", [
        TEXT_PART + b"Her er kontoutskriften jeg ble bedt om.",
        b"Content-Type: application/pdf; name=\"kontoutskrift.pdf\"\n"
        b"Content-Disposition: attachment; filename=\"kontoutskrift.pdf\"\n"
        b"Content-Transfer-Encoding: base64\n\n" + blob,
    ])
    return mail("huge-attachment", body, headers=b'Content-Type: multipart/mixed; boundary="att"\n')


def _attachment_only() -> bytes:
    return mail("attachment-only", base64.encodebytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 4000),
                headers=b"Content-Type: image/png; name=\"skjermbilde.png\"\n"
                        b"Content-Disposition: attachment; filename=\"skjermbilde.png\"\n"
                        b"Content-Transfer-Encoding: base64\n")


def _empty_body() -> bytes:
    return mail("empty-body", b"")


def _headers_only() -> bytes:
    m = mail("headers-only", b"")
    return m[:-1]  # no blank line after the headers, no body at all


def _inner_mail() -> bytes:
    return (b"From: Saksbehandler <veileder@example.org>\nTo: kari.nordmann@example.com\nSubject: Vedtak\n"
            b"Date: Mon, 2 Nov 2026 12:00:00 +0100\nMessage-ID: <inner@example.org>\n"
            b"Content-Type: text/plain; charset=utf-8\n\nInnerst inne: vedtaket om arbeidsavklaringspenger.\n")


def _nested_rfc822() -> bytes:
    body = _multipart(b"fwd", [
        TEXT_PART + b"Se videresendt melding under, hva betyr dette?",
        b"Content-Type: message/rfc822\nContent-Disposition: attachment; filename=\"vedtak.eml\"\n\n"
        + _inner_mail(),
    ])
    return mail("nested-rfc822", body, headers=b'Content-Type: multipart/mixed; boundary="fwd"\n')


def _rfc822_only() -> bytes:
    body = _multipart(b"only", [b"Content-Type: message/rfc822\n\n" + _inner_mail()])
    return mail("rfc822-only", body, headers=b'Content-Type: multipart/mixed; boundary="only"\n')


def _deeply_nested_rfc822(depth: int = 40) -> bytes:
    m = _inner_mail()
    for i in range(depth):
        m = (f"From: lag{i}@example.com\nSubject: Fwd {i}\nDate: Mon, 2 Nov 2026 12:00:00 +0100\n"
             "Content-Type: message/rfc822\n\n").encode() + m
    return mail("deep-rfc822", m, headers=b"Content-Type: message/rfc822\n")


def _html_with_scripts() -> bytes:
    html = (b"<html><head><style>body { color: red }</style>"
            b"<script type=\"text/javascript\">alert('pwned'); var s = '</scr' + 'ipt>';</script>"
            b"<SCRIPT>document.cookie='stolen'</SCRIPT ></head>"
            b"<body onload=\"evil()\"><p>Hei, jeg trenger hjelp med <b>meldekortet</b>.</p>"
            b"<iframe src=\"javascript:evil()\"></iframe>"
            b"<img src=x onerror=\"evil()\"><noscript>Skru paa JavaScript</noscript>"
            b"<script>unclosedScriptLeak()")
    return mail("html-scripts", html, headers=b"Content-Type: text/html; charset=utf-8\n")


def _ten_mb_body() -> bytes:
    line = "Dette er en veldig lang melding om dagpenger og meldekort, linje for linje. æøå\n".encode()
    body = line * (TEN_MB // len(line) + 1)
    return mail("ten-mb", body)


def _base64_garbage() -> bytes:
    return mail("base64-garbage", b"SGVpLCBq!!!ZWcg@@@dHJlbmdlciBoamVscA=\n==\n",
                headers=b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n")


def _qp_broken() -> bytes:
    return mail("qp-broken", b"S=C3=B8knad =ZZ om st=C3=\n=B8tte=\n",
                headers=b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n")


def _unknown_cte() -> bytes:
    return mail("unknown-cte", b"Hei, ukjent overforingskoding.\n",
                headers=b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: x-made-up\n")


def _crlf() -> bytes:
    return mail("crlf", b"Linje en.\nLinje to.\n").replace(b"\n", b"\r\n")


def _emoji_rtl() -> bytes:
    return mail("emoji-rtl", RTL_MIX.encode() + b"\n", subject=b"=?utf-8?B?" + base64.b64encode(EMOJI.encode())
                + b"?=")


def _no_message_id() -> bytes:
    return b"\n".join(line for line in good_mail(99).split(b"\n") if not line.startswith(b"Message-ID"))


def _no_from() -> bytes:
    return b"\n".join(line for line in good_mail(98).split(b"\n") if not line.startswith(b"From:"))


def _bad_date() -> bytes:
    return mail("bad-date", date=b"sometime last week")


def _date_out_of_range() -> bytes:
    return mail("date-range", date=b"Fri, 31 Dec 9999 23:59:59 -1200")


def _date_huge_numbers() -> bytes:
    return mail("date-huge", date=b"Mon, 1 Jan 2026 99999999999999999999999:00:00 +0000")


def _binary_garbage() -> bytes:
    return bytes((i * 7919 + 13) % 256 for i in range(3000)).replace(b"\nFrom ", b"\nfrom ")


def _null_bytes() -> bytes:
    return mail("null-bytes", b"Hei\x00 med\x00 nullbytes.\n", subject=b"Null\x00byte")


def _from_lines_in_body() -> bytes:
    return mail("from-lines", b"Hei.\n\nFrom my phone\n>From quoted\nSlutt.\n")


def _deep_multipart(depth: int = 120) -> bytes:
    inner = TEXT_PART + b"Dypt inne i mange lag."
    for i in range(depth):
        b = f"lvl{i}".encode()
        inner = b"Content-Type: multipart/mixed; boundary=\"" + b + b"\"\n\n" + _multipart(b, [inner])
    return mail("deep-multipart", inner.split(b"\n\n", 1)[1], headers=inner.split(b"\n\n", 1)[0] + b"\n")


def _many_parts(n: int = 500) -> bytes:
    parts = [TEXT_PART + b"Forste del."] + [
        f"Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"f{i}.bin\"\n\n"
        f"x{i}".encode() for i in range(n)]
    return mail("many-parts", _multipart(b"many", parts), headers=b'Content-Type: multipart/mixed; boundary="many"\n')


def _long_header() -> bytes:
    return mail("long-header", b"Emnet er veldig langt.\n", subject=b"Langt emne " + b"ord " * 20_000)


MAIL_CASES: dict[str, MailCase] = {c.name: c for c in [
    MailCase("broken_boundary", _broken_boundary, body_has=("ikke fått utbetalt dagpengene",),
             body_lacks=("DECLARED-OTHER", "REAL-BOUNDARY")),
    MailCase("missing_boundary_parameter", _missing_boundary, body_has=("Trenger hjelp med CV-en min.",),
             body_lacks=("--xyz123",)),
    MailCase("unterminated_multipart", _unterminated_multipart, body_has=("legeerklaeringen",),
             attachments=(("erklaering.pdf", "application/pdf", 1000),), max_body_chars=200),
    MailCase("us_ascii_declared_utf8_sent", _ascii_declared_utf8_sent, body_has=(NORWEGIAN,)),
    MailCase("utf8_declared_latin1_sent", _utf8_declared_latin1_sent, body_has=(NORWEGIAN,)),
    MailCase("unknown_charset", _unknown_charset, body_has=(NORWEGIAN,)),
    MailCase("non_text_codec_as_charset", _non_text_codec_charset, body_has=("Hei",)),
    MailCase("missing_charset_8bit_body", _missing_charset_8bit, body_has=(NORWEGIAN,)),
    MailCase("no_content_type_cp1252_body", _no_content_type_latin1, body_has=(NORWEGIAN,)),
    MailCase("eight_bit_utf8_headers", _eight_bit_headers, subject_has="Søknad om støtte – haster",
             body_has=("Se emnefeltet.",), extra={"sender_name": "Øyvind Ærø"}),
    MailCase("eight_bit_latin1_header", _latin1_header, subject_has="Søknad om stønad", body_has=("latin-1",)),
    MailCase("encoded_word_errors", _encoded_word_errors, body_has=("encoded-words",)),
    MailCase("utf7_encoded_word_lone_surrogate", _utf7_encoded_word, body_has=("UTF-7",), subject_has="hei"),
    MailCase("huge_attachment", _huge_attachment, body_has=("kontoutskriften",), max_body_chars=200,
             attachments=(("kontoutskrift.pdf", "application/pdf", HUGE_ATTACHMENT_BYTES - 256),)),
    MailCase("attachment_only", _attachment_only, attachments=(("skjermbilde.png", "image/png", 4000),),
             max_body_chars=0),
    MailCase("empty_body", _empty_body, max_body_chars=0),
    MailCase("headers_only_no_blank_line", _headers_only, max_body_chars=0),
    MailCase("nested_rfc822_forward", _nested_rfc822, body_has=("Se videresendt melding",),
             attachments=(("vedtak.eml", "message/rfc822", 100),)),
    MailCase("rfc822_only", _rfc822_only, body_has=("Innerst inne",),
             attachments=(("", "message/rfc822", 100),)),
    MailCase("deeply_nested_rfc822", _deeply_nested_rfc822, body_has=("Innerst inne",)),
    MailCase("html_only_with_scripts", _html_with_scripts, body_has=("Hei, jeg trenger hjelp med", "meldekortet"),
             body_lacks=("alert", "pwned", "cookie", "stolen", "evil", "color: red", "unclosedScriptLeak", "<")),
    # Stored up to 1 MB, with a note that says how much was left out.
    MailCase("ten_mb_body", _ten_mb_body,
             body_has=("Dette er en veldig lang melding", "more characters were not stored"),
             max_body_chars=1_100_000, extra={"min_body_chars": 1_000_000}),
    MailCase("base64_garbage", _base64_garbage, body_has=("Hei",)),
    MailCase("quoted_printable_broken", _qp_broken, body_has=("Søknad",)),
    MailCase("unknown_transfer_encoding", _unknown_cte, body_has=("ukjent overforingskoding",)),
    MailCase("crlf_line_endings", _crlf, body_has=("Linje en.", "Linje to.")),
    MailCase("emoji_and_rtl", _emoji_rtl, body_has=(RTL_MIX,), subject_has=EMOJI),
    MailCase("no_message_id", _no_message_id, body_has=("nummer 99",)),
    MailCase("no_from", _no_from, expect="quarantine", reason_has="From"),
    MailCase("unreadable_date", _bad_date, expect="quarantine", reason_has="Date"),
    MailCase("date_out_of_range", _date_out_of_range, expect="quarantine", reason_has="Date"),
    MailCase("date_with_huge_numbers", _date_huge_numbers, expect="quarantine", reason_has="Date"),
    MailCase("binary_garbage", _binary_garbage, expect="quarantine", reason_has="header"),
    MailCase("null_bytes", _null_bytes, body_has=("med",)),
    MailCase("from_lines_in_body", _from_lines_in_body, body_has=("From my phone", ">From quoted")),
    MailCase("deep_multipart", _deep_multipart, body_has=("Dypt inne i mange lag.",)),
    MailCase("many_parts", _many_parts, body_has=("Forste del.",),
             attachments=(("f499.bin", "application/octet-stream", 1),)),
    MailCase("very_long_header", _long_header, body_has=("Emnet er veldig langt.",)),
]}


# -- Twilio --------------------------------------------------------------------------------------------------
def sid(n: int | str) -> str:
    return f"SM{str(n).rjust(32, '0')[-32:]}"


def twilio_message(n: int | str, body: Any = "Hei, når kommer pengene?", **fields: Any) -> dict[str, Any]:
    """A Message resource as Twilio's REST API returns it; ``fields`` override (``None`` values are kept)."""
    msg: dict[str, Any] = {
        "account_sid": "AC" + "0" * 32, "api_version": "2010-04-01", "body": body,
        "date_created": "Tue, 03 Nov 2026 09:15:00 +0000", "date_sent": "Tue, 03 Nov 2026 09:15:01 +0000",
        "date_updated": "Tue, 03 Nov 2026 09:15:02 +0000", "direction": "inbound", "error_code": None,
        "error_message": None, "from": "+4791234567", "to": "+4759446000", "messaging_service_sid": None,
        "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid(n),
        "status": "received", "uri": f"/2010-04-01/Accounts/AC{'0' * 32}/Messages/{sid(n)}.json",
    }
    msg.update(fields)
    return msg


def without(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


ONE_MB = 1024 * 1024


@dataclass(frozen=True)
class RecordCase:
    """One entry of a page/dump: the object and what must come of it."""

    name: str
    entry: Any
    expect: Literal["message", "quarantine"]
    reason_has: str = ""
    body: str | None = None


def twilio_entry_cases() -> list[RecordCase]:
    big = "Lang melding. " * (ONE_MB // 14 + 1)
    return [
        RecordCase("good", twilio_message(1), "message", body="Hei, når kommer pengene?"),
        RecordCase("missing_sid", without(twilio_message(2), "sid"), "quarantine", "'sid'"),
        RecordCase("missing_body", without(twilio_message(3), "body"), "quarantine", "'body'"),
        RecordCase("null_body", twilio_message(4, None), "quarantine", "'body'"),
        RecordCase("empty_body", twilio_message(5, ""), "message", body=""),
        RecordCase("missing_from", without(twilio_message(6), "from"), "quarantine", "'from'"),
        RecordCase("missing_to", without(twilio_message(7), "to"), "quarantine", "'to'"),
        RecordCase("missing_direction", without(twilio_message(8), "direction"), "quarantine", "'direction'"),
        RecordCase("missing_dates", without(twilio_message(9), "date_sent", "date_created"), "quarantine",
                   "date_sent"),
        RecordCase("null_date_sent_uses_created", twilio_message(10, date_sent=None), "message"),
        RecordCase("body_is_number", twilio_message(11, 12345), "quarantine", "should be a string"),
        RecordCase("body_is_list", twilio_message(12, ["a"]), "quarantine", "should be a string"),
        RecordCase("sid_is_number", twilio_message(13, sid=1234), "quarantine", "'sid'"),
        RecordCase("sid_not_message", twilio_message(14, sid="CA" + "1" * 32), "quarantine", "SID"),
        RecordCase("date_is_number", twilio_message(15, date_sent=1700000000), "quarantine", "date_sent"),
        RecordCase("date_garbage", twilio_message(16, date_sent="i går"), "quarantine", "date_sent"),
        RecordCase("date_huge_numbers", twilio_message(17, date_sent="Tue, 03 Nov 2026 99999999999999999999:00:00"),
                   "quarantine", "date_sent"),
        RecordCase("date_out_of_range", twilio_message(18, date_sent="Fri, 31 Dec 9999 23:59:59 -1200"),
                   "quarantine", "date_sent"),
        RecordCase("status_is_object", twilio_message(19, status={"x": 1}), "quarantine", "'status'"),
        RecordCase("entry_is_string", "SM" + "0" * 32, "quarantine", "object"),
        RecordCase("entry_is_null", None, "quarantine", "object"),
        RecordCase("one_mb_body", twilio_message(20, big), "message", body=big),
        RecordCase("emoji_and_rtl", twilio_message(21, RTL_MIX), "message", body=RTL_MIX),
        RecordCase("lone_surrogate_escape", twilio_message(22, "Hei \ud83d der"), "message", body="Hei \ufffd der"),
        RecordCase("nul_character", twilio_message(23, "nul\x00tegn"), "message", body="nul\ufffdtegn"),
        RecordCase("whitespace_from", twilio_message(24, **{"from": "   "}), "quarantine", "'from'"),
    ]


def json_bytes(obj: Any) -> bytes:
    """UTF-8 JSON with non-ASCII text as is, except lone surrogates: those can only be written as escapes."""
    text = json.dumps(obj, ensure_ascii=False)
    return re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


def twilio_page(entries: list[Any], **extra: Any) -> bytes:
    page = {"messages": entries, "first_page_uri": "/x", "next_page_uri": None, "page": 0, "page_size": 50,
            "previous_page_uri": None, "uri": "/x", **extra}
    return json_bytes(page)


def twilio_page_invalid_utf8() -> bytes:
    """A page whose one message body holds bytes that are not UTF-8."""
    good = twilio_page([twilio_message(30, "PLACEHOLDER")])
    return good.replace(b"PLACEHOLDER", b"S\xf8knad \xff\xfe")


def twilio_page_truncated() -> bytes:
    data = twilio_page([twilio_message(i) for i in range(40, 45)])
    return data[: len(data) * 2 // 3]


def twilio_page_deeply_nested() -> bytes:
    return b'{"messages": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"


TWILIO_CSV_HEADER = "Sid,From,To,Body,Direction,SentDate,Status\n"


def twilio_csv(rows: Iterable[str], header: str = TWILIO_CSV_HEADER) -> bytes:
    return (header + "".join(rows)).encode("utf-8")


def csv_row(n: int, body: str = "Hei fra CSV", direction: str = "inbound", date: str = "2026-11-03T09:15:00Z",
            *, extra: str = "") -> str:
    quoted = '"' + body.replace('"', '""') + '"'
    return f"{sid(n)},+4791234567,+4759446000,{quoted},{direction},{date},received{extra}\n"


# -- dialogue dumps ------------------------------------------------------------------------------------------
GOOD_FNR = "01010012356"  # passes mod-11 (synthetic test number)
BAD_FNR = "01010012345"


def henvendelse(hid: str, tekst: Any = "Hei veileder, jeg har et spørsmål om aktivitetsplanen.",
                **fields: Any) -> dict[str, Any]:
    h: dict[str, Any] = {"id": hid, "dialogId": "d1", "avsender": "BRUKER", "avsenderId": "",
                         "sendt": "2026-11-03T09:15:00.000+01:00", "lest": False, "tekst": tekst}
    h.update(fields)
    return h


def dialog_dump(blocks: Any) -> bytes:
    return json_bytes(blocks)


def person_block(dialoger: Any, fnr: Any = GOOD_FNR, aktor: Any = "1000012345678") -> dict[str, Any]:
    return {"fnr": fnr, "aktorId": aktor, "dialoger": dialoger}


def dialog(did: str, henvendelser: Any, **fields: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"id": did, "overskrift": "Aktivitetsplan", "henvendelser": henvendelser}
    d.update(fields)
    return d


def henvendelse_cases() -> list[RecordCase]:
    return [
        RecordCase("good", henvendelse("h1"), "message"),
        RecordCase("tekst_is_number", henvendelse("h2", 42), "quarantine", "'tekst'"),
        RecordCase("tekst_missing", without(henvendelse("h3"), "tekst"), "quarantine", "'tekst'"),
        RecordCase("avsender_unknown", henvendelse("h4", avsender="SYSTEM"), "quarantine", "avsender"),
        RecordCase("avsender_is_list", henvendelse("h5", avsender=["BRUKER"]), "quarantine", "avsender"),
        RecordCase("sendt_missing", without(henvendelse("h6"), "sendt"), "quarantine", "sendt"),
        RecordCase("sendt_no_timezone", henvendelse("h7", sendt="2026-11-03T09:15:00"), "quarantine", "timezone"),
        RecordCase("sendt_garbage", henvendelse("h8", sendt="igår"), "quarantine", "sendt"),
        RecordCase("sendt_out_of_range", henvendelse("h9", sendt="9999-12-31T23:59:59-12:00"), "quarantine",
                   "sendt"),
        RecordCase("sendt_is_bool", henvendelse("h10", sendt=True), "quarantine", "sendt"),
        RecordCase("henvendelse_is_string", "tekst", "quarantine", "object"),
        RecordCase("henvendelse_is_null", None, "quarantine", "object"),
        RecordCase("emoji_and_rtl", henvendelse("h11", RTL_MIX), "message", body=RTL_MIX),
        RecordCase("one_mb_tekst", henvendelse("h12", "x" * ONE_MB), "message", body="x" * ONE_MB),
        RecordCase("lone_surrogate", henvendelse("h13", "a\udfffb"), "message", body="a\ufffdb"),
        RecordCase("id_is_object", henvendelse("h14", id={"a": 1}), "quarantine", "'id'"),
    ]


# -- contacts ------------------------------------------------------------------------------------------------
CONTACTS_HEADER = "fnr,aktor_id,name,phone,email\n"


# -- files of no known format --------------------------------------------------------------------------------
def unknown_files() -> dict[str, bytes]:
    return {
        "empty.json": b"",
        "whitespace.txt": b" \n\t\r\n",
        "bom-only.csv": b"\xef\xbb\xbf",
        "nuls.bin": b"\x00" * 1000,
        "pdf.mbox": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        "png.json": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        "other.json": b'{"hello": "world", "items": [1, 2, 3]}',
        "list.json": b"[1, 2, 3]",
        "xml.xml": b'<?xml version="1.0"?><messages><sid>SM1</sid></messages>',
        "utf16.csv": "Sid,From,To,Body\n".encode("utf-16"),
        "random.dat": bytes((i * 31337 + 7) % 256 for i in range(5000)),
    }
