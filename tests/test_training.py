"""Training loop: every regime trains, seeds, resume after a kill, NaN guard, schedule, outputs, the rule script."""

import dataclasses
import json
import logging
import runpy
import sys
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pandas as pd
import pytest

from seqattr import data as seqdata
from seqattr import checkpoint, config, tasks, training
from seqattr.models import build_model
from seqattr.regimes import REGIMES

from helpers.training import DATA, SETTINGS, gc_rich_dataset, seeded_model, train_quickly


REGIME_SPECS = {kind: {"kind": kind} for kind in REGIMES}
REGIME_SPECS["adversarial"].update(clean_epochs=0, mixed_epochs=0, iterations=2)


@pytest.mark.parametrize("kind", REGIMES)
def test_every_regime_trains_one_epoch(tmp_path, kind):
    model = seeded_model(1)
    before = model.get_weights()
    result = train_quickly(tmp_path, model, REGIME_SPECS[kind])
    changed = [not np.array_equal(a, b) for a, b in zip(before, model.get_weights())]
    assert changed[0] and sum(changed) >= len(changed) - 2  # the first kernel and (nearly) everything else moved
    history = pd.read_csv(tmp_path / "history.tsv", sep="\t")
    assert list(history.columns) == training.history_columns(tasks.BINARY) and len(history) == 1
    assert np.isfinite(history["loss"][0]) and result.metrics["epochs_run"] == 1


def test_learns_a_simple_signal(tmp_path):
    result = train_quickly(
        tmp_path, seeded_model(1, "local_net"), {"kind": "standard"}, {"epochs": 4, "batch_size": 20}
    )
    assert result.metrics["auroc"] > 0.9
    assert set(result.metrics) == {
        "task_type",
        "auroc",
        "aupr",
        "loss",
        "n_test",
        "per_task",
        "best_epoch",
        "epochs_run",
    }
    aurocs = [row["val_auroc"] for row in result.history]
    assert result.metrics["best_epoch"] == int(np.argmax(aurocs)) + 1


def test_same_seed_same_weights_other_seed_different(tmp_path):
    runs = []
    for i, seed in enumerate([5, 5, 6]):
        model = seeded_model(seed)
        train_quickly(tmp_path / str(i), model, {"kind": "manifold_mixup"}, seed=seed)
        runs.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(runs[0], runs[1]))
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0], runs[2]))


def test_seeds_trained_in_one_process_equal_seeds_trained_alone(tmp_path):
    """train_seeds packs seeds into one process; each seed's weights after an epoch (initialisation,
    batches, dropout masks) equal those of the same seed trained alone."""
    build = lambda: build_model({"architecture": "cnn_shallow", "options": {}}, (200, 4), 1, "binary")  # noqa: E731
    regime = {"kind": "standard"}
    packed = {
        seed: model.get_weights()
        for seed, model, _ in training.train_seeds(build, DATA, regime, SETTINGS, [3, 4], tmp_path / "pack")
    }
    ((_, alone, _),) = training.train_seeds(build, DATA, regime, SETTINGS, [4], tmp_path / "alone")
    assert all(np.array_equal(a, b) for a, b in zip(packed[4], alone.get_weights()))
    assert not all(np.array_equal(a, b) for a, b in zip(packed[3], packed[4]))


@pytest.mark.parametrize("regime", [{"kind": "manifold_mixup"}, {"kind": "spectral_norm"}])
def test_resume_after_a_kill_ends_with_the_same_weights(tmp_path, regime):
    settings = {"epochs": 3, "batch_size": 50, "lr_patience": 1}
    straight_model = seeded_model(3)
    straight = train_quickly(tmp_path / "straight", straight_model, regime, settings, seed=3)

    train_quickly(
        tmp_path / "killed", seeded_model(3), regime, {**settings, "epochs": 1}, seed=3
    )  # stops after epoch 1
    resumed_model = seeded_model(3)  # a fresh process would rebuild the model the same way
    resumed = train_quickly(tmp_path / "killed", resumed_model, regime, settings, seed=3)

    assert all(np.array_equal(a, b) for a, b in zip(straight_model.get_weights(), resumed_model.get_weights()))

    def drop_time(history):
        return [{k: v for k, v in row.items() if k != "seconds"} for row in history]

    assert drop_time(straight.history) == drop_time(resumed.history)
    assert straight.metrics == resumed.metrics


