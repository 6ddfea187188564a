"""Text for people's screens, made harmless: what a citizen wrote must never drive the terminal.

A message body, subject or sender name may carry control sequences: clear the screen, set the window
title, an OSC 8 hyperlink that hides a URL behind innocent text, bidirectional overrides that reorder
what is shown. Everything flerkanal shows a person goes through :func:`printable`, which turns each such
character into a visible stand-in; JSON goes through :func:`safe_json`, which escapes them as ``\\uXXXX``
(still valid JSON that decodes to exactly the stored text). :class:`SafeConsole` is Rich's console with
both built in, for the CLI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from rich.console import Console, JustifyMethod, OverflowMethod
from rich.highlighter import JSONHighlighter
from rich.style import Style
from rich.text import Text

# C0 controls but tab and newline, DEL, C1 controls (U+0080-U+009F: a terminal may read U+009B as CSI),
# and the bidirectional embeddings, overrides and isolates that reorder text on screen ("Trojan source").
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# In JSON the C0 controls are escaped by json.dumps already; these are the ones it leaves raw.
_UNSAFE_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CRLF = re.compile("\r\n?")


def _stand_in(m: re.Match[str]) -> str:
    c = m.group(0)
    o = ord(c)
    if o < 0x20:
        return chr(0x2400 + o)  # the Unicode control picture: ␛ for ESC, ␇ for BEL
    if o == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{o:04X}>"


def printable(text: str, *, multiline: bool = True) -> str:
    """``text`` with every character that could drive a terminal replaced by a visible stand-in.

    Line breaks (``\\r\\n`` and a lone ``\\r`` become ``\\n``) and tabs are kept when ``multiline``;
    otherwise they become spaces, for one-line fields (a subject, a name, a preview).
    """
    if multiline:
        return _UNSAFE.sub(_stand_in, _CRLF.sub("\n", text))
    flat = _CRLF.sub(" ", text).replace("\n", " ").replace("\t", " ")
    return _UNSAFE_LINE.sub(_stand_in, flat)


def safe_json(data: Any, *, indent: int | None = 2, default: Callable[[Any], Any] | None = None,
              sort_keys: bool = False) -> str:
    """``data`` as JSON with every control character escaped as ``\\uXXXX``: valid, faithful, and inert
    when it is printed on a terminal."""
    raw = json.dumps(data, ensure_ascii=False, indent=indent, default=default, sort_keys=sort_keys)
    # Outside strings JSON has no such characters, so this only ever rewrites inside strings.
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", raw)


class SafeConsole(Console):
    """A Rich console for the CLI that never passes control characters from data to the terminal.

    Every string it renders (printed text, table cells, rule titles) goes through :func:`printable`;
    :meth:`print_json` writes :func:`safe_json`. Interpolating data into Rich *markup* still needs
    ``rich.markup.escape``: brackets are not control characters.
    """

    def render_str(self, text: str, *, style: str | Style = "", justify: JustifyMethod | None = None,
                   overflow: OverflowMethod | None = None, emoji: bool | None = None, markup: bool | None = None,
                   highlight: bool | None = None,
                   highlighter: Callable[[str | Text], Text] | None = None) -> Text:
        return super().render_str(printable(text), style=style, justify=justify, overflow=overflow, emoji=emoji,
                                  markup=markup, highlight=highlight, highlighter=highlighter)

    def print_json(self, json: str | None = None, *, data: Any = None, indent: None | int | str = 2,
                   highlight: bool = True, skip_keys: bool = False, ensure_ascii: bool = False,
                   check_circular: bool = True, allow_nan: bool = True, default: Callable[[Any], Any] | None = None,
                   sort_keys: bool = False) -> None:
        import json as _json

        value = _json.loads(json) if json is not None else data
        text = Text(safe_json(value, indent=indent if isinstance(indent, int) or indent is None else 2,
                              default=default, sort_keys=sort_keys), no_wrap=True)
        if highlight:
            text = JSONHighlighter()(text)
        self.print(text, soft_wrap=True)


__all__ = ["SafeConsole", "printable", "safe_json"]
