"""The training loop: Adam, plateau decay and early stopping on the validation score, resumable.

The score is the task type's (``seqattr.tasks``), averaged over the model's outputs: mean AUROC
for binary tasks, mean Pearson r for regression.

One graph per regime phase runs a whole optimisation step (batch gather, regime transform,
loss, update) on data that stays on the device. After every epoch the loop writes the
history TSV and a checkpoint (weights, optimizer, regime state, best weights, counters, the
shuffling generator) in one atomic file, so a killed job resumes exactly where it stopped:
on CPU the resumed run ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from seqattr import checkpoint as checkpoints
from seqattr import schema
from seqattr.data import atomic_write, write_tsv
from seqattr.models import run_logits
from seqattr.regimes import make_regime
from seqattr.tasks import TaskType, of_model


class TrainingError(RuntimeError):
    """Training diverged (a NaN or infinite loss, or a kept epoch's validation loss above ``max_val_loss``);
    partial outputs have been removed."""


_DEFAULTS = schema.defaults("training")  # paper 001 appendix A, written in the config schema


@dataclass(frozen=True)
class Settings:
    """Config ``training:``; the defaults are the config schema's (paper 001 appendix A)."""

    epochs: int = _DEFAULTS["epochs"]
    batch_size: int = _DEFAULTS["batch_size"]
    learning_rate: float = _DEFAULTS["learning_rate"]
    lr_decay_factor: float = _DEFAULTS["lr_decay_factor"]
    lr_patience: int = _DEFAULTS["lr_patience"]
    early_stopping_patience: int = _DEFAULTS["early_stopping_patience"]
    save_epochs: list[int] | str = field(default_factory=lambda: list(_DEFAULTS["save_epochs"]))
    restore_best_weights: bool = _DEFAULTS["restore_best_weights"]  # False: the last epoch's weights (paper 000)
    max_val_loss: float | None = None  # the divergence guard (the config's default is in the schema); None: off

    @classmethod
    def from_dict(cls, settings: dict | None) -> "Settings":
        settings = dict(settings or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ValueError(f"unknown training settings {unknown}; allowed: {sorted(known)}")
        out = cls(**settings)
        if out.epochs < 1 or out.batch_size < 1:
            raise ValueError(f"training needs epochs ≥ 1 and batch_size ≥ 1, got {out.epochs} and {out.batch_size}")
        return out

    def saves(self, epoch: int) -> bool:
        return self.save_epochs == "all" or epoch in (self.save_epochs or [])

    def diverged(self, history: list[dict], best_epoch: int | None) -> str | None:
        """Why the epoch the run keeps looks diverged (validation loss above ``max_val_loss``), or None."""
        kept = best_epoch if self.restore_best_weights else len(history)
        loss = history[kept - 1]["val_loss"]
        if self.max_val_loss is None or loss <= self.max_val_loss:
            return None
        return (
            f"epoch {kept}, the one kept, has validation loss {loss:.3g} > training.max_val_loss "
            f"{self.max_val_loss:g} (the task's loss: binary cross-entropy, where a constant prediction scores "
            f"about 0.69, or mean squared error); lower the learning rate"
        )


@dataclass
class TrainResult:
    history: list[dict]
    metrics: dict


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow, and make TensorFlow ops deterministic."""
    keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()


def set_threads(threads: int, log: logging.Logger | None = None) -> None:
    """Use ``threads`` intra-op threads; must run before TensorFlow starts executing ops."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
    except RuntimeError as error:
        (log or logging.getLogger("seqattr")).warning("could not set %s threads: %s", threads, error)


def history_columns(task: TaskType) -> list[str]:
    """Columns of ``history.tsv``: losses, the task type's validation metrics (averaged over tasks), lr, time."""
    return ["epoch", "loss", "val_loss", *(f"val_{m}" for m in task.metrics), "lr", "seconds"]


def save_model(model: keras.Model, path) -> None:
    """Save a ``.keras`` file atomically (Keras insists on the suffix, so the temporary name keeps it)."""
    with atomic_write(path, keep_suffix=True) as partial:
        model.save(partial)


def schedule(state: dict, epoch: int, score: float, settings: Settings, warmup: int = 0) -> tuple[bool, bool]:
    """Update the plateau and early-stopping counters after ``epoch``; return (improved, decay lr).

    Like Keras' ReduceLROnPlateau and EarlyStopping on the validation score (mode max, no min
    delta, no cooldown): the counters reset on improvement; the rate decays when the plateau counter
    reaches ``lr_patience`` (which then restarts) and training stops when the other reaches
    ``early_stopping_patience``. The first ``warmup`` epochs (a regime's, e.g. adversarial
    training's clean phase) change nothing, so the best epoch comes after them.
    """
    if epoch <= warmup:
        return False, False
    if state["best_epoch"] is None or score > state["best_score"]:
        state.update(best_score=score, best_epoch=epoch, lr_wait=0, es_wait=0)
        return True, False
    state["lr_wait"] += 1
    state["es_wait"] += 1
    decay = state["lr_wait"] >= settings.lr_patience
    if decay:
        state["lr_wait"] = 0
    state["stopped"] = state["es_wait"] >= settings.early_stopping_patience
    return False, decay


def _step_graph(model, optimizer, regime, phase: str, seed: int):
    """One optimisation step of ``phase``: gather the batch, transform it, update the weights."""
    variables = model.trainable_variables
    seed = tf.constant(seed, tf.int64)

    @tf.function(reduce_retracing=True)
    def step(x_all, y_all, index):
        x, y = tf.gather(x_all, index), tf.gather(y_all, index)
        key = tf.stack([seed, tf.cast(optimizer.iterations, tf.int64)])
        k_prepare, k_loss = tf.unstack(tf.random.experimental.stateless_split(key, 2))
        x, y = regime.prepare(x, y, k_prepare, phase)
        with tf.GradientTape() as tape:
            loss = regime.loss(x, y, k_loss, phase)
        optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    return step


def _epoch_loss(step, x, y, order: np.ndarray, batch_size: int) -> float:
    """Run the steps of one epoch in ``order``; the mean loss per example."""
    total = tf.constant(0.0)
    for i in range(0, len(order), batch_size):
        index = order[i : i + batch_size]
        total += step(x, y, index) * len(index)
    return float(total) / len(order)


def _predictor(model, batch_size: int = 1000):
    """Inference-mode logits of a whole array, in batches, through one traced graph."""
    graph = tf.function(lambda b: run_logits(model, b, training=False), reduce_retracing=True)

    def predict(x) -> np.ndarray:
        x = tf.constant(np.asarray(x, np.float32))
        return np.concatenate([graph(x[i : i + batch_size]).numpy() for i in range(0, int(x.shape[0]), batch_size)])

    return predict


def _remove(*paths) -> None:
    for path in paths:
        if path is None:
            continue
        path = Path(path)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def train(
    model: keras.Model,
    data: dict,
    regime: dict,
    settings: dict,
    *,
    seed: int,
    checkpoint_dir,
    history_path,
    epochs_dir=None,
    label: str = "model",
    log: logging.Logger | None = None,
) -> TrainResult:
    """Train ``model`` on ``data`` (``{"train"|"valid"|"test": {"x", "y"}}``); resume from ``checkpoint_dir``.

    ``settings`` are the run's training settings, a regime's own ``training:`` already on top of the
    config's (``seqattr.config.training_settings``, which the workflow applies before the job).

    The model's output layer says its task type (``seqattr.tasks.of_model``): the loss, the
    validation score and the metrics follow it. Returns the per-epoch history and the test
    metrics (per task and averaged) of the best epoch's weights (which the model holds on
    return); the best epoch is chosen after the regime's warm-up epochs. A NaN or infinite
    loss, or a kept epoch whose validation loss exceeds ``max_val_loss``, raises TrainingError
    after removing the history, the per-epoch models and the checkpoint.
    """
    log = log or logging.getLogger("seqattr")
    settings = Settings.from_dict(settings)
    regime_obj = make_regime(regime)
    task = of_model(model)
    warmup = regime_obj.warmup_epochs()
    if settings.restore_best_weights and warmup >= settings.epochs:
        raise ValueError(
            f"{label}: regime '{regime_obj.kind}' warms up for {warmup} of its {settings.epochs} epochs, "
            "so no epoch could be restored as the best; train longer or keep the last epoch"
        )
    regime_obj.setup(model, seed)
    optimizer = keras.optimizers.Adam(settings.learning_rate)
    optimizer.build(model.trainable_variables)
    fingerprint = checkpoints.fingerprint(
        architecture=checkpoints.architecture(model),
        parameters=model.count_params(),
        task=task.name,
        regime=regime,
        seed=seed,
        data=checkpoints.data_digest(data),
        training={k: v for k, v in asdict(settings).items() if k not in ("epochs", "max_val_loss")},
    )
    groups = {"model": model.variables, "optimizer": optimizer.variables, "regime": regime_obj.variables}
    checkpoint = checkpoints.Checkpoint(checkpoint_dir, groups, fingerprint, settings.epochs)
    with checkpoints.exclusive(checkpoint_dir, label):
        return _train_locked(
            model,
            data,
            task,
            regime_obj,
            optimizer,
            settings,
            checkpoint,
            seed=seed,
            history_path=history_path,
            epochs_dir=epochs_dir,
            label=label,
            log=log,
        )


def _train_locked(
    model, data, task, regime_obj, optimizer, settings, checkpoint, *, seed, history_path, epochs_dir, label, log
) -> TrainResult:
    """The loop of ``train``, while this process holds the checkpoint's lock."""
    checkpoint_dir = checkpoint.path.parent
    warmup = regime_obj.warmup_epochs()
    x_train, y_train = (tf.constant(np.asarray(data["train"][k], np.float32)) for k in ("x", "y"))
    predict = _predictor(model)
    n = int(x_train.shape[0])
    rng = np.random.default_rng(seed)
    state = {
        "epoch": 0,
        "history": [],
        "best_score": None,
        "best_epoch": None,
        "lr_wait": 0,
        "es_wait": 0,
        "stopped": False,
    }
    best_weights = model.get_weights()
    restored = checkpoint.load(log)
    if restored:
        state, best_weights = restored
        rng.bit_generator.state = state["rng"]
        log.info("%s: resuming after epoch %d from %s", label, state["epoch"], checkpoint.path)

    def write_history():
        write_tsv(pd.DataFrame(state["history"], columns=history_columns(task)), history_path)

    steps = {}
    for epoch in range(state["epoch"] + 1, settings.epochs + 1):
        if state["stopped"]:
            break
        start = time.perf_counter()
        regime_obj.begin_epoch(epoch, optimizer)
        phase = regime_obj.phase(epoch)
        if phase not in steps:
            steps[phase] = _step_graph(model, optimizer, regime_obj, phase, seed)
        lr = float(optimizer.learning_rate.numpy())
        loss = _epoch_loss(steps[phase], x_train, y_train, rng.permutation(n).astype(np.int32), settings.batch_size)
        valid = task.evaluate(data["valid"]["y"], predict(data["valid"]["x"]))
        if not (np.isfinite(loss) and np.isfinite(valid["loss"])):
            _remove(history_path, epochs_dir, checkpoint_dir)
            raise TrainingError(
                f"{label}: training of {model.name} diverged in epoch {epoch} (loss {loss}, "
                f"validation loss {valid['loss']}); removed its history, checkpoints and epoch models"
            )

        improved, decay = schedule(state, epoch, valid[task.score], settings, warmup)
        if improved:
            best_weights = model.get_weights()
        if decay:
            optimizer.learning_rate.assign(lr * settings.lr_decay_factor)
        row = {
            "epoch": epoch,
            "loss": loss,
            "val_loss": valid["loss"],
            **{f"val_{m}": valid[m] for m in task.metrics},
            "lr": lr,
            "seconds": time.perf_counter() - start,
        }
        state["history"].append(row)
        state["epoch"] = epoch
        state["rng"] = rng.bit_generator.state
        write_history()
        if epochs_dir is not None and settings.saves(epoch):
            Path(epochs_dir).mkdir(parents=True, exist_ok=True)
            save_model(model, Path(epochs_dir) / f"epoch{epoch}.keras")
        checkpoint.save(state, best_weights)
        scores = " ".join(f"val_{m} {valid[m]:.4f}" for m in task.metrics)
        log.info(
            "%s epoch %d/%d: loss %.4f val_loss %.4f %s lr %.2g (%.1f s)%s",
            label,
            epoch,
            settings.epochs,
            loss,
            valid["loss"],
            scores,
            lr,
            row["seconds"],
            " — early stop" if state["stopped"] else "",
        )

    write_history()  # also when a run resumes after its last epoch, whose history a failed job lost
    if problem := settings.diverged(state["history"], state["best_epoch"]):
        _remove(history_path, epochs_dir, checkpoint_dir)
        raise TrainingError(
            f"{label}: training of {model.name} diverged: {problem}; removed its history, checkpoints and epoch models"
        )
    if settings.restore_best_weights:
        model.set_weights(best_weights)
    metrics = task.evaluate(data["test"]["y"], predict(data["test"]["x"]))
    metrics.update(best_epoch=state["best_epoch"], epochs_run=state["epoch"])
    log.info("%s: best epoch %d, test %s", label, state["best_epoch"], metrics)
    return TrainResult(history=state["history"], metrics=metrics)


def train_seeds(build, data: dict, regime: dict, settings: dict, seeds, workdir, log: logging.Logger | None = None):
    """Train one model for each of ``seeds``, one after another in this process, each exactly as a job
    training it alone would (``seed_everything`` before ``build()``, its own checkpoint directory under
    ``workdir``): one TensorFlow start-up for several seeds. Yields (seed, model, TrainResult)."""
    for seed in seeds:
        seed_everything(seed)
        model = build()
        directory = Path(workdir) / f"seed{seed}"
        result = train(
            model,
            data,
            regime,
            settings,
            seed=seed,
            checkpoint_dir=directory / "checkpoint",
            history_path=directory / "history.tsv",
            label=f"seed {seed}",
            log=log,
        )
        yield seed, model, result