def test_resume_after_the_last_epoch_writes_the_history_again(tmp_path):
    """A job that failed after training (its outputs removed) resumes at the end and still writes history.tsv."""
    settings = {"epochs": 2, "batch_size": 50}
    first = train_quickly(tmp_path, seeded_model(3), {"kind": "standard"}, settings, seed=3)
    (tmp_path / "history.tsv").unlink()
    again = train_quickly(tmp_path, seeded_model(3), {"kind": "standard"}, settings, seed=3)
    assert list(pd.read_csv(tmp_path / "history.tsv", sep="\t")["epoch"]) == [1, 2]
    assert again.metrics == first.metrics


def test_changed_settings_or_a_damaged_file_set_an_old_checkpoint_aside(tmp_path, caplog):
    train_quickly(tmp_path, seeded_model(1), {"kind": "standard"})
    with caplog.at_level(logging.WARNING, logger="seqattr"):
        result = train_quickly(tmp_path, seeded_model(1), {"kind": "input_noise"})
    assert "its regime differ" in caplog.text and len(result.history) == 1
    assert (tmp_path / "ckpt" / checkpoint.SET_ASIDE).exists()
    (tmp_path / "ckpt" / checkpoint.CHECKPOINT).write_bytes(b"truncated")
    with caplog.at_level(logging.WARNING, logger="seqattr"):
        result = train_quickly(tmp_path, seeded_model(1), {"kind": "input_noise"}, {"epochs": 2, "batch_size": 50})
    assert "unreadable" in caplog.text and len(result.history) == 2


def _killed_then_edited(tmp_path, caplog, edit: dict, why: str):
    """Train 2 of 3 epochs (a job killed after epoch 2), apply ``edit`` to the run and train again: the
    rerun sets the checkpoint aside (saying ``why``) and equals a fresh run with the edit."""
    run = {"options": {}, "data": DATA, "settings": {"epochs": 3, "batch_size": 50}}
    train_quickly(
        tmp_path / "edited",
        seeded_model(4, **run["options"]),
        {"kind": "standard"},
        {**run["settings"], "epochs": 2},
        seed=4,
        data=run["data"],
    )
    run.update(edit)
    with caplog.at_level(logging.WARNING, logger="seqattr"):
        rerun_model = seeded_model(4, **run["options"])
        rerun = train_quickly(
            tmp_path / "edited", rerun_model, {"kind": "standard"}, run["settings"], seed=4, data=run["data"]
        )
    assert why in caplog.text
    fresh_model = seeded_model(4, **run["options"])
    fresh = train_quickly(
        tmp_path / "fresh", fresh_model, {"kind": "standard"}, run["settings"], seed=4, data=run["data"]
    )
    drop_time = lambda history: [{k: v for k, v in row.items() if k != "seconds"} for row in history]  # noqa: E731
    assert drop_time(rerun.history) == drop_time(fresh.history) and rerun.metrics == fresh.metrics
    assert all(np.array_equal(a, b) for a, b in zip(rerun_model.get_weights(), fresh_model.get_weights()))
    return rerun


def test_a_checkpoint_of_other_model_options_is_not_resumed(tmp_path, caplog):
    _killed_then_edited(tmp_path, caplog, {"options": {"activation": "exponential"}}, "its architecture differ")


def test_a_checkpoint_of_other_data_with_the_same_size_is_not_resumed(tmp_path, caplog):
    other = {**DATA, "train": gc_rich_dataset(200, 11)}  # another simulation seed, the same N
    _killed_then_edited(tmp_path, caplog, {"data": other}, "its data differ")


def test_a_checkpoint_past_the_configured_epochs_is_not_a_finished_model(tmp_path, caplog):
    rerun = _killed_then_edited(
        tmp_path, caplog, {"settings": {"epochs": 1, "batch_size": 50}}, "it ran 2 epochs, more than the 1 configured"
    )
    assert rerun.metrics["epochs_run"] == 1 and len(rerun.history) == 1


def test_a_second_process_on_one_checkpoint_stops_with_a_message(tmp_path):
    with checkpoint.exclusive(tmp_path / "ckpt", "the orphan"):  # another open file: flock conflicts in-process too
        with pytest.raises(checkpoint.CheckpointInUseError, match=r"another process \(host .*, pid \d+\) is training"):
            train_quickly(tmp_path, seeded_model(1), {"kind": "standard"})
    assert not (tmp_path / "history.tsv").exists()
    assert (
        len(train_quickly(tmp_path, seeded_model(1), {"kind": "standard"}).history) == 1
    )  # the lock ends with its holder


