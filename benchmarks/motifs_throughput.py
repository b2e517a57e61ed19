"""Motif-stage time per 1,000 sequences against saliency attribution of the same sequences on cnn_deep.

The stage's work on one attribution file: TF-MoDISco (modisco-lite) on the raw and on the corrected
map, then Tomtom (memelite) of every pattern against JASPAR 2016 CORE vertebrates (519 motifs). The
maps are constructed (two JASPAR motifs planted, ``seqattr.motifs.planted_maps``) so that the run finds
patterns. The baseline, measured in the same run, is what the attribute stage spends to make such a
map: saliency of a randomly initialised cnn_deep on the same sequences (one graph trace included).
A warm-up run on 100 sequences first compiles (or loads from numba's cache) every kernel, so the
timings are those of a job on a machine where the stage has run once; the first ever run compiles
for about 100 s more (printed as ``warm-up``).

    python benchmarks/motifs_throughput.py --n 1000
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="sequences per map")
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument(
        "--leiden-runs", type=int, default=10, help="Leiden runs per clustering (config motifs.leiden_runs)"
    )
    parser.add_argument("--threads", type=int, default=2, help="numba threads (the rule's threads)")
    args = parser.parse_args()
    os.environ["NUMBA_NUM_THREADS"] = str(args.threads)  # before numba loads (see scripts/motifs.py)

    from seqattr import motifs as mo

    database = mo.jaspar_motifs("JASPAR2016")
    pwms = {m.id: m.pwm for m in database}
    settings = {"leiden_runs": args.leiden_runs}
    start = time.perf_counter()
    G, x, M = mo.planted_maps(pwms, ["MA0139.1", "MA0095.2"], n=100, length=args.length)
    mo.discover_motifs(G, x, "saliency", database, settings, core_ids=["MA0139.1", "MA0095.2"], model=M)
    warm_up = time.perf_counter() - start

    G, x, M = mo.planted_maps(pwms, ["MA0139.1", "MA0095.2"], n=args.n, length=args.length, seed=1)
    start = time.perf_counter()
    rows, patterns, _ = mo.discover_motifs(
        G, x, "saliency", database, settings, core_ids=["MA0139.1", "MA0095.2"], model=M
    )
    stage = time.perf_counter() - start

    from seqattr.attribution import attribute
    from seqattr.devices import device_name
    from seqattr.models import build_model

    model = build_model({"architecture": "cnn_deep", "options": {}}, (args.length, 4), 1)
    start = time.perf_counter()
    attribute(model, x, {"kind": "saliency"}, batch_size=128)
    saliency = time.perf_counter() - start

    per_1000 = 1000 / args.n
    print(
        f"device: {device_name()}; numba threads {args.threads}; N={args.n}, L={args.length}, "
        f"leiden runs {args.leiden_runs}; warm-up (100 sequences, kernels compiled or loaded) {warm_up:.1f} s"
    )
    for row in rows:
        print(
            f"  {row['version']:<10} {row['status']:<12} {row['n_patterns']} patterns, {row['n_seqlets']} seqlets, "
            f"core recovered {row['core_recovered']}/2, {row['seconds']:.1f} s"
        )
    print(f"{'arm':<42}{'s / 1,000 sequences':>20}")
    print(f"{'motif stage (raw + corrected, Tomtom)':<42}{stage * per_1000:>20.1f}")
    print(f"{'saliency on cnn_deep (baseline)':<42}{saliency * per_1000:>20.2f}")
    print(f"ratio stage / saliency: {stage / saliency:.0f}x")


if __name__ == "__main__":
    main()
