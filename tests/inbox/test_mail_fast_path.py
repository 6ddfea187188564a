"""The quick mail reader (stdlib ``compat32``) and the full one (``policy.default``) read mail alike.

Most mail takes the quick path; anything it is unsure of goes to the full reader. Whichever path a mail
takes, the stored message must be the same, so each case here is read both ways and compared.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from inbox.domain import IncomingMessage
from inbox.parsers import email as mail
from inbox.parsers.mailbox import mbox_messages
from tests.badinput.corpus import MAIL_CASES

HEAD = (b"To: Nav <nav@nav.example.no>\nDate: Tue, 03 Nov 2026 10:00:00 +0100\nMessage-ID: <m%d@x.no>\n"
        b"MIME-Version: 1.0\n")
PLAIN = b"Content-Type: text/plain; charset=utf-8\n"


def both_ways(data: bytes) -> tuple[IncomingMessage | str, IncomingMessage | str, bool]:
    """(full reader's result, the product's result, whether the quick path took it); errors as text."""
    def run(read: object) -> IncomingMessage | str:
        try:
            return read()  # type: ignore[operator,no-any-return]
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"

    full = run(lambda: mail._build(data, mail._full_fields(data), frozenset()))
    product = run(lambda: mail.parse_email_bytes(data))
    return full, product, mail._simple_fields(data) is not None


def _multipart(ct: bytes, parts: list[bytes], n: int) -> bytes:
    body = b"".join(b"--B\n" + p + b"\n" for p in parts) + b"--B--\n"
    return (b"From: Kari <k@x.no>\nSubject: vedlegg\n" + HEAD % n + b"Content-Type: " + ct
            + b'; boundary="B"\n\n' + body)


HTML = b"Content-Type: text/html; charset=utf-8\n\n<p>Hei <b>html</b></p>"
TEXT = b"Content-Type: text/plain; charset=utf-8\n\nHei, dette er teksten."
ATTACHED_TEXT = b'Content-Type: text/plain; name="a.txt"\nContent-Disposition: attachment; filename="a.txt"\n\nvedlegg'
INLINE_TEXT = b'Content-Type: text/plain; name="i.txt"\nContent-Disposition: inline; filename="i.txt"\n\ninline'
PDF = b'Content-Type: application/pdf; name="x.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0x'
NESTED = b'Content-Type: multipart/alternative; boundary="IN"\n\n--IN\n' + TEXT + b"\n--IN\n" + HTML + b"\n--IN--\n"
RELATED = b'Content-Type: multipart/related; boundary="RL"\n\n--RL\n' + HTML + b"\n--RL--\n"

EDGE: dict[str, tuple[bytes, bool]] = {  # name: (mail, whether the quick path should take it)
    "quoted name with comma, folded encoded subject": (
        b'From: "Nordmann, Kari" <kari@x.no>\nSubject: =?utf-8?q?S=C3=B8knad?= =?utf-8?q?_om?=\n dagpenger\n'
        + HEAD % 1 + PLAIN + b"\nHei", True),
    "comment instead of a name": (b"From: kari@x.no (Kari N)\nSubject: a\n" + HEAD % 2 + PLAIN + b"\nx", False),
    "base64 encoded-words": (b"From: =?UTF-8?B?w5h5c3RlaW4=?= <o@x.no>\nSubject: =?utf-8?b?w6bDuMOl?=\n"
                             + HEAD % 3 + PLAIN + b"\nx", True),
    "two senders": (b"From: Kari <k@x.no>, Ola <o@x.no>\nSubject: two\n" + HEAD % 4 + PLAIN + b"\nx", False),
    "unknown charset in an encoded-word": (b"From: Kari <k@x.no>\nSubject: =?nonsense?q?x?=\n" + HEAD % 5
                                           + PLAIN + b"\nx", False),
    "references folded": (b"From: Kari <k@x.no>\nSubject: Re: a\nReferences: <a@b>\n <c@d>\nIn-Reply-To: <c@d>\n"
                          + HEAD % 6 + PLAIN + b"\nx", True),
    "html only": (b"From: Kari <k@x.no>\nSubject: h\n" + HEAD % 7 + HTML, True),
    "alternative, html first": (_multipart(b"multipart/alternative", [HTML, TEXT], 8), True),
    "mixed, attachment then inline text": (_multipart(b"multipart/mixed", [ATTACHED_TEXT, INLINE_TEXT], 9), True),
    "mixed with nested alternative and a pdf": (_multipart(b"multipart/mixed", [NESTED, PDF], 10), True),
    "mixed with related": (_multipart(b"multipart/mixed", [RELATED, ATTACHED_TEXT], 11), False),
    "only a pdf": (_multipart(b"multipart/mixed", [PDF], 12), False),
    "8-bit header": (b"From: K\xe5re <k@x.no>\nSubject: a\n" + HEAD % 13 + PLAIN + b"\nx", False),
}


@pytest.mark.parametrize("name", sorted(EDGE))
def test_edge_cases_read_alike(name: str) -> None:
    data, quick = EDGE[name]
    full, product, took = both_ways(data)
    assert product == full
    assert took is quick, "the quick path took a mail it should leave, or left one it should take"


@pytest.mark.parametrize("name", sorted(MAIL_CASES))
def test_malformed_mails_read_alike(name: str) -> None:
    full, product, _ = both_ways(MAIL_CASES[name].build())
    assert product == full


def test_exports_read_alike_and_mostly_take_the_quick_path(tmp_path: Path) -> None:
    from synth import generate

    demo = Path(str(resources.files("flerkanal.demo") / "mail.mbox"))
    generate(tmp_path, 300, seed=3)  # realistic exports: HTML-only mails, quoted replies in several styles
    mails = [d for src in (tmp_path / "mail.mbox", demo) for _, d, _ in mbox_messages(src)]
    quick = 0
    for data in mails:
        full, product, took = both_ways(data)
        assert product == full
        quick += took
    assert len(mails) > 80 and quick >= 0.9 * len(mails)
