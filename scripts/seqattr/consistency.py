"""Consistency of a population of attribution maps: the k-mer and k-attr-mean KLDs (paper 002 §2).

Both statistics need no ground truth: motifs are stationary features, so a model whose maps
light up the same patterns across many sequences scores a large divergence from an
uninformative prior, while spurious, sequence-specific noise stays close to it.

Choices made here (the paper leaves them open; the lab code is at github.com/crajesh6/acme):

* The map is the **corrected gradient** ``G − mean over nucleotides`` (as in the lab code),
  not grad × input; its per-position importance is the L2 norm over the 4 channels.
* k-mer method: positions with norm strictly above the sequence's ``percentile`` are kept and
  every kept position also keeps the next ``buffer`` positions (3' = higher index, clipped at
  the sequence end). The kept positions form a boolean mask, so runs that overlap *or touch*
  after buffering merge into one run. A k-mer counts when all k of its positions lie in one
  run, so runs shorter than k add nothing; k-mers containing N are skipped. The prior counts
  every k-mer of every test sequence.
* KLD(P‖Q) = Σ_{P>0} P ln(P/Q), in nats. P = 0 terms are 0; no pseudocount is needed because
  the attributed k-mers are k-mers of test sequences (so Q > 0 wherever P > 0) and the smoothed
  angular prior is positive wherever the histogram is; a prior without that support is an error.
* k-attr-mean method: each sequence's corrected map is divided by its total L2 mass (lab code:
  sequences weigh alike), averaged over a centred window of ``window`` positions (only windows
  that fit: L − window + 1 of them), projected onto an orthonormal basis of the 3-D space
  orthogonal to (1, 1, 1, 1). Polar axis = first basis vector (C − A), azimuth in the plane
  of the other two, so no pure nucleotide direction sits on a pole. Per sequence, the points
  with radius strictly above its (1 − top_fraction) quantile are kept (the paper's per-sequence
  90th percentile). Histogram on θ ∈ [0, π] × φ ∈ [−π, π) with bins of about ``bin_width``
  (rounded so they tile the ranges), weighted by r², normalised to sum 1.
* The prior is that histogram smoothed by a centred boxcar of 2·⌊n/2⌋ + 1 bins,
  n = round(smoothing / bin_width) (5 bins = 0.5 rad by default), wrapping around in φ and
  mirrored at the poles in θ, renormalised to sum 1.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from seqattr import schema
from seqattr.correction import correct
from seqattr.data import one_hot

DEFAULTS = schema.defaults("consistency")  # k, percentile, buffer, window, top_fraction, bin_width, smoothing
_D = DEFAULTS


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p‖q) in nats of two non-negative arrays of the same shape, each normalised to sum 1.

    Terms with p = 0 are 0. Returns nan when p has no mass (e.g. no attributed position).
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"kl_divergence: shapes differ, {p.shape} vs {q.shape}")
    if (p < 0).any() or (q < 0).any():
        raise ValueError("kl_divergence: negative entries")
    if p.sum() == 0:
        return float("nan")
    p, q = p / p.sum(), q / q.sum()
    support = p > 0
    if (q[support] == 0).any():
        raise ValueError("kl_divergence: q is 0 where p is not; the prior must cover every observed outcome")
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def check_span(name: str, value: int, length: int) -> None:
    """A k-mer length or averaging window must be a whole number of positions in 1 … L: a ValueError naming
    it otherwise (a span longer than the sequences has no k-mer or window at all, not an empty result)."""
    if int(value) != value or not 1 <= value <= length:
        raise ValueError(f"consistency {name}={value} does not fit sequences of {length} nt (it needs 1 ≤ {name} ≤ L)")


# ---------------------------------------------------------------------------- k-mer method


def kmer_index(x, k: int) -> np.ndarray:
    """Integer code (base 4, A=0 … T=3, first letter most significant) of the k-mer starting at
    every position of one-hot ``x`` (N, L, 4) or equal-length strings → (N, L − k + 1); −1 where
    the k-mer contains N."""
    x = one_hot(list(x)) if isinstance(x, (list, tuple)) else x
    check_span("k", k, x.shape[1])
    letters = np.where(x.sum(-1) > 0, x.argmax(-1), -1)
    windows = sliding_window_view(letters, k, axis=1)
    codes = windows @ (4 ** np.arange(k - 1, -1, -1))
    return np.where((windows >= 0).all(-1), codes, -1)


def kmer_counts(x, k: int = _D["k"], mask: np.ndarray | None = None) -> np.ndarray:
    """Counts (4**k,) of the k-mers of ``x`` (one-hot (N, L, 4) or strings) whose k positions all lie in ``mask``
    (N, L) (every k-mer when ``mask`` is None)."""
    codes = kmer_index(x, k)
    if mask is not None:
        codes = np.where(sliding_window_view(mask, k, axis=1).all(-1), codes, -1)
    return np.bincount(codes[codes >= 0], minlength=4**k).astype(np.float64)


def threshold_runs(G: np.ndarray, percentile: float = _D["percentile"], buffer: int = _D["buffer"]) -> np.ndarray:
    """Kept positions (N, L) bool: corrected-map norm above the sequence's percentile, each kept
    position extended by ``buffer`` positions on its 3' side."""
    norm = np.linalg.norm(correct(G), axis=-1)
    above = norm > np.percentile(norm, percentile, axis=1, keepdims=True)
    kept = above.copy()
    for shift in range(1, buffer + 1):
        kept[:, shift:] |= above[:, :-shift]
    return kept


