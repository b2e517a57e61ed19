"""Weights trained elsewhere: Keras 2 HDF5 weight files in the layout of the lab's released models
(p-koo/GradientCorrection results/synthetic/model_params/*.h5, written by tf-keras ``save_weights``:
root ``layer_names`` input_1, conv1d, batch_normalization, activation, dropout, max_pooling1d, …,
dense, batch_normalization_k, activation_k, dropout_k, dense_1, activation_k+1; every conv and dense
layer with ``kernel:0`` and ``bias:0``) load into our bias-free architectures and predict what the
bias-keeping original predicts; a wrong file names the layer."""

import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from seqattr.data import one_hot
from seqattr.models import build_model
from seqattr.pretrained import WeightsError, load_weights

tf_keras = pytest.importorskip("tf_keras")

from helpers.lab_models import DEEP_K11, SHALLOW, keras2_model, perturbed, save_released  # noqa: E402 (after the skip)

L = 200
RNG = np.random.default_rng(0)
X = one_hot(["".join(RNG.choice(list("ACGT"), L)) for _ in range(16)])


def deepstarr_keras2():
    """The published DeepSTARR model (de Almeida et al. 2022, bernardo-de-almeida/DeepSTARR, Keras 2.2.4) in
    tf-keras: its layer names Conv1D_1st, Conv1D_2…4, Dense_1, Dense_2 and one linear head per task,
    Dense_Dev and Dense_Hk; every conv and dense layer with a bias; BN statistics made non-trivial."""
    tf_keras.backend.clear_session()
    layers = tf_keras.layers
    inputs = layers.Input((249, 4))
    h = inputs
    for i, (filters, kernel) in enumerate([(256, 7), (60, 3), (60, 5), (120, 3)], 1):
        h = layers.Conv1D(filters, kernel, padding="same", name="Conv1D_1st" if i == 1 else f"Conv1D_{i}")(h)
        h = layers.MaxPooling1D(2)(layers.Activation("relu")(layers.BatchNormalization()(h)))
    h = layers.Flatten()(h)
    for i in (1, 2):
        h = layers.Dropout(0.4)(
            layers.Activation("relu")(layers.BatchNormalization()(layers.Dense(256, name=f"Dense_{i}")(h)))
        )
    heads = [layers.Dense(1, activation="linear", name=f"Dense_{task}")(h) for task in ("Dev", "Hk")]
    model = tf_keras.Model(inputs, heads)
    return perturbed(model)


def test_published_deepstarr_weights_load_into_deepstarr(tmp_path):
    legacy = deepstarr_keras2()
    path = tmp_path / "DeepSTARR.model.h5"
    save_released(legacy, path)
    with h5py.File(path, "r") as handle:
        names = [n.decode() for n in handle.attrs["layer_names"]]
    assert names[1] == "Conv1D_1st" and names[-2:] == ["Dense_Dev", "Dense_Hk"]
    x = one_hot(["".join(RNG.choice(list("ACGT"), 249)) for _ in range(16)])
    ours = load_weights(build_model({"architecture": "deepstarr"}, (249, 4), 2, "regression"), path)
    expected = np.concatenate(legacy.predict(x, verbose=0), axis=1)  # [Dev, Hk] → outputs 0 and 1
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    assert expected.std(axis=0).min() > 1e-3
    with pytest.raises(WeightsError, match="Dense_Dev\\+Dense_Hk"):  # heads merged, then one output too many
        load_weights(build_model({"architecture": "deepstarr"}, (249, 4), 1, "regression"), path)


def test_fixture_has_the_released_layout(tmp_path):
    path = tmp_path / "weights.h5"
    save_released(keras2_model(SHALLOW), path)
    with h5py.File(path, "r") as handle:
        assert handle.attrs["layer_names"].dtype.kind == "S"
        names = [n.decode() for n in handle.attrs["layer_names"]]
        assert names[:6] == ["input_1", "conv1d", "batch_normalization", "activation", "dropout", "max_pooling1d"]
        assert names[-2:] == ["dense_1", "activation_3"]
        assert [w.decode() for w in handle["conv1d"].attrs["weight_names"]] == ["conv1d/kernel:0", "conv1d/bias:0"]
        assert handle["dense"]["dense"]["bias:0"].shape == (96,)


@pytest.mark.parametrize(
    "blocks, spec",
    [
        (SHALLOW, {"architecture": "cnn_shallow", "options": {"activation": "exponential"}}),
        (DEEP_K11, {"architecture": "cnn_deep", "options": {"kernel_size": 11}}),
    ],
)
def test_legacy_weights_give_the_same_predictions(tmp_path, blocks, spec):
    legacy = keras2_model(blocks)
    path = tmp_path / "weights.h5"
    save_released(legacy, path)
    ours = load_weights(build_model(spec, (L, 4), 1, "binary"), path)
    expected = legacy.predict(X, verbose=0)
    np.testing.assert_allclose(ours.predict(X, verbose=0), expected, rtol=1e-4, atol=1e-6)
    assert expected.std() > 1e-3  # the comparison is not between two constants


