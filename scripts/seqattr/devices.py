"""Give each GPU job its own GPU, or its own share of one, on a workstation.

Snakemake limits how many GPU jobs run at once (``--resources gpu=N``) but does not say which
GPU each job gets. A job calls :func:`claim_gpu` before TensorFlow starts: it takes an exclusive
lock on one of a GPU's ``jobs_per_gpu`` slot files, holds it for the life of the process, and
exposes only that GPU through ``CUDA_VISIBLE_DEVICES``. Slots fill GPU by GPU in turn (every GPU
gets a first job before any gets a second), so packing several small models onto one GPU
(``--resources gpu=N×k`` with config ``jobs_per_gpu: k``) still spreads them evenly. Where a
scheduler already chose (SLURM sets ``CUDA_VISIBLE_DEVICES``) or no GPU exists, no GPU is chosen.
Either way TensorFlow is told to allocate GPU memory as it needs it rather than all at once, so
jobs that share a GPU (packed here or grouped by SLURM) fit beside each other.
"""

from __future__ import annotations

import fcntl
import os
import platform
import shutil
import subprocess
from pathlib import Path

_held = []  # lock files stay open (and locked) until the process exits


def visible_gpus() -> list[str]:
    """Indices of the GPUs ``nvidia-smi`` lists, or none when it is missing or fails."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30, check=True)
    except (subprocess.SubprocessError, OSError):
        return []
    return [str(i) for i, line in enumerate(listing.stdout.splitlines()) if line.startswith("GPU ")]


def claim_gpu(
    lock_dir: str | os.PathLike = ".snakemake/gpu-locks", gpus: list[str] | None = None, jobs_per_gpu: int = 1
) -> str | None:
    """Lock a free GPU slot, make its GPU the only visible one and return its index (None: CPU or already set)."""
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    if os.environ.get("CUDA_VISIBLE_DEVICES"):
        return None
    gpus = visible_gpus() if gpus is None else gpus
    if not gpus:
        return None
    lock_dir = Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    for slot in range(jobs_per_gpu):
        for gpu in gpus:
            handle = open(lock_dir / f"gpu{gpu}.slot{slot}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            _held.append(handle)
            os.environ["CUDA_VISIBLE_DEVICES"] = gpu
            return gpu
    raise RuntimeError(
        f"all {len(gpus)} GPUs × {jobs_per_gpu} jobs per GPU are taken by other jobs; run Snakemake with "
        f"--resources gpu={len(gpus) * jobs_per_gpu} so that no more GPU jobs start than there are slots"
    )


def device_name() -> str:
    """What TensorFlow computes on, in words, for benchmark records (imports TensorFlow)."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", gpus[0].name)
    return f"CPU {platform.processor() or platform.machine()}, {os.cpu_count()} cores"
