"""Attribution throughput: batched graphs against a per-sequence loop, for every method on cnn_deep.

For each method, ``attribute`` runs on N random sequences with the configured batch size; the
baseline is the same computation looping over sequences one at a time (``batch_size=1``: one graph
call per sequence with all its path points or samples), timed on a subset and extrapolated to N.
Both timings include the one graph trace of their ``attribute`` call. Prints sequences/second and
the speed-up, with the device name.

    python benchmarks/attribution_throughput.py --n 4000 --loop-n 32 --batch-size 128
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from seqattr.attribution import METHODS, attribute
from seqattr.devices import device_name
from seqattr.models import build_model


def cnn_deep(length: int = 200):
    return build_model({"architecture": "cnn_deep", "options": {}}, (length, 4), 1, "binary")


def seconds(model, x, method: dict, batch_size: int) -> float:
    start = time.perf_counter()
    attribute(model, x, method, batch_size=batch_size)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000, help="sequences for the batched run")
    parser.add_argument("--loop-n", type=int, default=32, help="sequences for the per-sequence loop (extrapolated)")
    parser.add_argument("--batch-size", type=int, default=128, help="sequences per graph call")
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (args.n, args.length))]
    model = cnn_deep(args.length)
    print(f"device: {device_name()}; cnn_deep, L={args.length}, N={args.n}, batch {args.batch_size} sequences")
    print(f"{'method':<22}{'params':<48}{'batched seq/s':>14}{'loop seq/s':>12}{'speed-up':>10}")
    for kind in args.methods:
        method = {"kind": kind, **METHODS[kind].defaults}
        batched = args.n / seconds(model, x, method, args.batch_size)
        loop_n = min(args.loop_n, args.n)
        loop = loop_n / seconds(model, x[:loop_n], method, 1)
        params = ", ".join(f"{k}={v}" for k, v in METHODS[kind].defaults.items()) or "-"
        print(f"{kind:<22}{params:<48}{batched:>14.1f}{loop:>12.1f}{batched / loop:>9.1f}x", flush=True)


if __name__ == "__main__":
    main()
