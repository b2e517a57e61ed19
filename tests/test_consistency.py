"""seqattr.consistency: basis, KLD, thresholds and buffers, planted-motif populations, the rule script."""

import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from seqattr import consistency as c
from seqattr import data

MOTIF = "TGACGCATGG"
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "consistency.py"


def test_basis_is_orthonormal_and_orthogonal_to_ones():
    for alphabet in (2, 4, 5):
        basis = c.orthonormal_simplex_basis(alphabet)
        assert basis.shape == (alphabet - 1, alphabet)
        np.testing.assert_allclose(basis @ basis.T, np.eye(alphabet - 1), atol=1e-12)
        np.testing.assert_allclose(basis @ np.ones(alphabet), 0, atol=1e-12)
    basis = c.orthonormal_simplex_basis()
    np.testing.assert_allclose(basis[1], np.array([-1, -1, 2, 0]) / np.sqrt(6))
    np.testing.assert_allclose(basis[2], np.array([-1, -1, -1, 3]) / np.sqrt(12))


def test_kl_divergence_values():
    p = np.array([0.2, 0.3, 0.5, 0.0])
    assert c.kl_divergence(p, p) == 0.0
    assert c.kl_divergence([1, 1], [1, 3]) == pytest.approx(0.5 * np.log(2) + 0.5 * np.log(2 / 3))
    assert c.kl_divergence([0, 2, 2], [5, 1, 1]) == pytest.approx(np.log(3.5))
    assert np.isnan(c.kl_divergence([0, 0], [1, 1]))
    with pytest.raises(ValueError, match="prior must cover"):
        c.kl_divergence([1, 1], [1, 0])


def _one_position_map(high: dict[int, float], length: int) -> np.ndarray:
    """A (1, L, 4) map whose corrected norm is proportional to ``high`` (0 elsewhere)."""
    G = np.zeros((1, length, 4))
    for position, value in high.items():
        G[0, position, 0] = value
    return G


def test_threshold_and_buffer_keep_exact_positions():
    G = _one_position_map({3: 1.0, 4: 2.0, 10: 1.5, 19: 3.0}, 20)
    kept = np.flatnonzero(c.threshold_runs(G, percentile=80, buffer=2)[0])
    assert kept.tolist() == [3, 4, 5, 6, 10, 11, 12, 19]
    kept = np.flatnonzero(c.threshold_runs(G, percentile=80, buffer=0)[0])
    assert kept.tolist() == [3, 4, 10, 19]
    # the 90th percentile (interpolated between the 2nd and 3rd largest norms) keeps only the top two
    kept = np.flatnonzero(c.threshold_runs(G, percentile=90, buffer=1)[0])
    assert kept.tolist() == [4, 5, 19]


def test_kmers_only_inside_runs_of_at_least_k():
    sequence = "ACGTACGTTTGGCCAAGGTA"
    x = data.one_hot([sequence])
    G = _one_position_map({3: 1.0, 4: 2.0, 10: 1.5, 19: 3.0}, 20)
    counts = c.kmer_counts(x, 3, c.threshold_runs(G, percentile=80, buffer=2))
    # runs 3–6 (TACG → TAC, ACG) and 10–12 (GGC); the run at 19 is shorter than k
    names = c.kmer_names(3)
    assert {names[i]: int(n) for i, n in enumerate(counts) if n} == {"TAC": 1, "ACG": 1, "GGC": 1}
    # touching runs merge, so the k-mer across their junction counts
    G = _one_position_map({3: 1.0, 6: 1.0}, 20)
    counts = c.kmer_counts(x, 3, c.threshold_runs(G, percentile=80, buffer=2))
    assert counts.sum() == 4  # positions 3–8: TACGTT


def test_kmer_counts_skip_n_and_match_a_string_count():
    x = data.one_hot(["ACGTNACGTA"])
    counts = c.kmer_counts(x, 2)
    names = c.kmer_names(2)
    assert {names[i]: int(n) for i, n in enumerate(counts) if n} == {"AC": 2, "CG": 2, "GT": 2, "TA": 1}
    np.testing.assert_array_equal(c.kmer_counts(["ACGTNACGTA"], 2), counts)


def _population(kind: str, n: int = 300, length: int = 100, seed: int = 0):
    """Random sequences with MOTIF planted at a random place; maps large at the motif, small noise
    elsewhere. kind: 'motif' (map = one-hot of the motif), 'scrambled' (a shuffled motif per
    sequence, map = its one-hot) or 'random_direction' (motif kept, map direction random)."""
    rng = np.random.default_rng(seed)
    letters = rng.choice(list("ACGT"), size=(n, length))
    starts = rng.integers(0, length - len(MOTIF) + 1, n)
    for i, start in enumerate(starts):
        motif = list(MOTIF) if kind != "scrambled" else rng.permutation(list(MOTIF))
        letters[i, start : start + len(MOTIF)] = motif
    x = data.one_hot(["".join(row) for row in letters])
    G = rng.normal(0, 0.1, x.shape)
    for i, start in enumerate(starts):
        span = slice(start, start + len(MOTIF))
        G[i, span] += 5 * rng.normal(size=(len(MOTIF), 4)) if kind == "random_direction" else 10 * x[i, span]
    return G, x


