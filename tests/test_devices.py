"""seqattr.devices: each concurrent GPU job locks a different GPU."""

import os
import subprocess
import sys

import pytest

from seqattr import devices

CLAIM = "import sys; from seqattr import devices; print(devices.claim_gpu(sys.argv[1], ['0', '1']), flush=True); input()"


@pytest.fixture
def no_cuda_env(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


def test_two_jobs_get_two_gpus_and_a_third_is_refused(tmp_path, no_cuda_env):
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    jobs = [
        subprocess.Popen([sys.executable, "-c", CLAIM, str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    try:
        claimed = sorted(job.stdout.readline().strip() for job in jobs)
        assert claimed == ["0", "1"]
        with pytest.raises(RuntimeError, match="--resources gpu=2"):
            devices.claim_gpu(tmp_path, ["0", "1"])
    finally:
        for job in jobs:
            job.communicate("\n", timeout=30)
    # the locks die with their processes
    assert devices.claim_gpu(tmp_path, ["0", "1"]) == "0"
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "0"


def test_scheduler_choice_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    assert devices.claim_gpu(tmp_path, ["0", "1"]) is None
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"


def test_no_gpu_means_cpu(tmp_path, no_cuda_env):
    assert devices.claim_gpu(tmp_path, []) is None
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
