"""Regimes: real mixing, a per-step manifold layer, PGD inside ε, spectral norms against SVD, angles, phases."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqattr import regimes
from seqattr.models import build_model, run_logits

RNG = np.random.default_rng(0)
X = tf.constant(np.eye(4, dtype=np.float32)[RNG.integers(0, 4, (16, 200))])
Y = tf.constant(RNG.integers(0, 2, (16, 1)).astype(np.float32))


def _key(i):
    return tf.constant([7, i], tf.int64)


def _regime(spec, architecture="cnn_shallow", **options):
    keras.utils.set_random_seed(0)
    model = build_model({"architecture": architecture, "options": options}, (200, 4), 1)
    regime = regimes.make_regime(spec)
    regime.setup(model, seed=3)
    return regime, model


def test_names_and_errors():
    assert regimes.REGIMES == ("standard", "mixup", "manifold_mixup", "input_noise", "manifold_noise",
                               "adversarial", "spectral_norm", "angle_regularization", "two_phase",
                               "two_phase_manifold_mixup")
    with pytest.raises(ValueError, match="allowed: \\['standard', 'mixup'"):
        regimes.make_regime({"kind": "mix_up"})
    with pytest.raises(ValueError, match="'input_noise' does not take \\['alpha'\\]"):
        regimes.make_regime({"kind": "input_noise", "alpha": 1.0})
    assert regimes.make_regime({"kind": "mixup", "init_std": 0.1}).alpha == 1.0


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
        candidates = [run_logits(model, X, training=False,
                                 hook=lambda j, h, at=at: regimes.mix(h, lam, perm) if j == at else h)
                      for at in range(regime.choices())]
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
    spec = {"kind": "adversarial", "epsilon": 0.05, "step_size": 0.02, "iterations": 4, "clean_epochs": 2,
            "mixed_epochs": 3}
    regime, model = _regime(spec)
    adversarial = regime.perturb(X, Y)
    delta = (adversarial - X).numpy()
    assert np.abs(delta).max() <= 0.05 + 1e-6 and np.isclose(np.abs(delta).max(), 0.05)
    clean_loss = regimes.bce(Y, run_logits(model, X, training=False))
    assert regimes.bce(Y, run_logits(model, adversarial, training=False)) > clean_loss
    assert [regime.phase(e) for e in range(1, 8)] == ["clean"] * 2 + ["mixed"] * 3 + ["adversarial"] * 2
    x, y = regime.prepare(X, Y, _key(0), "mixed")
    assert x.shape[0] == y.shape[0] == 32 and np.array_equal(x[:16], X)


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


def test_sin2_angle_of_constructed_gradients():
    grads = tf.constant([[[1.0, 1.0, 1.0, 1.0], [1.0, -1.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0]]])
    np.testing.assert_allclose(regimes.sin2_angle(grads), [[1.0, 0.0, 0.25]], atol=1e-6)


def test_angle_penalty_is_added_and_has_a_weight_gradient():
    regime, model = _regime({"kind": "angle_regularization", "strength": 0.5}, dropout=0.0)
    with tf.GradientTape() as inner:
        inner.watch(X)
        grad = inner.gradient(tf.reduce_sum(run_logits(model, X, training=True)), X)
    expected = regimes.Regime.loss(regime, X, Y, _key(0), "train") + 0.5 * tf.reduce_mean(regimes.sin2_angle(grad))
    kernel = model.get_layer("conv1").kernel
    with tf.GradientTape(persistent=True) as tape:
        total = regime.loss(X, Y, _key(0), "train")
        plain = regimes.Regime.loss(regime, X, Y, _key(0), "train")
    np.testing.assert_allclose(float(total), float(expected), rtol=1e-5)
    second_order = (tape.gradient(total, kernel) - tape.gradient(plain, kernel)).numpy()
    assert np.abs(second_order).max() > 1e-6


def test_two_phase_switches_dropout_and_learning_rate():
    regime, model = _regime({"kind": "two_phase"}, architecture="baseline_cnn")
    optimizer = keras.optimizers.Adam(5e-4)
    rates = lambda: {layer.name: layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)}
    regime.begin_epoch(1, optimizer)
    assert regime.phase(2) == "phase1" and set(rates().values()) == {0.0}
    assert np.isclose(optimizer.learning_rate.numpy(), 1e-3)
    regime.begin_epoch(3, optimizer)
    assert regime.phase(3) == "phase2" and np.isclose(optimizer.learning_rate.numpy(), 1e-2)
    assert rates() == {"conv1_dropout": 0.4, "conv2_dropout": 0.4, "conv3_dropout": 0.4, "conv4_dropout": 0.4,
                       "dense1_dropout": 0.5}


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
