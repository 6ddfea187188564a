"""Turning message bodies into the clean text a caseworker and the matcher read (no IO).

``clean_text`` removes quoted earlier messages, signatures and HTML; it keeps the writer's own words.
Placeholders for ID numbers are the matcher's business (``dedup.normalise``), not this module's.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from typing import Any

import html2text
from mailparser_reply import EmailReplyParser
from mailparser_reply.parser import EmailMessage

# Lines that start the quoted part of a reply, as Gmail, Outlook, Thunderbird and Apple Mail write them
# in Norwegian, Danish, Swedish and English.
_QUOTE_HEADER = re.compile(
    r"""^\s*(
        (den|on|man|tir|ons|tor|fre|lør|søn|mon|tue|wed|thu|fri|sat|sun)\b.{0,120}\b(skrev|wrote|skreiv|skrev\s+f\u00f8lgende)\b.*:?\s*$
      | -{2,}\s*(opprinnelig\s+melding|original\s+message|videresendt\s+melding|forwarded\s+message)\s*-{2,}.*$
      | (fra|from)\s*:\s.*$
      | _{10,}\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Compiled here rather than looked up in the regex cache per line: the mail parser's boundary patterns push
# the oldest entries out of that cache.
_FROM_LINE = re.compile(r"^\s*(fra|from)\s*:", re.IGNORECASE)
_BLANKS = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_HEADER_BLOCK_LINE = re.compile(r"^\s*(sendt|sent|til|to|emne|subject|kopi|cc|dato|date)\s*:", re.IGNORECASE)

# Closing phrases after which the rest is a signature (Norwegian bokmål/nynorsk, English).
_SIGNOFF = re.compile(
    r"""^\s*(
        med\s+vennleg\s+helsing | med\s+vennlig\s+hilsen | mvh\.? | vennlig\s+hilsen | vennleg\s+helsing
      | hilsen | helsing | beste\s+hilsen | venleg\s+helsing | takk\s+og\s+hilsen
      | best\s+regards | kind\s+regards | regards | best\s+wishes | sincerely | cheers
      | sendt\s+fra\s+min\s+\w+ | sent\s+from\s+my\s+\w+ | hentet\s+fra\s+outlook\s+for\s+\w+
      | --\s*
    )[\s,.!]*([A-ZÆØÅ][\w\-'.]*(?:[\s,]+|$)){0,4}$""",
    re.IGNORECASE | re.VERBOSE,
)
_MAX_SIGNOFF_LINE = 300
# Legal or system footers some mail systems append.
_FOOTER = re.compile(
    r"^\s*(denne\s+e-?posten|this\s+e-?mail|konfidensialitet|confidentiality\s+notice|"
    r"dette\s+er\s+en\s+automatisk|this\s+is\s+an\s+automated)\b",
    re.IGNORECASE,
)


def _html_converter() -> html2text.HTML2Text:
    # A fresh converter each time: one left inside an unclosed <script>, <style> or <pre> by an earlier
    # document would turn every later document into nothing.
    conv = html2text.HTML2Text()
    conv.ignore_links = True
    conv.ignore_images = True
    conv.ignore_emphasis = True
    conv.body_width = 0
    conv.unicode_snob = True
    return conv


_SCRIPT_STYLE_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
_SCRIPT_STYLE_CLOSE = {tag: re.compile(rf"</{tag}\s*>", re.IGNORECASE) for tag in ("script", "style")}


def _drop_scripts(html: str) -> str:
    """``html`` without its <script> and <style> elements; an unclosed one runs to the end (as a browser reads
    it). Linear: each element is searched for once, where a lazy regex would rescan the rest of the document
    for every unclosed tag."""
    out: list[str] = []
    pos = 0
    while (start := _SCRIPT_STYLE_OPEN.search(html, pos)) is not None:
        out.append(html[pos : start.start()])
        end = _SCRIPT_STYLE_CLOSE[start.group(1).lower()].search(html, start.end())
        if end is None:
            return "".join(out)
        pos = end.end()
    out.append(html[pos:])
    return "".join(out)


def html_to_text(html: str) -> str:
    """Readable text from an HTML body; scripts and styles are dropped, never executed."""
    html = _drop_scripts(html)
    text = _html_converter().handle(html)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()


def strip_quoted(text: str) -> str:
    """The writer's own part of a reply: everything before the first quote header or ``>`` block."""
    lines = text.splitlines()
    # The last line of the writer's own (neither blank nor quoted): a quoted block after it runs to the end.
    last_own = max((j for j, r in enumerate(lines) if r.strip() and not r.lstrip().startswith(">")), default=-1)
    out: list[str] = []
    for i, line in enumerate(lines):
        if _QUOTE_HEADER.match(line):
            # "Fra:" only starts a quote when a header block follows (Outlook style).
            if _FROM_LINE.match(line) and not any(
                _HEADER_BLOCK_LINE.match(nxt) for nxt in lines[i + 1 : i + 4]
            ):
                out.append(line)
                continue
            break
        if line.lstrip().startswith(">"):
            # A quoted block that runs to the end (or to a signature) is the earlier message.
            if i > last_own:
                break
            continue
        out.append(line)
    return "\n".join(out).strip()


def strip_signature(text: str) -> str:
    """Drop a closing phrase and what follows it (name, phone, title), and legal footers."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        # A sign-off line is short; the length bound keeps its regex cheap on any input.
        if i > 0 and ((len(line) <= _MAX_SIGNOFF_LINE and _SIGNOFF.match(line)) or _FOOTER.match(line)):
            return "\n".join(lines[:i]).strip()
    return text.strip()


#: Bodies longer than this skip mail-parser-reply (about half a second per megabyte); our own rules still apply.
MAX_REPLY_PARSER_CHARS = 200_000


#: The compiled-pattern fields of mail-parser-reply's EmailMessage (private: checked before they are used).
_REPLY_PATTERN_FIELDS = ("_header_regex", "_disclaimers_regex", "_signature_regex")


class _CompiledReplyParser(EmailReplyParser):  # type: ignore[misc]
    """mail-parser-reply's parser, its patterns built once instead of once per mail.

    The library builds its three big patterns on every message object it reads. The stdlib's regex cache
    would spare the compiling, but it drops its oldest entries first, and the mail parser adds a boundary
    pattern for every multipart mail: in a big mailbox they were compiled again and again, and building
    and compiling them was about a fifth of reading the mails. Here each message gets the patterns of a
    first (empty) message, built the library's own way from the same languages, so it reads every mail
    exactly as before. A version of the library without those fields gets its own path.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        self._patterns: dict[str, Any] | None = None
        if {f.name for f in dataclasses.fields(EmailMessage)} >= set(_REPLY_PATTERN_FIELDS):
            probe = EmailMessage(text="", languages=self.languages)
            self._patterns = {"_header_regex": probe.HEADER_REGEX, "_disclaimers_regex": probe.DISCLAIMERS_REGEX,
                              "_signature_regex": probe.SIGNATURE_REGEX}

    def read(self, text: str) -> EmailMessage:
        if self._patterns is None:
            return super().read(text)
        return EmailMessage(text=text, languages=self.languages, **self._patterns).read()


@lru_cache(maxsize=1)
def _reply_parser() -> EmailReplyParser:
    # mail-parser-reply knows Gmail/Outlook/Thunderbird quote headers; Danish is closest to Norwegian.
    return _CompiledReplyParser(languages=["da", "en", "de"])


def latest_reply(body: str) -> str:
    """The newest part of an email body, cut with mail-parser-reply and then our Norwegian rules."""
    own = strip_quoted(body)
    if len(own) > MAX_REPLY_PARSER_CHARS:
        return own
    try:
        parsed = _reply_parser().parse_reply(own)
    except Exception:  # the library's regexes must never stop an ingest
        parsed = None
    # mail-parser-reply also drops signatures; keep its answer only when it left some words.
    return parsed.strip() if parsed and parsed.strip() else own


#: The most of a body :func:`clean_text` reads, and the longest clean text it returns (characters): every
#: pattern the matcher runs sees at most this much, whatever a sender wrote. A person's own words in one
#: message are far shorter; the body itself is stored whole (up to its own limit).
MAX_CLEAN_INPUT = 100_000
MAX_CLEAN_CHARS = 20_000
#: Ends a clean text that was cut at :data:`MAX_CLEAN_CHARS`.
CUT_MARK = " […]"


def clean_text(body: str, *, email: bool = False) -> str:
    """The writer's own words: no quoted reply, no signature, normalised whitespace (at most
    :data:`MAX_CLEAN_CHARS` of them)."""
    if len(body) > MAX_CLEAN_INPUT:
        body = body[:MAX_CLEAN_INPUT]
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_signature(latest_reply(body) if email else strip_quoted(body))
    # Most texts have neither runs of blanks nor of blank lines: a plain look first spares the substitutions.
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _BLANKS.sub(" ", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    text = text.strip()
    return text if len(text) <= MAX_CLEAN_CHARS else text[: MAX_CLEAN_CHARS - len(CUT_MARK)] + CUT_MARK


# -- messages without a request of their own ------------------------------------------------------------
_F = re.IGNORECASE | re.UNICODE
_CONTENT_FREE = re.compile(
    r"^[\W_]*((tusen )?takk\w*|thanks?( you)?( so much)?|ok(ay|ei)?|supert?|perfekt|flott|fint|greit|"
    r"hallo|hei|hello|hi|\?+|dziękuję|дякую|mahadsanid|yes|ja|nei|no|sure|great|bra|topp|"
    r"det passer( bra| fint)?|(jeg|eg) kommer|i('ll| will) be there|se(es)? (deg|you)|"
    r"det (hjelper|hjelp) (masse|mykje|mye)|det betyr (mye|mykje))"
    r"([\s,.!:;?]+(takk\w*|for (svar|svaret|hjelpen|det)|tusen|you|så mye|so much|igjen|again|da|"
    r"[\w']{1,12})){0,3}[\W_]*$", _F)

# Possessive, and the greeting's trailing marks only after a greeting (without one they are part of the first
# run): a long run of punctuation before a letter made the old form backtrack quadratically.
_ONLY_CALLING = re.compile(r"^[\W_]*+(?:(hallo|hei|hello|hi|halo)[\s?!.]*+)?$", _F)
_THANKS = re.compile(r"\b(takk|thanks|thank you|dziękuję|дякую|mahadsanid)\b|شكرا", _F)
_THANKS_START = re.compile(r"^[\W_]*(tusen takk|takk|thanks|thank you|dziękuję|дякую|mahadsanid|شكرا)\b", _F)


def is_content_free(text: str) -> bool:
    """Thanks, ok, hallo?? — no request of its own (a short thank-you without a question counts too)."""
    t = text.strip()
    if "?" in t and not _ONLY_CALLING.match(t):
        return False  # a question has content of its own
    if len(t) <= 80 and _CONTENT_FREE.match(t) is not None:
        return True
    if len(t) <= 20:
        return True
    return (len(t) <= 60 and _THANKS_START.match(t) is not None) or (len(t) <= 40 and _THANKS.search(t) is not None)


def asks_for_attention(text: str) -> bool:
    """Only a call for attention ("hallo", "hei!!", "hallo??", "??"): a nudge about an earlier message, never a
    closer."""
    t = text.strip()
    return bool(t) and _ONLY_CALLING.match(t) is not None


def is_acknowledgement(text: str) -> bool:
    """A thank-you or ok after an answer ("Fikset, takk!", "Det passer bra"): nothing is waiting for a reply.

    Unlike "hallo??", which asks for attention, an acknowledgement does not put a thread back in the queue.
    """
    t = text.strip()
    return "?" not in t and not _ONLY_CALLING.match(t) and is_content_free(t)
