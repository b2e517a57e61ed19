"""The ensemble proxy for ground truth in vivo (paper 004, Methods, "Quantifying interpretability on ChIP-seq data").

Per TF and base model, a population of saliency maps of the same test sequences (paper: 10
first-layer filter counts × 5 seeds). The ensemble map E is their mean. Per position, the L2
distance of a member's map G_i to E is taken before correction, d_before = ‖G_i − E‖, and
after, d_after = ‖correct(G_i) − E‖, and the "ensemble difference reduction" of the positions in
each 5° bin of G_i's angle to the simplex is 1 − mean(d_after) / mean(d_before). That ratio of means
is at most 1 and weighs each position by its d_before; a mean of per-position ratios
1 − d_after / d_before is unbounded below, and one position with a tiny d_before can decide a bin.

E is the mean of the *uncorrected* maps in both distances. The paper defines a single
ensemble-average vector S_ens and compares the corrected individual vector against it
("ΔS = S_i − S_ens … before and after the correction"); the published analysis does the same
(GradientCorrection, analysis/2_evaluate_models_chipseq.py: ``dispersion(adj_scores,
ensemble_scores)`` with ``ensemble_scores`` the average of the raw saliency maps). So the
reduction can be negative where the ensemble itself sits off the simplex.
"""

from __future__ import annotations

import os
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from seqattr import claims
from seqattr.correction import THRESHOLDS, angles, correct
from seqattr.correction import large_angle_fractions as per_sequence_fractions
from seqattr.data import DatasetError, read_h5


def ensemble_map(maps: Iterable[np.ndarray]) -> np.ndarray:
    """Mean of a population of (N, L, 4) maps (an iterable, so members can be read one at a time)."""
    total, count = None, 0
    for member in maps:
        total = np.asarray(member, np.float64) if total is None else total + member
        count += 1
    if count == 0:
        raise ValueError("an ensemble needs at least one map")
    return (total / count).astype(np.float32)


def distances_to_ensemble(member: np.ndarray, ensemble: np.ndarray) -> np.ndarray:
    """Per-position L2 distance (N, L) between a member's map and the ensemble map."""
    return np.linalg.norm(np.asarray(member, np.float64) - ensemble, axis=-1).astype(np.float32)


def member_distances(member: np.ndarray, ensemble: np.ndarray) -> dict[str, np.ndarray]:
    """d_before, d_after (both against the uncorrected ensemble) and the member's angles, each (N, L)."""
    return {
        "d_before": distances_to_ensemble(member, ensemble),
        "d_after": distances_to_ensemble(correct(member), ensemble),
        "angles": np.asarray(angles(member), np.float32),
    }


