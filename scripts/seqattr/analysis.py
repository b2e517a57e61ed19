"""The analyze stage: one attribution file → a per-sequence table and per-position arrays.

Input (written by the attribute stage): ``G`` (N, L, 4) gradient-like map, ``x`` (N, L, 4) the
one-hot sequences, ``indices`` (N,) their rows in the test split, ``prediction`` (N,), and —
only when the dataset has a ground truth — ``model`` (N, L, 4). An optional ``y`` (N,) holds the
label of the attributed task, so that metrics can be averaged over positive sequences when the
file also holds negatives.

Per sequence: the angle statistics of the raw map (a corrected map lies on the simplex, angle 0)
and, with a ground truth, every metric of ``seqattr.metrics`` before (``*_raw``) and after
(``*_corrected``) the gradient correction. Per position: ``angles`` and, with a ground truth,
``information``, ``improvement`` (cosine with M − 0.25 after minus before correction; nan where
the ground truth column is uniform) and the grad × input ``score_raw`` / ``score_corrected``
(what paper 001 Fig. 3d plots at background positions).
"""

from __future__ import annotations

import os
from typing import Mapping

import numpy as np
import pandas as pd

from seqattr.correction import angle_summary, angles, correct
from seqattr.data import DatasetError, read_h5
from seqattr.metrics import ground_truth_metrics, grad_times_input, information, position_cosine

LABELS = ("dataset", "model", "regime", "seed", "method")
METRICS = ("auroc", "aupr", "cosine", "snr")
VERSIONS = ("raw", "corrected")
_REQUIRED = ("G", "x", "indices", "prediction")


def read_attributions(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read and check an attribution file; a one-line DatasetError names what is wrong."""
    arrays = read_h5(path)
    missing = [key for key in _REQUIRED if key not in arrays]
    if missing:
        raise DatasetError(f"{path}: missing {missing}; it holds {sorted(arrays)}")
    G = arrays["G"]
    if G.ndim != 3 or G.shape[-1] != 4:
        raise DatasetError(f"{path}: 'G' must be (N, L, 4), got {G.shape}")
    for key in ("x", "model"):
        if key in arrays and arrays[key].shape != G.shape:
            raise DatasetError(f"{path}: '{key}' has shape {arrays[key].shape}, 'G' has {G.shape}")
    for key in ("prediction", "y"):
        if key in arrays:
            arrays[key] = np.asarray(arrays[key]).reshape(-1)  # (N, 1) → (N,); (N, T > 1) fails below
    for key in ("indices", "prediction", "y"):
        if key in arrays and len(arrays[key]) != len(G):
            raise DatasetError(f"{path}: '{key}' has {len(arrays[key])} entries for {len(G)} maps")
    return arrays


def analyse(arrays: Mapping[str, np.ndarray], label: Mapping) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Per-sequence table (label columns first) and per-position arrays of one attribution file."""
    G, x = np.asarray(arrays["G"], np.float64), arrays["x"]
    angle = angles(G)
    table = pd.DataFrame({key: [label[key]] * len(G) for key in LABELS})
    table["index"] = arrays["indices"]
    table["prediction"] = arrays["prediction"]
    if "y" in arrays:
        table["label"] = arrays["y"]
    table = pd.concat([table, angle_summary(angle)], axis=1)
    positions = {"indices": np.asarray(arrays["indices"]), "angles": angle.astype(np.float32)}
    if "model" in arrays:
        M = arrays["model"]
        maps = {"raw": G, "corrected": correct(G)}
        values = {version: ground_truth_metrics(m, x, M) for version, m in maps.items()}
        for metric in METRICS:
            for version in VERSIONS:
                table[f"{metric}_{version}"] = values[version][metric]
        improvement = position_cosine(maps["corrected"], M) - position_cosine(G, M)
        positions.update(
            information=information(M).astype(np.float32),
            improvement=improvement.astype(np.float32),
            score_raw=grad_times_input(G, x).astype(np.float32),
            score_corrected=grad_times_input(maps["corrected"], x).astype(np.float32),
        )
    return table, positions
