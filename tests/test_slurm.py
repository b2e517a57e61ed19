"""profiles/slurm on a real one-node SLURM cluster brought up on this machine (tests/slurm_local.sh):
jobs go through sbatch, and the results equal a local run's."""

import subprocess

import numpy as np
import pytest
import yaml

from seqattr import data
from workflow_runner import ROOT, SNAKEMAKE, snakemake

pytestmark = pytest.mark.workflow

RUN = "synthetic/cnn_shallow_relu/standard/seed1"
TARGETS = [f"results/attributions/{RUN}/saliency.h5", f"results/models/{RUN}/test_metrics.json"]


@pytest.fixture(scope="module")
def slurm_cluster():
    script = str(ROOT / "tests" / "slurm_local.sh")
    started = subprocess.run(["bash", script, "start"], capture_output=True, text=True, timeout=600)
    if started.returncode == 3:
        pytest.skip(started.stdout.strip())
    assert started.returncode == 0, started.stdout + started.stderr
    yield
    subprocess.run(["bash", script, "stop"], check=True, timeout=60)


@pytest.fixture(scope="module")
def configfile(tmp_path_factory):
    config = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())
    config["experiments"] = [{"datasets": ["synthetic"], "models": ["cnn_shallow_relu"], "seeds": 1, "methods": ["saliency"]}]
    path = tmp_path_factory.mktemp("slurm-config") / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_slurm_run_matches_local_run(slurm_cluster, configfile, tmp_path):
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    local.mkdir()
    cluster.mkdir()
    snakemake(local, configfile, *TARGETS)
    command = [
        SNAKEMAKE, *TARGETS, "--snakefile", str(ROOT / "Snakefile"), "--directory", str(cluster),
        "--profile", str(ROOT / "profiles" / "slurm"), "--configfile", str(configfile),
        "--slurm-status-command", "squeue", "--slurm-no-account", "--jobs", "2",
        "--slurm-logdir", str(cluster / "slurm_logs"), "--slurm-keep-successful-logs",
        "--set-resources", "train_model:gpu=0", "attribute:gpu=0",
        "--default-resources", "slurm_partition=main", "mem_mb=2000", "runtime=30",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert output.count("SLURM jobid") >= 3, output[-3000:]  # simulate, train, attribute
    slurm_logs = list((cluster / "slurm_logs").rglob("*.log"))
    assert len(slurm_logs) >= 3 and all(p.stem.isdigit() for p in slurm_logs)

    for target in ("results/data/synthetic.h5", TARGETS[0]):
        ours, theirs = data.read_h5(local / target), data.read_h5(cluster / target)
        assert ours.keys() == theirs.keys()
        for key in ours:
            np.testing.assert_array_equal(ours[key], theirs[key], err_msg=f"{target}:{key}")
