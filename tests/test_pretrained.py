"""Weights trained elsewhere: Keras 2 HDF5 weight files (the lab's released format) written with
tf-keras here, loaded into our architectures, give the same predictions; a wrong file names the layer."""

import numpy as np
import pytest

from seqattr.data import one_hot
from seqattr.models import build_model
from seqattr.pretrained import WeightsError, load_weights

tf_keras = pytest.importorskip("tf_keras")

L = 200
RNG = np.random.default_rng(0)
X = one_hot(["".join(RNG.choice(list("ACGT"), L)) for _ in range(16)])

SHALLOW = [("conv", 24, 19, 50, "exponential"), ("conv", 48, 3, 2, "relu"), ("dense", 96)]
DEEP_K11 = [("conv", 24, 11, 1, "relu"), ("conv", 32, 7, 4, "relu"), ("conv", 48, 7, 4, "relu"),
            ("conv", 64, 3, 3, "relu"), ("dense", 96)]


def keras2_model(blocks):
    """The same layers in Keras 2 (tf-keras), the way the lab built its models: conv/dense without bias, BN, activation."""
    layers = tf_keras.layers
    inputs = layers.Input((L, 4))
    h = inputs
    for block in blocks:
        if block[0] == "conv":
            _, filters, kernel, pool, activation = block
            h = layers.Conv1D(filters, kernel, padding="same", use_bias=False)(h)
        else:
            _, units = block
            h = layers.Flatten()(h)
            h = layers.Dense(units, use_bias=False)(h)
            activation, pool = "relu", 1
        h = layers.BatchNormalization()(h)
        h = layers.Activation(activation)(h)
        h = layers.Dropout(0.1)(h)
        if pool > 1:
            h = layers.MaxPool1D(pool)(h)
    logits = layers.Dense(1)(h)
    model = tf_keras.Model(inputs, layers.Activation("sigmoid")(logits))
    # give BN non-trivial statistics so a wrong assignment would show
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([gamma + RNG.random(gamma.shape), beta + RNG.normal(size=beta.shape) * 0.1,
                               mean + RNG.normal(size=mean.shape) * 0.1, var + RNG.random(var.shape)])
    return model


@pytest.mark.parametrize("blocks, spec", [
    (SHALLOW, {"architecture": "cnn_shallow", "options": {"activation": "exponential"}}),
    (DEEP_K11, {"architecture": "cnn_deep", "options": {"kernel_size": 11}}),
])
def test_legacy_weights_give_the_same_predictions(tmp_path, blocks, spec):
    legacy = keras2_model(blocks)
    path = tmp_path / "weights.h5"
    legacy.save_weights(str(path))
    ours = load_weights(build_model(spec, (L, 4), 1), path)
    expected = legacy.predict(X, verbose=0)
    np.testing.assert_allclose(ours.predict(X, verbose=0), expected, rtol=1e-4, atol=1e-6)
    assert expected.std() > 1e-3  # the comparison is not between two constants


def test_wrong_architecture_names_the_layer(tmp_path):
    path = tmp_path / "shallow.h5"
    keras2_model(SHALLOW).save_weights(str(path))
    with pytest.raises(WeightsError, match="layer"):
        load_weights(build_model({"architecture": "cnn_deep", "options": {}}, (L, 4), 1), path)


def test_shape_mismatch_names_both_shapes(tmp_path):
    path = tmp_path / "deep_k11.h5"
    keras2_model(DEEP_K11).save_weights(str(path))
    with pytest.raises(WeightsError, match=r"layer 'conv1d[_0-9]*' has weights of shapes \[\(11, 4, 24\)\].*\(19, 4, 24\)"):
        load_weights(build_model({"architecture": "cnn_deep", "options": {}}, (L, 4), 1), path)


def test_keras3_file_is_loaded_whole(tmp_path):
    model = build_model({"architecture": "cnn_shallow", "options": {}}, (L, 4), 1)
    model.save(tmp_path / "m.keras")
    loaded = load_weights(build_model({"architecture": "cnn_shallow", "options": {}}, (L, 4), 1), tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    with pytest.raises(WeightsError, match="does not exist"):
        load_weights(model, tmp_path / "missing.h5")
