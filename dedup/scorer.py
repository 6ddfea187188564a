"""Turning pair evidence into a calibrated probability, with the reasons.

A logistic regression over :data:`dedup.features.FEATURES`: small, explainable (each decision stores
the features that pushed it most), and refittable from labelled pairs (``inbox dedup train``). The
shipped weights were fitted on the labelled dev set plus the bundled demo labels.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dedup.features import FEATURES, PairEvidence

WEIGHTS_FILE = Path(__file__).with_name("weights.json")


@dataclass(frozen=True)
class PairScore:
    probability: float
    contributions: dict[str, float]  # feature → weight × value (log-odds)

    def top(self, n: int = 4) -> list[tuple[str, float]]:
        return sorted(self.contributions.items(), key=lambda kv: -abs(kv[1]))[:n]


@dataclass(frozen=True)
class Scorer:
    weights: dict[str, float]
    intercept: float
    means: dict[str, float]
    scales: dict[str, float]

    @classmethod
    def prior(cls) -> Scorer:
        """Hand-set weights from the evidence's meaning; used to collect the first training pairs."""
        zeros = dict.fromkeys(FEATURES, 0.0)
        return cls(
            zeros | {"cosine": 2.0, "refers_to_this_channel": 1.5, "followup": 0.8, "topic_jaccard": 1.0,
                     "new_topic": -1.5, "topic_conflict": -0.8, "shared_specifics": 0.7, "log_gap_hours": -0.5,
                     "same_conversation": 2.0, "names_its_day": 1.0},
            0.0, zeros | {"cosine": 0.85, "log_gap_hours": 3.0}, dict.fromkeys(FEATURES, 1.0) | {"cosine": 0.05},
        )

    @classmethod
    def load(cls, path: Path | None = None) -> Scorer:
        target = path or WEIGHTS_FILE
        if path is None and not target.exists():
            return cls.prior()
        data = json.loads(target.read_text(encoding="utf-8"))
        return cls(data["weights"], data["intercept"], data["means"], data["scales"])

    def save(self, path: Path, **meta: object) -> None:
        path.write_text(json.dumps({"features": list(FEATURES), "weights": self.weights, "intercept": self.intercept,
                                    "means": self.means, "scales": self.scales, **meta}, indent=2) + "\n",
                        encoding="utf-8")

    def score(self, ev: PairEvidence) -> PairScore:
        contrib = {
            f: self.weights.get(f, 0.0) * (ev.values[f] - self.means.get(f, 0.0)) / (self.scales.get(f, 1.0) or 1.0)
            for f in FEATURES
        }
        z = self.intercept + sum(contrib.values())
        return PairScore(1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z)))), contrib)

    @classmethod
    def fit(cls, X: Sequence[Sequence[float]], y: Sequence[int], *, c: float = 1.0) -> Scorer:
        """Fit on standardised features (sklearn's LogisticRegression, L2, balanced classes)."""
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        arr = np.asarray(X, dtype=float)
        means = arr.mean(axis=0)
        scales = arr.std(axis=0)
        scales[scales == 0] = 1.0
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        model.fit((arr - means) / scales, np.asarray(y))
        return cls(
            {f: float(w) for f, w in zip(FEATURES, model.coef_[0], strict=True)},
            float(model.intercept_[0]),
            {f: float(m) for f, m in zip(FEATURES, means, strict=True)},
            {f: float(s) for f, s in zip(FEATURES, scales, strict=True)},
        )
