"""The accelerator check: what a GPU gives paper 004's models, in one table, in under 10 minutes.

For each of paper 004's four models (``config/paper_004.yaml``: architectures, batch size,
attribution methods): train k seeds at once on the device for a few epochs, as k processes of one
seed each sharing it (what ``jobs_per_gpu`` does on a workstation) for each k in ``--packs``, and
k seeds one after another in one process (``training.train_seeds``); then time each attribution
method on each model's first seed, and attribute the same sequences with the same weights in a
process that sees no GPU: the maps must agree to ``--tolerance`` (relative to the map's largest
value; TensorFlow computes convolutions in TF32 on Ampere and later GPUs, which is why this is not
exact). ``--small`` runs the same on a CPU in a minute or two, which a test does.

    bash benchmarks/gpu_check.sh            # on the GPU machine: writes benchmarks/gpu_check.tsv
    bash benchmarks/gpu_check.sh --small    # anywhere: the same steps at toy sizes
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from throughput import random_data

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "config" / "paper_004.yaml"
COLUMNS = ["step", "model", "method", "seeds", "seconds", "seeds_per_hour", "sequences_per_second", "relative_error"]
SIZES = {  # sequences, epochs, seeds at once, attributed sequences
    "full": {"n": 9800, "epochs": 2, "packs": [1, 4, 16], "attributed": 500},
    "small": {"n": 300, "epochs": 1, "packs": [2], "attributed": 16},
}


def paper_setup() -> dict:
    config = yaml.safe_load(PAPER.read_text())
    return {
        "models": config["models"],
        "methods": config["attribution"]["methods"],
        "batch_size": config["training"]["batch_size"],
        "attribution_batch": config["attribution"]["batch_size"],
    }


def _python(code_args: list[str], env_extra: dict | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_FORCE_GPU_ALLOW_GROWTH": "true",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), str(Path(__file__).parent)]),
        **(env_extra or {}),
    }
    return subprocess.Popen([sys.executable, __file__, *code_args], env=env, stdout=subprocess.PIPE, text=True)


def _wait(processes: list[subprocess.Popen]) -> list[dict]:
    reports = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"a worker failed ({process.args}); its error is above")
        reports += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return reports


def train_worker(args) -> None:
    """Train ``args.seeds`` of ``args.model`` one after another here (each in a new directory: nothing
    resumes); save the first seed's model."""
    from seqattr import training
    from seqattr.models import build_model

    setup = paper_setup()
    spec = setup["models"][args.model]
    build = lambda: build_model(spec, (200, 4), 1, "binary")  # noqa: E731
    settings = {"epochs": args.epochs, "batch_size": setup["batch_size"]}
    seeds = [int(s) for s in args.seeds.split(",")]
    for seed, model, _ in training.train_seeds(
        build, random_data(args.n), {"kind": "standard"}, settings, seeds, args.workdir
    ):
        if args.save and seed == seeds[0]:
            model.save(args.save)


def attribute_worker(args) -> None:
    """Attribute the first ``args.attributed`` random sequences with every method and every saved model
    in ``args.attribute`` (``name=path`` pairs, comma-separated); time each, save the maps."""
    import keras

    from seqattr.attribution import Attributor

    setup = paper_setup()
    x = random_data(args.attributed, seed=1)["train"]["x"]
    maps = {}
    for pair in args.attribute.split(","):
        name, path = pair.split("=", 1)
        model = keras.models.load_model(path)
        for method_name, method in setup["methods"].items():
            attributor = Attributor(model, method, x.shape[1:])
            attributor(x[: min(len(x), 4)], setup["attribution_batch"])  # trace first: time the work alone
            start = time.perf_counter()
            maps[f"{name}/{method_name}"] = attributor(x, setup["attribution_batch"])
            seconds = time.perf_counter() - start
            print(json.dumps({"model": name, "method": method_name, "seconds": seconds}), flush=True)
    np.savez(args.out, **maps)


def check(size: dict, workdir: Path) -> pd.DataFrame:
    setup = paper_setup()
    common = ["--n", str(size["n"]), "--epochs", str(size["epochs"])]
    rows, saved = [], {}
    for model in setup["models"]:
        saved[model] = workdir / f"{model}.keras"
        for k in size["packs"]:
            at_once = [*common, "--workdir", str(workdir / f"{model}.{k}-at-once")]
            start = time.perf_counter()
            first = ["--save", str(saved[model])]
            _wait(
                [_python(["--train", model, "--seeds", str(s), *at_once, *(first if s == 0 else [])]) for s in range(k)]
            )
            seconds = time.perf_counter() - start
            rows.append({"step": f"train: {k} process(es) at once", "model": model, "seeds": k, "seconds": seconds})
        k = max(size["packs"])
        in_one = [*common, "--workdir", str(workdir / f"{model}.{k}-in-one")]
        start = time.perf_counter()
        _wait([_python(["--train", model, "--seeds", ",".join(map(str, range(k))), *in_one])])
        seconds = time.perf_counter() - start
        rows.append({"step": f"train: {k} in one process", "model": model, "seeds": k, "seconds": seconds})

    models = ",".join(f"{name}={path}" for name, path in saved.items())
    maps = {}
    for device, hide_gpu in (("device", {}), ("cpu", {"CUDA_VISIBLE_DEVICES": ""})):
        out = workdir / f"maps.{device}.npz"
        arguments = ["--attribute", models, "--attributed", str(size["attributed"]), "--out", str(out)]
        timings = _wait([_python(arguments, hide_gpu)])
        maps[device] = dict(np.load(out))
        if device == "device":
            rows += [
                {**timing, "step": "attribute", "sequences_per_second": size["attributed"] / timing["seconds"]}
                for timing in timings
            ]
    for row in rows:
        if row["step"] == "attribute":
            key = f"{row['model']}/{row['method']}"
            on_device, on_cpu = maps["device"][key], maps["cpu"][key]
            row["relative_error"] = float(np.abs(on_device - on_cpu).max() / max(np.abs(on_cpu).max(), 1e-30))
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    table["seeds_per_hour"] = table["seeds"] * 3600 / table["seconds"]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="toy sizes, for a CPU")
    parser.add_argument("--out", default=str(Path(__file__).parent / "gpu_check.tsv"))
    parser.add_argument("--tolerance", type=float, default=1e-2, help="largest relative map difference device/CPU")
    for hidden in ("--train", "--seeds", "--save", "--workdir", "--attribute"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--attributed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.train:
        args.model = args.train
        return train_worker(args)
    if args.attribute:
        return attribute_worker(args)

    from seqattr.devices import device_name

    size = SIZES["small" if args.small else "full"]
    device = device_name()
    print(f"gpu_check on {device}: paper 004's models, N={size['n']}, {size['epochs']} epoch(s), {size}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        table = check(size, Path(tmp))
    table.insert(0, "device", device)
    table.to_csv(args.out, sep="\t", index=False, float_format="%.4g")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.drop(columns="device").to_string(index=False))
    worst = table["relative_error"].max()
    print(f"largest relative map difference device / CPU: {worst:.2g} (tolerance {args.tolerance:g})")
    print(f"table: {args.out}")
    if not worst <= args.tolerance:
        sys.exit(f"gpu_check: maps on the device differ from the CPU's by {worst:.2g} > {args.tolerance:g}")


if __name__ == "__main__":
    main()