def test_consistent_motif_scores_higher_kmer_kld_than_scrambled():
    consistent = c.kmer_kld(*_population("motif"))
    scrambled = c.kmer_kld(*_population("scrambled"))
    assert consistent > 1.5 * scrambled


def test_consistent_direction_scores_higher_kattr_mean_kld():
    consistent = c.kattr_mean_kld(_population("motif")[0])
    assert consistent > c.kattr_mean_kld(_population("scrambled")[0])
    assert consistent > 3 * c.kattr_mean_kld(_population("random_direction")[0])


def test_klds_ignore_scale_and_the_gauge():
    G, x = _population("motif", n=60)
    shifted = 3.0 * G + np.random.default_rng(1).normal(size=G.shape[:2])[..., None]
    assert c.kmer_kld(shifted, x) == pytest.approx(c.kmer_kld(G, x))
    assert c.kattr_mean_kld(shifted) == pytest.approx(c.kattr_mean_kld(G))


def test_angular_histogram_of_one_direction_is_one_bin():
    direction = np.array([0.3, -1.2, 0.5, 0.4])
    G = np.zeros((5, 30, 4))
    G[:, 10:20] = direction
    hist = c.angular_histogram(G, window=3, top_fraction=0.5)
    theta_edges, phi_edges = c.angle_edges(0.1)
    assert hist.shape == (len(theta_edges) - 1, len(phi_edges) - 1) == (31, 62)
    u = c.orthonormal_simplex_basis() @ (direction - direction.mean())
    theta, phi = np.arccos(u[0] / np.linalg.norm(u)), np.arctan2(u[2], u[1])
    expected = np.searchsorted(theta_edges, theta) - 1, np.searchsorted(phi_edges, phi) - 1
    assert hist[expected] == pytest.approx(1.0)
    # along the first basis vector (C − A) is the pole θ = 0
    G[:, 10:20] = [-1.0, 1.0, 0.0, 0.0]
    assert c.angular_histogram(G, window=3, top_fraction=0.5)[0].sum() == pytest.approx(1.0)


def test_boxcar_prior_wraps_in_phi_and_keeps_uniform():
    uniform = np.full((31, 62), 1 / (31 * 62))
    np.testing.assert_allclose(c.boxcar_prior(uniform), uniform)
    assert c.kl_divergence(uniform, c.boxcar_prior(uniform)) == pytest.approx(0.0, abs=1e-12)
    spike = np.zeros((31, 62))
    spike[15, 0] = 1.0
    smooth = c.boxcar_prior(spike)
    assert smooth.sum() == pytest.approx(1.0)
    assert smooth[15, -2] > 0 and smooth[15, -3] == 0 and smooth[15, 2] > 0 and smooth[15, 3] == 0


def test_consistency_rejects_unknown_parameters():
    G, x = _population("motif", n=10)
    with pytest.raises(ValueError, match="unknown consistency parameters"):
        c.consistency(G, x, kmer=6)


def test_script_writes_the_row_and_histograms(tmp_path):
    G, x = _population("motif", n=80)
    rng = np.random.default_rng(2)
    background = data.one_hot(["".join(rng.choice(list("ACGT"), 100)) for _ in range(40)])
    test_x = np.concatenate([x, background])
    data.write_dataset(tmp_path / "data.h5", {"test": {"x": test_x, "y": np.ones((len(test_x), 1))}})
    data.write_h5(tmp_path / "attr.h5", {"G": G, "x": x, "indices": np.arange(80)})
    label = {"dataset": "synthetic", "model": "cnn_deep", "regime": "standard", "seed": 1, "method": "saliency"}
    params = {
        "k": 4,
        "percentile": 90,
        "buffer": 2,
        "window": 3,
        "top_fraction": 0.1,
        "bin_width": 0.1,
        "smoothing": 0.5,
    }
    snakemake = SimpleNamespace(
        input=SimpleNamespace(attributions=str(tmp_path / "attr.h5"), data=str(tmp_path / "data.h5")),
        params=SimpleNamespace(consistency=params, key_map=None, label=label),
        output=SimpleNamespace(table=str(tmp_path / "c.tsv"), histograms=str(tmp_path / "h.h5")),
        log=[],
    )
    runpy.run_path(str(SCRIPT), init_globals={"snakemake": snakemake})
    row = pd.read_csv(tmp_path / "c.tsv", sep="\t")
    assert row.iloc[0][list(label)].tolist() == list(label.values())
    assert row.loc[0, "n_sequences"] == 80
    assert row.loc[0, "kmer_kld"] == pytest.approx(c.kmer_kld(G, x, test_x, k=4))
    assert row.loc[0, "kattr_mean_kld"] == pytest.approx(c.kattr_mean_kld(G))
    stored = data.read_h5(tmp_path / "h.h5")
    np.testing.assert_allclose(stored["kmer_prior"], c.kmer_counts(test_x, 4) / c.kmer_counts(test_x, 4).sum())
    assert stored["kmer_frequencies"].shape == (256,) and stored["angular_density"].sum() == pytest.approx(1.0)
    assert data.read_attrs(tmp_path / "h.h5")["model"] == "cnn_deep"
