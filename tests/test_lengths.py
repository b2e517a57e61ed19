"""Nothing assumes 200 nt: correction, angles, consistency, ChIP-seq windows, figures, planted maps, models
and attribution at the lengths of DeepSTARR (249 nt, odd) and Basset (600 nt), with 200 as the reference.

Most tests put something at the 3' end of the sequence or beyond position 200, where code that cut,
padded or laid out a fixed 200 positions would lose it.
"""

import shutil

import numpy as np
import pandas as pd
import pytest

from helpers.encode_server import random_genome, write_fasta, write_peaks
from seqattr import chipseq
from seqattr import consistency as c
from seqattr import data
from seqattr.analysis import per_sequence_analysis
from seqattr.correction import angles, correct, large_angle_fractions
from seqattr.ensemble import difference_reduction, member_distances
from seqattr.metrics import information
from seqattr.motifs import planted_maps
from seqattr.plots import plt
from seqattr.plots.attribution_panel import attribution_figure
from seqattr.plots.dataset import dataset_figure
from seqattr.plots.logos import MAX_WIDTH, POSITIONS_PER_INCH, draw_logo, figure_width

LENGTHS = [249, 600]
WITH_REFERENCE = [200, 249, 600]
MOTIF = "GATTAC"  # k = 6, the default
DIRECTION = np.array([0.3, -1.2, 0.5, 0.4])  # a map direction off both poles of the angular histogram


