"""Each inbound message's language is recorded with its grouping decision and shown by `inbox show`;
it never splits an inquiry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.language import language
from flerkanal.cli import cli


@pytest.mark.parametrize(("text", "code"), [
    ("Hei, jeg har ikke fått pengene for meldekortet mitt ennå. Når kommer de?", "no"),
    ("Eg sende meldekortet på tysdag, men har ikkje fått svar frå dykk enno.", "no"),
    ("Hello, I still have not received the money for my employment card. When will it come?", "en"),
    ("Dzień dobry, nadal nie otrzymałem pieniędzy za kartę meldunkową. Kiedy przyjdą?", "pl"),
    ("مرحبا، لم أستلم المال حتى الآن. متى سيصل؟ شكرا لكم", "ar"),
    ("ሰላም፡ ገንዘብ ገና ኣይበጽሓንን", "ti"),
    ("hallo?", "und"),
])
def test_language_of_a_message(text: str, code: str) -> None:
    assert language(text) == code


def test_show_prints_each_messages_language(tmp_path: Path, demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the hashing model: the embedding matcher end to end without loading a model, resolved by the registry
    monkeypatch.setenv("INBOX_MODEL", "hashing")
    db = f"sqlite:///{tmp_path / 'x.db'}"

    def run(*args: str) -> str:
        r = CliRunner().invoke(cli, ["--db", db, "--user", "ola", "--matcher", "embedding", *args],
                               catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return r.stdout

    run("init")
    run("ingest", *(str(demo_dir / f) for f in ("sms.json", "mail.mbox", "dialog.json")))
    queue = json.loads(run("queue", "--json", "--limit", "500"))
    langs: dict[str, int] = {}
    for entry in queue:
        shown = json.loads(run("show", str(entry["thread"]), "--json"))
        for m in shown["messages"]:
            if m["direction"] == "in":
                code = m["match"]["evidence"]["language"]
                langs[code] = langs.get(code, 0) + 1
                assert f"#{m['id']} {m['channel']} · " in (text := run("show", str(entry["thread"])))
                assert f"· {code}" in text
    assert langs.get("no", 0) > 20 and len(langs) >= 3  # the demo set is mostly Norwegian, with others beside
