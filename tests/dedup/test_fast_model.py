"""The fast path: a static model distilled offline from the default one, cached and offline.

That it scores within two points of the default model on the dev set (and keeps its precision) is checked
by `make eval` (eval/test_dedup_dev.py)."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.models import FAST_MODEL, ModelSpec, StaticEmbedder, fast_model_dir

pytestmark = pytest.mark.slow  # distils the model on first use (about a minute on 2 idle cores), then it is cached


def test_fast_model_is_cached_and_offline() -> None:
    e = ModelSpec(FAST_MODEL).embedder()
    assert isinstance(e, StaticEmbedder)
    v = e.embed(["Hei, har dere fått meldekortet mitt?", "Har dere mottatt meldekortet?", "Når er møtet?"])
    assert v.shape == (3, 256) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])
    assert (fast_model_dir() / "config.json").is_file()
