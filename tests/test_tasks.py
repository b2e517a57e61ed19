"""Task types: output activation, metrics on known values, a regression and a 3-task binary target learned,
selection by mean Pearson r, mixing regimes on real-valued targets."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from seqattr import tasks, training
from seqattr.models import build_model, logit_model

L = 150  # local_net pools by 50: one pooled position per third


def _sequences(gc: np.ndarray, seed: int) -> np.ndarray:
    """One-hot sequences whose position (i, l) is G or C with probability gc[i, l]."""
    rng = np.random.default_rng(seed)
    strong = rng.random(gc.shape) < gc
    base = np.where(strong, rng.choice([1, 2], gc.shape), rng.choice([0, 3], gc.shape))
    return np.eye(4, dtype=np.float32)[base]


def _regression(n, seed):
    """Target: the standardised GC fraction of a sequence whose GC probability is drawn per sequence."""
    gc = np.random.default_rng(seed + 100).uniform(0.2, 0.8, (n, 1)) * np.ones((1, L))
    x = _sequences(gc, seed)
    fraction = x[..., 1:3].sum((1, 2)) / L
    return {"x": x, "y": ((fraction - 0.5) / 0.15).astype(np.float32)[:, None]}


def _three_tasks(n, seed):
    """Task t is 1 when the t-th third of the sequence is GC-rich (0.8 against 0.5), independently."""
    y = np.random.default_rng(seed + 100).integers(0, 2, (n, 3)).astype(np.float32)
    gc = np.repeat(np.where(y == 1, 0.8, 0.5), L // 3, axis=1)
    return {"x": _sequences(gc, seed), "y": y}


def _data(make):
    return {"train": make(300, 1), "valid": make(100, 2), "test": make(200, 3)}


def _train(tmp_path, data, task, regime=None, settings=None, seed=1):
    training.seed_everything(seed)
    model = build_model(
        {"architecture": "local_net", "options": {"dropout": 0.0}}, (L, 4), data["train"]["y"].shape[1], task
    )
    result = training.train(
        model,
        data,
        regime or {"kind": "standard"},
        settings or {"epochs": 8, "batch_size": 20, "learning_rate": 0.01},
        seed=seed,
        checkpoint_dir=tmp_path / "ckpt",
        history_path=tmp_path / "history.tsv",
        label=task,
    )
    return model, result


def test_the_output_layer_follows_the_task_type():
    x = _regression(4, 0)["x"]
    for name, task in tasks.TASKS.items():
        model = build_model({"architecture": "cnn_shallow"}, (L, 4), 2, name)
        assert [layer.name for layer in model.layers[-2:]] == ["logits", "probability"]
        assert tasks.of_model(model) is task
        logits = logit_model(model).predict(x, verbose=0)
        np.testing.assert_allclose(model.predict(x, verbose=0), np.asarray(task.output(logits)), rtol=1e-5)
    with pytest.raises(ValueError, match="unknown task type 'ordinal'; allowed: \\['binary', 'regression'\\]"):
        tasks.task_type("ordinal")


def test_binary_metrics_known_values():
    y = np.array([[0, 1], [1, 1], [0, 1], [1, 1]], dtype=float)
    logits = np.array([[-2.0, 0.0], [3.0, 1.0], [1.0, 2.0], [2.0, -1.0]])
    metrics = tasks.BINARY.evaluate(y, logits)
    assert metrics["auroc"] == 1.0 and metrics["aupr"] == 1.0 and metrics["n_test"] == 4  # task 2: one class
    assert metrics["task_type"] == "binary" and metrics["per_task"][0] == {"task": 0, "auroc": 1.0, "aupr": 1.0}
    assert np.isnan(metrics["per_task"][1]["auroc"])
    p = 1 / (1 + np.exp(-logits))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert np.isclose(metrics["loss"], expected)
    assert np.isclose(tasks.binary_metrics(y, p)["loss"], expected)
    assert np.isnan(tasks.BINARY.evaluate(y, np.full_like(logits, np.nan))["auroc"])


def test_regression_metrics_known_values():
    y = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 5.0]])
    predicted = np.array([[2.0, 1.0], [4.0, 1.0], [6.0, 1.0], [8.0, 1.0]])  # task 1: constant prediction
    metrics = tasks.REGRESSION.evaluate(y, predicted)
    first, second = metrics["per_task"]
    assert first["pearson"] == pytest.approx(1.0) and first["spearman"] == pytest.approx(1.0)
    assert first["mse"] == pytest.approx(np.mean((y[:, 0] - predicted[:, 0]) ** 2)) == 7.5
    assert np.isnan(second["pearson"]) and second["mse"] == pytest.approx(4.5)
    assert metrics["pearson"] == pytest.approx(1.0)  # mean over the tasks where r is defined
    assert metrics["mse"] == pytest.approx((7.5 + 4.5) / 2) and metrics["loss"] == pytest.approx(metrics["mse"])


def test_a_regression_target_is_learned(tmp_path):
    model, result = _train(tmp_path, _data(_regression), "regression")
    assert result.metrics["task_type"] == "regression" and result.metrics["pearson"] > 0.9, result.metrics
    assert set(result.metrics["per_task"][0]) == {"task", "pearson", "spearman", "mse"}
    history = pd.read_csv(tmp_path / "history.tsv", sep="\t")
    assert list(history.columns) == training.history_columns(tasks.REGRESSION)
    assert "val_pearson" in history and "val_auroc" not in history
    # the kept epoch is the best mean Pearson r, whatever the loss says
    assert result.metrics["best_epoch"] == int(history["val_pearson"].idxmax()) + 1


def test_three_binary_tasks_are_learned(tmp_path):
    _, result = _train(tmp_path, _data(_three_tasks), "binary")
    per_task = result.metrics["per_task"]
    assert [row["task"] for row in per_task] == [0, 1, 2]
    assert min(row["auroc"] for row in per_task) > 0.9, per_task
    assert result.metrics["auroc"] == pytest.approx(np.mean([row["auroc"] for row in per_task]))


def test_early_stopping_selects_by_mean_pearson(tmp_path, monkeypatch):
    pearsons = iter([0.2, 0.6, 0.5, 0.4, 0.3, 0.9])  # validation r per epoch: the best is epoch 2 until epoch 6
    scripted = dataclasses.replace(
        tasks.REGRESSION, measure=lambda *args: {**tasks.REGRESSION.measure(*args), "pearson": next(pearsons, 0.0)}
    )
    monkeypatch.setattr(training, "of_model", lambda model: scripted)
    _, result = _train(
        tmp_path,
        _data(_regression),
        "regression",
        settings={"epochs": 6, "batch_size": 50, "early_stopping_patience": 3},
    )
    assert result.metrics["best_epoch"] == 2 and result.metrics["epochs_run"] == 5  # stopped before epoch 6


@pytest.mark.parametrize("kind", ["mixup", "manifold_mixup", "adversarial", "angle_regularization"])
def test_regimes_train_regression_models(tmp_path, kind):
    regime = {
        "kind": kind,
        **({"clean_epochs": 0, "mixed_epochs": 0, "iterations": 2} if kind == "adversarial" else {}),
    }
    model, result = _train(tmp_path, _data(_regression), "regression", regime, {"epochs": 1, "batch_size": 50})
    assert np.isfinite(result.history[0]["loss"]) and np.isfinite(result.metrics["mse"])