def _reduction(after, before):
    """1 − after / before, elementwise, for totals (or means) of d_after and d_before; nan where before is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(before > 0, 1 - after / before, np.nan)


def overall_reduction(d_before: np.ndarray, d_after: np.ndarray) -> float:
    """Ensemble difference reduction over every position, 1 − mean(d_after) / mean(d_before)."""
    return float(_reduction(np.sum(d_after, dtype=np.float64), np.sum(d_before, dtype=np.float64)))


def difference_reduction(
    d_before: np.ndarray, d_after: np.ndarray, member_angles: np.ndarray, bin_width: float = 5
) -> pd.DataFrame:
    """1 − mean(d_after) / mean(d_before) over the positions of each angle bin over [−90°, 90°].

    Every position counts, also one where d_before is 0 (member equals the ensemble). Every bin is
    listed; an empty one, or one whose mean d_before is 0, has a NaN reduction.
    """
    d_before, d_after, member_angles = (np.ravel(a) for a in (d_before, d_after, member_angles))
    edges = np.arange(-90, 90 + bin_width, bin_width, dtype=float)
    index = np.clip(np.digitize(member_angles, edges) - 1, 0, len(edges) - 2)
    count = np.bincount(index, minlength=len(edges) - 1)
    before = np.bincount(index, weights=d_before, minlength=len(edges) - 1)
    after = np.bincount(index, weights=d_after, minlength=len(edges) - 1)
    return pd.DataFrame(
        {
            "angle_low": edges[:-1],
            "angle_high": edges[1:],
            "angle": (edges[:-1] + edges[1:]) / 2,
            "reduction": _reduction(after, before),
            "count": count,
        }
    )


MIN_BIN_POSITIONS = 100  # a bin's reduction counts in the trend test from this many positions on
CLAIM_COLUMNS = ["label", "claim", "paper", *claims.COLUMNS, "overall_reduction", "reduction_ceiling"]


def reduction_ceiling(E: np.ndarray, d_before: np.ndarray) -> float:
    """The largest overall reduction any correction of the members could reach against ``E``.

    A corrected map lies in the simplex-parallel plane, so its distance to E is at least E's own
    off-simplex component ‖E − correct(E)‖ at that position (the two parts are orthogonal):
    d_after ≥ |Σ E| / 2. Hence 1 − mean(d_after) / mean(d_before) ≤ 1 − mean ‖off(E)‖ / mean d_before,
    the bound on what the reduction figure can show where the ensemble itself leaves the simplex.
    """
    off = np.linalg.norm(np.asarray(E, np.float64) - correct(np.asarray(E, np.float64)), axis=-1)
    return float(1 - off.mean() / np.mean(d_before, dtype=np.float64))


def reduction_claim(table: pd.DataFrame, E: np.ndarray, d_before: np.ndarray, d_after: np.ndarray) -> dict:
    """Paper 004 Fig. 3e, "the ensemble difference reduction grows with the angle", as a test: Spearman's ρ
    of each bin's reduction with its |angle| (bins of at least ``MIN_BIN_POSITIONS`` positions), with a
    bootstrap interval over bins; beside it the overall reduction and its ceiling (``reduction_ceiling``)."""
    kept = table[(table["count"] >= MIN_BIN_POSITIONS) & table["reduction"].notna()]
    test = claims.correlation(np.abs(kept["angle"]), kept["reduction"])
    return {
        "claim": "ensemble difference reduction grows with |angle| (Spearman ρ over angle bins)",
        "paper": f"grows with the angle (Fig. 3e; bins of ≥ {MIN_BIN_POSITIONS} positions here)",
        **test.row(),
        "overall_reduction": overall_reduction(d_before, d_after),
        "reduction_ceiling": reduction_ceiling(E, d_before),
    }


def large_angle_fractions(member_angles: np.ndarray) -> dict[str, float]:
    """Mean over members and sequences of the per-sequence fractions of positions above 30°, 45°, 60°."""
    per_sequence = per_sequence_fractions(np.reshape(member_angles, (-1, np.shape(member_angles)[-1])))
    return {f"frac_gt_{t}": float(f) for t, f in zip(THRESHOLDS, per_sequence.mean(axis=0))}


def angle_density(member_angles: np.ndarray, bin_width: float = 2) -> tuple[np.ndarray, np.ndarray]:
    """Histogram density of angles over [−90°, 90°]: bin centres and densities."""
    edges = np.arange(-90, 90 + bin_width, bin_width, dtype=float)
    density, _ = np.histogram(np.ravel(member_angles), bins=edges, density=True)
    return (edges[:-1] + edges[1:]) / 2, density


def _read_member(path: str | os.PathLike) -> np.ndarray:
    return read_h5(path, ["G"])["G"]


def ensemble_and_distances(paths: Sequence[str | os.PathLike]) -> dict[str, np.ndarray]:
    """Ensemble map and per-member distances and angles of a population of attribution files.

    Members are read twice (once for the mean, once for the distances) so that only one map
    is in memory besides the results. All must hold the same test sequences (``indices``).
    """
    indices = [read_h5(p, ["indices"])["indices"] for p in paths]
    for path, index in zip(paths[1:], indices[1:]):
        if not np.array_equal(index, indices[0]):
            raise DatasetError(f"{path}: its test sequences differ from those of {paths[0]}; members must be aligned")
    ensemble = ensemble_map(_read_member(p) for p in paths)
    per_member = [member_distances(_read_member(p), ensemble) for p in paths]
    stacked = {key: np.stack([m[key] for m in per_member]) for key in ("d_before", "d_after", "angles")}
    return {
        "E": ensemble,
        "angles_ensemble": np.asarray(angles(ensemble), np.float32),
        "indices": indices[0],
        **stacked,
    }


def synthetic_fractions(metrics: pd.DataFrame, datasets) -> dict[str, float] | None:
    """Mean large-angle fractions of the raw maps on synthetic datasets (the reference lines of Fig. 1d)."""
    rows = metrics[metrics["dataset"].isin(list(datasets)) & (metrics["corrected"] == "raw")]
    columns = [f"frac_gt_{t}" for t in THRESHOLDS]
    if rows.empty or not set(columns) <= set(rows.columns):
        return None
    return rows[columns].mean().to_dict()
