"""Email: citizens' mails and the office's replies, written to one mbox.

Mails are plain, HTML-only or multipart/alternative (the writer's habit), a few carry a PDF; replies carry
``In-Reply-To``/``References`` and quote the earlier mail the way Gmail, Thunderbird or Outlook does, with
Norwegian or English headers. Message-IDs look like each client's.
"""

from __future__ import annotations

import binascii

from synth.clock import DAY
from synth.encoding import CT_HTML, CT_PLAIN, PDF_B64, encode_header, format_address, html_part, qp
from synth.ids import phone_pretty
from synth.office import OFFICE_EMAIL, OFFICE_NAME
from synth.state import InquiryState, Mail, Person, Run, pick
from synth.texts import ANOTHER, CLOSE, EXTRA, FOLLOW_SUBJ, FOREIGN, GREET, OFFICE_CLOSE, OFFICE_GREET, OFFICE_SIGN

_OFFICE_ADDR = format_address(OFFICE_NAME, OFFICE_EMAIL)


class MailChannel(Run):
    def _addr(self, name: str, addr: str) -> str:
        cache = self._addr_cache
        key = (name, addr)
        hit = cache.get(key)
        if hit is None:
            if len(cache) > 4096:
                cache.clear()
            hit = cache[key] = format_address(name, addr)
        return hit

    def _msgid(self, p: Person | None) -> str:
        x = self.next_id()
        if p is None:
            return f"<{x:032x}@nav.example.no>"
        if p.client == "gmail":
            b64 = binascii.b2a_base64(x.to_bytes(16, "big"), newline=False).decode("ascii")
            return f"<CA{b64[:22]}@mail.gmail.com>"
        if p.client == "outlook":
            return f"<{x:032X}@eurprd07.prod.outlook.com>"
        h = f"{x:032x}"
        return f"<{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}@{p.email.rsplit('@', 1)[1]}>"

    def _quote(self, style: str, lang: str, parent: Mail) -> tuple[str, str]:
        """(header, quoted block) for a reply that quotes ``parent`` in a client's style."""
        c = self.clock
        info = c.day(parent.t // DAY)
        hm = c.hm(parent.t)
        en = lang == "en"
        if style == "outlook":
            head = (
                f"From: {parent.from_name} <{parent.from_addr}>\nSent: {info.outlook_en}{hm}\n"
                f"To: {parent.to_name}\nSubject: {parent.subject}"
                if en
                else f"Fra: {parent.from_name} <{parent.from_addr}>\nSendt: {info.outlook_nb}{hm}\n"
                f"Til: {parent.to_name}\nEmne: {parent.subject}"
            )
            return "________________________________\n" + head if self.r() < 0.3 else head, parent.text
        quoted = ("> " + parent.text.replace("\n", "\n> ")).replace("> \n", ">\n")
        if style == "gmail":
            head = (
                f"{info.gmail_en}{hm}, {parent.from_name} <{parent.from_addr}> wrote:"
                if en
                else f"{info.gmail_nb}{hm} skrev {parent.from_name} <{parent.from_addr}>:"
            )
        else:
            head = (
                f"On {info.tbird}{hm}, {parent.from_name} wrote:"
                if en
                else f"Den {info.tbird}{hm}, skrev {parent.from_name}:"
            )
        return head, quoted

    def _email(self, p: Person, inq: str, st: InquiryState, t: int, kind: str) -> None:
        r = self.r
        out = kind == "reply"
        parent: Mail | None = None
        attach = ""
        if out:
            text, lang = self._reply_text(p, st)
            citizen = next((m for m in reversed(st.mails) if not m.office), None)
            parent = citizen
            own = (
                pick(r, OFFICE_GREET[lang]).format_map(st.slots)
                + "\n\n"
                + text
                + ("\n\n" + c if (c := pick(r, OFFICE_CLOSE[lang])) else "")
                + "\n\n"
                + pick(r, OFFICE_SIGN[lang]).format_map(st.slots)
            )
            from_name, from_addr = OFFICE_NAME, OFFICE_EMAIL
            to_name, to_addr = (citizen.from_name, citizen.from_addr) if citizen else (p.name, p.email)
            style = "outlook" if r() < 0.7 else "gmail"
            fmt = "plain"
        else:
            lang = self._lang(p)
            base = lang if lang in ("nb", "nn", "en") else "nb"
            from_name = p.name
            from_addr = st.mail_from or (p.alt_email if p.alt_email and r() < 0.4 else p.email)
            st.mail_from = from_addr
            to_name, to_addr = OFFICE_NAME, OFFICE_EMAIL
            style = p.client
            fmt = p.mail_format
            close = FOREIGN[lang]["close"] if lang in FOREIGN else CLOSE[base]
            sign = pick(r, close) + "\n" + p.name
            if r() < 0.25:
                sign += "\n" + ("+47 " if r() < 0.5 else "") + phone_pretty(p.phone)
            if r() < 0.15:
                sign += f"\nfnr. {p.fnr[:6]} {p.fnr[6:]}" if r() < 0.5 else f"\n{p.fnr}"
            if kind == "follow":
                parent = st.mails[-1] if st.mails else None
                own = self._follow(st, t, lang) + "\n\n" + sign
            elif kind == "thanks":
                parent = next((m for m in reversed(st.mails) if m.office), None)
                own = self._thanks(lang) + "\n\n" + p.first
            else:
                greet = pick(r, FOREIGN[lang]["greet"] if lang in FOREIGN else GREET[base])
                body = self._ask(st, lang, sms=False)
                if lang == base:
                    ctx = st.intent.ctx[base]
                    if ctx and r() < 0.85:
                        lead = pick(r, ctx).format_map(st.slots)
                        if r() < 0.4:
                            more = pick(r, ctx).format_map(st.slots)
                            if more != lead:
                                lead += " " + more
                        body = lead + " " + body
                    body = self._also(st, base) + body
                    if kind == "first" and p.last_mail is not None and p.last_mail.t < t and r() < 0.08:
                        parent = p.last_mail
                        body = pick(r, ANOTHER[base]) + " " + body
                    extra = pick(r, EXTRA[base])
                    if extra:
                        body += "\n\n" + extra
                    if st.intent.attach and kind == "first" and r() < 0.2:
                        attach = st.intent.attach
                        body += "\n\n" + ("Attached: " if base == "en" else "Vedlagt: ") + attach
                own = f"{greet}\n\n{body}\n\n{sign}"
        if parent is not None:
            subject = parent.subject
            prefix = "RE: " if (out and style == "outlook") or lang == "en" else "SV: "
            if not subject.upper().startswith(("SV:", "RE:", "AW:")):
                subject = prefix + subject
            head, quoted = self._quote(style, lang, parent)
            text = f"{own}\n\n{head}\n{quoted}\n" if style != "outlook" else f"{own}\n\n{head}\n\n{quoted}\n"
            refs = (*parent.refs, parent.msgid)
        else:
            if st.subject:
                subject = st.subject
            elif kind == "follow":
                base = lang if lang in ("nb", "nn", "en") else "nb"
                subject = pick(r, FOLLOW_SUBJ[base])
            elif lang in FOREIGN:
                subject = pick(r, FOREIGN[lang]["subj"])
            else:
                subject = pick(r, st.intent.subj[lang]).format_map(st.slots)
            text = own + "\n"
            refs = ()
            head = ""
        if not st.subject:
            st.subject = subject.removeprefix("SV: ").removeprefix("RE: ")
        msgid = self._msgid(None if out else p)
        clk = self.clock
        hdr = [
            f"From {from_addr} {clk.asctime_utc(t)}\n"
            f"From: {_OFFICE_ADDR if out else self._addr(from_name, from_addr)}\n"
            f"To: {self._addr(to_name, to_addr) if out else _OFFICE_ADDR}\n"
            f"Subject: {encode_header(subject)}\nDate: {clk.rfc2822(t)}\nMessage-ID: {msgid}\n"
        ]
        if refs:
            hdr.append(f"In-Reply-To: {refs[-1]}\nReferences: " + "\n ".join(refs) + "\n")
        if attach:
            boundary = f"=_mixed_{msgid[1:13]}"
            inner = CT_HTML if fmt == "html" else CT_PLAIN
            payload = html_part(own) if fmt == "html" else text
            hdr.append(f'Content-Type: multipart/mixed; boundary="{boundary}"\nMIME-Version: 1.0\n\n')
            blob = (
                ("".join(hdr) + f"--{boundary}\n{inner}\n").encode("utf-8")
                + qp(payload)
                + (
                    f'\n--{boundary}\nContent-Type: application/pdf; name="{attach}"\n'
                    f'Content-Disposition: attachment; filename="{attach}"\nContent-Transfer-Encoding: base64\n\n'
                    f"{PDF_B64}\n--{boundary}--\n"
                ).encode("ascii")
            )
        elif fmt == "plain":
            hdr.append(CT_PLAIN + "MIME-Version: 1.0\n\n")
            blob = "".join(hdr).encode("utf-8") + qp(text)
        else:
            htm = html_part(own, head, parent.text) if parent is not None else html_part(own)
            if fmt == "html":
                hdr.append(CT_HTML + "MIME-Version: 1.0\n\n")
                blob = "".join(hdr).encode("utf-8") + qp(htm) + b"\n"
            else:
                boundary = f"=_alt_{msgid[1:13]}"
                hdr.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\nMIME-Version: 1.0\n\n')
                blob = (
                    "".join(hdr).encode("utf-8")
                    + f"--{boundary}\n{CT_PLAIN}\n".encode("ascii")
                    + qp(text)
                    + f"\n--{boundary}\n{CT_HTML}\n".encode("ascii")
                    + qp(htm)
                    + f"\n--{boundary}--\n".encode("ascii")
                )
        self.mbox.write(blob)
        self.mbox.write(b"\n")
        mail = Mail(msgid, refs, subject, from_name, from_addr, to_name, t, text.rstrip("\n"), out)
        st.mails.append(mail)
        if not out:
            p.last_mail = mail
        self.n_email += 1
        if out:
            self.label_buf.append(f"email:{msgid},{inq},{p.pid},out\r\n")
            self.n_out += 1
        else:
            self.label_buf.append(f"email:{msgid},{inq},{p.pid},in\r\n")
            self.n_in += 1

    # -- dialogue -----------------------------------------------------------------------------
