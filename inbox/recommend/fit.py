"""Fitting the policy's factor weights to labelled cases, and writing them back into the policy TOML.

The suggestion is linear: a channel's score is the sum of the weights of the factors found in the case
(``weights = { channel = w, target = w }`` in ``[factors.NAME]``). Detection does not depend on the weights,
so the signals of every case are found once (:func:`case_signals`) and the weights are fitted on them:
a softmax over the six channels, the loss the negative log of the probability given to the case's
``best`` and ``acceptable`` channels (and, as strongly, to ``best`` alone), plus an L2 pull towards the
hand-set weights the research gave (``prior``), so a factor seen in few cases stays near its research
value. Only the weights the research set are tuned, within their sign: a factor keeps the channels it
speaks for and against, and the fit says how strongly (``fit = false`` keeps a factor's weights as set).
The fitted weights are rounded to 0.1 and written into the same TOML lines a team reads and tunes
(:func:`write_weights`); the research's hand-set weights stay beside them as ``prior = {...}`` (what the
next fit starts from and is pulled towards), and comments, texts and phrase lists stay as they were.

Validation that means something fits on one hand's cases and scores on another's: ``inbox recommend fit
A.jsonl B.jsonl ...`` fits on all files but one and scores that one, for each file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from inbox.domain import ReplyChannel
from inbox.recommend.cases import Case
from inbox.recommend.detect import detect_signals
from inbox.recommend.model import TARGET, Signal
from inbox.recommend.policy import Policy
from inbox.recommend.scoring import _apply_rules, rank
from inbox.recommend.semantic import SemanticMatcher

__all__ = ["FitResult", "case_signals", "file_weights", "fit_weights", "hits", "with_weights", "write_weights"]

CHANNELS = tuple(ReplyChannel)
KEYS = tuple(c.value for c in CHANNELS) + (TARGET,)


def case_signals(cases: Sequence[Case], policy: Policy, semantic: SemanticMatcher | None) -> list[list[Signal]]:
    """The signals of each case, before the policy's rules (which :func:`inbox.recommend.scoring.rank` applies)."""
    return [detect_signals(c.thread, c.profile, c.relationship, c.load, policy, semantic) for c in cases]


def hits(cases: Sequence[Case], signals: Sequence[Sequence[Signal]], policy: Policy) -> int:
    """How many cases' first channel is in ``best`` or ``acceptable`` under ``policy``'s weights."""
    n = 0
    for case, sig in zip(cases, signals, strict=True):
        exp = case.expected
        if exp is not None and rank(sig, case.thread, policy).best in (*exp.best, *exp.acceptable):
            n += 1
    return n


def file_weights(sizes: Sequence[int]) -> list[float]:
    """Per-case weights that give each file (each hand) the same say: a file of n cases weighs 1/n per case,
    scaled so the weights sum to the number of cases."""
    total, files = sum(sizes), len([n for n in sizes if n])
    return [total / (files * n) for n in sizes for _ in range(n)] if total else []


@dataclass(frozen=True, slots=True)
class FitResult:
    weights: dict[str, dict[str, float]]  # factor -> key (channel or "target") -> weight
    loss: float
    train_hits: int
    cases: int


def _design(
    cases: Sequence[Case], signals: Sequence[Sequence[Signal]], policy: Policy, params: dict[tuple[str, str], int]
) -> tuple[list[npt.NDArray[np.float64]], list[npt.NDArray[np.bool_]], list[npt.NDArray[np.bool_]]]:
    """Per case: a channels x params matrix (scores = A @ w), and the hit and best channel masks."""
    mats, ok, best = [], [], []
    for case, sig in zip(cases, signals, strict=True):
        exp = case.expected
        if exp is None:
            continue
        a = np.zeros((len(CHANNELS), len(params)))
        for s in _apply_rules(list(sig), policy):
            if s.suppressed_by or s.name not in policy.factors:
                continue
            for ci, ch in enumerate(CHANNELS):
                if (s.name, ch.value) in params:
                    a[ci, params[(s.name, ch.value)]] += 1.0
                if s.target is ch and (s.name, TARGET) in params:
                    a[ci, params[(s.name, TARGET)]] += 1.0
        mats.append(a)
        ok.append(np.asarray([c in (*exp.best, *exp.acceptable) for c in CHANNELS]))
        best.append(np.asarray([c in exp.best for c in CHANNELS]))
    return mats, ok, best