def _random_x(n: int, length: int, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    strings = ["".join(row) for row in rng.choice(list("ACGT"), size=(n, length))]
    return data.one_hot(strings), strings


def _planted(length: int, start: int, n: int = 8, seed: int = 0):
    """Random sequences with MOTIF at ``start`` and a map that is DIRECTION there and 0 elsewhere."""
    _, strings = _random_x(n, length, seed)
    strings = [s[:start] + MOTIF + s[start + len(MOTIF) :] for s in strings]
    G = np.zeros((n, length, 4))
    G[:, start : start + len(MOTIF)] = DIRECTION
    return G, data.one_hot(strings), strings


def _pwms() -> dict[str, np.ndarray]:
    """Two deterministic 8- and 10-column PWMs (a strong letter per column)."""
    eye = np.eye(4)
    return {
        "a": 0.85 * eye[[0, 1, 2, 3, 0, 1, 2, 3]] + 0.0375,
        "b": 0.85 * eye[[3, 3, 0, 2, 1, 1, 0, 2, 3, 0]] + 0.0375,
    }


def _occurrences(strings: list[str], kmer: str) -> int:
    return sum(sum(s.startswith(kmer, i) for i in range(len(s) - len(kmer) + 1)) for s in strings)


# ------------------------------------------------------------------------------- correction


@pytest.mark.parametrize("length", WITH_REFERENCE)
def test_correction_and_angles_cover_every_position(length):
    rng = np.random.default_rng(length)
    G = rng.normal(size=(3, length, 4))
    on_normal = np.arange(length) % 7 == 0  # every 7th position points along (1, 1, 1, 1) ...
    G[:, on_normal] = rng.uniform(0.5, 2, (3, on_normal.sum(), 1))
    G[:, -1] = [1.0, -1.0, 2.0, -2.0]  # ... and the last one lies in the simplex plane
    corrected = correct(G)
    assert corrected.shape == G.shape
    np.testing.assert_allclose(corrected.sum(-1), 0, atol=1e-12)
    alpha = angles(G)
    assert alpha.shape == (3, length)
    np.testing.assert_allclose(alpha[:, on_normal], 90)
    np.testing.assert_allclose(alpha[:, -1], 0, atol=1e-12)
    np.testing.assert_allclose(angles(corrected), 0, atol=1e-6)
    fractions = large_angle_fractions(alpha, thresholds=(89.9,))
    np.testing.assert_allclose(fractions[:, 0], on_normal.sum() / length)


# ------------------------------------------------------------------------------ consistency


@pytest.mark.parametrize("length", WITH_REFERENCE)
def test_kmer_kld_of_a_motif_at_the_3prime_end_is_minus_log_its_prior(length):
    """All attribution sits on MOTIF in the last 6 positions: the buffer is clipped at the end, so the one
    attributed 6-mer is MOTIF (P is a point mass) and KLD = −ln Q(MOTIF), Q counted on the strings."""
    G, x, strings = _planted(length, length - len(MOTIF))
    P, Q = c.kmer_distributions(G, x)
    code = int(np.flatnonzero(c.kmer_names(6) == MOTIF)[0])
    assert P[code] == 1.0
    prior = _occurrences(strings, MOTIF) / (len(strings) * (length - 5))
    assert Q[code] == pytest.approx(prior)
    assert c.kmer_kld(G, x) == pytest.approx(-np.log(prior))


@pytest.mark.parametrize("length", LENGTHS)
def test_kmer_run_beyond_position_200_extends_by_the_buffer(length):
    """MOTIF at 220 with a 2-nt buffer: the run 220–227 holds MOTIF and the two 6-mers shifted into the buffer."""
    start = 220
    G, x, strings = _planted(length, start, n=1)
    counts = c.kmer_counts(x, 6, c.threshold_runs(G))
    names = c.kmer_names(6)
    run = strings[0][start : start + len(MOTIF) + 2]
    expected = [run[i : i + 6] for i in range(3)]
    assert sorted(names[counts > 0].tolist()) == sorted(set(expected)) and counts.sum() == 3


@pytest.mark.parametrize("length", WITH_REFERENCE)
def test_kattr_mean_of_one_direction_is_one_bin_and_kld_log_25(length):
    """Every nonzero local mean points along DIRECTION: one histogram bin, away from the poles, whose 5 × 5
    boxcar spreads it over 25 bins, so KLD = ln 25; the windows reach the last position."""
    G, x, _ = _planted(length, length - len(MOTIF))
    embedding = c.local_mean_embedding(G)
    assert embedding.shape == (len(G), length - 2, 3)
    assert np.linalg.norm(embedding[:, -1], axis=-1).min() > 0  # the last window (L − 3 … L − 1) is in the motif
    hist = c.angular_histogram(G)
    assert hist.max() == pytest.approx(1.0)
    theta = np.flatnonzero(hist.sum(1))[0]
    assert 2 <= theta < hist.shape[0] - 2
    result = c.consistency(G, x)
    assert result["kattr_mean_kld"] == pytest.approx(np.log(25))
    assert result["kmer_kld"] == pytest.approx(c.kmer_kld(G, x))


@pytest.mark.parametrize("length", LENGTHS)
def test_a_window_or_k_longer_than_the_sequences_is_a_clear_error(length):
    G, x, _ = _planted(length, 0, n=2)
    assert c.local_mean_embedding(G, window=length).shape == (2, 1, 3)  # one window of the whole sequence
    with pytest.raises(ValueError, match=f"window={length + 1} does not fit sequences of {length} nt"):
        c.local_mean_embedding(G, window=length + 1)
    with pytest.raises(ValueError, match=f"window={length + 1} does not fit"):
        c.consistency(G, x, window=length + 1)
    with pytest.raises(ValueError, match=f"k={length + 1} does not fit"):
        c.kmer_counts(x, length + 1)


# ------------------------------------------------------------------------- ChIP-seq windows


def test_odd_window_is_centred_exactly_on_the_summit():
    peaks = pd.DataFrame({"chrom": ["chr1", "chr1"], "centre": [1000, 5001]})
    odd = chipseq.windows(peaks, 249)
    assert (odd["end"] - odd["start"] == 249).all()
    np.testing.assert_array_equal(peaks["centre"] - odd["start"], 124)  # 124 nt on each side of the summit
    np.testing.assert_array_equal(odd["end"] - 1 - peaks["centre"], 124)
    even = chipseq.windows(peaks, 600)
    np.testing.assert_array_equal(peaks["centre"] - even["start"], 300)  # position L // 2
    assert (even["end"] - even["start"] == 600).all()
    with pytest.raises(data.DatasetError, match="window length"):
        chipseq.windows(peaks, 0)


@pytest.mark.skipif(shutil.which("bedtools") is None, reason="bedtools not found on PATH")
@pytest.mark.parametrize("length", LENGTHS)
def test_chipseq_dataset_windows_are_the_summit_centred_slices(length, tmp_path):
    genome = random_genome(np.random.default_rng(length), {"chr1": 14000})
    summits = {1000: 37, 3000: 150, 5000: 0, 7000: 201}  # peak start → summit offset
    write_peaks(tmp_path / "chip.bed.gz", [("chr1", s, s + 300, o) for s, o in summits.items()])
    write_peaks(tmp_path / "dnase.bed.gz", [("chr1", c - 10, c + 10) for c in (9000, 10000, 11500, 13000)])
    write_fasta(tmp_path / "genome.fa", genome)
    dataset = chipseq.build(
        tmp_path / "chip.bed.gz",
        tmp_path / "dnase.bed.gz",
        tmp_path / "genome.fa",
        length=length,
        split=[0.5, 0.25, 0.25],
    )
    assert dataset.counts["positive"]["kept"] == dataset.counts["negative"]["kept"] == 4
    for split in data.SPLITS:
        assert dataset.splits[split]["x"].shape[1:] == (length, 4)
    positives = dataset.windows[dataset.windows.label == 1].sort_values("start")
    centres = np.array([s + o for s, o in summits.items()])
    np.testing.assert_array_equal(positives["start"], centres - length // 2)
    for row in positives.itertuples():
        assert row.sequence == genome["chr1"][row.start : row.start + length].upper()


# ---------------------------------------------------------------------------------- figures


@pytest.mark.parametrize("length", WITH_REFERENCE)
def test_logo_axes_span_exactly_the_positions(length):
    figure, ax = plt.subplots()
    matrix = np.zeros((length, 4))
    matrix[-1, 2] = 1.0  # the last position has a letter
    draw_logo(ax, matrix, kind="saliency")
    assert ax.get_xlim() == (-0.5, length - 0.5)
    plt.close(figure)
    with pytest.raises(ValueError, match=r"\(L, 4\) matrix"):
        draw_logo(ax, np.zeros((4, length)))


@pytest.mark.parametrize("length, truth", [(249, True), (600, False)])
def test_attribution_panel_spans_the_sequence_and_scales_its_width(length, truth):
    G, x, M = planted_maps(_pwms(), ["a", "b"], n=1, length=length, seed=1)
    figure = attribution_figure(G, x, M if truth else None)
    assert len(figure.axes) == 3 + truth  # raw, angle, corrected (, ground truth)
    for ax in figure.axes:
        assert ax.get_xlim() == pytest.approx((-0.5, length - 0.5))
    angle_bars = figure.axes[1].patches
    assert len(angle_bars) == length
    assert figure.get_size_inches()[0] == pytest.approx(length / POSITIONS_PER_INCH)
    plt.close(figure)


def test_figure_width_grows_with_length_within_bounds():
    assert figure_width(100) == 8.0 and figure_width(100, minimum=11.0) == 11.0
    assert figure_width(249) < figure_width(600) == pytest.approx(600 / 14)
    assert figure_width(100_000) == MAX_WIDTH  # 18,000 px at 150 dpi; matplotlib refuses 65,536


@pytest.mark.parametrize("length", LENGTHS)
def test_dataset_figure_logo_spans_the_sequence(length):
    _, _, M = planted_maps(_pwms(), ["a", "b"], n=6, length=length, seed=2)
    positive = np.array([True, False] * 3)
    figure = dataset_figure(M, positive, np.array([2, 1, 2, 1, 2, 1]), "toy")
    counts_ax, info_ax, logo_ax = figure.axes
    assert logo_ax.get_xlim() == (-0.5, length - 0.5)
    assert len(info_ax.lines[0].get_xdata()) == length
    assert figure.get_size_inches()[0] == pytest.approx(figure_width(length, minimum=11.0))
    plt.close(figure)


# ---------------------------------------------------------------------- planted maps, analysis


@pytest.mark.parametrize("length", LENGTHS)
def test_planted_maps_use_the_whole_length(length):
    G, x, M = planted_maps(_pwms(), ["a", "b"], n=40, length=length, p=1.0, noise=0.0, seed=3)
    assert G.shape == x.shape == M.shape == (40, length, 4)
    motif_positions = information(M) > 0.1
    np.testing.assert_array_equal(motif_positions.sum(1), 18)  # both motifs in every sequence
    assert motif_positions[:, 200:].any()  # motifs are placed beyond position 200, too
    np.testing.assert_allclose(correct(G), M - 0.25, atol=1e-6)  # the offset is all off-simplex
    with pytest.raises(ValueError, match="no room for b"):
        planted_maps(_pwms(), ["a", "b"], n=1, length=12, p=1.0)


@pytest.mark.parametrize("length", LENGTHS)
def test_analysis_and_ensemble_give_one_value_per_position(length):
    G, x, M = planted_maps(_pwms(), ["a", "b"], n=4, length=length, seed=4)
    arrays = {"G": G, "x": x, "model": M, "indices": np.arange(4), "prediction": np.ones(4)}
    label = dict(dataset="d", model="m", regime="r", seed=1, task=0, method="saliency")
    table, positions = per_sequence_analysis(arrays, label, forward_only=False, task_type="binary")
    assert len(table) == 4 and table["auroc_corrected"].notna().all()
    assert (table["cosine_corrected"] > table["cosine_raw"]).all()  # the off-simplex offset is removed
    np.testing.assert_allclose(positions["information"], information(M), rtol=1e-6)
    for key in ("angles", "information", "improvement", "score_raw", "score_corrected"):
        assert positions[key].shape == (4, length), key
    distances = member_distances(G, G.mean(0, keepdims=True).repeat(4, 0))
    assert all(v.shape == (4, length) for v in distances.values())
    assert (
        difference_reduction(**{k: distances[k] for k in ("d_before", "d_after")}, member_angles=distances["angles"])[
            "count"
        ].sum()
        == 4 * length
    )


# ------------------------------------------------------------------------ models, attribution

ARCHITECTURES = [("deepstarr", 249, 2), ("cnn_deep", 249, 1), ("basset", 600, 3)]


@pytest.mark.parametrize("name, length, tasks", ARCHITECTURES)
def test_models_build_for_their_length_and_attribute_every_position(name, length, tasks):
    import keras

    from seqattr.attribution import attribute
    from seqattr.models import build_model

    keras.utils.set_random_seed(0)
    model = build_model({"architecture": name, "options": {"width": 0.1}}, (length, 4), tasks, "binary")
    assert model.input_shape == (None, length, 4) and model.output_shape == (None, tasks)
    x, _ = _random_x(2, length, seed=5)
    G = attribute(model, x, {"kind": "saliency"}, target="logit", task=tasks - 1)
    assert G.shape == (2, length, 4) and np.isfinite(G).all()
    assert np.abs(G[:, 200:]).sum() > 0  # the positions beyond 200 are attributed
    with pytest.raises(ValueError, match=f"built for \\({length}, 4\\)"):
        attribute(model, x[:, :200], {"kind": "saliency"})