def test_nan_loss_is_a_clear_error_and_leaves_nothing_behind(tmp_path):
    broken = {**DATA, "train": {"x": DATA["train"]["x"].copy(), "y": DATA["train"]["y"]}}
    broken["train"]["x"][3, 10, 0] = np.nan
    with pytest.raises(training.TrainingError, match="synthetic/test/regime/seed1.*cnn_shallow.*epoch 1"):
        train_quickly(
            tmp_path,
            seeded_model(1),
            {"kind": "standard"},
            {**SETTINGS, "save_epochs": "all"},
            data=broken,
            epochs_dir=tmp_path / "epochs",
        )
    assert not (tmp_path / "history.tsv").exists()
    assert not (tmp_path / "ckpt").exists() and not (tmp_path / "epochs").exists()


def test_schedule_decays_on_plateau_and_stops_early():
    settings = training.Settings(lr_patience=2, early_stopping_patience=5)
    state = {"best_score": None, "best_epoch": None, "lr_wait": 0, "es_wait": 0, "stopped": False}
    aurocs = [0.6, 0.7, 0.7, 0.65, 0.69, 0.71, 0.7, 0.7, 0.7, 0.7, 0.7]
    steps = [training.schedule(state, epoch, auroc, settings) for epoch, auroc in enumerate(aurocs, 1)]
    assert [epoch for epoch, (_, decay) in enumerate(steps, 1) if decay] == [4, 8, 10]
    assert [epoch for epoch, (improved, _) in enumerate(steps, 1) if improved] == [1, 2, 6]
    assert state["best_epoch"] == 6 and state["stopped"] and state["es_wait"] == 5


def test_warmup_epochs_are_never_the_best_and_do_not_count():
    settings = training.Settings(lr_patience=2, early_stopping_patience=3)
    state = {"best_score": None, "best_epoch": None, "lr_wait": 0, "es_wait": 0, "stopped": False}
    aurocs = [0.9, 0.95, 0.6, 0.7, 0.65, 0.65]  # the clean warm-up (epochs 1–2) scores best
    steps = [training.schedule(state, epoch, auroc, settings, warmup=2) for epoch, auroc in enumerate(aurocs, 1)]
    assert steps[:2] == [(False, False)] * 2
    assert state["best_epoch"] == 4 and state["lr_wait"] == 0 and state["es_wait"] == 2 and not state["stopped"]


def test_adversarial_training_restores_an_adversarial_epoch(tmp_path, monkeypatch):
    aurocs = iter([0.9, 0.95, 0.6, 0.7, 0.65])  # validation AUROC per epoch, best in the clean phase
    scripted = dataclasses.replace(
        tasks.BINARY, measure=lambda *args: {**tasks.BINARY.measure(*args), "auroc": next(aurocs, 0.5)}
    )
    monkeypatch.setattr(training, "of_model", lambda model: scripted)
    regime = {"kind": "adversarial", "clean_epochs": 2, "mixed_epochs": 1, "iterations": 2}
    model = seeded_model(1)
    result = train_quickly(
        tmp_path, model, regime, {"epochs": 5, "batch_size": 50, "save_epochs": "all"}, epochs_dir=tmp_path / "epochs"
    )
    assert result.metrics["best_epoch"] == 4  # the adversarial phase's best, not epoch 2
    kept = keras.saving.load_model(tmp_path / "epochs" / "epoch4.keras")
    for ours, saved in zip(model.get_weights(), kept.get_weights()):
        np.testing.assert_array_equal(ours, saved)
    with pytest.raises(ValueError, match="warms up for 2 of its 2 epochs"):
        train_quickly(tmp_path / "short", seeded_model(1), regime, {"epochs": 2, "batch_size": 50})


def test_learning_rate_in_history_follows_the_decay(tmp_path):
    settings = {"epochs": 6, "batch_size": 100, "learning_rate": 0.01, "lr_patience": 1}
    result = train_quickly(tmp_path, seeded_model(1), {"kind": "standard"}, settings)
    lrs = [row["lr"] for row in result.history]
    state = {"best_score": None, "best_epoch": None, "lr_wait": 0, "es_wait": 0, "stopped": False}
    expected = [0.01]
    for epoch, row in enumerate(result.history[:-1], 1):
        _, decay = training.schedule(state, epoch, row["val_auroc"], training.Settings.from_dict(settings))
        expected.append(expected[-1] * (0.2 if decay else 1.0))
    np.testing.assert_allclose(lrs, expected, rtol=1e-6)
    assert min(lrs) < 0.01  # this seed's validation AUROC does stall


