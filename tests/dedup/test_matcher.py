"""The inquiry matcher in the live store: evidence, the never-merge rule, explanations, corrections."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dedup.matcher import InquiryMatcher
from inbox.contacts import read_contacts_csv
from inbox.domain import Channel, Direction, IncomingMessage
from inbox.errors import ConflictError, NotFoundError
from inbox.storage.repository import Store

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OFFICE_PHONE = "+4759446000"

CONTACTS = """fnr,aktor_id,name,phone,email
14839109602,2620966542870,Hege Mo Lunde,+4791111111,hege.lunde@example.no
02916740967,2722971028225,Tor Vik,+4792222222,tor.vik@example.com
"""


def sms(sid: str, phone: str, hours: float, body: str) -> IncomingMessage:
    return IncomingMessage(channel=Channel.SMS, provider_key=sid, direction=Direction.IN,
                           sent_at=T0 + timedelta(hours=hours), body=body, raw="{}", sender=phone,
                           recipient=OFFICE_PHONE)


def mail(mid: str, addr: str, hours: float, body: str, *, reply_to: str = "", name: str = "",
         direction: Direction = Direction.IN) -> IncomingMessage:
    return IncomingMessage(channel=Channel.EMAIL, provider_key=mid, direction=direction,
                           sent_at=T0 + timedelta(hours=hours), body=body, raw="",
                           sender=addr if direction == Direction.IN else "veileder@nav.no",
                           recipient="nav@nav.no" if direction == Direction.IN else addr, sender_name=name,
                           in_reply_to=reply_to, references=(reply_to,) if reply_to else ())


@pytest.fixture
def seeded(tmp_path: Path, embedder: Any) -> tuple[Store, InquiryMatcher]:
    store = Store.open(f"sqlite:///{tmp_path / 'm.db'}")
    csv = tmp_path / "contacts.csv"
    csv.write_text(CONTACTS, encoding="utf-8")
    store.import_contacts(read_contacts_csv(csv))
    return store, InquiryMatcher(embedder)


def threads_of(store: Store) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in store.open_threads(limit=100):
        for m in store.thread(e.thread.id).messages:
            out[m.key] = e.thread.id
    return out


def record_window_reads(monkeypatch: pytest.MonkeyPatch, method: str) -> list[int]:
    """The ``after_id`` of every call to the store context's window reader ``method``, as they come."""
    from inbox.storage.match_context import BatchContext

    asked: list[int] = []
    real = getattr(BatchContext, method)

    def recording(self: BatchContext, after_id: int, since: datetime, until: datetime | None = None) -> Any:
        asked.append(after_id)
        return real(self, after_id, since, until)

    monkeypatch.setattr(BatchContext, method, recording)
    return asked


def test_same_request_on_two_channels_is_one_inquiry(seeded: tuple[Store, InquiryMatcher]) -> None:
    store, matcher = seeded
    store.ingest([mail("<a@x>", "hege.lunde@example.no", 0,
                       "Hei. Jeg har vært sykmeldt siden august og har ennå ikke fått sykepenger. "
                       "Kan dere sjekke saken min?")], matcher=matcher)
    store.ingest([sms("SM1", "+4791111111", 20, "hei, sendte e-post i går om sykepengene for september. "
                                                    "har dere fått den? trenger svar")], matcher=matcher)
    store.ingest([sms("SM2", "+4791111111", 30, "noe nytt om sykepengene?")], matcher=matcher)
    t = threads_of(store)
    assert t["email:<a@x>"] == t["sms:SM1"] == t["sms:SM2"]
    reasons = store.match_reasons(t["sms:SM1"])
    joined = [r for r in reasons.values() if r.get("evidence", {}).get("matched") == "email:<a@x>"]
    assert joined and joined[0]["score"] >= 0.7
    assert "other channel" in joined[0]["reason"]
    # A content-poor follow-up is not scored on its few words: it joins the open inquiry they name, and says so.
    short = [r for r in reasons.values() if r.get("evidence", {}).get("content_poor")]
    assert len(short) == 1 and "names the subject or channel" in short[0]["reason"]


