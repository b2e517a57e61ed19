"""Attribution methods: exact values on a linear model, completeness, limits, seeds, batching, ISM."""

import logging
import os
import runpy
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from seqattr.attribution import attribute, ism_variants
from seqattr import data
from seqattr.data import one_hot
from seqattr.shuffle import shuffle

RNG = np.random.default_rng(0)
L = 30
X = one_hot(["".join(RNG.choice(list("ACGT"), L)) for _ in range(6)])


def _named_output(inputs, hidden, tasks=1):
    logits = keras.layers.Dense(tasks, name="logits")(hidden)
    return keras.Model(inputs, keras.layers.Activation("sigmoid", name="probability")(logits))


def _trunk(seed):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((L, 4))
    hidden = keras.layers.Conv1D(4, 5, activation="relu", padding="same")(inputs)
    return inputs, keras.layers.Dense(8, activation="tanh")(keras.layers.Flatten()(hidden))


@pytest.fixture(scope="module")
def three_task_cnn():
    return _named_output(*_trunk(3), tasks=3)


def _only_output(model, task):
    """The same layers with one output: the trunk shared, the logits layer cut to column ``task``."""
    logits = model.get_layer("logits")
    single = keras.layers.Dense(1, name="logits")
    head = single(logits.input)
    kernel, bias = logits.get_weights()
    single.set_weights([kernel[:, task : task + 1], bias[task : task + 1]])
    return keras.Model(model.inputs, keras.layers.Activation("sigmoid", name="probability")(head))


@pytest.fixture(scope="module")
def linear():
    """f(x) = Σ W·x + b with the logit as the output (target='logit')."""
    keras.utils.set_random_seed(1)
    inputs = keras.Input((L, 4))
    model = _named_output(inputs, keras.layers.Flatten()(inputs))
    return model, model.get_layer("logits").get_weights()[0].reshape(L, 4)


@pytest.fixture(scope="module")
def cnn():
    keras.utils.set_random_seed(2)
    inputs = keras.Input((L, 4))
    hidden = keras.layers.Conv1D(4, 5, activation="relu", padding="same")(inputs)
    hidden = keras.layers.Dense(8, activation="tanh")(keras.layers.Flatten()(hidden))
    return _named_output(inputs, hidden)


def _logit(model, x):
    return keras.Model(model.inputs, model.get_layer("logits").output).predict(x, verbose=0)[:, 0]


@pytest.mark.parametrize(
    "method",
    [
        {"kind": "saliency"},
        {"kind": "smoothgrad", "samples": 4, "sigma": 0.3},
        {"kind": "integrated_gradients", "steps": 5},
    ],
)
def test_linear_model_gradient_is_the_weights(linear, method):
    model, W = linear
    G = attribute(model, X, method, target="logit")
    np.testing.assert_allclose(G, np.broadcast_to(W, G.shape), rtol=1e-5, atol=1e-6)


def test_linear_model_completeness(linear):
    model, _ = linear
    G = attribute(model, X, {"kind": "integrated_gradients", "steps": 3, "baseline": "shuffle"}, target="logit")
    baselines = shuffle(X, "mononucleotide", 1, 0, 0)[:, 0]
    np.testing.assert_allclose(
        ((X - baselines) * G).sum((1, 2)), _logit(model, X) - _logit(model, baselines), rtol=1e-4, atol=1e-5
    )


def test_integrated_gradients_completeness_on_a_cnn(cnn):
    G = attribute(cnn, X, {"kind": "integrated_gradients", "steps": 100, "baseline": "zeros"})
    f = cnn.predict(X, verbose=0)[:, 0]
    f0 = cnn.predict(np.zeros_like(X), verbose=0)[:, 0]
    assert (np.abs((X * G).sum((1, 2)) - (f - f0)) <= 0.01 * np.abs(f - f0)).all()


