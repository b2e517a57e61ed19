"""Seeds per hour with several small models packed on one device, against one training job at a time.

Each seed is a separate process, as a Snakemake job is: it imports TensorFlow, builds cnn_deep
and trains it with ``training.train`` on N random 200-nt sequences for a few epochs. The
baseline runs the seeds one after another; the packed run starts ``--pack`` of them at once on
the same device (what ``jobs_per_gpu`` does on a workstation and ``--group-components`` does on
SLURM), with TensorFlow's on-demand GPU memory so they fit side by side. Prints seeds/hour of
both and their ratio, with the device.

    python benchmarks/train_packing.py --n 14000 --epochs 3 --seeds 8 --pack 4
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from throughput import random_data


def write_data(path: Path, n: int) -> None:
    """``throughput.random_data``'s splits, for the worker processes to read."""
    splits = random_data(n)
    np.savez(path, **{f"{key}_{split}": arrays[key] for split, arrays in splits.items() for key in ("x", "y")})


def worker(data_path: str, seed: int, epochs: int, batch_size: int) -> None:
    """One seed, as one training job would run it."""
    from seqattr import training
    from seqattr.models import build_model

    arrays = np.load(data_path)
    data = {split: {"x": arrays[f"x_{split}"], "y": arrays[f"y_{split}"]} for split in ("train", "valid", "test")}
    training.seed_everything(seed)
    model = build_model({"architecture": "cnn_deep", "options": {}}, (200, 4), 1, "binary")
    with tempfile.TemporaryDirectory() as tmp:
        training.train(
            model,
            data,
            {"kind": "standard"},
            {"epochs": epochs, "batch_size": batch_size},
            seed=seed,
            checkpoint_dir=Path(tmp) / "ckpt",
            history_path=Path(tmp) / "history.tsv",
        )


def run_seeds(data_path: Path, seeds: int, at_once: int, epochs: int, batch_size: int) -> float:
    """Wall seconds to train ``seeds`` seeds with ``at_once`` processes running together."""
    env = {**os.environ, "TF_FORCE_GPU_ALLOW_GROWTH": "true", "TF_CPP_MIN_LOG_LEVEL": "2"}
    start = time.perf_counter()
    for first in range(0, seeds, at_once):
        jobs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    str(seed),
                    "--data",
                    str(data_path),
                    "--epochs",
                    str(epochs),
                    "--batch-size",
                    str(batch_size),
                ],
                env=env,
            )
            for seed in range(first, min(first + at_once, seeds))
        ]
        if any(job.wait() != 0 for job in jobs):
            raise RuntimeError("a training process failed; see its output above")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=14000, help="training sequences per seed")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=8, help="seeds trained in each arm")
    parser.add_argument("--pack", type=int, default=4, help="seeds sharing the device at once in the packed arm")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.data, args.worker, args.epochs, args.batch_size)
        return

    from seqattr.devices import device_name

    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "data.npz"
        write_data(data_path, args.n)
        print(
            f"device: {device_name()}; cnn_deep, L=200, N={args.n}, {args.epochs} epochs, batch {args.batch_size}, "
            f"{args.seeds} seeds per arm",
            flush=True,
        )
        rates = {}
        for name, at_once in (("one at a time", 1), (f"{args.pack} packed", args.pack)):
            seconds = run_seeds(data_path, args.seeds, at_once, args.epochs, args.batch_size)
            rates[name] = args.seeds * 3600 / seconds
            print(f"{name:<16}{seconds:>8.1f} s{rates[name]:>10.0f} seeds/hour", flush=True)
    one, packed = rates.values()
    print(f"ratio packed / one at a time: {packed / one:.2f}")


if __name__ == "__main__":
    main()
