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

Forward-only methods (ISM; ``forward_only`` in the attribution registry, recorded in the file) are
the exception (``scored_maps``): an ISM map holds Δf per substitution and 0 at the observed
base, so its grad × input is 0 everywhere. That 0 is a convention, not a measurement: ISM is scored
on its per-position mean-centred map, whose grad × input is ¾ of −mean Δf over the three
substitutions (the usual ISM importance of a position, up to a positive factor that no metric
sees). That centring is the gradient correction, which paper 004 says a forward-only method does
not need, so ISM has no corrected version: its ``*_corrected`` columns, ``score_corrected`` and
``improvement`` are nan and it stays out of every raw-versus-corrected comparison.
"""

from __future__ import annotations

import os
from typing import Mapping

import numpy as np
import pandas as pd

from seqattr.correction import angle_summary, angles, correct
from seqattr.data import DatasetError, read_attrs, read_h5
from seqattr.metrics import ground_truth_metrics, grad_times_input, information, position_cosine

LABELS = ("dataset", "model", "regime", "seed", "task", "method")  # one analysis: a run's task and method
OVER_SEEDS = tuple(key for key in LABELS if key != "seed")  # what results are compared and averaged over seeds by
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


def method_kind(path: str | os.PathLike) -> str:
    """The kind of attribution method that wrote a file (its ``method`` attribute, set by the attribute stage)."""
    method = read_attrs(path).get("method")
    if not isinstance(method, dict) or "kind" not in method:
        raise DatasetError(f"{path}: no attribution method recorded (attribute 'method' is {method!r})")
    return method["kind"]


def is_forward_only(path: str | os.PathLike) -> bool:
    """Whether a file holds a forward-only reference map (ISM) rather than a gradient (its ``forward_only`` attribute)."""
    attrs = read_attrs(path)
    if "forward_only" not in attrs:
        raise DatasetError(f"{path}: no 'forward_only' attribute (written by an older attribute stage; make it again)")
    return bool(attrs["forward_only"])


def task_type(path: str | os.PathLike) -> str:
    """The task type (binary / regression) of the output a file's maps explain (its ``task_type`` attribute)."""
    attrs = read_attrs(path)
    if "task_type" not in attrs:
        raise DatasetError(f"{path}: no 'task_type' attribute (written by an older attribute stage; make it again)")
    return str(attrs["task_type"])


def scored_maps(G: np.ndarray, forward_only: bool) -> dict[str, np.ndarray]:
    """The map behind each version's metrics: the raw map and its correction; for a forward-only map (ISM)
    its centred map alone, as raw."""
    if forward_only:
        return {"raw": correct(G)}
    return {"raw": G, "corrected": correct(G)}


def per_sequence_analysis(
    arrays: Mapping[str, np.ndarray], label: Mapping, forward_only: bool, task_type: str
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Per-sequence table (label columns first) and per-position arrays of one attribution file
    (``forward_only``: of a forward-only method such as ISM) of an output of ``task_type``: its
    ``y`` is the ``label`` column of a binary task, the ``target`` column of a regression."""
    G, x = np.asarray(arrays["G"], np.float64), arrays["x"]
    angle = angles(G)
    table = pd.DataFrame({key: [label[key]] * len(G) for key in LABELS})
    table["index"] = arrays["indices"]
    table["prediction"] = arrays["prediction"]
    if "y" in arrays:
        table["label" if task_type == "binary" else "target"] = arrays["y"]
    table = pd.concat([table, angle_summary(angle)], axis=1)
    positions = {"indices": np.asarray(arrays["indices"]), "angles": angle.astype(np.float32)}
    if "model" in arrays:
        M = arrays["model"]
        maps = scored_maps(G, forward_only)
        values = {version: ground_truth_metrics(m, x, M) for version, m in maps.items()}
        for metric in METRICS:
            for version in VERSIONS:
                table[f"{metric}_{version}"] = values[version][metric] if version in values else np.nan
        undefined = np.full(G.shape[:2], np.nan)
        scores = {version: grad_times_input(m, x) for version, m in maps.items()}
        if "corrected" in maps:
            improvement = position_cosine(maps["corrected"], M) - position_cosine(G, M)
        else:
            improvement = undefined
        positions.update(
            information=information(M).astype(np.float32),
            improvement=improvement.astype(np.float32),
            **{f"score_{version}": scores.get(version, undefined).astype(np.float32) for version in VERSIONS},
        )
    return table, positions