def test_smoothgrad_with_tiny_noise_is_saliency(cnn):
    saliency = attribute(cnn, X, {"kind": "saliency"})
    smooth = attribute(cnn, X, {"kind": "smoothgrad", "samples": 3, "sigma": 1e-6})
    np.testing.assert_allclose(smooth, saliency, rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize(
    "method",
    [
        {"kind": "smoothgrad", "samples": 5},
        {"kind": "expected_gradients", "references": 3, "steps": 4},
        {"kind": "integrated_gradients", "steps": 4, "baseline": "shuffle"},
        {"kind": "ism"},
    ],
)
def test_batch_size_does_not_matter(cnn, method):
    one = attribute(cnn, X, method, batch_size=1, seed=3)
    many = attribute(cnn, X, method, batch_size=4, seed=3)
    np.testing.assert_allclose(one, many, rtol=1e-4, atol=1e-6)


def test_progress_is_logged_per_batch(cnn, caplog):
    with caplog.at_level(logging.INFO, logger="seqattr"):
        attribute(cnn, X, {"kind": "saliency"}, batch_size=4)
    progress = [r.getMessage() for r in caplog.records if r.name.startswith("seqattr")]
    assert progress == ["saliency: batch 1/2", "saliency: batch 2/2"]


@pytest.mark.parametrize(
    "method",
    [
        {"kind": "smoothgrad", "samples": 5},
        {"kind": "expected_gradients", "references": 3, "steps": 4, "shuffle": "dinucleotide"},
    ],
)
def test_seed_reproduces_and_another_seed_differs(cnn, method):
    first = attribute(cnn, X, method, seed=7)
    np.testing.assert_array_equal(first, attribute(cnn, X, method, seed=7))
    assert not np.allclose(first, attribute(cnn, X, method, seed=8))


def test_ism_equals_brute_force_mutants(cnn):
    G = attribute(cnn, X[:2], {"kind": "ism"}, batch_size=1)
    mutants = []
    for n in range(2):
        for position in range(L):
            for base in range(4):
                mutant = X[n].copy()
                mutant[position] = np.eye(4)[base]
                mutants.append(mutant)
    f = cnn.predict(X[:2], verbose=0)[:, 0]
    expected = cnn.predict(np.array(mutants), verbose=0)[:, 0].reshape(2, L, 4) - f[:, None, None]
    np.testing.assert_allclose(G, expected, atol=1e-6)
    np.testing.assert_array_equal(G[X[:2] == 1], 0)


def test_ism_variants_layout():
    variants = np.asarray(ism_variants(X[:2], 7))
    assert variants.shape == (2, 4, L, 4)
    np.testing.assert_array_equal(variants[1, 2, 7], [0, 0, 1, 0])
    np.testing.assert_array_equal(np.delete(variants[1, 2], 7, 0), np.delete(X[1], 7, 0))


def test_probability_gradient_is_sigmoid_slope_times_logit_gradient(cnn):
    logit = attribute(cnn, X, {"kind": "saliency"}, target="logit")
    probability = attribute(cnn, X, {"kind": "saliency"}, target="probability")
    p = cnn.predict(X, verbose=0)[:, 0]
    np.testing.assert_allclose(probability, logit * (p * (1 - p))[:, None, None], rtol=1e-4, atol=1e-7)


def test_bad_arguments_are_named(cnn):
    with pytest.raises(ValueError, match="unknown attribution method"):
        attribute(cnn, X, {"kind": "deeplift"})
    with pytest.raises(ValueError, match="unknown attribution target"):
        attribute(cnn, X, {"kind": "saliency"}, target="softmax")
    with pytest.raises(ValueError, match="unknown baseline"):
        attribute(cnn, X, {"kind": "integrated_gradients", "baseline": "uniform"})
    with pytest.raises(ValueError, match="task 1 is out of range"):
        attribute(cnn, X, {"kind": "saliency"}, task=1)


def test_sequence_selection():
    from seqattr.attribution import select_sequences

    y = np.array([[1, 0], [0, 1], [1, 1], [1, 0]])
    np.testing.assert_array_equal(select_sequences(y, "positives", 0, task_type="binary"), [0, 2, 3])
    np.testing.assert_array_equal(select_sequences(y, "positives", 1, 1, task_type="binary"), [1])
    np.testing.assert_array_equal(select_sequences(y, "all", 0, 3, task_type="binary"), [0, 1, 2])


def test_regression_positives_are_the_upper_half_of_each_task():
    from seqattr.attribution import select_sequences

    y = np.array([[0.1, 5.0], [3.0, -1.0], [2.0, 0.0], [-4.0, 2.0], [7.0, 1.0]])  # medians 2.0 and 1.0
    np.testing.assert_array_equal(select_sequences(y, "positives", 0, task_type="regression"), [1, 4])
    np.testing.assert_array_equal(select_sequences(y, "positives", 1, task_type="regression"), [0, 3])
    np.testing.assert_array_equal(select_sequences(y, "all", 1, 2, task_type="regression"), [0, 1])


@pytest.mark.parametrize("target", ["probability", "logit"])
@pytest.mark.parametrize(
    "method",
    [{"kind": "saliency"}, {"kind": "integrated_gradients", "steps": 5}, {"kind": "ism"}],
    ids=lambda m: m["kind"],
)
def test_each_task_is_attributed_as_a_model_with_only_that_output(three_task_cnn, method, target):
    maps = [attribute(three_task_cnn, X, method, target, task=t) for t in range(3)]
    for t in range(3):
        alone = attribute(_only_output(three_task_cnn, t), X, method, target, task=0)
        np.testing.assert_allclose(maps[t], alone, rtol=1e-4, atol=1e-6)
    assert not np.allclose(maps[0], maps[1], atol=1e-4)  # the tasks' maps do differ


def test_attribute_script(three_task_cnn, tmp_path, monkeypatch):
    cnn = three_task_cnn
    monkeypatch.chdir(tmp_path)  # GPU lock files, if any, stay in the test's folder
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", os.environ.get("CUDA_VISIBLE_DEVICES", ""))
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")
    y = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 1], [1, 1, 0], [0, 1, 1], [1, 0, 0]])  # task 1 is attributed
    truth = np.full_like(X, 0.25)
    data.write_dataset(tmp_path / "data.h5", {"test": {"x": np.swapaxes(X, 1, 2), "y": y, "model": truth}})
    cnn.save(tmp_path / "model.keras")
    method = {"kind": "smoothgrad", "samples": 3}
    selection = {"target": "logit", "sequences": "positives", "max_sequences": 3}
    snakemake = SimpleNamespace(
        input=SimpleNamespace(model=str(tmp_path / "model.keras"), data=str(tmp_path / "data.h5")),
        output=SimpleNamespace(h5=str(tmp_path / "out.h5")),
        params=SimpleNamespace(method=method, selection=selection, task=1, task_type="binary", key_map=None, seed=4),
        config={"jobs_per_gpu": 1, "attribution": {"batch_size": 2}},  # how the job runs: not params
        threads=1,
        log=[],
    )
    runpy.run_path(
        str(Path(__file__).resolve().parents[1] / "scripts" / "attribute.py"), init_globals={"snakemake": snakemake}
    )
    out = data.read_h5(tmp_path / "out.h5")
    chosen = [1, 2, 3]  # the first three positives of task 1
    np.testing.assert_array_equal(out["indices"], chosen)
    np.testing.assert_array_equal(out["x"], X[chosen])  # the file's (N, 4, L) layout was read back
    np.testing.assert_allclose(
        out["G"], attribute(cnn, X[chosen], method, "logit", task=1, seed=4), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(out["prediction"], cnn.predict(X[chosen], verbose=0)[:, 1], rtol=1e-5)
    np.testing.assert_array_equal(out["y"], [1, 1, 1])
    np.testing.assert_array_equal(out["model"], truth[chosen])
    assert data.read_attrs(tmp_path / "out.h5") == {
        "method": method,
        "forward_only": False,
        "target": "logit",
        "task": 1,
        "task_type": "binary",
        "seed": 4,
    }
