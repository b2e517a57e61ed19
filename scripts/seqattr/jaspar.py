"""Position weight matrices from the JASPAR database shipped offline by ``pyjaspar``."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

CORE_MOTIFS = ("MA0079.3", "MA0062.2", "MA0466.2", "MA0058.3", "MA0095.2")  # SP1, Gabpa, CEBPB, MAX, YY1


@lru_cache(maxsize=4)
def vertebrate_pwms(release: str = "JASPAR2016") -> dict[str, np.ndarray]:
    """Every CORE vertebrate matrix of ``release`` as an (L, 4) PWM (counts / column sum), by ID."""
    from pyjaspar import jaspardb

    motifs = jaspardb(release=release).fetch_motifs(collection="CORE", tax_group=["vertebrates"])
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


def background_ids(release: str, core_ids, n_background: int, rng: np.random.Generator) -> list[str]:
    """``n_background`` motif IDs: the core ones plus others drawn without replacement from the release."""
    others = sorted(set(vertebrate_pwms(release)) - set(core_ids))
    extra = n_background - len(core_ids)
    if extra < 0 or extra > len(others):
        raise ValueError(f"n_background={n_background} must be between {len(core_ids)} and {len(others) + len(core_ids)}")
    return list(core_ids) + sorted(rng.choice(others, size=extra, replace=False).tolist())
