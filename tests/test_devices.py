"""seqattr.devices: each concurrent GPU job locks a different GPU."""

import os
import subprocess
import sys

import pytest

from seqattr import devices

CLAIM = (
    "import sys; from seqattr import devices; "
    "print(devices.claim_gpu(sys.argv[1], ['0', '1'], int(sys.argv[2])), flush=True); input()"
)


def _holders(lock_dir, n, jobs_per_gpu=1):
    """``n`` processes that each claim a GPU and hold it until told to exit."""
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    return [
        subprocess.Popen(
            [sys.executable, "-c", CLAIM, str(lock_dir), str(jobs_per_gpu)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(n)
    ]


@pytest.fixture
def no_cuda_env(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


def test_two_jobs_get_two_gpus_and_a_third_is_refused(tmp_path, no_cuda_env):
    jobs = _holders(tmp_path, 2)
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


def test_packed_jobs_fill_every_gpu_once_before_any_twice(tmp_path, no_cuda_env):
    jobs = []
    try:
        claimed = []
        for _ in range(4):  # one at a time, so the order of claims is the order of starts
            jobs += _holders(tmp_path, 1, jobs_per_gpu=2)
            claimed.append(jobs[-1].stdout.readline().strip())
        assert claimed == ["0", "1", "0", "1"]
        with pytest.raises(RuntimeError, match="--resources gpu=4"):
            devices.claim_gpu(tmp_path, ["0", "1"], jobs_per_gpu=2)
    finally:
        for job in jobs:
            job.communicate("\n", timeout=30)


def test_jobs_sharing_a_gpu_grow_their_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    monkeypatch.delenv("TF_FORCE_GPU_ALLOW_GROWTH", raising=False)
    devices.claim_gpu(tmp_path, ["0"])
    assert os.environ["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"


def test_scheduler_choice_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    assert devices.claim_gpu(tmp_path, ["0", "1"]) is None
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"


def test_no_gpu_means_cpu(tmp_path, no_cuda_env):
    assert devices.claim_gpu(tmp_path, []) is None
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
