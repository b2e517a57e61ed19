"""Motif ablation in silico: does each output of a trained model follow its own motifs alone?

In synthetic data with one output per core motif, output t's label depends on motif t alone
(docs/decisions.md, "Labels follow the motifs"), and its ground truth keeps motif t's positions
only. A model agrees with that when destroying motif s in a sequence — its positions resampled
as uniform random bases — changes output s and leaves every other output about as it is. For
scale, a control resamples as many gap positions (uniform columns of the sequence model) of the
same sequences: the change that any resampling of that size makes.

Changes are of the model's output (a probability for a binary output, the value for a
regression one), averaged over the test sequences that hold motif s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

COLUMNS = ["motif", "output", "own", "n_sequences", "change", "control_change"]


def resample(x: np.ndarray, positions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``x`` (N, L, 4) one-hot with the bases at ``positions`` (N, L; bool) drawn uniformly anew."""
    out = np.array(x, copy=True)
    bases = rng.integers(0, 4, size=int(positions.sum()))
    out[positions] = np.eye(4, dtype=out.dtype)[bases]
    return out


def matched_gaps(gaps: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per sequence, ``counts[i]`` positions drawn without replacement from its ``gaps`` (N, L; bool)."""
    chosen = np.zeros_like(gaps)
    for i, (free, k) in enumerate(zip(gaps, counts)):
        candidates = np.flatnonzero(free)
        if len(candidates) < k:
            raise ValueError(f"sequence {i} has {len(candidates)} gap positions, fewer than the {k} to resample")
        chosen[i, rng.choice(candidates, size=k, replace=False)] = True
    return chosen


def ablation_table(
    predict: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    motif_index: np.ndarray,
    sequence_model: np.ndarray,
    task_motifs: list[list[int]],
    seed: int,
) -> pd.DataFrame:
    """One row per core motif × output: the mean |Δ output| when that motif's positions are
    resampled (``change``) and when as many gap positions are (``control_change``), over the test
    sequences holding the motif; ``own`` when the motif drives that output (``task_motifs``)."""
    rng = np.random.default_rng(seed)
    gaps = np.all(sequence_model == 0.25, axis=-1) & (motif_index < 0)
    n_core = 1 + max(max(motifs) for motifs in task_motifs)
    rows = []
    for motif in range(n_core):
        positions = motif_index == motif
        holding = positions.any(axis=1)
        if not holding.any():
            continue
        x_held, positions = x[holding], positions[holding]
        base = predict(x_held)
        ablated = predict(resample(x_held, positions, rng))
        control = predict(resample(x_held, matched_gaps(gaps[holding], positions.sum(axis=1), rng), rng))
        for output, drivers in enumerate(task_motifs):
            rows.append(
                {
                    "motif": motif,
                    "output": output,
                    "own": motif in drivers,
                    "n_sequences": int(holding.sum()),
                    "change": float(np.abs(ablated[:, output] - base[:, output]).mean()),
                    "control_change": float(np.abs(control[:, output] - base[:, output]).mean()),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def own_against_others(table: pd.DataFrame) -> pd.DataFrame:
    """Per run (the table's label columns), the mean change of the ablated motifs' own outputs, of the
    other outputs and of the gap control, and the ratio own / others."""
    keys = [c for c in table.columns if c not in COLUMNS]
    grouped = table.groupby(keys) if keys else [((), table)]
    rows = []
    for key, part in grouped:
        own, other = part[part["own"]], part[~part["own"]]
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row.update(
            own_change=own["change"].mean(),
            other_change=other["change"].mean(),
            control_change=part["control_change"].mean(),
        )
        row["own_over_other"] = row["own_change"] / row["other_change"] if row["other_change"] > 0 else np.inf
        rows.append(row)
    return pd.DataFrame(rows)
