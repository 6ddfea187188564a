"""The shortcuts taken for bulk-import speed give exactly what the general paths give."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

from mailparser_reply import EmailReplyParser
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from inbox.domain import Channel, Direction, IncomingMessage
from inbox.ingest import _pack, _unpack, with_clean_body
from inbox.parsers.common import safe_text
from inbox.storage.bulk import faster
from inbox.storage.convert import utc
from inbox.text import _reply_parser, clean_text


def test_sqlite_datetime_text_is_sqlalchemys() -> None:
    dialect = sqlite.dialect()
    type_ = dialect.type_descriptor(DateTime(timezone=True))
    proc = type_.bind_processor(dialect)
    assert proc is not None
    fast = faster(type_, proc)
    assert fast is not proc
    rnd = random.Random(7)
    for _ in range(20_000):
        tz = rnd.choice([None, UTC, timezone(timedelta(minutes=rnd.randint(-720, 720)))])
        dt = datetime(rnd.randint(1, 9999), rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 23),
                      rnd.randint(0, 59), rnd.randint(0, 59), rnd.choice([0, 1, rnd.randint(0, 999_999)]), tzinfo=tz)
        assert fast(dt) == proc(dt)
    assert fast(None) is None
    assert fast(date(2024, 2, 29)) == proc(date(2024, 2, 29))


def test_reply_parser_with_patterns_built_once_reads_as_the_library() -> None:
    library = EmailReplyParser(languages=["da", "en", "de"])
    bodies = [
        "Hei\n\nJeg lurer på timen.\n\nDen 3. mars 2024 kl. 10:00 skrev NAV <post@nav.no>:\n> Hei\n> Svar",
        "Thanks!\n\nOn Mon, Jan 1, 2024 at 10:00 AM Someone <a@b.no> wrote:\n> earlier",
        "Kort svar\n\nMed vennlig hilsen\nKari\n\nFra: NAV\nSendt: mandag\nTil: kari@example.no\n"
        "Emne: Re: x\n\ngammelt",
        "Sendt fra min iPhone",
        "Bare tekst uten noe sitat.",
        "",
    ]
    ours = _reply_parser()
    for body in bodies * 2:  # a second time: the patterns are shared between mails
        assert ours.parse_reply(body) == library.parse_reply(body)


def test_safe_text_fast_path() -> None:
    for value in ("plain ascii", "", "nul\x00inside", "lone \ud800 surrogate", "æøå", "æ\x00"):
        assert safe_text(value) == value.replace("\x00", "\ufffd").replace("\ud800", "\ufffd")


def test_clean_text_whitespace_rules() -> None:
    assert clean_text("a  b\t c\u00a0d\n\n\n\ne") == "a b c d\n\ne"
    assert clean_text("a b\n\nc") == "a b\n\nc"


def test_pack_with_clean_text_given_is_with_clean_body() -> None:
    sent = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    for body in ("Hei, når er timen?", "Hei  der\n\n\n\nok"):
        m = IncomingMessage(channel=Channel.SMS, provider_key="SM1", direction=Direction.IN, sent_at=sent,
                            body=body, raw="{}")
        expected = with_clean_body(m)
        assert _unpack(_pack(m, clean_text(body))) == expected
        assert _unpack(_pack(expected)) == expected


def test_utc_keeps_values() -> None:
    aware = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert utc(aware) == aware and utc(aware).tzinfo is UTC
    already = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert utc(already) is already
    assert utc(already.replace(tzinfo=None)) == already
