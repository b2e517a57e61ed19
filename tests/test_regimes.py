"""Regimes: real mixing, a per-step manifold layer, PGD inside ε, spectral norms against SVD, angles, phases."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqattr import regimes, tasks
from seqattr.correction import angles
from seqattr.models import build_model, run_logits

RNG = np.random.default_rng(0)
X = tf.constant(np.eye(4, dtype=np.float32)[RNG.integers(0, 4, (16, 200))])
Y = tf.constant(RNG.integers(0, 2, (16, 1)).astype(np.float32))


def _key(i):
    return tf.constant([7, i], tf.int64)


def _regime(spec, architecture="cnn_shallow", **options):
    keras.utils.set_random_seed(0)
    model = build_model({"architecture": architecture, "options": options}, (200, 4), 1, "binary")
    regime = regimes.make_regime(spec)
    regime.setup(model, seed=3)
    return regime, model


def test_names_and_errors():
    assert regimes.REGIMES == (
        "standard",
        "mixup",
        "manifold_mixup",
        "input_noise",
        "manifold_noise",
        "adversarial",
        "spectral_norm",
        "angle_regularization",
        "two_phase",
        "two_phase_manifold_mixup",
    )
    with pytest.raises(ValueError, match="allowed: \\['standard', 'mixup'"):
        regimes.make_regime({"kind": "mix_up"})
    with pytest.raises(ValueError, match="'input_noise' does not take \\['alpha'\\]"):
        regimes.make_regime({"kind": "input_noise", "alpha": 1.0})
    assert regimes.make_regime({"kind": "mixup", "init_std": 0.1}).alpha == 1.0


@pytest.mark.parametrize("kind", ["manifold_mixup", "manifold_noise", "two_phase_manifold_mixup"])
def test_a_manifold_regime_needs_hidden_blocks(kind):
    """A model whose layers are not named as the zoo's (conv<i>…, dense<i>…) has no hidden blocks to act on."""
    inputs = keras.Input((200, 4))
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(keras.layers.Flatten()(inputs))
    logits = keras.layers.Dense(1, name="logits")(hidden)
    model = keras.Model(inputs, keras.layers.Activation("sigmoid", name="probability")(logits), name="plain")
    with pytest.raises(
        ValueError, match=f"regime '{kind}' acts on hidden representations, but model plain has no hidden blocks"
    ):
        regimes.make_regime({"kind": kind}).setup(model, seed=0)


def test_init_std_is_merged_into_the_model_options():
    spec = {"architecture": "cnn_deep", "options": {"activation": "exponential"}}
    merged = regimes.model_spec(spec, {"kind": "standard", "init_std": 0.05})
    assert merged["options"] == {"activation": "exponential", "initializer": "normal", "init_std": 0.05}
    assert regimes.model_spec(spec, {"kind": "standard"}) is spec


def test_mixup_mixes_pairs_of_examples_and_their_labels():
    regime = regimes.make_regime({"kind": "mixup", "alpha": 1.0})
    values = tf.range(16, dtype=tf.float32)
    x = tf.tile(values[:, None, None], [1, 3, 4])  # example i is all i
    mixed_x, mixed_y = regime.prepare(x, values[:, None], _key(1), "train")
    assert not np.allclose(mixed_x, x)
    np.testing.assert_allclose(mixed_y[:, 0], mixed_x[:, 0, 0], rtol=1e-6)  # labels mixed with the same λ, partner
    np.testing.assert_allclose(tf.reduce_sum(mixed_x[:, 0, 0]), tf.reduce_sum(values), rtol=1e-5)  # a permutation
    lambdas = {round(float(regimes.beta(_key(i), 1.0)), 6) for i in range(20)}
    assert len(lambdas) == 20 and all(0 < v < 1 for v in lambdas)


def test_manifold_mixup_draws_its_layer_at_every_step():
    regime, model = _regime({"kind": "manifold_mixup"}, dropout=0.0)
    traced = tf.function(lambda key: regime.mixed_logits(X, Y, key, training=False))
    visited = []
    for i in range(12):
        layer, lam, k_perm = regime.draws(_key(i))
        perm = regimes.permutation(k_perm, 16)
        candidates = [
            run_logits(model, X, training=False, hook=lambda j, h, at=at: regimes.mix(h, lam, perm) if j == at else h)
            for at in range(regime.choices())
        ]
        logits, _ = traced(_key(i))
        matches = [at for at, c in enumerate(candidates) if np.allclose(logits, c, atol=1e-5)]
        assert int(layer) in matches
        visited.append(int(layer))
    assert traced.experimental_get_tracing_count() == 1
    assert len(set(visited)) > 1


def test_input_noise_has_the_configured_sigma():
    noisy, _ = regimes.make_regime({"kind": "input_noise", "sigma": 0.1}).prepare(X, Y, _key(0), "train")
    noise = (noisy - X).numpy()
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.1) < 0.005


