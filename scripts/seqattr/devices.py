"""Give each GPU job its own GPU on a workstation.

Snakemake limits how many GPU jobs run at once (``--resources gpu=N``) but does not say which
GPU each job gets. A job calls :func:`claim_gpu` before TensorFlow starts: it takes an exclusive
lock on one GPU's lock file, holds it for the life of the process, and exposes only that GPU
through ``CUDA_VISIBLE_DEVICES``. Where a scheduler already chose (SLURM sets
``CUDA_VISIBLE_DEVICES``) or no GPU exists, nothing changes.
"""

from __future__ import annotations

import fcntl
import os
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


def claim_gpu(lock_dir: str | os.PathLike = ".snakemake/gpu-locks", gpus: list[str] | None = None) -> str | None:
    """Lock a free GPU, make it the only visible one and return its index (None: CPU or already set)."""
    if os.environ.get("CUDA_VISIBLE_DEVICES"):
        return None
    gpus = visible_gpus() if gpus is None else gpus
    if not gpus:
        return None
    lock_dir = Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    for gpu in gpus:
        handle = open(lock_dir / f"gpu{gpu}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _held.append(handle)
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
        return gpu
    raise RuntimeError(
        f"all {len(gpus)} GPUs are taken by other jobs; run Snakemake with --resources gpu={len(gpus)} "
        "so that no more GPU jobs start than there are GPUs"
    )
