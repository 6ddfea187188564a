"""Distil the fast static model from the default one, over a trimmed vocabulary.

model2vec's recipe embeds every token of the tokenizer's vocabulary with one forward pass of the
transformer (``<s> token </s>``, mean-pooled), fits a PCA over those vectors and weights each token by
SIF over its Zipf rank. The default model's XLM-R vocabulary has 250,002 pieces in a hundred languages,
so that costs about five minutes of two idle cores (25 on busy ones) and over 4 GB of memory.

An office reads Norwegian, English and the minority languages written in Latin, Cyrillic, Arabic and
Ethiopic script, so only those pieces are distilled, and of them only the ``TOP_PIECES`` most frequent
(the Unigram model's own log-probabilities are its frequency list), plus every single character of any
script. The tokenizer is pruned to the same pieces: a rarer word is cut into the shorter kept pieces it
is made of (the Unigram model re-segments it), and no character that the full vocabulary knows becomes
unknown. Each kept piece's vector and SIF weight are exactly what the full recipe gives it (the weight
from its rank in the full vocabulary); only the PCA is fitted over the kept pieces.

The forward passes run in chunks, so a caller can show progress and memory stays small.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["OFFICE_SCRIPTS", "RECIPE", "TOP_PIECES", "distil_trimmed", "kept_pieces", "trimmed_tokenizer"]

#: Unicode script names (the first word of a character's name) whose pieces are distilled.
OFFICE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "ARABIC", "ETHIOPIC"})
#: How many multi-character pieces of the office scripts are kept, most frequent first.
TOP_PIECES = 20_000
#: Names the recipe in the cache folder's name: change it whenever the distilled vectors would change.
RECIPE = f"top{TOP_PIECES // 1000}k"
#: East Asian scripts, whose thousands of single characters are words: not kept as single characters.
_LOGOGRAPHIC = frozenset({"CJK", "HANGUL", "HIRAGANA", "KATAKANA", "BOPOMOFO", "YI", "UNKNOWN"})
_CHUNK = 2048
_METASPACE = "\u2581"
_SIF = 1e-4


def _script(ch: str) -> str:
    """``COMMON`` for digits, punctuation, symbols (emoji) and spaces; else its name's first word."""
    if unicodedata.category(ch)[0] in "NPSZ":
        return "COMMON"
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def kept_pieces(vocab: list[tuple[str, float]], specials: set[str], top: int = TOP_PIECES) -> list[int]:
    """The ids (in the full vocabulary, ascending) of the pieces the trimmed model keeps.

    ``vocab`` is the Unigram vocabulary: ``(piece, log-probability)`` in id order.
    """
    keep: set[int] = set()
    ranked: list[tuple[float, int]] = []
    for i, (piece, score) in enumerate(vocab):
        text = piece.replace(_METASPACE, "")
        if piece in specials or (len(text) <= 1 and (not text or _script(text) not in _LOGOGRAPHIC)):
            keep.add(i)
        elif {_script(ch) for ch in text} - {"COMMON"} <= OFFICE_SCRIPTS:
            ranked.append((-score, i))
    ranked.sort()
    keep.update(i for _, i in ranked[:top])
    return sorted(keep)


def trimmed_tokenizer(tokenizer_json: str, top: int = TOP_PIECES) -> tuple[str, list[int]]:
    """The Unigram ``tokenizer.json`` pruned to :func:`kept_pieces`, and the kept pieces' full ids.

    Added tokens missing from the kept vocabulary (``<mask>``) and the post-processor (``<s> … </s>``) go,
    as in model2vec's own recipe.
    """
    data = json.loads(tokenizer_json)
    model = data["model"]
    if model.get("type") != "Unigram":
        raise ValueError(f"expected a Unigram tokenizer, not {model.get('type')}")
    vocab = [(str(p), float(s)) for p, s in model["vocab"]]
    specials = {str(t["content"]) for t in data.get("added_tokens", [])}
    keep = kept_pieces(vocab, specials, top)
    new_id = {old: new for new, old in enumerate(keep)}
    model["vocab"] = [list(vocab[i]) for i in keep]
    if model.get("unk_id") is not None:
        model["unk_id"] = new_id[int(model["unk_id"])]
    data["added_tokens"] = [{**t, "id": new_id[int(t["id"])]} for t in data.get("added_tokens", [])
                            if int(t["id"]) in new_id]
    data["post_processor"] = None
    data["padding"] = None
    data["truncation"] = None
    return json.dumps(data, ensure_ascii=False), keep


def distil_trimmed(source: Path, pca_dims: int, *, top: int = TOP_PIECES, device: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Any:
    """A model2vec ``StaticModel`` distilled from the sentence-transformers model at ``source``.

    ``progress(done, total)`` is called after each chunk of forward passes.
    """
    full = json.loads((source / "tokenizer.json").read_text(encoding="utf-8"))
    trimmed, ids = trimmed_tokenizer(json.dumps(full), top)
    raw = embed_pieces(source, ids, device=device, progress=progress)
    return static_model(raw, ids, trimmed, len(full["model"]["vocab"]), pca_dims, source.name)


def embed_pieces(source: Path, ids: list[int], *, device: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> npt.NDArray[np.float32]:
    """One forward pass of ``<s> piece </s>`` per piece id, mean-pooled: model2vec's token vectors."""
    from model2vec.distill.inference import create_embeddings
    from transformers import AutoModel

    specials = {str(t["content"]): int(t["id"]) for t in
                json.loads((source / "tokenizer.json").read_text(encoding="utf-8")).get("added_tokens", [])}
    prefix = [specials["<s>"]] if "<s>" in specials else []
    suffix = [specials["</s>"]] if "</s>" in specials else []
    model = AutoModel.from_pretrained(str(source))
    chunks = []
    for start in range(0, len(ids), _CHUNK):
        batch = [[*prefix, i, *suffix] for i in ids[start:start + _CHUNK]]
        chunks.append(create_embeddings(model, batch, device or "cpu", pad_token_id=specials.get("<pad>", 0))
                      .astype(np.float32))
        if progress is not None:
            progress(min(start + _CHUNK, len(ids)), len(ids))
    return np.concatenate(chunks)


def static_model(raw: npt.NDArray[np.float32], ids: list[int], tokenizer_json: str, full_size: int,
                 pca_dims: int, base_name: str) -> Any:
    """The static model over the pieces ``ids`` (full-vocabulary ids) whose raw vectors are ``raw``:
    PCA, SIF weights by each piece's Zipf rank in the full vocabulary (as the full recipe weights it),
    float16."""
    from model2vec import StaticModel
    from model2vec.distill.inference import apply_pca, compute_weights
    from model2vec.quantization import DType, quantize_embeddings
    from tokenizers import Tokenizer

    weights = compute_weights(full_size, sif_coefficient=_SIF)[ids]
    vectors = quantize_embeddings(apply_pca(raw, pca_dims) * weights[:, None], DType.Float16)
    config = {"model_type": "model2vec", "architectures": ["StaticModel"], "tokenizer_name": base_name,
              "apply_pca": pca_dims, "sif_coefficient": _SIF, "hidden_dim": int(vectors.shape[1]),
              "seq_length": 1_000_000, "normalize": True, "pooling": "mean", "flerkanal_recipe": RECIPE}
    return StaticModel(vectors=vectors, tokenizer=Tokenizer.from_str(tokenizer_json), config=config,
                       base_model_name=base_name, normalize=True)
