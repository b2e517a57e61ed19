"""Scoring a run's kept epochs: one model with each epoch's weights loaded in place, against loading each epoch.

A run that keeps every epoch (paper 000: 40 per training) is scored epoch by epoch by
``metrics_over_epochs``. ``over_epochs.score_epochs`` loads the first epoch's model and then only
replaces its weights, so the attribution graph and ``predict`` are traced once; the baseline loads
each epoch as its own model and builds its own attributor, as the workflow did before. Both score
the same epochs of the same width-f baseline CNN (random weights per epoch) on the same test set;
the script checks that their tables are equal and prints seconds per epoch and the ratio.

    python benchmarks/over_epochs_scoring.py --epochs 10 --width 1 --n 300
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
import pandas as pd
from seqattr import over_epochs
from seqattr.attribution import Attributor
from seqattr.devices import device_name
from seqattr.models import build_model

LABEL = {"dataset": "d", "model": "m", "regime": "r", "seed": 1, "task": 0, "method": "saliency"}
METHOD = {"kind": "saliency"}


def each_epoch_loaded(epochs, test, indices, truth, batch_size: int) -> pd.DataFrame:
    """The baseline: every epoch loaded as a model of its own, with its own attributor."""
    tables = []
    for epoch, path in epochs:
        model = keras.saving.load_model(path, compile=False)
        maps = Attributor(model, METHOD, test["x"].shape[1:], "probability", 0)
        tables.append(
            over_epochs.epoch_rows(model, maps, test, indices, truth, 0, 1, LABEL, batch_size).assign(epoch=epoch)
        )
    return pd.concat(tables, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--width", type=int, default=1, help="paper 000's width factor f of the baseline CNN")
    parser.add_argument("--n", type=int, default=300, help="test sequences (half of them attributed)")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (args.n, 200))]
    test = {"x": x, "y": (np.arange(args.n) % 2).astype(np.float32)[:, None]}
    indices = np.flatnonzero(test["y"][:, 0] == 1)
    truth = np.full((len(indices), 200, 4), 0.25, np.float32)
    truth[:, 90:110] = x[indices, 90:110]
    spec = {"architecture": "baseline_cnn", "options": {"width": args.width, "batch_norm": True}}
    with tempfile.TemporaryDirectory() as directory:
        for epoch in range(1, args.epochs + 1):
            keras.utils.set_random_seed(epoch)
            build_model(spec, (200, 4), 1, "binary").save(Path(directory) / f"epoch{epoch}.keras")
        epochs = over_epochs.saved_epochs(directory)
        start = time.perf_counter()
        ours = over_epochs.score_epochs(
            epochs, test, indices, truth, METHOD, "probability", 0, 1, LABEL, args.batch_size
        )
        in_place = (time.perf_counter() - start) / args.epochs
        start = time.perf_counter()
        baseline = each_epoch_loaded(epochs, test, indices, truth, args.batch_size)
        loaded = (time.perf_counter() - start) / args.epochs
    pd.testing.assert_frame_equal(ours, baseline, rtol=1e-6)
    print(
        f"device: {device_name()}; baseline_cnn f={args.width} with batch norm, {args.epochs} epochs, "
        f"{args.n} test sequences, {len(indices)} attributed (saliency); tables equal"
    )
    print(f"{'arm':<40}{'s / epoch':>10}")
    print(f"{'each epoch loaded (baseline)':<40}{loaded:>10.3f}")
    print(f"{'one model, weights in place':<40}{in_place:>10.3f}")
    print(f"speed-up {loaded / in_place:.1f}x")


if __name__ == "__main__":
    main()
