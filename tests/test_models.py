"""Model zoo: every architecture builds at both lengths and task counts, hand-computed sizes, options, hooks."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqattr.models import REGISTRY, build_model, hidden_layer_names, logit_model, run_logits

X = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (5, 200))]


def _build(name, length=200, tasks=1, **options):
    keras.utils.set_random_seed(0)
    return build_model({"architecture": name, "options": options}, (length, 4), tasks, "binary")


@pytest.mark.parametrize("name", sorted(REGISTRY))
@pytest.mark.parametrize("length", [200, 1000])
@pytest.mark.parametrize("tasks", [1, 3])
def test_every_model_builds_with_logits_then_probability(name, length, tasks):
    model = _build(name, length, tasks)
    assert model.output_shape == (None, tasks)
    assert [layer.name for layer in model.layers[-2:]] == ["logits", "probability"]
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(1).integers(0, 4, (3, length))]
    logits = logit_model(model).predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), 1 / (1 + np.exp(-logits)), rtol=1e-5)


def test_cnn_shallow_parameter_count():
    conv1 = 19 * 4 * 24  # no bias: batch norm's beta takes its place
    conv2 = 3 * 24 * 48
    dense = (200 // 50 // 2) * 48 * 96
    batch_norm = 4 * (24 + 48 + 96)  # gamma, beta, moving mean, moving variance
    logits = 96 + 1
    assert _build("cnn_shallow").count_params() == conv1 + conv2 + dense + batch_norm + logits == 15265


def test_cnn_deep_parameter_count():
    convs = 19 * 4 * 24 + 7 * 24 * 32 + 7 * 32 * 48 + 3 * 48 * 64
    flat = (200 // 4 // 4 // 3) * 64
    batch_norm = 4 * (24 + 32 + 48 + 64 + 96)
    assert _build("cnn_deep").count_params() == convs + flat * 96 + batch_norm + 96 + 1 == 52897


def test_options_reach_the_layers():
    model = _build(
        "cnn_deep", activation="exponential", filters=12, kernel_size=11, batch_norm=False, dropout=0.25, l2=0.0
    )
    conv1 = model.get_layer("conv1")
    assert conv1.kernel.shape == (11, 4, 12) and conv1.use_bias
    assert model.get_layer("conv1_act").activation.__name__ == "exponential"
    assert model.get_layer("conv2_act").activation.__name__ == "relu"
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)
    assert {layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)} == {0.25}
    assert model.losses == []


def test_cnn_shallow_regularisation_follows_paper_001():
    model = _build("cnn_shallow")
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == [0.1, 0.2, 0.0]
    assert [layer.name for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)] == [
        "conv1_bn",
        "conv2_bn",
        "dense1_bn",
    ]
    assert len(model.losses) == 3  # L2 on the three hidden kernels, not on the logits


def test_baseline_width_factor_scales_every_hidden_layer():
    model = _build("baseline_cnn", width=4)
    assert [model.get_layer(f"conv{i}").filters for i in range(1, 5)] == [96, 128, 192, 256]
    assert model.get_layer("dense1").units == 384
    assert model.get_layer("dense1_dropout").rate == 0.5
    names = [layer.name for layer in model.layers]
    assert names.index("conv3_pool") < names.index("conv3_dropout")  # paper 000: pool, then dropout
    assert names.index("conv2_dropout") < names.index("conv2_pool")


def test_deepstarr_follows_its_paper():
    model = _build("deepstarr", length=249, tasks=2)
    convs = [model.get_layer(f"conv{i}") for i in range(1, 5)]
    assert [(c.filters, c.kernel_size[0]) for c in convs] == [(256, 7), (60, 3), (60, 5), (120, 3)]
    assert [model.get_layer(f"conv{i}_pool").pool_size[0] for i in range(1, 5)] == [2, 2, 2, 2]
    assert [model.get_layer(f"dense{i}").units for i in (1, 2)] == [256, 256]
    assert [model.get_layer(f"dense{i}_dropout").rate for i in (1, 2)] == [0.4, 0.4]
    assert model.get_layer("flatten").output.shape[-1] == 249 // 2 // 2 // 2 // 2 * 120 == 1800
    assert model.losses == [] and model.output_shape == (None, 2)
    convs = 7 * 4 * 256 + 3 * 256 * 60 + 5 * 60 * 60 + 3 * 60 * 120
    batch_norm = 4 * (256 + 60 + 60 + 120 + 256 + 256)
    assert model.count_params() == convs + 1800 * 256 + 256 * 256 + batch_norm + 256 * 2 + 2


def test_basset_follows_its_paper():
    model = _build("basset", length=600, tasks=164)
    convs = [model.get_layer(f"conv{i}") for i in range(1, 4)]
    assert [(c.filters, c.kernel_size[0]) for c in convs] == [(300, 19), (200, 11), (200, 7)]
    assert [model.get_layer(f"conv{i}_pool").pool_size[0] for i in range(1, 4)] == [3, 4, 4]
    assert [model.get_layer(f"dense{i}").units for i in (1, 2)] == [1000, 1000]
    assert [model.get_layer(f"dense{i}_dropout").rate for i in (1, 2)] == [0.3, 0.3]
    assert model.output_shape == (None, 164) and model.losses == []


@pytest.mark.parametrize("name", ["deepstarr", "basset"])
def test_width_scales_the_large_architectures(name):
    full, small = _build(name, length=249), _build(name, length=249, width=0.25)
    for layer in ("conv1", "conv2", "dense1"):
        full_units, small_units = (
            getattr(m.get_layer(layer), "filters", None) or m.get_layer(layer).units for m in (full, small)
        )
        assert small_units == round(full_units * 0.25)


def test_init_std_gives_normal_kernels():
    model = _build("cnn_deep", init_std=0.3)
    kernel = model.get_layer("conv3").kernel.numpy()
    assert abs(kernel.mean()) < 0.02 and abs(kernel.std() - 0.3) < 0.02
    assert abs(model.get_layer("logits").kernel.numpy().std() - 0.3) < 0.1


def test_bad_specs_are_named():
    with pytest.raises(ValueError, match="cnn_deep"):
        build_model({"architecture": "cnn_dep"}, (200, 4), 1, "binary")
    with pytest.raises(ValueError, match="unknown model options \\['filter'\\]"):
        _build("cnn_deep", filter=3)
    with pytest.raises(ValueError, match="5 rates"):
        _build("cnn_deep", dropout=[0.1, 0.2])
    with pytest.raises(ValueError, match="too short"):
        _build("cnn_shallow", length=40)
    with pytest.raises(ValueError, match="init_std needs"):
        _build("cnn_deep", initializer="he_normal", init_std=0.1)


def test_hidden_layers_and_hook_positions():
    model = _build("cnn_deep")
    assert hidden_layer_names(model) == ["conv1_dropout", "conv2_pool", "conv3_pool", "conv4_pool", "dense1_dropout"]
    seen = []

    def hook(j, h):
        seen.append((j, tuple(h.shape[1:])))
        return h

    logits = run_logits(model, tf.constant(X), training=False, hook=hook)
    assert seen == [(0, (200, 4)), (1, (200, 24)), (2, (50, 32)), (3, (12, 48)), (4, (4, 64)), (5, (96,))]
    np.testing.assert_allclose(logits.numpy(), logit_model(model)(X).numpy(), rtol=1e-5, atol=1e-6)


def test_saved_model_loads_without_custom_objects(tmp_path):
    model = _build("dist_net")
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert hidden_layer_names(loaded) == hidden_layer_names(model)
