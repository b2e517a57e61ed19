"""The ground truth an attribution map of one output is scored against.

A synthetic dataset's ``model`` holds every PWM placed in a sequence, but output t is driven
only by the core motifs in its ``task_motifs`` entry (all of them for one output, motif t
alone for one output per core motif). The others — the other outputs' motifs, and the
background motifs of the negatives — do not change that output's label, so a map of output t
that ignores them is right, and a map that highlights them is not: ``for_task`` shows them as
uniform columns, like the gaps. docs/decisions.md, "Ground truth per output".
"""

from __future__ import annotations

import json

import numpy as np

UNIFORM = 0.25


def _decoded(value):
    """An attribute as written to HDF5 (a JSON string, raw from h5py) or already decoded (read_attrs, simulate)."""
    if isinstance(value, bytes):
        value = value.decode()
    return json.loads(value) if isinstance(value, str) else value


def task_motifs_of(attrs: dict) -> list[list[int]]:
    """Per output, the indices of the core motifs that drive it (the dataset's ``task_motifs``)."""
    if "task_motifs" not in attrs:
        raise ValueError(
            "the dataset has a motif_index but its attributes no task_motifs (which core motifs drive which output)"
        )
    return _decoded(attrs["task_motifs"])


def for_task(split: dict, attrs: dict, task: int) -> np.ndarray:
    """The ground-truth (N, L, 4) of output ``task``: ``split["model"]`` with every position whose
    motif does not drive that output (``motif_index`` not in ``task_motifs[task]``: gaps,
    background motifs, other outputs' motifs) set to the uniform column.

    A split without ``motif_index`` (a user's file with a ``model`` array) is returned unchanged:
    nothing says which of its positions belong to which output.
    """
    model = split["model"]
    if "motif_index" not in split:
        return model
    drivers = task_motifs_of(attrs)
    if not 0 <= task < len(drivers):
        raise ValueError(f"task {task} does not exist: the dataset has {len(drivers)} output(s)")
    index = np.asarray(split["motif_index"])
    if index.shape != model.shape[:-1]:
        raise ValueError(f"motif_index has shape {index.shape}, the model {model.shape}")
    keep = np.isin(index, drivers[task])
    return np.where(keep[..., None], model, np.asarray(UNIFORM, dtype=model.dtype)).astype(model.dtype, copy=False)


def of_selection(split: dict, attrs: dict, indices: np.ndarray, task: int) -> np.ndarray:
    """:func:`for_task` of the sequences ``indices`` of a split (those one output's maps explain)."""
    chosen = {key: np.asarray(split[key])[indices] for key in ("model", "motif_index") if key in split}
    return for_task(chosen, attrs, task)
