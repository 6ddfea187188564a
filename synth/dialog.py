"""The activity plan's dialogue: threads (DialogDTO) with their messages (henvendelser), one entry a person
in ``dialog.json``; a few new questions are asked in an old thread."""

from __future__ import annotations

from synth.state import Dialog, InquiryState, Person, Run, json_str, pick
from synth.texts import ANOTHER, DIALOG_HI, DIALOG_SIGN, FOREIGN


class DialogChannel(Run):
    def _dialog(self, p: Person, inq: str, st: InquiryState, t: int, kind: str) -> None:
        r = self.r
        out = kind == "reply"
        dlg = st.dialog
        lang = self._lang(p)
        base = lang if lang in ("nb", "nn", "en") else "nb"
        if out:
            text, _ = self._reply_text(p, st)
            tekst = f"Hei {p.first}! {text}" + pick(r, DIALOG_SIGN).format_map(st.slots)
        elif kind == "follow":
            tekst = self._follow(st, t, lang)
        elif kind == "thanks":
            tekst = self._thanks(lang)
        else:
            tekst = self._ask(st, lang, sms=False)
            ctx = st.intent.ctx[base]
            if lang == base and ctx and r() < 0.6:
                tekst = pick(r, ctx).format_map(st.slots) + " " + tekst
            if lang == base:
                tekst = self._also(st, base) + tekst
            if r() < 0.3 and lang == base:
                tekst = pick(r, DIALOG_HI[base]) + " " + tekst
            if dlg is None and kind == "first" and p.dialogs and r() < 0.1:
                old = p.dialogs[-1]
                if old.t < t and len(old.items) < 40:
                    dlg = old
                    if lang == base:
                        tekst = pick(r, ANOTHER[base]) + " " + tekst
        if dlg is None:
            self.dialog_counter += 1
            if lang in FOREIGN:
                title = pick(r, FOREIGN[lang]["subj"])
            else:
                title = pick(r, st.intent.subj[base]).format_map(st.slots)
            did = str(self.dialog_counter)
            aktivitet = f'"{400_000 + self.dialog_counter}"' if st.topic.key == "tiltak" and r() < 0.5 else "null"
            dlg = Dialog(id=did, head=f'{{"id":"{did}","aktivitetId":{aktivitet},"overskrift":{json_str(title)},')
            p.dialogs.append(dlg)
        st.dialog = dlg
        hid = f"{dlg.id}{len(dlg.items):02d}"
        sendt = self.clock.iso(t)
        tj = json_str(tekst)
        who = f'"VEILEDER","avsenderId":"{st.slots["veileder_id"]}"' if out else '"BRUKER","avsenderId":null'
        dlg.items.append(
            f'{{"id":"{hid}","dialogId":"{dlg.id}","avsender":{who},"sendt":"{sendt}",'
            f'"lest":true,"viktig":false,"tekst":{tj}}}'
        )
        if not dlg.first:
            dlg.first = sendt
        dlg.last, dlg.last_text, dlg.answered, dlg.t = sendt, tj, out, t
        self.n_dialog += 1
        if out:
            self.label_buf.append(f"dialog:{hid},{inq},{p.pid},out\r\n")
            self.n_out += 1
        else:
            self.label_buf.append(f"dialog:{hid},{inq},{p.pid},in\r\n")
            self.n_in += 1

    def _write_dialogs(self, p: Person) -> None:
        parts = [f'{{"fnr":"{p.fnr}","aktorId":"{p.aktor}","dialoger":[']
        for n, d in enumerate(p.dialogs):
            parts.append(
                f'{"," if n else ""}{d.head}"sisteTekst":{d.last_text},"sisteDato":"{d.last}",'
                f'"opprettetDato":"{d.first}","historisk":false,"lest":true,"venterPaSvar":false,'
                f'"ferdigBehandlet":{"true" if d.answered else "false"},"lestAvBrukerTidspunkt":null,'
                f'"erLestAvBruker":true,"oppfolgingsperiode":null,"henvendelser":['
            )
            parts.append(",".join(d.items))
            parts.append('],"egenskaper":[],"kontorsperreEnhetId":null}')
        parts.append("]}")
        self.dialog_buf.append(("\n" if self.dialog_first else ",\n") + "".join(parts))
        self.dialog_first = False

    # -- finishing ----------------------------------------------------------------------------
