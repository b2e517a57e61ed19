"""Position weight matrices from the JASPAR database shipped offline by ``pyjaspar``."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from seqattr import schema

# SP1, Gabpa, CEBPB, MAX, YY1: the default core_motifs of a synthetic dataset (the config schema)
CORE_MOTIFS = tuple(schema.defaults("synthetic_dataset")["core_motifs"])
# The billboard generator's matrices: the JASPAR collection and taxon that the motif stage matches
# against by default (CORE vertebrates), so that patterns are named from the pool the data were drawn from.
_POOL = {key: schema.defaults("motifs")[key] for key in ("collection", "tax_group")}


@lru_cache(maxsize=4)
def vertebrate_pwms(release: str = "JASPAR2016") -> dict[str, np.ndarray]:
    """Every CORE vertebrate matrix of ``release`` as an (L, 4) PWM (counts / column sum), by ID."""
    from pyjaspar import jaspardb

    motifs = jaspardb(release=release).fetch_motifs(collection=_POOL["collection"], tax_group=[_POOL["tax_group"]])
    return {m.matrix_id: pwm_from_counts(m.counts) for m in motifs}


def pwm_from_counts(counts) -> np.ndarray:
    """(L, 4) probabilities in A, C, G, T order from a count matrix keyed by base."""
    matrix = np.array([counts[base] for base in "ACGT"], dtype=np.float64).T
    return matrix / matrix.sum(axis=1, keepdims=True)


def reverse_complement(pwm: np.ndarray) -> np.ndarray:
    """The PWM read on the other strand: positions reversed, A↔T and C↔G swapped."""
    return pwm[::-1, ::-1].copy()


def motif_pool(release: str, ids, reverse_complements: bool = True) -> tuple[list[str], list[np.ndarray]]:
    """Names and PWMs of ``ids``, each followed by its reverse complement when asked."""
    pwms = vertebrate_pwms(release)
    unknown = [i for i in ids if i not in pwms]
    if unknown:
        raise ValueError(f"motifs {unknown} are not CORE vertebrate matrices of {release}")
    names, matrices = [], []
    for motif_id in ids:
        names.append(motif_id)
        matrices.append(pwms[motif_id])
        if reverse_complements:
            names.append(f"{motif_id}_rc")
            matrices.append(reverse_complement(pwms[motif_id]))
    return names, matrices


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Largest Pearson correlation of two PWMs over every ungapped alignment of ``a`` with ``b`` or its
    reverse complement, each padded with uniform columns to the union of their positions.

    Padding keeps a partial overlap from scoring like a full match: 1 for a shifted or
    reverse-complemented copy, near 0 for unrelated motifs, 0 when either motif is uniform.
    Every row sums to 1, so the flattened mean is 0.25 and the correlation is the cosine of the
    PWMs minus 0.25 (uniform columns add nothing to either side).
    """
    centred = a - 0.25
    norm = np.linalg.norm(centred) * np.linalg.norm(b - 0.25)
    if norm == 0:
        return 0.0
    products = [centred @ (strand - 0.25).T for strand in (b, reverse_complement(b))]
    best = max(np.trace(g, offset=k) for g in products for k in range(1 - len(a), len(b)))
    return float(best / norm)


def lookalikes(pwms: dict[str, np.ndarray], core_ids, threshold: float) -> dict[str, dict]:
    """Non-core motifs whose ``similarity`` to some core motif reaches ``threshold``, each with the
    core motif it resembles most and that similarity (negatives built from them would carry a
    positive's motif)."""
    found = {}
    for motif_id in sorted(set(pwms) - set(core_ids)):
        score, core_id = max((similarity(pwms[c], pwms[motif_id]), c) for c in core_ids)
        if score >= threshold:
            found[motif_id] = {"resembles": core_id, "similarity": round(score, 4)}
    return found


def background_ids(release: str, core_ids, n_background: int, rng: np.random.Generator, exclude=()) -> list[str]:
    """``n_background`` motif IDs: the core ones plus others drawn without replacement from the
    release, never one of ``exclude``."""
    others = sorted(set(vertebrate_pwms(release)) - set(core_ids) - set(exclude))
    extra = n_background - len(core_ids)
    if extra < 0 or extra > len(others):
        raise ValueError(
            f"n_background={n_background} must be between {len(core_ids)} and {len(others) + len(core_ids)}"
            f" ({len(set(exclude))} look-alikes excluded)"
        )
    return list(core_ids) + sorted(rng.choice(others, size=extra, replace=False).tolist())


@lru_cache(maxsize=8)
def matrix_names(release: str, collection: str, tax_group: str) -> tuple[tuple[str, str], ...]:
    """(matrix ID, TF name) of every matrix of one release, collection and taxonomic group."""
    from pyjaspar import jaspardb

    return tuple(
        (m.matrix_id, m.name)
        for m in jaspardb(release=release).fetch_motifs(collection=collection, tax_group=[tax_group])
    )


def find_ids(matrices, wanted) -> list[str]:
    """IDs of the ``matrices`` ((ID, name) pairs) named by ``wanted``: a matrix ID (with or without
    version) or a TF name, matched without regard to case against the name and each part of a dimer
    name (``MAX::MYC`` answers to MAX and MYC)."""
    found = []
    for item in wanted:
        item = str(item).strip()
        key = item.upper()
        hits = [
            matrix_id
            for matrix_id, name in matrices
            if matrix_id == item
            or matrix_id.split(".")[0] == item
            or key == name.upper()
            or key in name.upper().split("::")
        ]
        found += [h for h in hits if h not in found]
    return found
