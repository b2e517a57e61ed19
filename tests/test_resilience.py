"""Interrupted and damaged runs: kill -9 mid-training, then a restart finishes without retraining
finished seeds; a truncated intermediate is regenerated, never read."""

import os
import signal
import subprocess
import time

import pandas as pd
import pytest
import yaml

from seqattr import data
from workflow_runner import ROOT, SNAKEMAKE, snakemake

pytestmark = pytest.mark.workflow

MODELS = "results/models/synthetic/cnn_shallow_relu/standard"
EPOCHS = 60  # long enough (seconds) that the kill lands mid-training, after epoch 2, not after the last


def _config(tmp_path):
    config = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())
    config["training"].update(epochs=EPOCHS, early_stopping_patience=EPOCHS)
    config["experiments"] = [{"datasets": ["synthetic"], "models": ["cnn_shallow_relu"], "seeds": 2}]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _wait_for(predicate, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError("the training jobs never reached the state the test waits for")


def _epochs_done(history):
    return len(pd.read_csv(history, sep="\t")) if history.exists() and history.stat().st_size else 0


def test_kill_during_training_then_restart(tmp_path):
    configfile = _config(tmp_path)
    targets = [f"{MODELS}/seed{s}/test_metrics.json" for s in (1, 2)]
    command = [SNAKEMAKE, *targets, "-s", str(ROOT / "Snakefile"), "-d", str(tmp_path), "--profile",
               str(ROOT / "profiles" / "default"), "--configfile", str(configfile), "--cores", "1"]
    run = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seeds = {s: tmp_path / MODELS / f"seed{s}" for s in (1, 2)}

    def one_finished_other_midway():
        """(finished, interrupted) seeds once one has its metrics and the other ≥ 2 epochs; Snakemake picks the order."""
        for done, other in ((1, 2), (2, 1)):
            if (seeds[done] / "test_metrics.json").exists() and _epochs_done(seeds[other] / "history.tsv") >= 2:
                return done, other
        return None

    try:
        _wait_for(one_finished_other_midway)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    done, other = one_finished_other_midway()
    finished = (seeds[done] / "model.keras").stat().st_mtime_ns
    assert not (seeds[other] / "test_metrics.json").exists()

    subprocess.run([SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "-d", str(tmp_path), "--configfile",
                    str(configfile), "--unlock"], check=True, capture_output=True)
    snakemake(tmp_path, configfile, *targets)

    assert (seeds[done] / "model.keras").stat().st_mtime_ns == finished  # the finished seed was not retrained
    history = pd.read_csv(seeds[other] / "history.tsv", sep="\t")
    assert list(history["epoch"]) == sorted(set(history["epoch"]))  # resumed, no epoch written twice
    assert history["epoch"].iloc[-1] == EPOCHS
    log = (tmp_path / "logs" / "train_model" / f"synthetic/cnn_shallow_relu/standard/seed{other}.log").read_text()
    assert "resum" in log.lower()


def test_truncated_dataset_is_regenerated_not_read(tmp_path):
    configfile = _config(tmp_path)
    target = "results/data/synthetic.h5"
    snakemake(tmp_path, configfile, target)
    dataset = tmp_path / target
    original = data.read_split(dataset, "test")["x"]
    dataset.write_bytes(dataset.read_bytes()[: dataset.stat().st_size // 2])
    result = snakemake(tmp_path, configfile, target)
    assert "could not be read" in result.stderr
    assert (tmp_path / (target + ".corrupt")).exists()
    assert (data.read_split(dataset, "test")["x"] == original).all()  # regenerated, same bytes from the same seed
