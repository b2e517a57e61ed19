"""Load weights trained elsewhere into a registered architecture.

Two formats: a Keras 3 ``.keras`` file (loaded whole), and the legacy Keras 2 HDF5 weights
file in which the lab released its trained models — one group per layer whose
``weight_names`` attribute lists that layer's arrays in order. Legacy weights are matched to
our architecture layer by layer, in order, among the layers that carry weights: layer names
differ between builds, the order and the shapes do not.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np


class WeightsError(ValueError):
    """A weights file does not fit the architecture it was paired with."""


def _names(values) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def read_legacy_weights(path: str | Path) -> list[tuple[str, list[np.ndarray]]]:
    """(layer name, arrays) for every layer with weights in a Keras 2 HDF5 file, in file order."""
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise WeightsError(f"{path}: not a readable HDF5 weights file ({error})") from error
    with handle:
        root = handle["model_weights"] if "model_weights" in handle else handle
        if "layer_names" not in root.attrs:
            raise WeightsError(f"{path}: no 'layer_names' attribute; not a Keras 2 weights file")
        layers = []
        for name in _names(root.attrs["layer_names"]):
            group = root[name]
            arrays = [np.asarray(group[w]) for w in _names(group.attrs.get("weight_names", []))]
            if arrays:
                layers.append((name, arrays))
    return layers


def assign_legacy_weights(model, path: str | Path) -> None:
    """Set ``model``'s weights from a Keras 2 file; a mismatch names the layer and both shapes."""
    stored = read_legacy_weights(path)
    ours = [layer for layer in model.layers if layer.weights]
    if len(stored) != len(ours):
        raise WeightsError(
            f"{path}: {len(stored)} layers with weights ({[n for n, _ in stored]}) but the architecture has "
            f"{len(ours)} ({[layer.name for layer in ours]})"
        )
    for layer, (name, arrays) in zip(ours, stored):
        expected = [tuple(w.shape) for w in layer.weights]
        found = [a.shape for a in arrays]
        if expected != found:
            raise WeightsError(
                f"{path}: layer '{name}' has weights of shapes {found} but our layer '{layer.name}' "
                f"expects {expected}"
            )
        layer.set_weights(arrays)


def load_weights(model, path: str | Path):
    """Return ``model`` with weights from ``path`` (.keras: the saved model replaces ``model``)."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"weights file {path} does not exist")
    if path.suffix == ".keras":
        import keras

        loaded = keras.saving.load_model(path, compile=False)
        if loaded.input_shape != model.input_shape or loaded.output_shape != model.output_shape:
            raise WeightsError(
                f"{path}: model maps {loaded.input_shape} → {loaded.output_shape}, "
                f"the config's architecture {model.input_shape} → {model.output_shape}"
            )
        return loaded
    assign_legacy_weights(model, path)
    return model
