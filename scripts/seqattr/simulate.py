"""Synthetic "billboard" sequences with a known ground truth (Koo & Ploenzke 2021; papers 003, 004).

Each sequence has a sequence model: an (L, 4) array of per-position base probabilities made of
uniform gaps and k JASPAR PWMs. Positives place PWMs from the core pool, negatives from the
background pool; every base, motifs included, is then sampled from its column. The model is
kept beside the sequence so attribution maps can be scored against it, and so is
``motif_index``, the core motif at each position whose labels it drives (−1 elsewhere).

The labels are binary or regression, one output or one per core motif (Koo & Eddy 2019). The
lab's binary one-output design labels a sequence by the pool it was drawn from: a negative that
drew a core PWM from the background pool is still 0, so its ``motif_index`` is −1 throughout.
Every other layout labels each sequence by the core motifs it holds, negatives included (version
5): output t of ``per_core_motif`` is 1 exactly when motif t is in the sequence, and a regression
label sums the effects of every core motif present, so labels and ground truth agree
(docs/decisions.md, "Labels follow the motifs"). Every random draw the labels need (regression
noise) comes after the draws of the sequences and the split, so a binary one-output dataset has
the bytes of version 3 and every layout shares its sequences.
"""

from __future__ import annotations

import json

import numpy as np

from seqattr import jaspar, schema
from seqattr.data import SPLITS, split_indices

VERSION = "5"  # 5: labels and motif_index follow the core motifs of negatives too (not binary one-output)
ONE_OUTPUT_BINARY_VERSION = "4"  # that layout's bytes have not changed since (those of version 3)
# The config schema's defaults (the task type's is the dataset-level one). lookalike_threshold has
# none there (unset: off), so that configs without it keep their datasets' params; this is the one
# place its "off" is written.
DEFAULTS = {
    "task": schema.defaults("dataset")["task"],
    **schema.defaults("synthetic_dataset"),
    "lookalike_threshold": None,
}
TASKS = tuple(schema.properties("synthetic_dataset")["task"]["enum"])
OUTPUTS = tuple(schema.properties("synthetic_dataset")["outputs"]["enum"])
ONE_OUTPUT_NAME = "all_core_motifs"  # task_names of a one-output dataset: every core motif drives it


