"""Load weights trained elsewhere into a registered architecture.

Two formats: a Keras 3 ``.keras`` file (loaded whole), and the legacy Keras 2 HDF5 weights
file in which the lab released its trained models (``save_weights``: a root attribute
``layer_names``, one group per layer whose ``weight_names`` — ``conv1d/kernel:0``,
``conv1d/bias:0``, … — list that layer's arrays in order). Legacy weights are matched to our
architecture layer by layer, in order, among the layers that carry weights: layer names
differ between builds, the order and the shapes do not.

A model with one Dense(1) head per task — the published DeepSTARR model ends in ``Dense_Dev``
and ``Dense_Hk`` — has its trailing heads concatenated, in file order, into our one ``logits``
layer (output t is the t-th head).

The lab's convolutions and dense layers keep a bias in front of batch normalisation; ours
drop it (BN's β makes it redundant). At inference BN computes γ(z + b − μ)/√(σ² + ε) + β, so a
bias b is folded exactly into the moving mean, μ' = μ − b: the model predicts what the
bias-keeping original predicts. (Fine-tuning such a model would differ only in that the
redundant bias is no longer a parameter.)
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


def _is_head(arrays: list[np.ndarray]) -> bool:
    """A Dense layer's arrays: a 2-D kernel and its bias."""
    return len(arrays) == 2 and arrays[0].ndim == 2 and arrays[1].shape == arrays[0].shape[-1:]


def merge_heads(stored: list[tuple[str, list[np.ndarray]]], n_ours: int) -> list[tuple[str, list[np.ndarray]]]:
    """Concatenate the trailing per-task Dense heads of a file with more weighted layers than ours.

    The last ``len(stored) − n_ours + 1`` layers merge when they are all Dense layers on the same
    input; otherwise the layers are returned as they are (and the count mismatch is reported).
    """
    extra = len(stored) - n_ours
    if extra <= 0:
        return stored
    heads = stored[-(extra + 1) :]
    if not all(_is_head(arrays) and arrays[0].shape[0] == heads[0][1][0].shape[0] for _, arrays in heads):
        return stored
    kernel = np.concatenate([arrays[0] for _, arrays in heads], axis=-1)
    bias = np.concatenate([arrays[1] for _, arrays in heads])
    return stored[: -(extra + 1)] + [("+".join(name for name, _ in heads), [kernel, bias])]


def _is_batch_norm(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.BatchNormalization)


def assign_legacy_weights(model, path: str | Path) -> None:
    """Set ``model``'s weights from a Keras 2 file; a mismatch names the layer and both shapes.

    A stored layer with one array more than ours — a bias our bias-free layer lacks — is
    accepted when the next weighted layer of ours is batch normalisation: the bias is folded
    into its moving mean (module docstring); per-task output heads merge into ``logits``.
    """
    ours = [layer for layer in model.layers if layer.weights]
    stored = merge_heads(read_legacy_weights(path), len(ours))
    if len(stored) != len(ours):
        raise WeightsError(
            f"{path}: {len(stored)} layers with weights ({[n for n, _ in stored]}) but the architecture has "
            f"{len(ours)} ({[layer.name for layer in ours]})"
        )
    bias = None  # the bias of the previous layer, waiting for its batch normalisation
    for i, (layer, (name, arrays)) in enumerate(zip(ours, stored)):
        expected = [tuple(w.shape) for w in layer.weights]
        found = [a.shape for a in arrays]
        extra_bias = (
            found[:-1] == expected
            and len(found) == 2
            and found[-1] == (expected[0][-1],)
            and i + 1 < len(ours)
            and _is_batch_norm(ours[i + 1])
        )
        if extra_bias:
            arrays, bias = arrays[:-1], arrays[-1]
        elif found != expected:
            raise WeightsError(
                f"{path}: layer '{name}' has weights of shapes {found} but our layer '{layer.name}' expects {expected}"
            )
        if bias is not None and _is_batch_norm(layer):
            gamma, beta, mean, variance = arrays
            arrays, bias = [gamma, beta, mean - bias, variance], None
        layer.set_weights(arrays)


def layer_structure(model) -> list[tuple]:
    """(layer class, activation, weight shapes) of every layer: what two builds of one architecture share."""
    return [
        (type(layer).__name__, layer.get_config().get("activation"), [tuple(w.shape) for w in layer.weights])
        for layer in model.layers
    ]


def _load_keras(model, path: Path):
    """A whole ``.keras`` model, refused unless its layers are those of the configured architecture."""
    import keras

    try:
        loaded = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras reports a damaged archive as anything from OSError to "File not found"
        raise WeightsError(f"{path}: not a readable .keras file ({type(error).__name__}: {error})") from error
    ours, theirs = layer_structure(model), layer_structure(loaded)
    if ours != theirs:
        first = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))

        def describe(layers):
            return layers[first] if first < len(layers) else "no layer"

        raise WeightsError(
            f"{path}: not the configured architecture '{model.name}': layer {first} is {describe(theirs)} in the "
            f"file but {describe(ours)} in the architecture ({len(theirs)} against {len(ours)} layers)"
        )
    built, wanted = tuple(loaded.inputs[0].shape[1:]), tuple(model.inputs[0].shape[1:])
    if built != wanted:  # same weight shapes (global pooling), yet it cannot read these sequences
        raise WeightsError(
            f"{path}: the model was built for inputs of {built[0]} nt × {built[1]} channels, but the "
            f"dataset's sequences are {wanted[0]} nt × {wanted[1]}"
        )
    return loaded


def load_weights(model, path: str | Path):
    """Return ``model`` with weights from ``path`` (.keras: the saved model replaces ``model``)."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"weights file {path} does not exist")
    if path.suffix == ".keras":
        return _load_keras(model, path)
    assign_legacy_weights(model, path)
    return model
