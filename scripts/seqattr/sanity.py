"""Sanity checks of attribution maps: cascading parameter randomisation (Adebayo et al., NeurIPS 2018).

The model's trainable weighted layers (those with a kernel: convolutions and dense layers) are
re-initialised one at a time from the output layer down, each with its own initialisers seeded
by the check's seed, so that depth k has the top k layers random. After each step the same
sequences are attributed, and each map is compared with the trained model's map of the same
sequence. A map that stays the same while the weights computing the function are destroyed
reflects the input or the architecture, not what the model learned: it fails the check.

Similarity is Spearman's ρ per sequence of grad × input at the sequence's own bases (one value per
position: G at the observed base), signed and absolute, raw and corrected. Comparing the full
(L, 4) grad × input arrays instead would correlate mostly their shared zeros — the three
unobserved bases of every position — and call any two maps of one sequence similar.
Non-trainable layers (a fixed filter bank) are part of the architecture and stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterator

import keras
import numpy as np
import pandas as pd
from scipy import stats

from seqattr.attribution import FIRST_TASK, SETTINGS, Attributor
from seqattr.correction import correct

MAPS = {"raw": lambda G: G, "corrected": correct}
SIMILARITY_COLUMNS = ["depth", "layer", "corrected", "sequence", "signed", "absolute"]


def weighted_layers(model: keras.Model) -> list[str]:
    """Names of the trainable layers with a kernel, from the output layer down."""
    return [layer.name for layer in reversed(model.layers) if layer.trainable and hasattr(layer, "kernel")]


def _seeded(initializer, seed: int):
    config = initializer.get_config()
    return type(initializer).from_config({**config, "seed": seed}) if "seed" in config else initializer


def reinitialise(layer, seed: int) -> None:
    """Draw ``layer``'s kernel (and bias) afresh from its own initialisers, seeded."""
    for name, offset in (("kernel", 0), ("bias", 1)):
        variable = getattr(layer, name, None)
        if variable is None:
            continue
        initializer = _seeded(getattr(layer, f"{name}_initializer"), seed + offset)
        variable.assign(initializer(variable.shape, dtype=variable.dtype))


def cascade(model: keras.Model, seed: int = 0) -> Iterator[tuple[int, str, keras.Model]]:
    """A copy of ``model`` with its weighted layers re-initialised one by one from the top: yields
    (depth, layer just randomised, the copy), depth 0 being the trained weights. The copy is one
    model changed in place, so an attribution graph traced on it follows every step."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    yield 0, "", copy
    for depth, name in enumerate(weighted_layers(model), 1):
        reinitialise(copy.get_layer(name), seed + 1000 * depth)
        yield depth, name, copy


def observed_scores(G: np.ndarray, x: np.ndarray) -> np.ndarray:
    """grad × input at each position's own base: (N, L) from (N, L, A) maps and one-hot sequences."""
    return (np.asarray(G) * np.asarray(x)).sum(axis=-1)


def rank_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman's ρ of each row of ``a`` with the same row of ``b`` (N rows); NaN for a constant row."""
    ra, rb = stats.rankdata(a, axis=1), stats.rankdata(b, axis=1)
    ra, rb = ra - ra.mean(axis=1, keepdims=True), rb - rb.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (ra * rb).sum(axis=1) / np.sqrt((ra**2).sum(axis=1) * (rb**2).sum(axis=1))


def cascading_randomisation(
    model: keras.Model,
    x: np.ndarray,
    method: dict,
    seed: int = 0,
    target: str = SETTINGS["target"],
    task: int = FIRST_TASK,
    batch_size: int = SETTINGS["batch_size"],
) -> pd.DataFrame:
    """Per depth, map kind (raw / corrected) and sequence: the similarity of the randomised model's map
    to the trained one's (``SIMILARITY_COLUMNS``; depth 0 compares the trained map with itself)."""
    x = np.asarray(x, dtype=np.float32)
    rows, reference, attributor = [], None, None
    for depth, layer, copy in cascade(model, seed):
        attributor = attributor or Attributor(copy, method, x.shape[1:], target, task)
        G = attributor(x, batch_size, seed)
        scores = {kind: observed_scores(transform(G), x) for kind, transform in MAPS.items()}
        reference = reference or scores
        for kind, score in scores.items():
            signed = rank_similarity(reference[kind], score)
            absolute = rank_similarity(np.abs(reference[kind]), np.abs(score))
            rows += [
                {"depth": depth, "layer": layer, "corrected": kind, "sequence": i, "signed": s, "absolute": a}
                for i, (s, a) in enumerate(zip(signed, absolute))
            ]
    return pd.DataFrame(rows, columns=SIMILARITY_COLUMNS)
