"""Task types: what a model's outputs mean, the loss that trains them and the scores that judge them.

A dataset declares its ``task`` (config ``datasets.<name>.task``; binary by default, in the
schema). Every model ends in a Dense layer ``logits`` followed by an Activation layer
``probability``, whose activation is the task type's: sigmoid for ``binary`` (one independent
probability per task), linear for ``regression`` (``probability`` then equals ``logits``; the
names stay so attribution targets and pretrained layouts are the same for both). The task type
is therefore readable from a built or loaded model (:func:`of_model`).

Validation selects the kept epoch and drives the plateau decay and early stopping by the task
type's ``score``, averaged over the model's outputs: mean AUROC (binary) or mean Pearson r
(regression).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import tensorflow as tf
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import average_precision_score, roc_auc_score


def bce(y, logits):
    """Mean binary cross-entropy over examples and tasks, computed from the logits."""
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.cast(y, logits.dtype), logits=logits))


def mse(y, predictions):
    """Mean squared error over examples and tasks."""
    return tf.reduce_mean(tf.square(tf.cast(y, predictions.dtype) - predictions))


def _columns(y, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    return y, np.asarray(scores, dtype=np.float64).reshape(len(y), -1)


def _summary(per_task: list[dict], names, loss: float, n: int) -> dict:
    """Every metric averaged over the tasks where it is defined (NaN where none), plus the per-task rows."""
    means = {}
    for name in names:
        values = [row[name] for row in per_task if np.isfinite(row[name])]
        means[name] = float(np.mean(values)) if values else float("nan")
    return {**means, "loss": loss, "n_test": int(n), "per_task": per_task}


def binary_metrics(y, scores, from_logits: bool = False) -> dict:
    """AUROC and AUPR per task and averaged (a task with one class only is NaN and skipped), mean BCE.

    Non-finite scores (a diverged model) give NaN metrics rather than an error.
    """
    y, scores = _columns(y, scores)
    nan = float("nan")
    if not np.isfinite(scores).all():
        return _summary([dict(task=t, auroc=nan, aupr=nan) for t in range(y.shape[1])], BINARY.metrics, nan, len(y))
    if from_logits:
        loss = np.maximum(scores, 0) - scores * y + np.log1p(np.exp(-np.abs(scores)))
    else:
        p = np.clip(scores, 1e-7, 1 - 1e-7)
        loss = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    per_task = []
    for t in range(y.shape[1]):
        both = len(np.unique(y[:, t])) == 2
        per_task.append(
            dict(
                task=t,
                auroc=float(roc_auc_score(y[:, t], scores[:, t])) if both else nan,
                aupr=float(average_precision_score(y[:, t], scores[:, t])) if both else nan,
            )
        )
    return _summary(per_task, BINARY.metrics, float(loss.mean()), len(y))


def _correlation(function, a, b) -> float:
    """A correlation coefficient, NaN when either side is constant (it is undefined there)."""
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(function(a, b)[0])


def regression_metrics(y, predictions) -> dict:
    """Pearson r, Spearman ρ and MSE per task and averaged; the loss is the MSE over everything."""
    y, predictions = _columns(y, predictions)
    nan = float("nan")
    if not np.isfinite(predictions).all():
        rows = [dict(task=t, pearson=nan, spearman=nan, mse=nan) for t in range(y.shape[1])]
        return _summary(rows, REGRESSION.metrics, nan, len(y))
    per_task = [
        dict(
            task=t,
            pearson=_correlation(pearsonr, y[:, t], predictions[:, t]),
            spearman=_correlation(spearmanr, y[:, t], predictions[:, t]),
            mse=float(np.mean((y[:, t] - predictions[:, t]) ** 2)),
        )
        for t in range(y.shape[1])
    ]
    return _summary(per_task, REGRESSION.metrics, float(np.mean((y - predictions) ** 2)), len(y))


@dataclass(frozen=True)
class TaskType:
    """One kind of prediction: output activation, training loss on the logits, metrics, selection score."""

    name: str
    activation: str  # of the ``probability`` layer
    loss: Callable  # (y, logits) → scalar tensor, the training objective
    measure: Callable  # (y, logits as NumPy) → metrics per task and averaged
    metrics: tuple[str, ...]  # per-task metric names, averaged in the summary
    score: str  # the metric, averaged over tasks, that selects the kept epoch (higher is better)

    def output(self, logits):
        """The model output of these logits (what attribution's ``target: probability`` differentiates)."""
        return tf.sigmoid(logits) if self.activation == "sigmoid" else logits

    def evaluate(self, y, logits) -> dict:
        """Metrics per task and averaged over tasks, the loss and N, labelled with this task type."""
        return {"task_type": self.name, **self.measure(y, logits)}


BINARY = TaskType(
    "binary", "sigmoid", bce, lambda y, logits: binary_metrics(y, logits, from_logits=True), ("auroc", "aupr"), "auroc"
)
REGRESSION = TaskType("regression", "linear", mse, regression_metrics, ("pearson", "spearman", "mse"), "pearson")
TASKS = {task.name: task for task in (BINARY, REGRESSION)}


def task_type(name: str) -> TaskType:
    """The registered task type ``name``; an unknown name is an error naming the allowed ones."""
    if name not in TASKS:
        raise ValueError(f"unknown task type '{name}'; allowed: {sorted(TASKS)}")
    return TASKS[name]


def of_model(model) -> TaskType:
    """The task type a model was built for, read from its ``probability`` layer's activation."""
    activation = model.get_layer("probability").get_config()["activation"]
    for task in TASKS.values():
        if task.activation == activation:
            return task
    raise ValueError(f"model {model.name}: output activation '{activation}' belongs to no task type")