def kmer_distributions(
    G, x, prior_x=None, k=_D["k"], percentile=_D["percentile"], buffer=_D["buffer"]
) -> tuple[np.ndarray, np.ndarray]:
    """(P, Q): frequencies of the attributed k-mers of ``x`` and of all k-mers of ``prior_x`` (the
    test sequences; ``x`` itself when None). P is all zeros when no k-mer is attributed."""
    counts = kmer_counts(x, k, threshold_runs(G, percentile, buffer))
    prior = kmer_counts(x if prior_x is None else prior_x, k)
    return counts / max(counts.sum(), 1.0), prior / prior.sum()


def kmer_kld(G, x, prior_x=None, k=_D["k"], percentile=_D["percentile"], buffer=_D["buffer"]) -> float:
    """k-mer consistency: KL(attributed k-mer frequencies ‖ prior k-mer frequencies)."""
    return kl_divergence(*kmer_distributions(G, x, prior_x, k, percentile, buffer))


# ---------------------------------------------------------------------- k-attr-mean method


def orthonormal_simplex_basis(alphabet: int = 4) -> np.ndarray:
    """(alphabet − 1, alphabet) orthonormal rows spanning the space orthogonal to (1, …, 1).

    Gram–Schmidt on e_i − e_0: for 4 letters (−1,1,0,0)/√2, (−1,−1,2,0)/√6, (−1,−1,−1,3)/√12.
    """
    basis: list[np.ndarray] = []
    for i in range(1, alphabet):
        v = np.zeros(alphabet)
        v[0], v[i] = -1.0, 1.0
        for b in basis:
            v -= (v @ b) * b
        basis.append(v / np.linalg.norm(v))
    return np.array(basis)


def local_mean_embedding(G: np.ndarray, window: int = _D["window"]) -> np.ndarray:
    """Corrected, per-sequence normalised map averaged over a sliding window and projected to 3-D:
    (N, L, 4) → (N, L − window + 1, 3)."""
    check_span("window", window, np.shape(G)[1])
    corrected = correct(np.asarray(G, dtype=np.float64))
    mass = np.linalg.norm(corrected, axis=-1).sum(axis=1, keepdims=True)[..., None]
    normalised = np.divide(corrected, mass, out=np.zeros_like(corrected), where=mass > 0)
    averaged = sliding_window_view(normalised, window, axis=1).mean(-1)
    return averaged @ orthonormal_simplex_basis(G.shape[-1]).T