def test_pgd_stays_inside_epsilon_and_raises_the_loss():
    spec = {
        "kind": "adversarial",
        "epsilon": 0.05,
        "step_size": 0.02,
        "iterations": 4,
        "clean_epochs": 2,
        "mixed_epochs": 3,
    }
    regime, model = _regime(spec)
    adversarial = regime.perturb(X, Y)
    delta = (adversarial - X).numpy()
    assert np.abs(delta).max() <= 0.05 + 1e-6 and np.isclose(np.abs(delta).max(), 0.05)
    clean_loss = tasks.bce(Y, run_logits(model, X, training=False))
    assert tasks.bce(Y, run_logits(model, adversarial, training=False)) > clean_loss
    assert [regime.phase(e) for e in range(1, 8)] == ["clean"] * 2 + ["mixed"] * 3 + ["adversarial"] * 2
    x, y = regime.prepare(X, Y, _key(0), "mixed")
    assert x.shape[0] == y.shape[0] == 32 and np.array_equal(x[:16], X)
    assert regime.warmup_epochs() == 2 and regime.step_sizes() == [0.02] * 4


def test_pgd_step_sizes_decay_as_specified():
    spec = {"kind": "adversarial", "epsilon": 1.0, "step_size": 0.01, "step_decay": 10, "iterations": 20}
    regime, _ = _regime(spec)
    np.testing.assert_allclose(regime.step_sizes(), [0.1 / (i + 10) for i in range(20)])  # paper 003's code
    regime.iterations = 3
    delta = np.abs((regime.perturb(X, Y) - X).numpy())
    np.testing.assert_allclose(delta.max(), 0.01 + 0.01 / 1.1 + 0.01 / 1.2, rtol=1e-4)  # the steps PGD takes


@pytest.mark.parametrize("clip", [False, True])
def test_pgd_clipping_keeps_inputs_in_the_one_hot_range(clip):
    regime, _ = _regime(
        {"kind": "adversarial", "epsilon": 0.2, "step_size": 0.01, "iterations": 20, "clip_inputs": clip}
    )
    adversarial = regime.perturb(X, Y).numpy()
    assert np.abs(adversarial - X.numpy()).max() <= 0.2 + 1e-6
    inside = adversarial.min() >= 0.0 and adversarial.max() <= 1.0
    assert inside == clip  # unclipped PGD does leave [0, 1]


def test_split_mixed_batch_is_half_clean_half_adversarial():
    regime, _ = _regime({"kind": "adversarial", "iterations": 2, "mixed_batch": "split"})
    x, y = regime.prepare(X, Y, _key(0), "mixed")
    changed = np.abs((x - X).numpy()).max(axis=(1, 2)) > 0
    assert x.shape == X.shape and np.array_equal(y, Y)
    assert changed.tolist() == [False] * 8 + [True] * 8
    np.testing.assert_array_equal(x[8:], regime.perturb(X[8:], Y[8:]))
    with pytest.raises(ValueError, match="mixed_batch must be one of \['concat', 'split'\]"):
        regimes.make_regime({"kind": "adversarial", "mixed_batch": "half"})


def test_spectral_penalty_matches_svd():
    regime, model = _regime({"kind": "spectral_norm", "strength": 0.01})
    kernels = [layer.kernel.numpy() for layer in model.layers if isinstance(layer, regimes.WEIGHTED)]
    sigmas = [np.linalg.svd(k.reshape(-1, k.shape[-1]), compute_uv=False)[0] for k in kernels]
    assert len(kernels) == 4
    np.testing.assert_allclose(float(regime.penalty()), 0.01 / 2 * np.sum(np.square(sigmas)), rtol=0.01)
    # d(λ/2 σ²)/dW = λ σ u1 v1ᵀ for the top singular pair (the power vectors carry no gradient)
    kernel = model.get_layer("dense1").kernel
    with tf.GradientTape() as tape:
        penalty = regime.penalty()
    u, s, vt = np.linalg.svd(kernel.numpy())
    np.testing.assert_allclose(tape.gradient(penalty, kernel), 0.01 * s[0] * np.outer(u[:, 0], vt[0]), atol=2e-4)


GRADS = np.array(
    [
        [[2, 0, 0, 0], [1, 1, 0, 0]],  # 30°, 45°
        [[0, -5, 0, 0], [0.1, 0.1, 0.1, 0]],  # −30°, 60°
        [[0, 0, 0, 0], [1, -1, 0, 0]],
    ],
    np.float32,
)  # 0°, 0°


def test_simplex_angles_of_constructed_gradients():
    np.testing.assert_allclose(regimes.simplex_angles(GRADS), [[30, 45], [-30, 60], [0, 0]], atol=1e-3)
    random = RNG.normal(size=(4, 50, 4)).astype(np.float32) * [[[1e-3]], [[1.0]], [[1e-18]], [[1e3]]]
    np.testing.assert_allclose(regimes.simplex_angles(random), angles(random), atol=1e-3)  # scale-free


