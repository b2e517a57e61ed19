"""Synthetic "billboard" sequences with a known ground truth (Koo & Ploenzke 2021; papers 003, 004).

Each sequence has a sequence model: an (L, 4) array of per-position base probabilities made of
uniform gaps and k JASPAR PWMs. Positives place PWMs from the core pool, negatives from the
background pool; every base, motifs included, is then sampled from its column. The model is
kept beside the sequence so attribution maps can be scored against it.
"""

from __future__ import annotations

import json

import numpy as np

from seqattr import jaspar, schema
from seqattr.data import SPLITS, split_indices

VERSION = "3"
# The config schema's defaults. lookalike_threshold has none there (unset: off), so that configs
# without it keep their datasets' params; this is the one place its "off" is written.
DEFAULTS = {**schema.defaults("synthetic_dataset"), "lookalike_threshold": None}


def gap_lengths(n_gaps: int, total: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``total`` positions into ``n_gaps`` gaps: Uniform(0, 2) draws scaled to ``total``, rounded;
    redrawn until the rounded integers add up to ``total``."""
    while True:
        draws = rng.uniform(0, 2, n_gaps)
        gaps = np.round(draws / draws.sum() * total).astype(int)
        if gaps.sum() == total:
            return gaps


def sequence_model(pool: list[np.ndarray], length: int, counts, probs, rng: np.random.Generator):
    """One sequence model (L, 4) and its number of motifs: k PWMs drawn with replacement, gaps at 0.25."""
    k = int(rng.choice(counts, p=probs))
    while True:
        motifs = [pool[i] for i in rng.integers(len(pool), size=k)]
        free = length - sum(m.shape[0] for m in motifs)
        if free >= 0:
            break
    gaps = gap_lengths(k + 1, free, rng)
    parts = [np.full((gaps[0], 4), 0.25)]
    for motif, gap in zip(motifs, gaps[1:]):
        parts += [motif, np.full((gap, 4), 0.25)]
    return np.concatenate(parts), k


def sample_sequences(models: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One-hot samples (N, L, 4) of per-position distributions, all positions at once.

    Each base is the first whose cumulative probability reaches a draw u in (0, 1]; a base of
    probability 0 repeats its predecessor's cumulative value exactly, so it is never the first.
    """
    cumulative = np.cumsum(models, axis=-1, dtype=np.float64)
    cumulative /= cumulative[..., -1:]
    draws = 1.0 - rng.random(models.shape[:-1] + (1,))
    bases = (cumulative < draws).sum(axis=-1)
    return np.eye(4, dtype=np.float32)[bases]


def check_fit(pool: list[np.ndarray], length: int, counts, probs) -> None:
    """Refuse a motif count whose narrowest PWMs already overflow the sequence (the redraw would never end)."""
    largest = max(k for k, p in zip(counts, probs) if p > 0)
    narrowest = min(m.shape[0] for m in pool)
    if largest * narrowest > length:
        raise ValueError(f"length={length} cannot hold {largest} motifs of at least {narrowest} positions")


def background_motifs(p: dict, rng: np.random.Generator) -> tuple[list[str], dict[str, dict]]:
    """The background pool's motif IDs, and the look-alikes of the core motifs kept out of its draw
    (none when ``lookalike_threshold`` is None; the lab's generator removed them by hand)."""
    release, core, threshold = p["jaspar_release"], p["core_motifs"], p["lookalike_threshold"]
    dropped = {} if threshold is None else jaspar.lookalikes(jaspar.vertebrate_pwms(release), core, threshold)
    return jaspar.background_ids(release, core, p["n_background"], rng, exclude=dropped), dropped


def simulate(params: dict) -> tuple[dict, dict]:
    """The dataset a config entry describes: ``({split: {"x", "y", "model", "n_motifs"}}, attrs)``."""
    p = {**DEFAULTS, **{k: v for k, v in params.items() if k != "kind"}}
    if len(p["motif_counts"]) != len(p["motif_count_probs"]) or abs(sum(p["motif_count_probs"]) - 1) > 1e-6:
        raise ValueError("motif_count_probs must give one probability per entry of motif_counts and sum to 1")
    rng = np.random.default_rng(p["seed"])
    release = p["jaspar_release"]
    _, core_pool = jaspar.motif_pool(release, p["core_motifs"], p["reverse_complement"])
    background, dropped = background_motifs(p, rng)
    _, background_pool = jaspar.motif_pool(release, background, p["reverse_complement"])
    for pool in (core_pool, background_pool):
        check_fit(pool, p["length"], p["motif_counts"], p["motif_count_probs"])

    models, n_motifs, labels = [], [], []
    for pool, n, label in ((core_pool, p["n_positive"], 1.0), (background_pool, p["n_negative"], 0.0)):
        for _ in range(n):
            model, k = sequence_model(pool, p["length"], p["motif_counts"], p["motif_count_probs"], rng)
            models.append(model)
            n_motifs.append(k)
            labels.append(label)
    models = np.stack(models)
    x = sample_sequences(models, rng)
    y = np.array(labels, dtype=np.float32)[:, None]
    n_motifs = np.array(n_motifs, dtype=np.int64)

    splits = {
        name: {"x": x[idx], "y": y[idx], "model": models[idx].astype(np.float32), "n_motifs": n_motifs[idx]}
        for name, idx in zip(SPLITS, split_indices(len(x), p["split"], rng))
    }
    attrs = {
        "generator": "seqattr.simulate",
        "task": "binary",
        "version": VERSION,
        "seed": p["seed"],
        "jaspar_release": release,
        "core_motifs": json.dumps(list(p["core_motifs"])),
        "background_motifs": json.dumps(background),
        "dropped_lookalikes": json.dumps(dropped),
        "length": p["length"],
        "params": json.dumps(p),
    }
    return splits, attrs
