"""The fast path: a static model distilled offline from the default one, with its own scorer weights,
scores within one point of the default model on the dev set (and keeps its precision)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup.batch import MemoryContext, group_messages
from dedup.evaluate import evaluate, read_labels
from dedup.matcher import InquiryMatcher, MatcherConfig
from dedup.models import FAST_MODEL, ModelSpec, StaticEmbedder, fast_model_dir, weights_file
from dedup.train import LabelledSet

pytestmark = pytest.mark.slow  # distils the model on first use (a few minutes), then it is cached


def _f1(folder: Path, matcher: InquiryMatcher) -> Any:
    ctx = MemoryContext()
    ctx.load_contacts(folder / "contacts.csv")
    rows = group_messages(LabelledSet(folder).messages(), matcher, ctx)
    return evaluate(read_labels(folder / "labels.csv"), {r.key: r.group for r in rows})


def test_fast_model_is_within_a_point_of_the_default_on_the_dev_set(dev_dir: Path, embedder: Any) -> None:
    spec = ModelSpec(FAST_MODEL)
    fast = _f1(dev_dir, InquiryMatcher(spec.embedder(), spec.scorer(), MatcherConfig(threshold=spec.threshold())))
    default = _f1(dev_dir, InquiryMatcher(embedder))
    assert weights_file(FAST_MODEL).name == "weights-fast.json"
    assert fast.pair_precision >= 0.95 and fast.cross_person_merges == 0
    assert fast.pair_f1 >= default.pair_f1 - 0.01, (fast.as_dict(), default.as_dict())


def test_fast_model_is_cached_and_offline() -> None:
    e = ModelSpec(FAST_MODEL).embedder()
    assert isinstance(e, StaticEmbedder)
    v = e.embed(["Hei, har dere fått meldekortet mitt?", "Har dere mottatt meldekortet?", "Når er møtet?"])
    assert v.shape == (3, 256) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])
    assert (fast_model_dir() / "config.json").is_file()
