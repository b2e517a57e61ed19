"""profiles/slurm on a real one-node SLURM cluster brought up on this machine (tests/slurm_local.sh):
jobs go through sbatch, the results equal a local run's, and packed seeds share one SLURM job."""

import json
import os
import subprocess

import numpy as np
import pytest
import yaml

from seqattr import data
from helpers.workflow_runner import ROOT, snakemake, snakemake_command

pytestmark = pytest.mark.workflow

# The machine's own SLURM configuration (conftest points every other run at one with no controller).
MACHINE_SLURM = {
    key: value
    for key, value in os.environ.items()
    if not (key == "SLURM_CONF" and value.endswith("slurm-no-controller.conf"))
}

RUN = "synthetic/cnn_shallow_relu/standard/seed1"
TARGETS = [f"results/attributions/{RUN}/task0/saliency.h5", f"results/models/{RUN}/test_metrics.json"]


@pytest.fixture(scope="module")
def slurm_cluster():
    script = str(ROOT / "tests" / "slurm_local.sh")
    started = subprocess.run(["bash", script, "start"], capture_output=True, text=True, timeout=600, env=MACHINE_SLURM)
    if started.returncode == 3:
        pytest.skip(started.stdout.strip())
    assert started.returncode == 0, started.stdout + started.stderr
    yield
    subprocess.run(["bash", script, "stop"], check=True, timeout=60, env=MACHINE_SLURM)


@pytest.fixture(scope="module")
def configfile(tmp_path_factory):
    config = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())
    config["experiments"] = [
        {"datasets": ["synthetic"], "models": ["cnn_shallow_relu"], "seeds": 1, "methods": ["saliency"]}
    ]
    path = tmp_path_factory.mktemp("slurm-config") / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _slurm_snakemake(workdir, configfile, targets, *options):
    """The project's slurm profile on the local cluster (no GPUs, no accounts, a 2-core node)."""
    command = snakemake_command(workdir, configfile, targets, profile="slurm", cores=None) + [
        "--slurm-status-command",
        "squeue",
        "--slurm-no-account",
        "--jobs",
        "2",
        "--slurm-logdir",
        str(workdir / "slurm_logs"),
        "--slurm-keep-successful-logs",
        "--default-resources",
        "slurm_partition=main",
        "mem_mb=2000",
        "runtime=30",
        *options,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200, env=MACHINE_SLURM)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


def test_slurm_run_matches_local_run(slurm_cluster, configfile, tmp_path):
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    local.mkdir()
    cluster.mkdir()
    snakemake(local, configfile, *TARGETS)
    output = _slurm_snakemake(cluster, configfile, TARGETS, "--set-resources", "train_model:gpu=0", "attribute:gpu=0")
    assert output.count("SLURM jobid") >= 3, output[-3000:]  # simulate, train, attribute
    slurm_logs = list((cluster / "slurm_logs").rglob("*.log"))
    assert len(slurm_logs) >= 3 and all(p.stem.isdigit() for p in slurm_logs)

    for target in ("results/data/synthetic.h5", TARGETS[0]):
        ours, theirs = data.read_h5(local / target), data.read_h5(cluster / target)
        assert ours.keys() == theirs.keys()
        for key in ours:
            np.testing.assert_array_equal(ours[key], theirs[key], err_msg=f"{target}:{key}")


def test_packed_seeds_train_in_one_slurm_job(slurm_cluster, configfile, tmp_path):
    """README's packing flags: the seeds of a model go to SLURM as one group job (one GPU on a GPU cluster)."""
    seeds = [f"results/models/synthetic/cnn_shallow_relu/standard/seed{s}/test_metrics.json" for s in (1, 2)]
    output = _slurm_snakemake(
        tmp_path,
        configfile,
        seeds,
        "--groups",
        "train_model=pack",
        "--group-components",
        "pack=2",
        "--set-threads",
        "train_model=1",
        "--set-resources",
        "train_model:gpu=0",
        "train_model:mem_mb=3000",
    )
    assert output.count("SLURM jobid") == 2, output[-3000:]  # the simulation, then both seeds together
    assert all((tmp_path / target).exists() for target in seeds)
    metrics = [json.loads((tmp_path / target).read_text()) for target in seeds]
    assert metrics[0]["auroc"] != metrics[1]["auroc"]  # two seeds, two different models
