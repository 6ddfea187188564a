"""Synthetic exports at any size, for benchmarks, load tests and the tests themselves.

:func:`generate` writes the same five files the development set has (see ``shared/data/README.md``), only
larger and made from templates:

- ``sms/page-0000.json`` … — Twilio ``Messages.json`` list pages, newest first, ``pages_of`` messages a
  page, with Twilio's paging fields (``uri``, ``first_page_uri``, ``next_page_uri``, ``previous_page_uri``,
  ``page``, ``page_size``, ``start``, ``end``);
- ``mail.mbox`` — RFC 5322 mails, quoted-printable UTF-8; plain, HTML-only, multipart/alternative and a few
  with a PDF attached; replies carry ``In-Reply-To``/``References`` and quote the earlier mail in Gmail,
  Thunderbird or Outlook style (Norwegian or English headers);
- ``dialog.json`` — a JSON array of ``{"fnr", "aktorId", "dialoger": [DialogDTO]}``, one entry a person;
- ``contacts.csv`` — the contact register (``fnr,aktor_id,name,phone,email``); about 15 % of the writers
  are not in it;
- ``labels.csv`` — ``key,inquiry,person,direction`` for every message written, in writing order.

What the traffic looks like: people write about one of nine topics (dagpenger, AAP, meldekort, sykepenger,
kvalifiseringsstønad, tiltak/kurs, CV, møtetider, økonomisk sosialhjelp), each with a few intents and slots
(dates, weeks, amounts, courses, jobs), mostly in bokmål, some in nynorsk, English, Polish and Ukrainian.
An *inquiry* starts with one inbound message; with probability ``duplicate_rate`` the same request comes
again on another channel within four days (reworded, or as a "har dere fått meldingen min?"), some get a
same-channel reminder, ``reply_rate`` of the inquiries get an office reply (on one of the channels the
citizen used) and some of those a thank-you. A few write from a partner's phone or a second address, and
a few ask a new question as a reply in an old mail or dialogue thread.

Counts are exact: the three channels together hold exactly ``messages`` messages. Each person gets a
quota (random weights, rounded cumulatively so they sum to ``messages``); a person's last inquiry is cut
short when the quota runs out, and messages that would fall after the end of the window are not sent
(so the newest inquiries have no reply yet, as in a live queue).

With the defaults about 14 % of the messages are the office's (``reply_rate`` counts inquiries, and the
window's end and the quotas cut some replies off), about 28 % of the inquiries come on more than one inbound
message, and the office's name, address and SMS number are the development set's (``OFFICE_*``), so the
same settings read both.

Everything streams: people are generated one at a time and written as soon as they are done; SMS are
sorted newest-first through sorted runs of at most ``synth.sms._RUN`` messages on disk and a merge. Memory
stays flat (about 60 MB for a million messages, which take about 20 s on one core). Provider ids (Twilio
SIDs, Message-IDs, dialogue ids) are unique within a run and the same for the same seed, whatever
``PYTHONHASHSEED`` is. The package uses the standard library and the core's national-ID check only; its
words are JSON files in ``synth/data/``.

Test data, not product: only tests, the bench scripts, the eval builders and the application's bench and
demo commands import it (inside the command), never a product module at import time.

Modules: :mod:`synth.generator` (people, inquiries, :func:`generate`), one module a channel
(:mod:`synth.sms`, :mod:`synth.mail`, :mod:`synth.dialog`) over the shared :mod:`synth.state`,
:mod:`synth.texts` (the words, from ``data/``), :mod:`synth.ids` (national ID numbers, actor ids, phones),
:mod:`synth.clock` (dates in each export's format), :mod:`synth.encoding` (SMS segments, MIME) and
:mod:`synth.office`.
"""

from __future__ import annotations

from synth.encoding import encode_header, format_address, sms_segments
from synth.generator import SynthSummary, generate
from synth.ids import aktor_id_for_index, fnr_for_index, fnr_is_valid, make_fnr
from synth.office import OFFICE_EMAIL, OFFICE_NAME, OFFICE_PHONE, WINDOW_END

__all__ = [
    "OFFICE_EMAIL",
    "OFFICE_NAME",
    "OFFICE_PHONE",
    "WINDOW_END",
    "SynthSummary",
    "aktor_id_for_index",
    "encode_header",
    "fnr_for_index",
    "fnr_is_valid",
    "format_address",
    "generate",
    "make_fnr",
    "sms_segments",
]