def spherical(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(θ, φ, r) of 3-D vectors: polar axis = first coordinate, φ = atan2(third, second)."""
    r = np.linalg.norm(v, axis=-1)
    cos_theta = np.divide(v[..., 0], r, out=np.ones_like(r), where=r > 0)
    return np.arccos(np.clip(cos_theta, -1.0, 1.0)), np.arctan2(v[..., 2], v[..., 1]), r


def angle_edges(bin_width: float = _D["bin_width"]) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges of θ ∈ [0, π] and φ ∈ [−π, π], about ``bin_width`` apart and tiling each range."""
    n_theta = max(1, round(np.pi / bin_width))
    return np.linspace(0, np.pi, n_theta + 1), np.linspace(-np.pi, np.pi, 2 * n_theta + 1)


def angular_histogram(G, window=_D["window"], top_fraction=_D["top_fraction"], bin_width=_D["bin_width"]) -> np.ndarray:
    """r²-weighted (θ, φ) histogram, normalised to sum 1, of each sequence's largest local means."""
    theta, phi, r = spherical(local_mean_embedding(G, window))
    keep = r > np.quantile(r, 1.0 - top_fraction, axis=1, keepdims=True)
    theta_edges, phi_edges = angle_edges(bin_width)
    hist, _, _ = np.histogram2d(theta[keep], phi[keep], bins=(theta_edges, phi_edges), weights=r[keep] ** 2)
    total = hist.sum()
    return hist / total if total > 0 else hist


def boxcar_prior(
    hist: np.ndarray, bin_width: float = _D["bin_width"], smoothing: float = _D["smoothing"]
) -> np.ndarray:
    """The uninformative prior: ``hist`` smoothed by a centred boxcar (wrap in φ, mirror in θ)."""
    half = int(round(smoothing / bin_width)) // 2
    padded = np.pad(hist, ((half, half), (0, 0)), mode="symmetric")
    padded = np.pad(padded, ((0, 0), (half, half)), mode="wrap")
    smooth = sliding_window_view(padded, (2 * half + 1, 2 * half + 1)).mean(axis=(-2, -1))
    total = smooth.sum()
    return smooth / total if total > 0 else smooth


def kattr_mean_kld(
    G, window=_D["window"], top_fraction=_D["top_fraction"], bin_width=_D["bin_width"], smoothing=_D["smoothing"]
) -> float:
    """k-attr-mean consistency: KL(angular density ‖ its boxcar-smoothed version)."""
    hist = angular_histogram(G, window, top_fraction, bin_width)
    return kl_divergence(hist, boxcar_prior(hist, bin_width, smoothing))


# ------------------------------------------------------------------------------- together


def consistency(G: np.ndarray, x: np.ndarray, prior_x: np.ndarray | None = None, **params) -> dict:
    """Both KLDs and the distributions behind them (for the figures), with ``DEFAULTS`` filled in."""
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown consistency parameters {sorted(unknown)}; allowed: {sorted(DEFAULTS)}")
    p = {**DEFAULTS, **params}
    if G.shape != x.shape or G.ndim != 3 or G.shape[-1] != 4:
        raise ValueError(f"maps {G.shape} and sequences {x.shape} must both be (N, L, 4)")
    for name in ("k", "window"):
        check_span(name, p[name], G.shape[1])
    frequencies, prior = kmer_distributions(G, x, prior_x, int(p["k"]), p["percentile"], int(p["buffer"]))
    hist = angular_histogram(G, int(p["window"]), p["top_fraction"], p["bin_width"])
    smooth = boxcar_prior(hist, p["bin_width"], p["smoothing"])
    theta_edges, phi_edges = angle_edges(p["bin_width"])
    return {
        "kmer_kld": kl_divergence(frequencies, prior),
        "kattr_mean_kld": kl_divergence(hist, smooth),
        "kmer_frequencies": frequencies,
        "kmer_prior": prior,
        "angular_density": hist,
        "angular_prior": smooth,
        "theta_edges": theta_edges,
        "phi_edges": phi_edges,
    }


def kmer_names(k: int) -> np.ndarray:
    """The 4**k k-mers as strings, in the order of :func:`kmer_index` codes."""
    names = np.array([""])
    for _ in range(k):
        names = np.char.add(names[:, None], np.array(list("ACGT"))[None, :]).ravel()
    return names