def test_two_registered_persons_are_never_merged(seeded: tuple[Store, InquiryMatcher]) -> None:
    store, matcher = seeded
    text = "Hei, når kommer dagpengene for oktober? Har ikke fått noe ennå."
    store.ingest([sms("SM1", "+4791111111", 0, text), sms("SM2", "+4792222222", 1, text)], matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM1"] != t["sms:SM2"]


def test_unknown_number_identified_by_fnr_in_the_text(seeded: tuple[Store, InquiryMatcher]) -> None:
    store, matcher = seeded
    store.ingest([mail("<a@x>", "tor.vik@example.com", 0,
                       "Jeg har byttet bank og vil ha uføretrygden inn på ny konto fra neste måned.")],
                 matcher=matcher)
    store.ingest([sms("SM9", "+4798765432", 30, "Tor Vik her, fnr 02916740967, låner telefon. "
                      "Sendte e-post i går om nytt kontonummer for uføretrygden. Har dere fått den?")],
                 matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM9"] == t["email:<a@x>"]
    view = store.thread(t["sms:SM9"])
    assert view.person is not None and view.person.name == "Tor Vik"
    assert {m.person_id for m in view.messages} == {view.person.id}


def test_content_free_follow_up_joins_the_latest_inquiry(seeded: tuple[Store, InquiryMatcher]) -> None:
    store, matcher = seeded
    store.ingest([sms("SM1", "+4791111111", 0, "Hei, jeg har mistet BankID og får ikke sendt meldekortet."),
                  sms("SM2", "+4791111111", 5, "hallo??")], matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM1"] == t["sms:SM2"]


def test_new_question_in_a_reply_starts_a_new_inquiry(seeded: tuple[Store, InquiryMatcher]) -> None:
    store, matcher = seeded
    store.ingest([mail("<a@x>", "hege.lunde@example.no", 0, "Når får jeg svar på søknaden om AAP?"),
                  mail("<b@x>", "hege.lunde@example.no", 24, "Hei Hege, vedtaket kommer neste uke.",
                       reply_to="<a@x>", direction=Direction.OUT),
                  mail("<c@x>", "hege.lunde@example.no", 48, "Takk! Et annet spørsmål: jeg har flyttet, "
                       "hvordan endrer jeg adressen min hos dere?", reply_to="<b@x>")], matcher=matcher)
    view_c = [tid for key, tid in threads_of(store).items() if key == "email:<c@x>"]
    assert view_c, "the new question must be an open inquiry"
    assert store.thread(view_c[0]).thread.message_count == 1


def test_another_question_on_another_channel_is_not_joined_to_the_one_before(seeded: tuple[Store, InquiryMatcher]
                                                                             ) -> None:
    store, matcher = seeded
    store.ingest([mail("<a@x>", "hege.lunde@example.no", 0, "Hei. Dagpengene mine for uke 40 er ikke kommet. "
                       "Meldekortet ble sendt i tide. Kan dere sjekke hva som har skjedd med utbetalingen?"),
                  sms("SM1", "+4791111111", 3, "Et annet spørsmål om dagpengene: jeg førte feil antall timer på "
                      "meldekortet for uke 40. Hvordan retter jeg det?")], matcher=matcher)
    t = threads_of(store)
    assert t["email:<a@x>"] != t["sms:SM1"]
    reason = store.match_reasons(t["sms:SM1"])
    assert any("another question" in r["reason"] for r in reason.values()), reason


def test_reingest_with_the_matcher_stores_nothing_twice(seeded: tuple[Store, InquiryMatcher], demo_dir: Path
                                                        ) -> None:
    from inbox.ingest import read_files

    store, matcher = seeded
    files = [demo_dir / "sms.json", demo_dir / "mail.mbox", demo_dir / "dialog.json"]
    first = store.ingest(read_files(files), matcher=matcher)
    again = store.ingest(read_files(files[::-1]), matcher=matcher)
    assert sum(first.new.values()) == 77
    assert sum(again.new.values()) == 0
    assert store.counts()["messages"] == 77


def test_split_merge_undo_are_audited_and_become_labelled_pairs(seeded: tuple[Store, InquiryMatcher]) -> None:
    store, matcher = seeded
    store.ingest([mail("<a@x>", "hege.lunde@example.no", 0, "Jeg har ikke fått sykepenger for september."),
                  sms("SM1", "+4791111111", 20, "Sendte e-post i går om sykepengene, har dere fått den?")],
                 matcher=matcher)
    t = threads_of(store)
    tid = t["sms:SM1"]
    sms_id = next(m.id for m in store.thread(tid).messages if m.key == "sms:SM1")
    new_tid = store.split(sms_id, "ola")
    assert threads_of(store)["sms:SM1"] == new_tid
    assert store.corrections() == [("sms:SM1", "email:<a@x>", False)]
    moved = store.merge(tid, new_tid, "ola")
    assert moved == [sms_id]
    assert threads_of(store)["sms:SM1"] == tid
    assert store.undo("ola")["undid"] == "merge"
    assert threads_of(store)["sms:SM1"] == new_tid
    assert store.undo("ola")["undid"] == "split"
    assert threads_of(store)["sms:SM1"] == tid
    with pytest.raises(NotFoundError):
        store.undo("ola")
    with pytest.raises(ConflictError):
        store.merge(tid, tid, "ola")
    actions = [e["action"] for e in store.audit_events(user="ola")]
    assert actions == ["split", "merge", "undo", "undo"]
    assert json.loads(store.audit_events(user="ola")[0]["detail"])["message"] == sms_id


def test_the_name_index_lives_across_batches_and_follows_the_register(
        seeded: tuple[Store, InquiryMatcher], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inbox.storage.match_context import BatchContext

    full_reads: list[int] = []
    real = BatchContext.person_names

    def counting(self: BatchContext, after_id: int = 0) -> dict[int, str]:
        if not after_id:
            full_reads.append(1)
        return real(self, after_id)

    monkeypatch.setattr(BatchContext, "person_names", counting)
    store, matcher = seeded
    # Each batch: an unknown writer with a display name, so the matcher looks names up every time.
    store.ingest([mail("<u1@x>", "per.lie@example.org", 0, "Når kommer vedtaket om bostøtte?", name="Per Lie")],
                 matcher=matcher)
    store.ingest([mail("<s1@x>", "siri.privat@example.org", 1, "Jeg har søkt om arbeidsavklaringspenger og "
                       "lurer på når jeg får svar på søknaden.", name="Siri Dahl")], matcher=matcher)
    store.ingest([sms("SM7", "+4797777777", 20, "Siri Dahl her, låner telefonen til mamma. Har dere sett "
                      "søknaden min om arbeidsavklaringspenger? Sendte e-post i går.")], matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM7"] == t["email:<s1@x>"]  # the name learnt in batch 2 identified the writer in batch 3
    assert len(full_reads) == 1  # one index, grown by the persons each batch created: no rebuilds

    csv = tmp_path / "more.csv"
    csv.write_text("fnr,aktor_id,name,phone,email\n,,Ola Berg,+4793333333,\n", encoding="utf-8")
    store.import_contacts(read_contacts_csv(csv))
    store.ingest([sms("SM8", "+4793333333", 30, "Kan jeg få flyttet møtet på fredag? Jeg har fått jobbintervju.")],
                 matcher=matcher)
    store.ingest([sms("SM9", "+4794444444", 31, "Ola Berg her, skriver fra jobbtelefonen. Fikk dere meldingen "
                      "om å flytte møtet på fredag?")], matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM9"] == t["sms:SM8"]  # the register's new name was found: the import rebuilt the index
    assert len(full_reads) == 2


@pytest.mark.parametrize("one_batch", [False, True])
def test_an_unknown_address_joins_the_unknown_number_that_signed_with_its_name(
        db_url: str, tmp_path: Path, embedder: Any, one_batch: bool) -> None:
    """Neither writer is registered and no ID number is known: the email's display name is the name an
    SMS from another unknown number was signed with ("Bjørn Ødegård her"), so the two are compared."""
    store = Store.open(db_url)
    matcher = InquiryMatcher(embedder)
    first = sms("SM1", "+4795862440", 0, "Hei. Bjørn Ødegård her. Har fått ny konto i banken og vil ha "
                "dagpengene dit fra neste utbetaling. Kontonr 1254.15.90836.")
    other = sms("SM2", "+4790000001", 1, "Hei, Kari Nilsen her. Når kommer svaret på søknaden om bostøtte?")
    later = mail("<b@x>", "bjorn.o@example.org", 30, "Hei NAV. Skrev sms i går om at jeg har byttet bank. "
                 "Nytt kontonummer er 1254.15.90836, dagpengene må gå dit.", name="Bjørn Ødegård")
    stranger = mail("<c@x>", "kari.n@example.org", 31, "Hei, jeg har byttet bank. Nytt kontonummer er "
                    "1254.15.90837, dagpengene må gå dit.", name="Kari Nilsson")
    if one_batch:
        store.ingest([first, other, later, stranger], matcher=matcher)
    else:
        for m in (first, other, later, stranger):
            store.ingest([m], matcher=matcher)
    t = threads_of(store)
    assert t["email:<b@x>"] == t["sms:SM1"]
    assert len({t["sms:SM1"], t["sms:SM2"], t["email:<c@x>"]}) == 3  # another name: nothing to compare with
    # In one batch too: the email's person, named by its header, is not known before the email is reached.
    joined = [r for r in store.match_reasons(t["sms:SM1"]).values()
              if r.get("evidence", {}).get("matched") == "sms:SM1"]
    assert joined and joined[0]["evidence"]["identity"] == "display name written in an earlier message"
    store.close()


def test_a_signed_name_counts_only_inside_the_window(seeded: tuple[Store, InquiryMatcher]) -> None:
    store, matcher = seeded
    store.ingest([sms("SM1", "+4795862440", 0, "Gunnar Myrvold her. Har fått ny konto, kontonr 1254.15.90836.")],
                 matcher=matcher)
    late = matcher.config.window.total_seconds() / 3600 + 24
    store.ingest([mail("<b@x>", "gm@example.org", late, "Har byttet bank, nytt kontonummer 1254.15.90836.",
                       name="Gunnar Myrvold")], matcher=matcher)
    t = threads_of(store)
    assert t["email:<b@x>"] != t["sms:SM1"]


def test_signed_names_are_read_from_the_store_once_then_only_what_is_new(
        seeded: tuple[Store, InquiryMatcher], monkeypatch: pytest.MonkeyPatch) -> None:
    asked = record_window_reads(monkeypatch, "unknown_inbound")
    store, matcher = seeded
    store.ingest([sms("SM0", "+4791111111", 399, "Når får jeg svar på søknaden om AAP?")], matcher=matcher)
    store.ingest([mail("<z@x>", "x@example.org", 400, "Når kommer bostøtten?", name="Ola Olsen")], matcher=matcher)
    # an import of older logs after that: the name was signed earlier than anything the index holds
    store.ingest([sms("SM1", "+4795862440", 0, "Hei. Bjørn Ødegård her. Har fått ny konto i banken og vil ha "
                      "dagpengene dit fra neste utbetaling. Kontonr 1254.15.90836.")], matcher=matcher)
    store.ingest([mail("<b@x>", "bjorn.o@example.org", 30, "Skrev sms i går om at jeg har byttet bank. "
                       "Nytt kontonummer er 1254.15.90836, dagpengene må gå dit.", name="Bjørn Ødegård")],
                 matcher=matcher)
    store.ingest([mail("<c@x>", "y@example.org", 401, "Har dere fått søknaden?", name="Per Dahl")], matcher=matcher)
    t = threads_of(store)
    assert t["email:<b@x>"] == t["sms:SM1"]  # found by reading days before the index's first window
    assert asked[0] == 0 and asked[-1] > 0  # the window once, then only messages stored since
    assert asked.count(0) == 2  # the first window and the earlier days: a window of registered writers only
    # is not read again


def test_corrections_become_training_pairs_with_the_matchers_features(seeded: tuple[Store, InquiryMatcher],
                                                                      embedder: Any) -> None:
    from dedup.features import FEATURES
    from dedup.train import correction_pairs

    store, matcher = seeded
    store.ingest([mail("<a@x>", "hege.lunde@example.no", 0, "Jeg har ikke fått sykepenger for september."),
                  sms("SM1", "+4791111111", 20, "Sendte e-post i går om sykepengene, har dere fått den?"),
                  sms("SM2", "+4791111111", 30, "Et annet spørsmål: kan jeg ta kurs i sveising?")], matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM1"] == t["email:<a@x>"] != t["sms:SM2"]
    sms1 = next(m.id for m in store.thread(t["sms:SM1"]).messages if m.key == "sms:SM1")
    store.split(sms1, "ola")  # "these are not the same"
    store.merge(t["email:<a@x>"], t["sms:SM2"], "ola")  # "and these are"
    fixes = store.corrections()
    assert ("sms:SM1", "email:<a@x>", False) in fixes and ("sms:SM2", "email:<a@x>", True) in fixes
    messages = store.messages_by_key({k for a, b, _ in fixes for k in (a, b)})
    assert set(messages) == {"sms:SM1", "sms:SM2", "email:<a@x>"}
    X, y = correction_pairs(fixes, messages, embedder)
    assert len(X) == len(y) == len(fixes) and set(y) == {0, 1}
    assert all(len(row) == len(FEATURES) for row in X)
    first = dict(zip(FEATURES, X[fixes.index(("sms:SM1", "email:<a@x>", False))], strict=True))
    assert first["refers_to_this_channel"] == 1.0  # seen from the later SMS, which names the e-mail
    assert 0.5 < first["cosine"] <= 1.0


def test_open_inquiries_and_the_bound_on_candidates() -> None:
    from dedup.inquiries import ANSWERED_OPEN, MAX_OPEN_INQUIRIES, PER_INQUIRY, bounded, open_inquiries
    from inbox.matching import CandidateMessage

    def cand(i: int, thread: int, hours: float, direction: Direction = Direction.IN, body: str = "hei") -> Any:
        return CandidateMessage(i, thread, 1, f"sms:SM{i}", Channel.SMS, direction, T0 + timedelta(hours=hours),
                                "", body, "open")

    now = T0 + timedelta(days=40)
    history = [cand(1, 1, 0), cand(2, 2, 1), cand(3, 2, 2, Direction.OUT),  # 2 answered 40 days ago: not open
               cand(4, 3, 3), cand(5, 3, 24 * 39, Direction.OUT),  # 3 answered a day ago: open, answered
               cand(6, 4, 24 * 39.5, body="pengene kom, takk")]  # 4: its writer closed it
    found = open_inquiries(history, now, lambda c: c.clean_body.startswith("pengene"))
    assert set(found) == {1, 3, 4}  # an unanswered inquiry stays open however old it is
    assert found[1].answered_at is None and found[3].answered_at == T0 + timedelta(hours=24 * 39)
    assert found[4].closed_by_writer and not found[1].closed_by_writer
    assert now - T0 - timedelta(hours=2) > ANSWERED_OPEN

    many = [cand(100 * t + k, t, t + k / 10) for t in range(MAX_OPEN_INQUIRIES + 3) for k in range(PER_INQUIRY + 2)]
    kept = bounded(many)
    assert len({c.thread_id for c in kept}) == MAX_OPEN_INQUIRIES
    assert {c.thread_id for c in kept} == set(range(3, MAX_OPEN_INQUIRIES + 3))  # the latest inquiries
    assert all(sum(c.thread_id == t for c in kept) == PER_INQUIRY for t in range(3, MAX_OPEN_INQUIRIES + 3))
    assert kept == sorted(kept, key=lambda c: c.sent_at)
    assert bounded(many[:3]) == many[:3]


def test_train_refuses_a_corrections_database_that_is_not_there(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from flerkanal.cli import cli

    missing = tmp_path / "no" / "inbox.db"
    r = CliRunner().invoke(cli, ["dedup", "train", str(tmp_path), "--out", str(tmp_path / "w.json"),
                                 "--corrections-db", f"sqlite:///{missing}"])
    assert r.exit_code != 0
    assert "no database at" in r.output and not missing.exists() and not (tmp_path / "w.json").exists()


def test_train_without_folders_finds_the_labelled_sets_inside_the_repository() -> None:
    """The repository's own labelled sets (the fresh set, the demo) are found wherever the command's module lives."""
    from flerkanal.cli.dedup import _default_sets
    from flerkanal.demo import DEMO_DIR

    found = _default_sets()
    assert DEMO_DIR in found and any(p.name == "dedup-fresh" and p.parent.name == "data" for p in found)
    assert all((p / "labels.csv").is_file() for p in found)


def test_a_first_name_of_the_family_on_a_shared_phone_is_that_persons_message(tmp_path: Path, embedder: Any) -> None:
    """Mother and son share a phone; the son signs a follow-up with his first name only. It is his message and
    joins his inquiry, not his mother's latest one from the same phone; a first name of nobody in the family
    changes nothing."""
    store = Store.open(f"sqlite:///{tmp_path / 'k.db'}")
    csv = tmp_path / "contacts.csv"
    csv.write_text("fnr,aktor_id,name,phone,email\n"
                   "21867109266,2912334598920,Leyla Ahmadi,+4746350912,leyla.ahmadi@example.com\n"
                   "03830380522,2269401476753,Hamid Ahmadi,+4746350912,hamid.ahmadi@example.com\n", encoding="utf-8")
    store.import_contacts(read_contacts_csv(csv))
    matcher = InquiryMatcher(embedder)
    store.ingest([mail("<h@x>", "hamid.ahmadi@example.com", 0,
                       "Hei. Kan Nav dekke busskortet mitt til lagerkurset? Det koster 900 kr i måneden.")],
                 matcher=matcher)
    store.ingest([sms("SM1", "+4746350912", 20, "Hei, jeg trenger tolk på dari til møtet 19. november. Leyla")],
                 matcher=matcher)
    store.ingest([sms("SM2", "+4746350912", 24, "hei, noe nytt om busskortet? Hamid"),
                  sms("SM3", "+4746350912", 25, "noe nytt om tolken? Tor")], matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM2"] == t["email:<h@x>"] != t["sms:SM1"]
    assert t["sms:SM3"] == t["sms:SM1"]
    view = store.thread(t["sms:SM2"])
    assert view.person is not None and view.person.name == "Hamid Ahmadi"
    reason = store.match_reasons(t["sms:SM2"])
    assert any("same family" in r.get("evidence", {}).get("identity", "") for r in reason.values())
    # Signed in lower case on a line of its own, from the shared address: his too.
    store.ingest([mail("<h2@x>", "leyla.ahmadi@example.com", 30, "hei. kan kurset flyttes til januar? jeg "
                       "har fått jobb i desember.\nhamid")], matcher=matcher)
    assert store.thread(threads_of(store)["email:<h2@x>"]).person.name == "Hamid Ahmadi"  # type: ignore[union-attr]


def test_a_name_signed_in_the_same_batch_counts_when_the_batch_is_older_than_the_index(
        seeded: tuple[Store, InquiryMatcher]) -> None:
    """A batch of older messages than the names index has read (a connector catching up): the batch's own SMS,
    signed before the index's window, still identifies the address that writes with its name."""
    store, matcher = seeded
    store.ingest([mail("<z@x>", "x@example.org", 40 * 24, "Når kommer bostøtten?", name="Ola Olsen")],
                 matcher=matcher)
    store.ingest([sms("SM1", "+4795862440", -10 * 24, "Hei. Bjørn Ødegård her. Har fått ny konto i banken og vil "
                      "ha dagpengene dit fra neste utbetaling. Kontonr 1254.15.90836."),
                  mail("<b@x>", "bjorn.o@example.org", -10 * 24 + 8, "Skrev sms i dag om at jeg har byttet bank. "
                       "Nytt kontonummer er 1254.15.90836, dagpengene må gå dit.", name="Bjørn Ødegård")],
                 matcher=matcher)
    t = threads_of(store)
    assert t["email:<b@x>"] == t["sms:SM1"]
    joined = store.match_reasons(t["sms:SM1"])
    assert any(r.get("evidence", {}).get("identity") == "display name written in an earlier message"
               for r in joined.values())


COMPLAINT = ("Klage på vedtak om stans av arbeidsavklaringspenger. Eg klagar på vedtaket om stans av AAP frå 1. "
             "desember. Fastlegen min meiner eg framleis treng behandling.")


def test_a_reference_to_the_day_a_message_was_sent_finds_it_weeks_later(
        seeded: tuple[Store, InquiryMatcher]) -> None:
    """"Eg sende klage 2. november" thirteen days on: the complaint mailed that day, although the long pause alone
    would start a new inquiry, and a request about something else was sent in between."""
    store, matcher = seeded
    store.ingest([mail("<k@x>", "hege.lunde@example.no", 0, COMPLAINT),
                  mail("<b@x>", "hege.lunde@example.no", 5 * 24, "Kan eg få busskort til kurset i januar?")],
                 matcher=matcher)
    store.ingest([sms("SM1", "+4791111111", 13 * 24, "Eg sende klage på stansvedtaket 2. november. "
                      "Kan de stadfeste at klagen er motteken?")], matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM1"] == t["email:<k@x>"] != t["email:<b@x>"]
    dated = [r for r in store.match_reasons(t["sms:SM1"]).values()
             if "on the day that message was sent" in r.get("reason", "")]
    assert len(dated) == 1 and dated[0]["evidence"]["matched"] == "email:<k@x>"


def test_a_dated_reference_counts_only_when_one_inquiry_wrote_that_day_on_the_same_topic(
        seeded: tuple[Store, InquiryMatcher]) -> None:
    store, matcher = seeded
    store.ingest([mail("<k@x>", "hege.lunde@example.no", 0, COMPLAINT),
                  mail("<m@x>", "hege.lunde@example.no", 2, "Kan møtet på torsdag bli på telefon i staden?")],
                 matcher=matcher)
    # Two inquiries were mailed that day: the day alone does not say which; the evidence decides.
    store.ingest([sms("SM1", "+4791111111", 13 * 24, "Eg sende e-post 2. november. Kan de stadfeste at klagen "
                      "er motteken?")], matcher=matcher)
    # One inquiry wrote that day, on another subject: not joined for the day alone.
    store.ingest([sms("SM2", "+4792222222", 0, "Når kjem dagpengane for oktober?"),
                  sms("SM3", "+4792222222", 10 * 24, "Eg sende sms 2. november. Treng ny tolk til møtet.")],
                 matcher=matcher)
    t = threads_of(store)
    for thread in {t["sms:SM1"], t["sms:SM3"]}:
        assert not [r for r in store.match_reasons(thread).values()
                    if "on the day that message was sent" in r.get("reason", "")]
    assert t["sms:SM3"] != t["sms:SM2"]


def test_a_name_that_is_a_registered_persons_and_an_unknown_writers_is_the_registered_persons(
        seeded: tuple[Store, InquiryMatcher]) -> None:
    """A daughter mails from her own address under her father's name, then texts from an unknown number that she is
    "datter av Tor Vik": both writers carry the name, one of them registered. The SMS is his matter and joins
    the mail."""
    store, matcher = seeded
    store.ingest([mail("<f@x>", "hilde.datter@example.org", 0, "Jeg skriver på vegne av min far, Tor Vik. Han har "
                       "fått demens. Hvordan får jeg fullmakt til å snakke med dere om saken hans?", name="Tor Vik")],
                 matcher=matcher)
    store.ingest([sms("SM1", "+4799999999", 44, "Hilde Vik Berg her, datter av Tor Vik. Sendte e-post onsdag om "
                      "fullmakt for pappa. Kan noen ringe meg på dette nummeret?")], matcher=matcher)
    t = threads_of(store)
    assert t["sms:SM1"] == t["email:<f@x>"]
    view = store.thread(t["sms:SM1"])
    assert view.person is not None and view.person.name == "Tor Vik"
