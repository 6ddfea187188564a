"""The generator's words in synth/data/: complete for every language, and only slots the generator fills."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest

from synth import texts

# The slots the generator fills (synth.state.Run._slots and _slot_pool, the person, and reminders' when/where).
SLOTS = {
    "weekday", "weekday_nn", "weekday_en", "time", "time_en", "course", "course_en", "job", "job_en",
    "employer", "employer_en", "amount", "veileder", "veileder_id", "office", "month", "month_en",
    "prev_month", "prev_month_en", "weeks", "weeks_en", "first", "name", "lang", "short", "date", "date_en",
    "when", "where",
}
LANGS = ("nb", "nn", "en")


def _strings(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, list):
        for n, item in enumerate(node):
            yield from _strings(item, f"{where}[{n}]")
    elif isinstance(node, dict):
        for key, item in node.items():
            if key != "about":
                yield from _strings(item, f"{where}.{key}")


@pytest.mark.parametrize("name", ["intents.json", "phrases.json", "names.json"])
def test_templates_use_only_slots_the_generator_fills(name: str) -> None:
    data = json.loads(files("synth").joinpath("data", name).read_text(encoding="utf-8"))
    found = 0
    for where, text in _strings(data, name):
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        assert fields <= SLOTS, f"{where}: unknown slot(s) {sorted(fields - SLOTS)}"
        found += bool(fields)
    if name != "names.json":
        assert found > 20  # the walk saw the templates


def test_every_intent_speaks_every_language() -> None:
    assert list(texts.TOPICS) == list(texts.TOPIC_KEYS) and len(texts.TOPICS) == 9
    for topic in texts.TOPICS.values():
        assert set(topic.short) == {"nb", "nn", "en", "pl", "uk"}, topic.key
        assert texts.BY_TOPIC[topic.key], f"{topic.key} has no intents"
    for intent in texts.INTENTS:
        assert intent.topic in texts.TOPICS
        for kind in (intent.ask, intent.sms, intent.subj):
            assert all(kind[lang] for lang in LANGS), intent.topic
        assert set(intent.ctx) == set(LANGS), intent.topic
        assert intent.rep["nb"] and intent.rep["en"], intent.topic
    for lang in ("pl", "uk"):
        assert set(texts.FOREIGN[lang]) == {"ask", "sms", "subj", "follow", "thanks", "greet", "close"}
    assert all(isinstance(v, tuple) for v in texts.GREET.values())  # drawn by index: tuples, in file order