def test_angle_penalty_is_the_batch_mean_of_the_l2_norm_of_degrees():
    expected = (np.sqrt(30**2 + 45**2) + np.sqrt(30**2 + 60**2) + 0.0) / 3  # the lab's regul.py penalty
    np.testing.assert_allclose(float(regimes.angle_penalty(GRADS)), expected, rtol=1e-5)
    with tf.GradientTape() as tape:
        grads = tf.constant(GRADS)
        tape.watch(grads)
        penalty = regimes.angle_penalty(grads)
    assert np.isfinite(tape.gradient(penalty, grads).numpy()).all()  # also at the zero gradient


def _linear_two_task_model(seed=0):
    """logits = flatten(x) · W + b: the input gradient of Σ σ(logits) is Σ_t σ'(f_t) W_t, by hand."""
    inputs = keras.Input((200, 4))
    logits = keras.layers.Dense(2, name="logits")(keras.layers.Flatten(name="flatten")(inputs))
    model = keras.Model(inputs, keras.layers.Activation("sigmoid", name="probability")(logits))
    rng = np.random.default_rng(seed)
    model.get_layer("logits").set_weights(
        [rng.normal(size=(800, 2)).astype(np.float32) * 0.1, np.array([0.0, 3.0], np.float32)]
    )
    return model


def test_angle_regularisation_penalises_the_sigmoid_outputs_gradient():
    model = _linear_two_task_model()
    regime = regimes.make_regime({"kind": "angle_regularization", "strength": 0.5})
    regime.setup(model, seed=3)
    kernel, bias = (w.numpy() for w in model.get_layer("logits").weights)
    f = X.numpy().reshape(16, -1) @ kernel + bias
    slope = np.exp(-f) / (1 + np.exp(-f)) ** 2  # σ'(f) per sequence and task
    grad = np.einsum("nt,lat->nla", slope, kernel.reshape(200, 4, 2))
    expected = 0.5 * np.mean(np.sqrt(np.sum(angles(grad) ** 2, axis=1)))  # degrees, L2 over positions, batch mean
    y = tf.concat([Y, 1 - Y], axis=1)
    penalty = regime.loss(X, y, _key(0), "train") - regimes.Regime.loss(regime, X, y, _key(0), "train")
    np.testing.assert_allclose(float(penalty), expected, rtol=1e-4)


def test_angle_penalty_has_a_weight_gradient():
    regime, model = _regime({"kind": "angle_regularization", "strength": 0.5}, dropout=0.0)
    kernel = model.get_layer("conv1").kernel
    with tf.GradientTape(persistent=True) as tape:
        total = regime.loss(X, Y, _key(0), "train")
        plain = regimes.Regime.loss(regime, X, Y, _key(0), "train")
    second_order = (tape.gradient(total, kernel) - tape.gradient(plain, kernel)).numpy()
    assert np.isfinite(second_order).all() and np.abs(second_order).max() > 1e-6


def test_two_phase_switches_dropout_and_learning_rate():
    regime, model = _regime({"kind": "two_phase"}, architecture="baseline_cnn")
    optimizer = keras.optimizers.Adam(5e-4)

    def rates():
        return {layer.name: layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)}

    regime.begin_epoch(1, optimizer)
    assert regime.phase(2) == "phase1" and set(rates().values()) == {0.0}
    assert np.isclose(optimizer.learning_rate.numpy(), 1e-3)
    regime.begin_epoch(3, optimizer)
    assert regime.phase(3) == "phase2" and np.isclose(optimizer.learning_rate.numpy(), 1e-2)
    assert rates() == {
        "conv1_dropout": 0.4,
        "conv2_dropout": 0.4,
        "conv3_dropout": 0.4,
        "conv4_dropout": 0.4,
        "dense1_dropout": 0.5,
    }


def test_two_phase_manifold_mixup_keeps_the_schedule_and_mixes_in_both_phases():
    regime, model = _regime({"kind": "two_phase_manifold_mixup", "alpha": 0.5}, architecture="baseline_cnn")
    optimizer = keras.optimizers.Adam(5e-4)
    assert regime.alpha == 0.5 and regime.phase2_dropout == 0.4
    for epoch in (1, 3):
        regime.begin_epoch(epoch, optimizer)
        loss = float(regime.loss(X, Y, _key(epoch), regime.phase(epoch)))
        plain = float(regimes.Regime.loss(regime, X, Y, _key(epoch), regime.phase(epoch)))
        assert np.isfinite(loss) and not np.isclose(loss, plain)
    assert np.isclose(optimizer.learning_rate.numpy(), 1e-2)