def test_bias_before_batch_norm_is_folded_not_dropped(tmp_path):
    """Loading the kernels and BN but dropping the biases would predict something else."""
    legacy = keras2_model(SHALLOW)
    path = tmp_path / "weights.h5"
    save_released(legacy, path)
    for layer in legacy.layers:
        if isinstance(layer, tf_keras.layers.Conv1D):
            layer.set_weights([layer.get_weights()[0], np.zeros(layer.filters)])
    ours = load_weights(
        build_model({"architecture": "cnn_shallow", "options": {"activation": "exponential"}}, (L, 4), 1, "binary"),
        path,
    )
    assert np.abs(ours.predict(X, verbose=0) - legacy.predict(X, verbose=0)).max() > 1e-3


def test_wrong_architecture_names_the_layer(tmp_path):
    path = tmp_path / "shallow.h5"
    save_released(keras2_model(SHALLOW), path)
    with pytest.raises(WeightsError, match="layer"):
        load_weights(build_model({"architecture": "cnn_deep", "options": {}}, (L, 4), 1, "binary"), path)


def test_shape_mismatch_names_both_shapes(tmp_path):
    path = tmp_path / "deep_k11.h5"
    save_released(keras2_model(DEEP_K11), path)
    with pytest.raises(
        WeightsError, match=r"layer 'conv1d' has weights of shapes \[\(11, 4, 24\), \(24,\)\].*\(19, 4, 24\)"
    ):
        load_weights(build_model({"architecture": "cnn_deep", "options": {}}, (L, 4), 1, "binary"), path)


def test_keras3_file_is_loaded_whole(tmp_path):
    model = build_model({"architecture": "cnn_shallow", "options": {}}, (L, 4), 1, "binary")
    model.save(tmp_path / "m.keras")
    loaded = load_weights(
        build_model({"architecture": "cnn_shallow", "options": {}}, (L, 4), 1, "binary"), tmp_path / "m.keras"
    )
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    with pytest.raises(WeightsError, match="does not exist"):
        load_weights(model, tmp_path / "missing.h5")


def test_keras_file_of_another_architecture_is_refused(tmp_path):
    deep = build_model({"architecture": "cnn_deep", "options": {}}, (L, 4), 1, "binary")
    deep.save(tmp_path / "deep.keras")
    with pytest.raises(WeightsError, match="not the configured architecture 'cnn_shallow'"):
        load_weights(
            build_model({"architecture": "cnn_shallow", "options": {}}, (L, 4), 1, "binary"), tmp_path / "deep.keras"
        )
    relu = build_model({"architecture": "cnn_shallow", "options": {"activation": "relu"}}, (L, 4), 1, "binary")
    relu.save(tmp_path / "relu.keras")
    with pytest.raises(WeightsError, match="exponential"):
        load_weights(
            build_model({"architecture": "cnn_shallow", "options": {"activation": "exponential"}}, (L, 4), 1, "binary"),
            tmp_path / "relu.keras",
        )


def test_keras_file_built_for_another_length_is_refused_by_name(tmp_path):
    longer = build_model({"architecture": "cnn_shallow", "options": {}}, (L + 10, 4), 1, "binary")
    ours = build_model({"architecture": "cnn_shallow", "options": {}}, (L, 4), 1, "binary")
    assert [w.shape for w in longer.weights] == [w.shape for w in ours.weights]  # pooling floors both to one size
    longer.save(tmp_path / "longer.keras")
    with pytest.raises(
        WeightsError,
        match=rf"longer.keras: the model was built for inputs of {L + 10} nt × 4 channels, "
        rf"but the dataset's sequences are {L} nt × 4",
    ):
        load_weights(ours, tmp_path / "longer.keras")


def test_truncated_keras_file_is_named_unreadable(tmp_path):
    model = build_model({"architecture": "cnn_shallow", "options": {}}, (L, 4), 1, "binary")
    model.save(tmp_path / "m.keras")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match=r"cut.keras: not a readable .keras file"):
        load_weights(model, tmp_path / "cut.keras")


LAB_WEIGHTS = os.environ.get("SEQATTR_LAB_WEIGHTS")


@pytest.mark.skipif(
    not LAB_WEIGHTS,
    reason="set SEQATTR_LAB_WEIGHTS to a folder of the lab's released "
    "cnn_{deep,shallow}_{relu,exponential}_*.h5 files to check them (a hand check, no network)",
)
def test_released_weights_equal_a_bias_keeping_rebuild():
    """Every released file: our bias-free model against the lab's layer listing with biases, same weights."""
    files = sorted(Path(LAB_WEIGHTS).glob("cnn_*_*_*.h5"))
    assert files, f"no cnn_*.h5 in {LAB_WEIGHTS}"
    for path in files:
        depth, activation = path.stem.split("_")[1:3]
        blocks = [list(b) for b in (DEEP_K11 if depth == "deep" else SHALLOW)]
        blocks[0][4] = activation
        legacy = keras2_model(blocks)
        legacy.load_weights(str(path))
        options = {"activation": activation, **({"kernel_size": 11} if depth == "deep" else {})}
        ours = load_weights(
            build_model({"architecture": f"cnn_{depth}", "options": options}, (L, 4), 1, "binary"), path
        )
        np.testing.assert_allclose(
            ours.predict(X, verbose=0), legacy.predict(X, verbose=0), atol=1e-5, err_msg=str(path)
        )
