"""SMS: the citizen's texts and the office's replies, written as Twilio ``Messages.json`` list pages.

SMS are kept in memory until ``_RUN`` of them have piled up, then spilled to disk as one sorted run; at the
end the runs and the last buffer are merged newest-first into pages of ``pages_of`` messages with Twilio's
paging fields.
"""

from __future__ import annotations

import heapq
from collections.abc import Generator, Iterator
from operator import itemgetter
from typing import IO

from synth.encoding import sms_segments
from synth.ids import mix
from synth.office import OFFICE_NAME, OFFICE_PHONE
from synth.state import InquiryState, Person, Run, json_str
from synth.texts import PARTNER, SMS_BYE, SMS_HI

_RUN = 50_000  # SMS kept in memory (about 15 MB) before a sorted run is spilled to disk


class SmsChannel(Run):
    def _sms(self, p: Person, inq: str, st: InquiryState, t: int, kind: str) -> None:
        r = self.r
        lang = p.lang
        if p.foreign and r() >= 0.6:
            lang = "nb"
        short_lang = "nb" if p.foreign else lang
        out = kind == "reply"
        if out:
            text, rl = self._reply_text(p, st)
            if rl == "en":
                body = f"Hi {p.first}. {text} Regards, {OFFICE_NAME}"
            else:
                body = f"Hei {p.first}. {text} Hilsen {OFFICE_NAME}"
            frm, to = OFFICE_PHONE, st.sms_to or p.phone
        else:
            partner = bool(p.partner_phone) and r() < 0.5
            if kind == "follow":
                body = self._follow(st, t, lang)
            elif kind == "thanks":
                body = self._thanks(lang)
            else:
                also = self._also(st, short_lang) if kind == "dup" and lang == short_lang else ""
                body = self._ask(st, lang, sms=True)
                if (lang == "nb" or lang == "nn") and r() < 0.6:
                    hi = SMS_HI[int(r() * len(SMS_HI))]
                    body = hi + (body[0].lower() + body[1:] if hi.endswith(", ") else body)
                body = also + body
            if partner:
                body += PARTNER[lang].format_map(st.slots)
            elif kind != "thanks" or r() < 0.3:
                bye = SMS_BYE[lang]
                body += bye[int(r() * len(bye))].format_map(st.slots)
            if p.casual and r() < 0.5:
                body = body.lower()
            frm = p.partner_phone if partner else p.phone
            to = OFFICE_PHONE
            st.sms_to = frm
        clk = self.clock
        u = clk.utc(t)
        self.counter += 1
        sid = f"SM{mix(self.counter, self.salt):032x}"
        self.sms_buf.append((u, sid, body, out, frm, to))
        if len(self.sms_buf) >= _RUN:
            self._spill()
        self.n_sms += 1
        if out:
            self.label_buf.append(f"sms:{sid},{inq},{p.pid},out\r\n")
            self.n_out += 1
        else:
            self.label_buf.append(f"sms:{sid},{inq},{p.pid},in\r\n")
            self.n_in += 1

    def _sms_json(self, rec: tuple[int, str, str, bool, str, str]) -> str:
        """One Twilio message resource as JSON, keys in Twilio's order."""
        u, sid, body, out, frm, to = rec
        date = self.clock.twilio(u)
        api = self.api
        return (
            f'{{"account_sid":"{self.account}","api_version":"2010-04-01","body":{json_str(body)},'
            f'"date_created":"{date}","date_sent":"{date}","date_updated":"{date}",'
            f'"direction":"{"outbound-api" if out else "inbound"}","error_code":null,"error_message":null,'
            f'"from":"{frm}","to":"{to}","messaging_service_sid":null,"num_media":"0",'
            f'"num_segments":"{sms_segments(body)}","price":null,"price_unit":"USD","sid":"{sid}",'
            f'"status":"{"delivered" if out else "received"}",'
            f'"subresource_uris":{{"media":"{api}/Messages/{sid}/Media.json"}},'
            f'"uri":"{api}/Messages/{sid}.json"}}'
        )

    def _spill(self) -> None:
        """Write the buffered SMS, newest first, as one sorted run on disk."""
        self.sms_buf.sort(key=itemgetter(0), reverse=True)
        path = self.tmp / f"run-{len(self.runs):05d}.tsv"
        js = self._sms_json
        with open(path, "w", encoding="utf-8", buffering=1 << 20) as f:
            f.writelines(f"{rec[0]}\t{rec[1]}\t{js(rec)}\n" for rec in self.sms_buf)
        self.runs.append(path)
        self.sms_buf = []

    # -- email --------------------------------------------------------------------------------

    def _sms_stream(self) -> Generator[tuple[int, str, str], None, None]:
        """All SMS as (time, sid, JSON), newest first: the sorted runs on disk merged with the last one,
        which is still in memory."""
        self.sms_buf.sort(key=itemgetter(0), reverse=True)
        js = self._sms_json
        last = ((rec[0], rec[1], js(rec)) for rec in self.sms_buf)
        if not self.runs:
            yield from last
            return
        files = [open(path, encoding="utf-8", buffering=1 << 18) for path in self.runs]  # noqa: SIM115
        try:

            def rows(f: IO[str]) -> Iterator[tuple[int, str, str]]:
                for ln in f:
                    u, sid, line = ln.rstrip("\n").split("\t", 2)
                    yield int(u), sid, line

            yield from heapq.merge(*(rows(f) for f in files), last, key=itemgetter(0), reverse=True)
        finally:
            for f in files:
                f.close()

    def _write_pages(self) -> int:
        total = self.n_sms
        size = self.pages_of
        pages = max(1, -(-total // size))
        base = f"{self.api}/Messages.json?PageSize={size}"
        stream = self._sms_stream()
        try:
            return self._pages(stream, total, size, pages, base)
        finally:
            stream.close()

    def _pages(self, stream: Iterator[tuple[int, str, str]], total: int, size: int, pages: int, base: str) -> int:
        prev_last = ""
        width = max(4, len(str(pages - 1)))
        for k in range(pages):
            rows = [row for _, row in zip(range(size), stream, strict=False)]
            start = k * size
            first_sid = rows[0][1] if rows else ""
            last_sid = rows[-1][1] if rows else ""
            uri = f"{base}&Page={k}" + (f"&PageToken=PA{prev_last}" if k else "")
            nxt = f'"{base}&Page={k + 1}&PageToken=PA{last_sid}"' if k + 1 < pages else "null"
            prv = f'"{base}&Page={k - 1}&PageToken=PB{first_sid}"' if k else "null"
            with open(self.out / "sms" / f"page-{k:0{width}d}.json", "w", encoding="utf-8") as f:
                f.write(f'{{"end":{start + max(len(rows) - 1, 0)},"first_page_uri":"{base}&Page=0","messages":[\n')
                f.write(",\n".join(row[2] for row in rows))
                f.write(
                    f'\n],"next_page_uri":{nxt},"page":{k},"page_size":{size},"previous_page_uri":{prv},'
                    f'"start":{start},"uri":"{uri}"}}\n'
                )
            prev_last = last_sid
        return pages