def gap_lengths(n_gaps: int, total: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``total`` positions into ``n_gaps`` gaps: Uniform(0, 2) draws scaled to ``total``, rounded;
    redrawn until the rounded integers add up to ``total``."""
    while True:
        draws = rng.uniform(0, 2, n_gaps)
        gaps = np.round(draws / draws.sum() * total).astype(int)
        if gaps.sum() == total:
            return gaps


def sequence_model(pool: list[np.ndarray], length: int, counts, probs, rng: np.random.Generator):
    """One sequence model (L, 4): k PWMs drawn with replacement, gaps at 0.25; with the pool indices
    of the k PWMs and, per position, the pool index of the PWM there (−1 in gaps)."""
    k = int(rng.choice(counts, p=probs))
    while True:
        drawn = rng.integers(len(pool), size=k)
        free = length - sum(pool[i].shape[0] for i in drawn)
        if free >= 0:
            break
    gaps = gap_lengths(k + 1, free, rng)
    parts, owner = [np.full((gaps[0], 4), 0.25)], [np.full(gaps[0], -1)]
    for i, gap in zip(drawn, gaps[1:]):
        parts += [pool[i], np.full((gap, 4), 0.25)]
        owner += [np.full(pool[i].shape[0], i), np.full(gap, -1)]
    return np.concatenate(parts), drawn, np.concatenate(owner)


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


def labelled_by_content(params: dict) -> bool:
    """Whether every sequence's labels follow the core motifs it holds: all layouts but the lab's
    binary one-output one, whose label is the pool a sequence was drawn from."""
    p = {**DEFAULTS, **params}
    return not (p["task"] == "binary" and p["outputs"] == "one")


def version(params: dict) -> str:
    """The generator version whose bytes a config entry's dataset has (a change regenerates it)."""
    return VERSION if labelled_by_content(params) else ONE_OUTPUT_BINARY_VERSION


def core_indices(names: list[str], core_ids: list[str]) -> np.ndarray:
    """Pool index → core motif index (a PWM and its reverse complement are one motif; −1 for any other
    motif), with a trailing −1 so that the gaps' owner −1 maps to −1."""
    return np.array(
        [core_ids.index(n.removesuffix("_rc")) if n.removesuffix("_rc") in core_ids else -1 for n in names] + [-1]
    )


def task_count(params: dict) -> int:
    """How many outputs (label columns) the dataset of a synthetic config entry has."""
    return len(task_motifs(params))


def task_motifs(params: dict) -> list[list[int]]:
    """Per output, the indices into ``core_motifs`` of the motifs that drive its label."""
    p = {**DEFAULTS, **params}
    every = list(range(len(p["core_motifs"])))
    return [[t] for t in every] if p["outputs"] == "per_core_motif" else [every]


def check_labels(p: dict) -> None:
    """Refuse an unknown task type or output layout, and regression effects that are not one per core motif."""
    if p["task"] not in TASKS or p["outputs"] not in OUTPUTS:
        raise ValueError(
            f"task must be one of {list(TASKS)} and outputs one of {list(OUTPUTS)}, "
            f"got {p['task']!r} and {p['outputs']!r}"
        )
    if len(p["core_motifs"]) > np.iinfo(np.int8).max:
        raise ValueError(f"{len(p['core_motifs'])} core motifs; motif_index (int8) holds at most 127")
    if p["task"] == "regression" and len(p["effects"]) != len(p["core_motifs"]):
        raise ValueError(
            f"{len(p['effects'])} effects for {len(p['core_motifs'])} core motifs; "
            "regression needs one effect per core motif"
        )


def labels(p: dict, copies: np.ndarray, positive: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Labels (N, T) float32 from each sequence's copies of each core motif (N, n_core).

    Binary: drawn from the core pool or not (one output), core motif t embedded (per core motif). Regression:
    effects · copies, summed (one output) or per motif, plus Normal(0, noise_sd) per label —
    the only draws here, so binary labels leave ``rng`` as it was.
    """
    if p["task"] == "binary":
        y = positive[:, None] if p["outputs"] == "one" else copies > 0
        return y.astype(np.float32)
    signal = copies * np.asarray(p["effects"], dtype=np.float64)
    if p["outputs"] == "one":
        signal = signal.sum(axis=1, keepdims=True)
    return (signal + rng.normal(0.0, p["noise_sd"], signal.shape)).astype(np.float32)


def simulate(params: dict) -> tuple[dict, dict]:
    """The dataset a config entry describes: ``({split: {"x", "y", "model", "n_motifs", "motif_index"}}, attrs)``."""
    p = {**DEFAULTS, **{k: v for k, v in params.items() if k != "kind"}}
    if len(p["motif_counts"]) != len(p["motif_count_probs"]) or abs(sum(p["motif_count_probs"]) - 1) > 1e-6:
        raise ValueError("motif_count_probs must give one probability per entry of motif_counts and sum to 1")
    check_labels(p)
    rng = np.random.default_rng(p["seed"])
    release = p["jaspar_release"]
    core_names, core_pool = jaspar.motif_pool(release, p["core_motifs"], p["reverse_complement"])
    background, dropped = background_motifs(p, rng)
    background_names, background_pool = jaspar.motif_pool(release, background, p["reverse_complement"])
    for pool in (core_pool, background_pool):
        check_fit(pool, p["length"], p["motif_counts"], p["motif_count_probs"])

    n_core = len(p["core_motifs"])
    negatives_core = (
        core_indices(background_names, p["core_motifs"])
        if labelled_by_content(p)
        else np.full(len(background_names) + 1, -1)
    )  # the lab's design: a negative is 0
    models, n_motifs, motif_index, copies = [], [], [], []
    for pool, n, core_of in (
        (core_pool, p["n_positive"], core_indices(core_names, p["core_motifs"])),
        (background_pool, p["n_negative"], negatives_core),
    ):
        for _ in range(n):
            model, drawn, owner = sequence_model(pool, p["length"], p["motif_counts"], p["motif_count_probs"], rng)
            models.append(model)
            n_motifs.append(len(drawn))
            motif_index.append(core_of[owner])
            held = core_of[drawn]
            copies.append(np.bincount(held[held >= 0], minlength=n_core))
    models = np.stack(models)
    x = sample_sequences(models, rng)
    n_motifs = np.array(n_motifs, dtype=np.int64)
    motif_index = np.stack(motif_index).astype(np.int8)
    positive = np.arange(len(x)) < p["n_positive"]
    parts = split_indices(len(x), p["split"], rng)
    y = labels(p, np.stack(copies), positive, rng)  # after every other draw: see the module's docstring

    splits = {
        name: {
            "x": x[idx],
            "y": y[idx],
            "model": models[idx].astype(np.float32),
            "n_motifs": n_motifs[idx],
            "motif_index": motif_index[idx],
        }
        for name, idx in zip(SPLITS, parts)
    }
    attrs = {
        "generator": "seqattr.simulate",
        "task": p["task"],
        "outputs": p["outputs"],
        # lists, as fasta.build's task_names (write_h5 stores them as JSON, read_attrs decodes them)
        "task_names": list(p["core_motifs"]) if p["outputs"] == "per_core_motif" else [ONE_OUTPUT_NAME],
        "task_motifs": task_motifs(p),
        "version": version(p),
        "seed": p["seed"],
        "jaspar_release": release,
        "core_motifs": json.dumps(list(p["core_motifs"])),
        "background_motifs": json.dumps(background),
        "dropped_lookalikes": json.dumps(dropped),
        "length": p["length"],
        "params": json.dumps(p),
    }
    return splits, attrs