def test_saved_epochs(tmp_path):
    model = seeded_model(1)
    train_quickly(
        tmp_path,
        model,
        {"kind": "standard"},
        {"epochs": 2, "batch_size": 100, "save_epochs": [2]},
        epochs_dir=tmp_path / "epochs",
    )
    assert sorted(p.name for p in (tmp_path / "epochs").iterdir()) == ["epoch2.keras"]
    assert keras.saving.load_model(tmp_path / "epochs" / "epoch2.keras").output_shape == (None, 1)


def test_a_regimes_training_settings_override_the_config(tmp_path):
    regime = {"kind": "standard", "training": {"epochs": 2, "learning_rate": 0.005}}
    settings = config.training_settings({"epochs": 5, "batch_size": 100, "early_stopping_patience": 5}, regime)
    assert settings == {"epochs": 2, "batch_size": 100, "early_stopping_patience": 5, "learning_rate": 0.005}
    result = train_quickly(tmp_path, seeded_model(1), regime, settings)
    assert len(result.history) == 2 and result.history[0]["lr"] == pytest.approx(0.005)


@pytest.mark.parametrize("restore", [True, False])
def test_best_or_last_epoch_weights_are_kept(tmp_path, restore):
    model = seeded_model(1)
    settings = {
        "epochs": 4,
        "batch_size": 20,
        "learning_rate": 0.05,
        "save_epochs": "all",
        "restore_best_weights": restore,
    }
    result = train_quickly(tmp_path, model, {"kind": "standard"}, settings, epochs_dir=tmp_path / "epochs")
    assert result.metrics["best_epoch"] < 4  # this seed's last epoch is not its best, so the two differ
    kept = keras.saving.load_model(tmp_path / "epochs" / f"epoch{result.metrics['best_epoch'] if restore else 4}.keras")
    for ours, saved in zip(model.get_weights(), kept.get_weights()):
        np.testing.assert_array_equal(ours, saved)


def test_unknown_training_settings_are_named():
    with pytest.raises(ValueError, match="unknown training settings \\['epoch'\\]"):
        training.Settings.from_dict({"epoch": 3})


def test_train_model_script(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stderr", sys.stderr)  # the script sends stderr and logging to its log file
    monkeypatch.setattr(logging.root, "handlers", [])
    monkeypatch.chdir(tmp_path)  # GPU lock files, if any, stay in the test's folder
    path = tmp_path / "data.h5"
    seqdata.write_dataset(path, DATA)
    out = tmp_path / "models" / "synthetic" / "m" / "standard" / "seed1"
    snakemake = SimpleNamespace(
        input=SimpleNamespace(data=str(path)),
        params=SimpleNamespace(
            model={"architecture": "local_net", "options": {}},
            regime={"kind": "standard", "init_std": 0.05},
            seed=1,
            training={"epochs": 2, "batch_size": 50, "save_epochs": "all"},
            checkpoint_dir=str(tmp_path / "ckpt"),
            label="synthetic/m/standard/seed1",
            key_map=None,
            task="binary",
        ),
        output=SimpleNamespace(
            model=str(out / "model.keras"), history=str(out / "history.tsv"), metrics=str(out / "test_metrics.json")
        ),
        config={"jobs_per_gpu": 1, "training": {"max_val_loss": 10}, "regimes": {"standard": {"kind": "standard"}}},
        wildcards=SimpleNamespace(regime="standard"),
        threads=1,
        log=[str(tmp_path / "train.log")],
    )
    runpy.run_path(
        str(Path(__file__).resolve().parents[1] / "scripts" / "train_model.py"), init_globals={"snakemake": snakemake}
    )
    model = keras.saving.load_model(out / "model.keras")
    assert abs(model.get_layer("conv1").kernel.numpy().std() - 0.05) < 0.01  # the regime's init_std was used
    metrics = json.loads((out / "test_metrics.json").read_text())
    assert metrics["n_test"] == 100 and metrics["epochs_run"] == 2
    assert sorted(p.name for p in (out / "epochs").iterdir()) == ["epoch1.keras", "epoch2.keras"]
    assert not (tmp_path / "ckpt").exists()
    log = (tmp_path / "train.log").read_text()
    assert "synthetic/m/standard/seed1 epoch 2/2" in log

    snakemake.config["training"]["max_val_loss"] = 1e-6  # the guard comes from config, not from the job's params
    with pytest.raises(training.TrainingError, match="max_val_loss 1e-06"):
        runpy.run_path(
            str(Path(__file__).resolve().parents[1] / "scripts" / "train_model.py"),
            init_globals={"snakemake": snakemake},
        )
