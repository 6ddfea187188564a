"""How the exports encode text: SMS segments as Twilio bills them (GSM 03.38 or UCS-2), RFC 2047 header
words, addresses, quoted-printable bodies, HTML parts, and the tiny PDF a few mails carry."""

from __future__ import annotations

import base64
import binascii
import html
import re

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PDF_B64 = base64.encodebytes(PDF).decode("ascii").rstrip("\n")

# GSM 03.38: which bodies fit 160 characters a segment, and which need UCS-2.
_GSM = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXT = "^{}\\[~]|€"
_NOT_GSM = re.compile("[^" + re.escape(_GSM) + "]")
_NOT_GSM_EXT = re.compile("[^" + re.escape(_GSM + _GSM_EXT) + "]")
_GSM_EXT_RE = re.compile("[" + re.escape(_GSM_EXT) + "]")


def sms_segments(body: str) -> int:
    """How many SMS segments Twilio bills ``body`` as (GSM-7 160/153, otherwise UCS-2 70/67)."""
    if _NOT_GSM.search(body) is None:
        n = len(body)
    elif _NOT_GSM_EXT.search(body) is None:
        n = len(body) + len(_GSM_EXT_RE.findall(body))
    else:
        n = len(body.encode("utf-16-le")) // 2
        return 1 if n <= 70 else -(-n // 67)
    return 1 if n <= 160 else -(-n // 153)


# --------------------------------------------------------------------------------------------------
# MIME helpers
# --------------------------------------------------------------------------------------------------

_Q_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
_header_cache: dict[str, str] = {}


def encode_header(text: str) -> str:
    """RFC 2047 Q-encoded words for non-ASCII text (folded so no line passes 76 characters)."""
    if text.isascii():
        return text
    hit = _header_cache.get(text)
    if hit is not None:
        return hit
    words: list[str] = []
    cur: list[str] = []
    size = 0
    for ch in text:
        piece = "".join(chr(b) if b in _Q_SAFE else "_" if b == 32 else f"={b:02X}" for b in ch.encode("utf-8"))
        if size + len(piece) > 60:
            words.append("=?utf-8?q?" + "".join(cur) + "?=")
            cur, size = [], 0
        cur.append(piece)
        size += len(piece)
    words.append("=?utf-8?q?" + "".join(cur) + "?=")
    out = "\n ".join(words)
    if len(_header_cache) > 50_000:
        _header_cache.clear()
    _header_cache[text] = out
    return out


def format_address(name: str, addr: str) -> str:
    """``Name <addr>`` with the display name quoted or encoded as needed."""
    if not name:
        return addr
    if not name.isascii():
        return f"{encode_header(name)} <{addr}>"
    if set(name) <= _ATEXT:
        return f"{name} <{addr}>"
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + f'" <{addr}>'


def qp(text: str) -> bytes:
    out = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    if out.startswith(b"From "):
        out = b"=46" + out[1:]
    return out.replace(b"\nFrom ", b"\n=46rom ")


def html_part(own: str, quote_head: str = "", quoted: str = "") -> str:
    parts = ["<html><body>"]
    for p in own.split("\n\n"):
        parts.append("<p>" + html.escape(p, quote=False).replace("\n", "<br>") + "</p>")
    if quote_head:
        parts.append('<div class="quote">' + html.escape(quote_head, quote=False).replace("\n", "<br>") + "</div>")
        parts.append("<blockquote>")
        for p in quoted.split("\n\n"):
            parts.append("<p>" + html.escape(p, quote=False).replace("\n", "<br>") + "</p>")
        parts.append("</blockquote>")
    parts.append("</body></html>")
    return "".join(parts)


CT_PLAIN = 'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n'
CT_HTML = 'Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n'
