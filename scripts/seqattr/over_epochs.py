"""Attribution quality over training (paper 000 Fig. 1b–d): every kept epoch's model, scored like the final one.

A run that keeps per-epoch models (``training.save_epochs``) has them as ``epochs/epoch<N>.keras``
beside its final model. Each is attributed on the same test sequences as the final model, with
the same method and seed, and analysed by the same code (``analysis.per_sequence_analysis`` and
``aggregate.version_rows``), so the row of the best epoch equals the final model's row of the metrics
table whenever the run restored its best weights.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from seqattr.aggregate import version_rows
from seqattr.analysis import OVER_SEEDS, per_sequence_analysis

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


def epoch_models(epochs: list[tuple[int, Path]]):
    """(epoch, model) for each kept epoch, in order: one model whose weights each epoch's file replaces
    in place, so what is traced on it (an :class:`~seqattr.attribution.Attributor`, ``predict``) is
    traced once per run instead of once per epoch (the epochs of one run share their architecture)."""
    import keras

    model = None
    for epoch, path in epochs:
        if model is None:
            model = keras.saving.load_model(path, compile=False)
        else:
            model.load_weights(path)
        yield epoch, model


def epoch_rows(
    model,
    maps,
    test: Mapping[str, np.ndarray],
    indices: np.ndarray,
    truth: np.ndarray,
    task: int,
    seed: int,
    label: Mapping,
    batch_size: int,
) -> pd.DataFrame:
    """The raw and corrected rows of one model's output ``task``: ground-truth metrics of its maps
    (``maps``: an :class:`~seqattr.attribution.Attributor` built on ``model``; ``truth``: the ground
    truth of that output for the sequences ``indices``) and its test AUROC.

    ``batch_size`` (sequences per graph call) does not change the maps."""
    from seqattr.tasks import binary_metrics, of_model

    x = test["x"][indices]
    G = maps(x, batch_size, seed)
    probabilities = model.predict(test["x"], batch_size=256, verbose=0)[:, task]
    arrays = {
        "G": G,
        "x": x,
        "indices": indices,
        "prediction": probabilities[indices],
        "y": test["y"][indices, task],
        "model": truth,
    }
    rows = version_rows(per_sequence_analysis(arrays, label, maps.method.forward_only, of_model(model).name)[0])
    rows["classification_auroc"] = binary_metrics(test["y"][:, task], probabilities)["auroc"]
    return rows


def score_epochs(
    epochs: list[tuple[int, Path]],
    test: Mapping[str, np.ndarray],
    indices: np.ndarray,
    truth: np.ndarray,
    method: dict,
    target: str,
    task: int,
    seed: int,
    label: Mapping,
    batch_size: int,
    log: logging.Logger | None = None,
) -> pd.DataFrame:
    """:func:`epoch_rows` of every kept epoch (``epochs``: :func:`saved_epochs`), with an ``epoch`` column."""
    from seqattr.attribution import Attributor

    log = log or logging.getLogger("seqattr")
    tables, maps = [], None
    for epoch, model in epoch_models(epochs):
        maps = maps or Attributor(model, method, test["x"].shape[1:], target, task)
        rows = epoch_rows(model, maps, test, indices, truth, task, seed, label, batch_size)
        tables.append(rows.assign(epoch=epoch))
        log.info(
            "epoch %d: test AUROC %.4f, raw interpretability AUROC %.4f",
            epoch,
            rows["classification_auroc"].iloc[0],
            rows["interpretability_auroc"].iloc[0],
        )
    return pd.concat(tables, ignore_index=True)


def mean_sd_over_seeds(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and SD over seeds of every column, per model, regime, method, map version and epoch."""
    grouped = table.groupby(KEYS + ["epoch"])[COLUMNS]
    summary = grouped.mean().add_suffix("_mean").join(grouped.std(ddof=1).add_suffix("_sd"))
    summary["n_seeds"] = grouped.size()
    return summary.reset_index()
