"""Where a CPU-hour goes, in one run: seeds per hour trained one per process against packed into one
process, training FLOP/s against the machine's own matmul FLOP/s, and the start-up of a TensorFlow
job and of a plot job.

- *Seeds per hour*: ``--seeds`` seeds of ``--architecture`` on N random 200-nt sequences, each
  trained by ``training.train_seeds`` in a process of its own (as one Snakemake job per seed
  does), against all of them in one process (one TensorFlow start-up and import for all).
- *FLOP/s*: the model's forward FLOPs per sequence (TensorFlow's profiler on the inference graph) ×
  3 for a training step (forward, and a backward of about twice the forward: the usual estimate)
  over the training sequences, plus one forward over the validation split, per second of the
  packed run's later epochs; against a 2048² float32 ``tf.matmul`` at the same thread count.
- *Start-up*: wall seconds of a new Python process that imports what a rule script imports and,
  for the TensorFlow job, loads a saved model (median of three); bare ``python -c pass`` beside.

    python benchmarks/throughput.py --n 9800 --epochs 3 --seeds 4 --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
START_UPS = {
    "python -c pass (floor)": "pass",
    "plot job (seqattr.plots.attribution_panel, seqattr.analysis)": (
        "import seqattr.analysis, seqattr.plots.attribution_panel"
    ),
    "TensorFlow job (seqattr.attribution, load a .keras model)": (
        "import sys, keras, seqattr.attribution; keras.models.load_model(sys.argv[1])"
    ),
}


def random_data(n: int, length: int = 200, seed: int = 0) -> dict:
    """N random one-hot sequences with random binary labels (validation N/7, test 100)."""
    rng = np.random.default_rng(seed)
    sizes = {"train": n, "valid": max(n // 7, 100), "test": 100}
    return {
        split: {
            "x": np.eye(4, dtype=np.float32)[rng.integers(0, 4, (size, length))],
            "y": rng.integers(0, 2, (size, 1)).astype(np.float32),
        }
        for split, size in sizes.items()
    }


def builder(architecture: str):
    from seqattr.models import build_model

    return lambda: build_model({"architecture": architecture, "options": {}}, (200, 4), 1, "binary")


def worker(args) -> None:
    """Train ``args.worker_seeds`` in this process; print each seed's per-epoch seconds as JSON."""
    from seqattr import training

    training.set_threads(args.threads)
    data = random_data(args.n)
    settings = {"epochs": args.epochs, "batch_size": args.batch_size}
    seeds = [int(s) for s in args.worker_seeds.split(",")]
    for seed, _, result in training.train_seeds(
        builder(args.architecture), data, {"kind": "standard"}, settings, seeds, args.workdir
    ):
        print(json.dumps({"seed": seed, "seconds": [row["seconds"] for row in result.history]}), flush=True)


def train_in_processes(args, packs: list[list[int]], workdir: Path) -> tuple[float, list[dict]]:
    """Wall seconds to train each pack of seeds in a process of its own, one process after another."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_NUM_INTRAOP_THREADS": str(args.threads)}
    common = ["--n", str(args.n), "--epochs", str(args.epochs), "--batch-size", str(args.batch_size)]
    common += ["--architecture", args.architecture, "--threads", str(args.threads), "--workdir", str(workdir)]
    start, reports = time.perf_counter(), []
    for pack in packs:
        command = [sys.executable, __file__, "--worker-seeds", ",".join(map(str, pack)), *common]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"training process {pack} failed:\n{done.stderr[-3000:]}")
        reports += [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return time.perf_counter() - start, reports


def start_up_seconds(code: str, model_path: Path, repeats: int = 3) -> float:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(SCRIPTS)}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, str(model_path)], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def forward_flops_per_sequence(model) -> float:
    """FLOPs of one inference-mode forward pass per sequence (TensorFlow's profiler, batch 100)."""
    import tensorflow as tf
    from tensorflow.python.profiler import model_analyzer, option_builder

    graph = tf.function(lambda x: model(x, training=False))
    concrete = graph.get_concrete_function(tf.TensorSpec((100, *model.input_shape[1:]), tf.float32))
    options = option_builder.ProfileOptionBuilder(option_builder.ProfileOptionBuilder.float_operation())
    report = model_analyzer.profile(concrete.graph, options=options.with_empty_output().build())
    return report.total_float_ops / 100


def matmul_flops_per_second(size: int = 2048, repeats: int = 20) -> float:
    import tensorflow as tf

    a = tf.random.normal((size, size))
    product = tf.function(lambda m: tf.matmul(m, m))
    product(a).numpy()
    start = time.perf_counter()
    for _ in range(repeats):
        result = product(a)
    result.numpy()
    return repeats * 2 * size**3 / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=9800, help="training sequences (the default config's)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per seed (the first includes tracing)")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--architecture", default="cnn_deep")
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow intra-op threads (the rules' default)")
    parser.add_argument("--worker-seeds", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_seeds:
        worker(args)
        return

    from seqattr import training
    from seqattr.devices import device_name

    training.set_threads(args.threads)
    seeds = list(range(args.seeds))
    print(
        f"device: {device_name()}; {args.architecture}, L=200, N={args.n}, {args.epochs} epochs, "
        f"batch {args.batch_size}, {args.seeds} seeds, {args.threads} TensorFlow thread(s)",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        alone, _ = train_in_processes(args, [[s] for s in seeds], tmp / "alone")
        packed, reports = train_in_processes(args, [seeds], tmp / "packed")
        model = builder(args.architecture)()
        model.save(tmp / "model.keras")
        start_ups = {name: start_up_seconds(code, tmp / "model.keras") for name, code in START_UPS.items()}

    print("\nseeds per hour")
    print(f"  one per process      {alone:>8.1f} s {args.seeds * 3600 / alone:>8.0f} seeds/hour")
    print(f"  {args.seeds} in one process     {packed:>8.1f} s {args.seeds * 3600 / packed:>8.0f} seeds/hour")
    print(f"  ratio packed / one per process: {alone / packed:.2f}")

    later = [s for report in reports for s in (report["seconds"][1:] or report["seconds"])]
    data = random_data(args.n)
    flops_per_epoch = forward_flops_per_sequence(model) * (3 * args.n + len(data["valid"]["x"]))
    training_rate, matmul_rate = flops_per_epoch / statistics.mean(later), matmul_flops_per_second()
    print("\nFLOP/s")
    print(f"  training (later epochs)  {training_rate / 1e9:>8.1f} GFLOP/s")
    print(f"  matmul 2048² float32     {matmul_rate / 1e9:>8.1f} GFLOP/s")
    print(f"  ratio training / matmul: {training_rate / matmul_rate:.2f}")

    print("\nper-job start-up (new process, median of 3)")
    for name, seconds in start_ups.items():
        print(f"  {name:<62}{seconds:>6.2f} s")


if __name__ == "__main__":
    main()
