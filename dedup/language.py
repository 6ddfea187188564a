"""Which language a message is written in: recorded with each decision, never used to split an inquiry.

The same request often comes twice in two languages (Polish by email, simple Norwegian by SMS), so the matcher
compares messages by evidence that survives translation — the multilingual model's similarity, numbers, dates,
amounts, benefit names — and only records the language, for the caseworker and for evaluation.

py3langid's model ships inside its wheel (no download). It is limited here to the languages an office sees,
so that short Norwegian texts are not taken for Danish, and bokmål and nynorsk are both ``no`` (short texts
cannot tell them apart reliably); Ethiopic script (Tigrinya and Amharic, which the model
cannot tell apart) is reported as ``ti``, the one of the two this office sees. Texts shorter than a few words
are ``und`` (undetermined).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

#: The languages a Norwegian office sees; py3langid knows all but Tigrinya and Somali's neighbours.
LANGUAGES = ("nb", "nn", "en", "sv", "pl", "uk", "ru", "ar", "fa", "ps", "so", "lt", "lv", "ro", "es", "pt",
             "fr", "de", "tr", "vi", "th", "zh", "ur", "hi", "ku", "sq", "bs", "hr", "sr", "et", "fi", "it")
_ETHIOPIC = re.compile(r"[\u1200-\u137f]")
_WORDS = re.compile(r"[^\W\d_]{2,}")
MIN_WORDS = 3


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    known = set(ident.labels)
    ident.set_languages([code for code in LANGUAGES if code in known])
    return ident


def language(text: str) -> str:
    """An ISO 639-1 code for ``text`` (``no`` for Norwegian), or ``und`` when it is too short to tell."""
    sample = text[:2000]
    if _ETHIOPIC.search(sample):
        return "ti"
    if len(_WORDS.findall(sample)) < MIN_WORDS:
        return "und"
    code: str = _identifier().classify(sample)[0]
    return "no" if code in ("nb", "nn") else code
