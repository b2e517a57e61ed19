"""Training throughput: our custom loop against ``model.fit`` on the same cnn_deep, in the same run.

Both train on N random sequences (L = 200, random labels) with batch 100, Adam 1e-3, binary
cross-entropy on the logits, and evaluate a validation split (N/7) after every epoch; op
determinism is on for both. The first epoch (graph tracing) is reported apart from the mean
of the later ones. Prints sequences/second, the ratio ours / fit and the device.

    python benchmarks/train_throughput.py --n 14000 --epochs 3
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from seqattr import training
from seqattr.devices import device_name
from seqattr.models import build_model, logit_model


def split(n: int, rng) -> dict:
    return {
        "x": np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, 200))],
        "y": rng.integers(0, 2, (n, 1)).astype(np.float32),
    }


def cnn_deep(seed: int) -> keras.Model:
    training.seed_everything(seed)
    return build_model({"architecture": "cnn_deep", "options": {}}, (200, 4), 1, "binary")


def ours(data: dict, epochs: int, batch_size: int) -> list[float]:
    """Per-epoch seconds of ``training.train`` (training steps and validation)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = training.train(
            cnn_deep(0),
            data,
            {"kind": "standard"},
            {"epochs": epochs, "batch_size": batch_size},
            seed=0,
            checkpoint_dir=Path(tmp) / "ckpt",
            history_path=Path(tmp) / "history.tsv",
        )
    return [row["seconds"] for row in result.history]


class _EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def fit(data: dict, epochs: int, batch_size: int) -> list[float]:
    """Per-epoch seconds of ``model.fit`` with the same validation split."""
    model = logit_model(cnn_deep(0))
    model.compile(
        keras.optimizers.Adam(1e-3),
        keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.AUC(from_logits=True)],
    )
    timer = _EpochTimer()
    model.fit(
        data["train"]["x"],
        data["train"]["y"],
        batch_size=batch_size,
        epochs=epochs,
        shuffle=True,
        validation_data=(data["valid"]["x"], data["valid"]["y"]),
        callbacks=[timer],
        verbose=0,
    )
    return timer.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=14000, help="training sequences")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per method (the first includes tracing)")
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    data = {"train": split(args.n, rng), "valid": split(max(args.n // 7, 100), rng), "test": split(100, rng)}
    print(f"device: {device_name()}; cnn_deep, L=200, N={args.n}, batch {args.batch_size}, {args.epochs} epochs")
    results = {
        "custom loop": ours(data, args.epochs, args.batch_size),
        "model.fit": fit(data, args.epochs, args.batch_size),
    }
    print(f"{'':<14}{'epoch 1 seq/s':>15}{'later epochs seq/s':>20}")
    rates = {}
    for name, seconds in results.items():
        later = seconds[1:] or seconds
        rates[name] = args.n / float(np.mean(later))
        print(f"{name:<14}{args.n / seconds[0]:>15.0f}{rates[name]:>20.0f}")
    print(f"ratio custom loop / model.fit (later epochs): {rates['custom loop'] / rates['model.fit']:.2f}")


if __name__ == "__main__":
    main()
