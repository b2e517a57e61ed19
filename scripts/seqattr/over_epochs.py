"""Attribution quality over training (paper 000 Fig. 1b–d): every kept epoch's model, scored like the final one.

A run that keeps per-epoch models (``training.save_epochs``) has them as ``epochs/epoch<N>.keras``
beside its final model. Each is attributed on the same test sequences as the final model, with
the same method and seed, and analysed by the same code (``analysis.analyse`` and
``aggregate.summarise``), so the row of the best epoch equals the final model's row of the metrics
table whenever the run restored its best weights.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from seqattr.aggregate import summarise
from seqattr.analysis import OVER_SEEDS, analyse

EPOCH_FILE = re.compile(r"^epoch(\d+)\.keras$")
KEYS = list(OVER_SEEDS) + ["corrected"]
COLUMNS = ["classification_auroc", "interpretability_auroc", "interpretability_aupr", "cosine", "snr"]


def epochs_dir(model_path: str | os.PathLike) -> Path:
    """Where a run keeps its per-epoch models: ``epochs/`` beside its final model."""
    return Path(model_path).parent / "epochs"


def saved_epochs(directory: str | os.PathLike) -> list[tuple[int, Path]]:
    """(epoch, path) of the per-epoch models a run kept, in epoch order (none: an empty list)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), directory / m.group(0)) for m in map(EPOCH_FILE.match, os.listdir(directory)) if m]
    return sorted(found)


def epoch_rows(model, test: Mapping[str, np.ndarray], indices: np.ndarray, truth: np.ndarray, method: dict,
               settings: Mapping, task: int, seed: int, label: Mapping, batch_size: int) -> pd.DataFrame:
    """The raw and corrected rows of one model's output ``task``: ground-truth metrics of its maps
    (``truth``: the ground truth of that output for the sequences ``indices``) and its test AUROC.

    ``settings`` holds the attribution ``target``; ``batch_size`` (sequences per graph call) does not
    change the maps."""
    from seqattr.attribution import attribute, make_method
    from seqattr.tasks import binary_metrics, of_model

    x = test["x"][indices]
    G = attribute(model, x, method, settings["target"], task, batch_size, seed)
    probabilities = model.predict(test["x"], batch_size=256, verbose=0)[:, task]
    arrays = {"G": G, "x": x, "indices": indices, "prediction": probabilities[indices],
              "y": test["y"][indices, task], "model": truth}
    rows = summarise(analyse(arrays, label, make_method(method).forward_only, of_model(model).name)[0])
    rows["classification_auroc"] = binary_metrics(test["y"][:, task], probabilities)["auroc"]
    return rows


def summarize(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and SD over seeds of every column, per model, regime, method, map version and epoch."""
    grouped = table.groupby(KEYS + ["epoch"])[COLUMNS]
    summary = grouped.mean().add_suffix("_mean").join(grouped.std(ddof=1).add_suffix("_sd"))
    summary["n_seeds"] = grouped.size()
    return summary.reset_index()