def fit_weights(
    cases: Sequence[Case],
    signals: Sequence[Sequence[Signal]],
    policy: Policy,
    *,
    l2: float = 0.15,
    exact_weight: float = 1.0,
    case_weights: Sequence[float] | None = None,
) -> FitResult:
    """Weights for every factor of ``policy`` fitted to the labelled ``cases`` (see the module text).
    ``case_weights`` (one per labelled case, default 1) let each file count alike however long it is."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]  # scikit-learn brings scipy

    # Only the weights the research set are tuned, and none changes sign: a factor keeps the channels it
    # speaks for and against, and the fit says how strongly.
    keys = [
        (f, k) for f, rule in policy.factors.items() for k in KEYS if rule.fit and rule.prior.get(k, 0.0) != 0.0
    ]
    params = {fk: i for i, fk in enumerate(keys)}
    prior = np.asarray([policy.factors[f].prior[k] for f, k in keys])
    bounds = [(0.0, None) if w > 0 else (None, 0.0) for w in prior]
    mats, ok, best = _design(cases, signals, policy, params)
    labelled = [c for c in cases if c.expected is not None]
    cw = list(case_weights) if case_weights is not None else [1.0] * len(labelled)
    if len(cw) != len(mats):
        raise ValueError("case_weights needs one weight per labelled case")

    def loss(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        d = w - prior
        total = l2 * float(d @ d)
        grad = 2 * l2 * d
        for a, hit, ex, c in zip(mats, ok, best, cw, strict=True):
            z = a @ w
            z = z - z.max()
            p = np.exp(z)
            p /= p.sum()
            for mask, weight in ((hit, c), (ex, c * exact_weight)):
                pm = p[mask].sum()
                total -= weight * float(np.log(pm + 1e-12))
                q = np.where(mask, p, 0.0) / (pm + 1e-12)  # d(-log pm)/dz = p - q
                grad += weight * (a.T @ (p - q))
        return total, grad

    res = minimize(loss, prior.copy(), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 500})
    w = np.round(res.x, 1)
    out: dict[str, dict[str, float]] = {f: dict(r.prior) for f, r in policy.factors.items() if not r.fit}
    out.update({f: {} for f, r in policy.factors.items() if r.fit})
    for (f, k), i in params.items():
        out[f][k] = float(w[i])  # kept even at 0, so the line still shows the channel the research named
    fitted = with_weights(policy, out)
    return FitResult(out, float(res.fun), hits(cases, signals, fitted), len(labelled))


def with_weights(policy: Policy, weights: Mapping[str, Mapping[str, float]]) -> Policy:
    """``policy`` with the factors' weights replaced (factors not named keep theirs)."""
    from dataclasses import replace

    factors = {
        name: replace(rule, weights=dict(weights[name])) if name in weights else rule
        for name, rule in policy.factors.items()
    }
    return replace(policy, factors=factors)


_SECTION = re.compile(r"^\[factors\.([A-Za-z0-9_]+)\]\s*$")
_WEIGHTS = re.compile(r"^weights\s*=\s*\{.*\}\s*(#.*)?$")


def _inline(weights: Mapping[str, float]) -> str:
    order = {k: i for i, k in enumerate(KEYS)}
    items = sorted(weights.items(), key=lambda kv: order.get(kv[0], 99))
    return "{ " + ", ".join(f"{k} = {v:g}" for k, v in items) + " }"


_FITTED = "# weights fitted by `inbox recommend fit`"


def write_weights(toml_text: str, weights: Mapping[str, Mapping[str, float]], note: str = "") -> str:
    """The policy TOML with each ``[factors.NAME]``'s ``weights = {...}`` line replaced by the fitted one;
    everything else (comments, texts, phrase lists) is kept. ``note`` (say, which cases) goes into one
    comment line before the first factor, ``# weights fitted by `inbox recommend fit` ...``."""
    out = []
    section = ""
    noted = False
    lines = toml_text.splitlines(keepends=True)
    for n, line in enumerate(lines):
        if note and line.startswith(_FITTED):
            continue  # the previous fit's note: replaced below
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
            if note and not noted:
                out.append(f"{_FITTED} {note}\n")
                noted = True
        elif line.startswith("["):
            section = ""
        if section in weights and _WEIGHTS.match(line.strip()):
            end = "\n" if line.endswith("\n") else ""
            following = lines[n + 1] if n + 1 < len(lines) else ""
            out.append(f"weights = {_inline(weights[section])}{end or chr(10)}")
            if not following.startswith("prior"):  # keep the research's weights the fit starts from
                line = "prior = " + line.strip().split("=", 1)[1].split("#", 1)[0].strip() + end
            else:
                continue
        out.append(line)
    return "".join(out)
