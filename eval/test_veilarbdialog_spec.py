"""Conformance with Nav's published veilarbdialog API (specs/veilarbdialog in the shared folder).

The tests use an excerpt of the schema committed in tests/connectors/veilarbdialog/; here it is checked
against the published schema, and the connector's query and the loopback server's DTOs are checked
against the published schema itself."""

from __future__ import annotations

from pathlib import Path

from connectors.activity_plan import DIALOGER_QUERY
from flerkanal.demo import DEMO_DIR
from tests.connectors.dialog_server import SCHEMA_PATH, FakeDialog, Schema, selection, unknown_fields


def test_the_committed_excerpt_is_the_published_schema(veilarbdialog_schema: Path) -> None:
    published, excerpt = Schema.load(veilarbdialog_schema), Schema.load(SCHEMA_PATH)
    for name, fields in excerpt.types.items():
        if name == "Query":
            assert set(fields) == {"dialoger"}
            assert fields["dialoger"] == published.types["Query"]["dialoger"]
        else:
            assert fields == published.types[name], name
    for name, values in excerpt.enums.items():
        assert values == published.enums[name], name
    assert excerpt.scalars <= published.scalars
    assert {"DialogDTO", "HenvendelseDTO"} <= set(excerpt.types)


def test_the_query_uses_only_fields_of_the_published_schema(veilarbdialog_schema: Path) -> None:
    schema = Schema.load(veilarbdialog_schema)
    sel = selection(DIALOGER_QUERY, "dialoger")
    assert unknown_fields(schema, sel, "DialogDTO") == []
    assert set(sel["henvendelser"]) == set(schema.types["HenvendelseDTO"])
    assert schema.types["Query"]["dialoger"].name == "DialogDTO"


def test_the_loopback_server_sends_published_dtos(veilarbdialog_schema: Path) -> None:
    """What the tests' fake veilarbdialog serves: the bundled demo dump, and the dialogues and messages it
    creates when the connector writes."""
    schema = Schema.load(veilarbdialog_schema)
    fake = FakeDialog()
    fake.load(DEMO_DIR / "dialog.json")
    fnr = next(iter(fake.persons))
    fake.add_henvendelse(fnr, None, "Husk møtet tirsdag.", avsender="VEILEDER", overskrift="Møte",
                         avsender_id="Z990001")
    fake.add_henvendelse(fnr, fake.persons[fnr].dialoger[0]["id"], "Takk, jeg kommer.")
    dialogs = [d for p in fake.persons.values() for d in p.dialoger]
    assert len(dialogs) > 10
    problems = [p for d in dialogs for p in schema.problems(d, "DialogDTO")]
    assert problems == []
