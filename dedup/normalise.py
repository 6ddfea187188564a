"""The text the matcher sees: the writer's own words, without greetings, sign-offs or identifiers.

National ID numbers, account numbers, phone numbers and email addresses are replaced by placeholders;
what they were is returned separately as *identity evidence*, never compared as text. Works the same
for every language: the greeting and sign-off lists cover Norwegian (bokmål and nynorsk), English,
Polish, Ukrainian, Somali and Arabic, and anything else passes through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from inbox.identity import find_fnrs, mask_fnrs, normalise_phone
from inbox.text import MAX_CLEAN_CHARS, clean_text

_ACCOUNT = re.compile(r"(?<!\d)\d{4}[ .]?\d{2}[ .]?\d{5}(?!\d)")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?(?:47[ .]?)?(?:\d[ .]?){8}(?!\d)")
_INTL_PHONE = re.compile(r"\+\d{2,3}[ .]?\d{3}[ .]?\d{3}[ .]?\d{3,4}")
# Starts only where an address can start, and never gives back what it read: tried at every character of a
# long word, the old form read the rest of the word each time (12 s for a word of 40,000 characters).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_URL = re.compile(r"https?://\S+")

_GREETING = re.compile(
    r"""^\s*(
        hei(\s+igjen|sann|\s+og\s+takk)? | hallo | heisann | god\s+(morgen|dag|kveld) | morn | hi(\s+there)? | hello
      | dear\s+[\w ]{0,40} | til\s+nav | kjære\s+[\w ]{0,40} | hei\s+nav | dzień\s+dobry | witam | cześć
      | доброго\s+дня | добрий\s+день | привіт | salaan | ma\s+salaama | السلام\s+عليكم | مرحبا
    )[\s,.!:]*(nav|dere|alle)?[\s,.!:]*""",
    re.IGNORECASE | re.VERBOSE,
)
# Starts only at the start of a run of blanks and marks, and reads that run once (possessive): the closing
# phrases all start with a letter. Otherwise a long run of dots was read again from each of its characters.
_CLOSING = re.compile(
    r"""(?<![\s,.!])[\s,.!]*+(
        (på\s+forhånd\s+)?takk(\s+for\s+hjelpen|\s+på\s+forhånd)? | tusen\s+takk | takk\s+skal\s+du\s+ha
      | thanks(\s+in\s+advance)? | thank\s+you(\s+in\s+advance)? | dziękuję | дякую | mahadsanid | شكرا
      | mvh | hilsen | helsing | regards | pozdrawiam
    )[\s,.!🙏😊]*+([\w\-' ]{0,40})?$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Normalised:
    text: str  # what is embedded and compared
    fnrs: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Lower-case and strip diacritics (``Wiśniewski`` → ``wisniewski``) for name matching."""
    nfkd = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in nfkd if not unicodedata.combining(c)).replace("ø", "o").replace("æ", "ae").replace(
        "ł", "l")


def normalise(text: str, *, already_clean: bool = False, email: bool = False) -> Normalised:
    """Clean text for matching plus the identifiers found in it."""
    body = text if already_clean else clean_text(text, email=email)
    if len(body) > MAX_CLEAN_CHARS:  # a clean text stored before the limit, or one made elsewhere
        body = body[:MAX_CLEAN_CHARS]
    fnrs = tuple(find_fnrs(body))
    body = mask_fnrs(body, "<fnr>")
    accounts = tuple(re.sub(r"\D", "", m.group(0)) for m in _ACCOUNT.finditer(body))
    body = _ACCOUNT.sub("<konto>", body)
    emails = tuple(m.group(0).lower() for m in _EMAIL.finditer(body))
    body = _EMAIL.sub("<epost>", body)
    body = _URL.sub("<url>", body)
    phones: list[str] = []
    for rx in (_INTL_PHONE, _PHONE):
        for m in rx.finditer(body):
            p = normalise_phone(m.group(0))
            if p:
                phones.append(p)
        body = rx.sub(lambda m: "<tlf>" if normalise_phone(m.group(0)) else m.group(0), body)
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    if lines:
        first = _GREETING.sub("", lines[0], count=1).strip()
        if first or len(lines) > 1:
            lines = ([first] if first else []) + lines[1:]
    if lines:
        last = _CLOSING.sub("", lines[-1]).strip()
        if last or len(lines) > 1:
            lines = lines[:-1] + ([last] if last else [])
    out = " ".join(" ".join(lines).split())
    return Normalised(out, fnrs, accounts, tuple(dict.fromkeys(phones)), tuple(dict.fromkeys(emails)))
