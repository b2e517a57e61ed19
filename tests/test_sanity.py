"""seqattr.sanity: cascading parameter randomisation on constructed models (Adebayo et al. 2018)."""

import keras
import numpy as np
import pytest

from helpers.training import DATA, seeded_model, train_quickly
from seqattr import sanity

SALIENCY = {"kind": "saliency"}


def test_randomising_every_layer_of_a_trained_model_destroys_its_saliency_maps(tmp_path):
    model = seeded_model(1)
    train_quickly(tmp_path, model, {"kind": "standard"}, {"epochs": 3, "batch_size": 20})
    x = DATA["test"]["x"][:30]
    table = sanity.cascading_randomisation(model, x, SALIENCY, seed=3)
    layers = sanity.weighted_layers(model)
    assert layers[0] == "logits" and len(layers) == table["depth"].max()  # output layer first, every one
    by_depth = table.groupby(["corrected", "depth"])["signed"].mean()
    assert by_depth.loc[("raw", 0)] == pytest.approx(1.0)  # the trained map against itself
    assert abs(by_depth.loc[("raw", len(layers))]) < 0.1
    assert abs(by_depth.loc[("corrected", len(layers))]) < 0.1


def _fixed_filter_bank_model(seed):
    """A fixed (non-trainable) first-layer filter and a random positive linear head: its saliency is the
    filter's pattern times a positive number, whatever the head's weights."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((200, 4))
    h = keras.layers.Conv1D(1, 7, padding="same", trainable=False, name="filters")(inputs)
    h = keras.layers.GlobalAveragePooling1D()(h)
    logits = keras.layers.Dense(1, kernel_initializer=keras.initializers.RandomUniform(0.5, 1.5), name="logits")(h)
    return keras.Model(inputs, keras.layers.Activation("sigmoid", name="probability")(logits))


def test_maps_that_do_not_depend_on_the_learned_weights_keep_their_similarity():
    model = _fixed_filter_bank_model(0)
    table = sanity.cascading_randomisation(model, DATA["test"]["x"][:20], SALIENCY, seed=5)
    assert sanity.weighted_layers(model) == ["logits"]  # the fixed filter bank is architecture, not weights
    full = table[table["depth"] == 1]
    assert (full["signed"] > 0.99).all() and (full["absolute"] > 0.99).all()


def test_a_layer_is_redrawn_from_its_own_initialiser_reproducibly():
    model = seeded_model(2)
    layer = model.get_layer("logits")
    trained = layer.kernel.numpy().copy()
    sanity.reinitialise(layer, seed=7)
    first = layer.kernel.numpy().copy()
    sanity.reinitialise(layer, seed=7)
    assert not np.array_equal(first, trained) and np.array_equal(first, layer.kernel.numpy())


def test_rank_similarity_is_spearman_per_row():
    a = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]])
    b = np.array([[10.0, 20.0, 30.0, 40.0], [4.0, 3.0, 2.0, 1.0]])
    np.testing.assert_allclose(sanity.rank_similarity(a, b), [1.0, -1.0])
