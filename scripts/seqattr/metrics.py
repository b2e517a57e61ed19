"""How well an attribution map matches the ground truth of synthetic data (paper 004 Methods, paper 002 §3).

Every function takes whole arrays — maps ``G`` and one-hot ``x`` of shape (N, L, 4), the
ground-truth sequence model ``M`` (N, L, 4) — and returns one value per sequence or position.

* Score per position: grad × input, ``C = Σ_a G·x``.
* Information of the ground truth: ``I = 2 + Σ_a M log2 M`` (0·log 0 = 0). Positive positions
  have ``I > 0.1``, negative ones ``I = 0`` (below ``NEGATIVE_INFORMATION``); positions in
  between (weak motif columns) are in neither class.
* Interpretability AUROC / AUPR per sequence: ``C`` at positive against negative positions, the
  values of sklearn ``roc_auc_score`` / ``average_precision_score`` computed for all sequences at
  once (a per-sequence sklearn loop takes seconds per thousand sequences); nan when a class is empty.
* Cosine similarity per sequence of the flattened (L·4) map with ``M − 0.25``.
* Attribution SNR (paper 002): mean ``C`` at positive positions divided by the mean of the 10
  highest *false-positive* scores, i.e. positive ``C`` at negative positions, per sequence (as
  the lab's tfomics ``signal_noise_stats`` selects them). Paper 002 does not say how a map becomes
  one score per position; its wording (signal = "average attribution scores", noise = "the top
  10 highest false-positive attribution scores", motivated by discoveries "based on positive
  attribution scores") asks for a signed score, so the same grad × input ``C`` as the AUROC is
  used, not an L2 norm. A background score ≤ 0 is no false positive and never enters the noise
  (averaged in, negative scores shrink the noise and can inflate one sequence's SNR a
  thousandfold). With fewer than 10 false positives the noise is the mean of those there are; with
  none the ratio is nan (no noise to divide by).
* Per-position cosine of ``G_l`` with ``M_l − 0.25`` (paper 001 Fig. 3c, 004 Figs. S2/S5): the
  improvement by correction, cos(correct(G_l), m_l) − cos(G_l, m_l), is bounded by
  ``1 − cos α`` (``improvement_envelope``) because ``m_l`` lies in the simplex plane.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

POSITIVE_INFORMATION = 0.1
NEGATIVE_INFORMATION = 1e-6
SNR_TOP = 10


def grad_times_input(G: np.ndarray, x: np.ndarray) -> np.ndarray:
    """One score per position, Σ_a G·x: (N, L)."""
    return np.einsum("nla,nla->nl", np.asarray(G, np.float64), np.asarray(x, np.float64))


def information(M: np.ndarray) -> np.ndarray:
    """Information content in bits of each ground-truth column, log2 A + Σ_a M log2 M (2 + … for DNA): (N, L)."""
    M = np.asarray(M, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(M > 0, M * np.log2(M), 0.0)
    return np.log2(M.shape[-1]) + terms.sum(axis=-1)


def position_classes(info: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (N, L) of positive (I > 0.1) and negative (I ≈ 0) positions."""
    return info > POSITIVE_INFORMATION, info < NEGATIVE_INFORMATION


def interpretability_auc(
    scores: np.ndarray, positives: np.ndarray, negatives: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-sequence AUROC and AUPR of ``scores`` (N, L) at positive against negative positions.

    The values of sklearn's ``roc_auc_score`` and ``average_precision_score`` on each row
    (ties included), computed for all rows at once: AUROC from the Mann–Whitney rank sum; AUPR
    as the mean over positives of the precision at the lowest score of the positive's tie group.
    """
    values = np.where(positives | negatives, np.asarray(scores, dtype=np.float64), np.nan)
    n_pos, n_neg = positives.sum(axis=1), negatives.sum(axis=1)
    defined = (n_pos > 0) & (n_neg > 0)
    ranks = rankdata(values, axis=1, nan_policy="omit")  # ascending, ties averaged, excluded → nan
    with np.errstate(divide="ignore", invalid="ignore"):
        auroc = (np.where(positives, ranks, 0).sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
        order = np.argsort(-values, axis=1, kind="stable")  # highest first, excluded (nan) last
        ranked = np.take_along_axis(values, order, axis=1)
        is_pos = np.take_along_axis(positives, order, axis=1)
        columns = np.arange(values.shape[1])
        precision = np.cumsum(is_pos, axis=1) / (columns + 1)
        group_end = np.ones(values.shape, dtype=bool)
        group_end[:, :-1] = ranked[:, :-1] != ranked[:, 1:]
        ends = np.minimum.accumulate(np.where(group_end, columns, len(columns))[:, ::-1], axis=1)[:, ::-1]
        aupr = (is_pos * np.take_along_axis(precision, ends, axis=1)).sum(axis=1) / n_pos
    return np.where(defined, auroc, np.nan), np.where(defined, aupr, np.nan)


def _cosine(a: np.ndarray, b: np.ndarray, axes) -> np.ndarray:
    """Cosine of a and b summed over ``axes``; nan where either vector is zero."""
    dot = (a * b).sum(axis=axes)
    norms = np.sqrt((a * a).sum(axis=axes) * (b * b).sum(axis=axes))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norms > 0, dot / norms, np.nan)


def cosine_similarity(G: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Per-sequence cosine similarity of the whole map with the ground-truth importance M − 0.25: (N,)."""
    return _cosine(np.asarray(G, np.float64), np.asarray(M, np.float64) - 0.25, axes=(1, 2))


def position_cosine(G: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Per-position cosine of G_l with M_l − 0.25: (N, L); nan where M_l is uniform or G_l is zero."""
    return _cosine(np.asarray(G, np.float64), np.asarray(M, np.float64) - 0.25, axes=-1)


def improvement_envelope(angle: np.ndarray) -> np.ndarray:
    """The largest per-position cosine improvement a correction can bring at angle α (degrees): 1 − cos α."""
    return 1 - np.cos(np.radians(angle))


def attribution_snr(scores: np.ndarray, positives: np.ndarray, negatives: np.ndarray, top: int = SNR_TOP) -> np.ndarray:
    """Per-sequence mean score at positive positions over the mean of the ``top`` highest false positives: (N,).

    False positives are the scores > 0 at negative positions; fewer than ``top`` are averaged as
    they are, none gives nan.
    """
    scores = np.asarray(scores, dtype=np.float64)
    false_positives = negatives & (scores > 0)
    n_pos = positives.sum(axis=1)
    k = np.minimum(false_positives.sum(axis=1), top)
    with np.errstate(divide="ignore", invalid="ignore"):
        signal = np.where(positives, scores, 0.0).sum(axis=1) / n_pos
        highest = -np.sort(-np.where(false_positives, scores, 0.0), axis=1)[:, :top]  # beyond the k-th: zeros
        noise = highest.sum(axis=1) / k
        return np.where((n_pos > 0) & (k > 0), signal / noise, np.nan)


def ground_truth_metrics(G: np.ndarray, x: np.ndarray, M: np.ndarray) -> dict[str, np.ndarray]:
    """Per-sequence ``auroc``, ``aupr``, ``cosine`` and ``snr`` of one map against the ground truth."""
    scores = grad_times_input(G, x)
    positives, negatives = position_classes(information(M))
    auroc, aupr = interpretability_auc(scores, positives, negatives)
    return {
        "auroc": auroc,
        "aupr": aupr,
        "cosine": cosine_similarity(G, M),
        "snr": attribution_snr(scores, positives, negatives),
    }
