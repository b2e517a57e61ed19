"""The lab's released models rebuilt in Keras 2 (tf-keras) with their default layer names, and saved as
Keras 2.2.4-tf saved them (pretrained-weights tests)."""

import h5py
import numpy as np
import pytest

tf_keras = pytest.importorskip("tf_keras")

L = 200
RNG = np.random.default_rng(0)

# (kind, units, kernel, pool, activation, dropout) as in the lab's model_zoo listing
SHALLOW = [("conv", 24, 19, 50, "exponential", 0.1), ("conv", 48, 3, 2, "relu", 0.2), ("dense", 96, 0, 1, "relu", 0.5)]
DEEP_K11 = [
    ("conv", 24, 11, 1, "relu", 0.1),
    ("conv", 32, 7, 4, "relu", 0.2),
    ("conv", 48, 7, 4, "relu", 0.3),
    ("conv", 64, 3, 3, "relu", 0.4),
    ("dense", 96, 0, 1, "relu", 0.5),
]


def perturbed(model):
    """``model`` with non-trivial BN statistics and biases, so that a wrong assignment or fold would show."""
    layers = tf_keras.layers
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights(
                [
                    gamma + RNG.random(gamma.shape),
                    beta + RNG.normal(size=beta.shape) * 0.1,
                    mean + RNG.normal(size=mean.shape) * 0.1,
                    var + RNG.random(var.shape),
                ]
            )
        elif isinstance(layer, (layers.Conv1D, layers.Dense)):
            kernel, bias = layer.get_weights()
            layer.set_weights([kernel, RNG.normal(size=bias.shape) * 0.3])
    return model


def keras2_model(blocks):
    """The lab's model in Keras 2 (tf-keras) with its default layer names: conv/dense *with* bias, BN,
    activation, dropout, max-pooling; every bias and BN statistic non-trivial so a wrong fold would show."""
    tf_keras.backend.clear_session()  # default names from conv1d, batch_normalization, … as in the real files
    layers = tf_keras.layers
    inputs = layers.Input((L, 4))
    h = inputs
    for kind, units, kernel, pool, activation, rate in blocks:
        if kind == "conv":
            h = layers.Conv1D(units, kernel, padding="same")(h)
        else:
            h = layers.Dense(units)(layers.Flatten()(h))
        h = layers.BatchNormalization()(h)
        h = layers.Dropout(rate)(layers.Activation(activation)(h))
        if pool > 1:
            h = layers.MaxPool1D(pool)(h)
    logits = layers.Dense(1)(h)
    model = tf_keras.Model(inputs, layers.Activation("sigmoid")(logits))
    return perturbed(model)


def save_released(model, path) -> None:
    """``save_weights``, then the name attributes as fixed-length byte strings, as Keras 2.2.4-tf stored them."""
    model.save_weights(str(path))
    with h5py.File(path, "a") as handle:
        for group in [handle] + [handle[n] for n in handle.attrs["layer_names"]]:
            key = "layer_names" if group is handle else "weight_names"
            group.attrs[key] = np.array([str(n).encode() for n in group.attrs[key]], dtype="S")
        handle.attrs["keras_version"] = "2.2.4-tf"
