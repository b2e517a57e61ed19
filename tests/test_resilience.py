"""Interrupted and damaged runs: kill -9 mid-training, then a restart finishes without retraining
finished seeds; a truncated intermediate is regenerated, never read."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import h5py
import pandas as pd
import pytest
import yaml

from seqattr import integrity
from helpers.workflow_runner import ROOT, SNAKEMAKE, run_snakemake, snakemake, snakemake_command, snakemake_fails

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
    command = snakemake_command(tmp_path, configfile, targets, cores=1)
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

    subprocess.run(
        [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "-d", str(tmp_path), "--configfile", str(configfile), "--unlock"],
        check=True,
        capture_output=True,
    )
    snakemake(tmp_path, configfile, *targets)

    assert (seeds[done] / "model.keras").stat().st_mtime_ns == finished  # the finished seed was not retrained
    history = pd.read_csv(seeds[other] / "history.tsv", sep="\t")
    assert list(history["epoch"]) == sorted(set(history["epoch"]))  # resumed, no epoch written twice
    assert history["epoch"].iloc[-1] == EPOCHS
    log = (tmp_path / "logs" / "train_model" / f"synthetic/cnn_shallow_relu/standard/seed{other}.log").read_text()
    assert "resum" in log.lower()


def test_kill_during_training_then_edit_then_rerun_equals_a_fresh_run(tmp_path):
    """SIGKILL mid-training, then the model's options and a lower epoch budget: the rerun sets the
    checkpoint aside and ends with the history and weights of training the edited run from scratch."""
    import keras
    import numpy as np

    run_dir = tmp_path / "killed"
    run_dir.mkdir()
    configfile = _config(run_dir)
    target = f"{MODELS}/seed1/test_metrics.json"
    command = snakemake_command(run_dir, configfile, [target], cores=1)
    run = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _epochs_done(run_dir / MODELS / "seed1" / "history.tsv") >= 3)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    config = yaml.safe_load(configfile.read_text())
    config["models"]["cnn_shallow_relu"]["options"]["activation"] = "exponential"
    config["training"]["epochs"] = 2
    configfile.write_text(yaml.safe_dump(config))
    subprocess.run(
        [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "-d", str(run_dir), "--configfile", str(configfile), "--unlock"],
        check=True,
        capture_output=True,
    )
    snakemake(run_dir, configfile, target)
    log = (run_dir / "logs" / "train_model" / "synthetic/cnn_shallow_relu/standard/seed1.log").read_text()
    assert "set aside checkpoint" in log and "its architecture differ" in log and "resuming" not in log

    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    (fresh_dir / "config.yaml").write_text(yaml.safe_dump(config))
    snakemake(fresh_dir, fresh_dir / "config.yaml", target)
    histories = [
        pd.read_csv(d / MODELS / "seed1" / "history.tsv", sep="\t").drop(columns="seconds")
        for d in (run_dir, fresh_dir)
    ]
    pd.testing.assert_frame_equal(*histories)
    assert list(histories[0]["epoch"]) == [1, 2]
    weights = [
        keras.saving.load_model(d / MODELS / "seed1" / "model.keras", compile=False).get_weights()
        for d in (run_dir, fresh_dir)
    ]
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


def _truncate(path: Path, keep_mtime: bool = True) -> None:
    stat = path.stat()
    path.write_bytes(path.read_bytes()[: stat.st_size // 2])
    if keep_mtime:  # damage that leaves the time stamp, so later outputs still look up to date
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _small_config(tmp_path):
    config = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())
    config["training"].update(epochs=1)
    config["regimes"] = {"standard": {"kind": "standard"}}
    config["attribution"]["methods"] = {"saliency": {"kind": "saliency"}}
    config["experiments"] = [{"datasets": ["synthetic"], "models": ["cnn_shallow_relu"], "seeds": 1}]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


ATTRIBUTION = "results/attributions/synthetic/cnn_shallow_relu/standard/seed1/task0/saliency.h5"


def test_damaged_model_is_quarantined_then_regenerated_with_what_depends_on_it(tmp_path):
    """A damaged model.keras whose later outputs look up to date: a run of named targets that has jobs
    moves it aside and stops saying what to do; rule all then retrains it and recomputes the maps
    made from it. With everything finished, bytes overwritten inside an attribution array and an
    empty test_metrics.json are found by a run that would have had nothing to do, and regenerated."""
    configfile = _small_config(tmp_path)
    snakemake(tmp_path, configfile, ATTRIBUTION)
    model = tmp_path / MODELS / "seed1" / "model.keras"
    attribution = tmp_path / ATTRIBUTION
    before = attribution.stat().st_mtime_ns
    _truncate(model)
    output = snakemake_fails(tmp_path, configfile, "results/tables/metrics.tsv")  # jobs to do: the scan stops it
    assert "1 unreadable file(s) moved aside to *.corrupt" in output and "run the same command again" in output
    assert (model.parent / "model.keras.corrupt").exists() and not model.exists()
    result = snakemake(tmp_path, configfile)
    assert "moved aside as unreadable" in result.stderr
    assert integrity.keras_readable(model)
    assert attribution.stat().st_mtime_ns > before  # recomputed from the regenerated model
    assert not integrity.awaiting_regeneration(tmp_path / "results")

    assert "Nothing to be done" in snakemake(tmp_path, configfile).stderr
    metrics = tmp_path / MODELS / "seed1" / "test_metrics.json"
    metrics.write_text("")
    with h5py.File(attribution, "r") as handle:
        stored = handle["indices"]
        offset, size = stored.id.get_offset(), stored.id.get_storage_size()
    stat = attribution.stat()
    with open(attribution, "r+b") as handle:  # the values change, the file still reads
        handle.seek(offset + size // 2)
        handle.write(b"\xa5" * 4)
    os.utime(attribution, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = snakemake(tmp_path, configfile)  # rule all: scanned before its plan, regenerated in this run
    assert "Nothing to be done" not in result.stderr
    for damaged in (metrics, attribution):
        assert (
            damaged.with_name(damaged.name + ".corrupt").exists()
            and f"{damaged.relative_to(tmp_path)}" in result.stderr
        )
    assert json.loads(metrics.read_text())["n_test"] > 0 and integrity.hdf5_readable(attribution)
    assert not integrity.awaiting_regeneration(tmp_path / "results")


def test_scan_never_runs_in_dry_runs_reports_or_refused_runs(tmp_path):
    """Dry-run, --summary, --report and a run refused by another run's lock touch nothing; temporary
    files of a job still writing are never moved."""
    configfile = _small_config(tmp_path)
    dataset = tmp_path / "results/data/synthetic.h5"
    snakemake(tmp_path, configfile, "results/data/synthetic.h5")
    _truncate(dataset, keep_mtime=False)
    temporary = dataset.with_name(".model.keras.12345.partial.keras")
    temporary.write_bytes(b"half a zip archive")
    for args in (["-n"], ["--summary"], ["--report", str(tmp_path / "report.html")]):
        run_snakemake(tmp_path, configfile, [ATTRIBUTION, *args], timeout=300)
        assert dataset.exists() and not dataset.with_name("synthetic.h5.corrupt").exists(), args
    lock = tmp_path / ".snakemake" / "locks"
    lock.mkdir(parents=True, exist_ok=True)
    (lock / "0.output.lock").write_text("results/data/synthetic.h5\n")  # another run is writing it
    output = snakemake_fails(tmp_path, configfile, ATTRIBUTION)
    assert "cannot be locked" in output.lower() or "LockException" in output
    assert dataset.exists() and temporary.exists()
    (lock / "0.output.lock").unlink()
    output = snakemake_fails(tmp_path, configfile, ATTRIBUTION)  # holds the lock: moves the damaged file only
    assert "synthetic.h5" in output and temporary.exists() and not dataset.exists()
