"""The billboard generator: shapes, sampling from the model, motif placement, frequencies, seeds, splits."""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from seqattr import jaspar
from seqattr.simulate import DEFAULTS, gap_lengths, sample_sequences, simulate

PARAMS = {"n_positive": 200, "n_negative": 200, "n_background": 20, "seed": 7}


@pytest.fixture(scope="module")
def dataset():
    splits, attrs = simulate(PARAMS)
    return splits, attrs


def _all(splits, key):
    return np.concatenate([splits[s][key] for s in ("train", "valid", "test")])


def test_shapes_dtypes_and_one_hot(dataset):
    splits, _ = dataset
    for parts in splits.values():
        n = len(parts["x"])
        assert parts["x"].shape == parts["model"].shape == (n, 200, 4)
        assert parts["x"].dtype == parts["model"].dtype == parts["y"].dtype == np.float32
        assert parts["y"].shape == (n, 1)
        np.testing.assert_array_equal(parts["x"].sum(-1), 1)
        assert set(np.unique(parts["x"])) == {0.0, 1.0}
        np.testing.assert_allclose(parts["model"].sum(-1), 1, atol=1e-5)


def test_every_base_is_possible_under_its_model(dataset):
    splits, _ = dataset
    x, model = _all(splits, "x"), _all(splits, "model")
    assert (model[x == 1] > 0).all()


def test_sampling_never_draws_zero_probability_bases():
    rng = np.random.default_rng(0)
    models = np.zeros((2000, 10, 4))
    models[..., 1] = 1.0  # always C
    models[:, 5] = [0.0, 0.0, 0.5, 0.5]
    models[:, 6] = [0.3, 0.7, 0.0, 0.0]
    x = sample_sequences(models, rng)
    assert (x[:, np.r_[0:5, 7:10], 1] == 1).all()
    assert x[:, 5, :2].sum() == 0 and x[:, 6, 2:].sum() == 0
    for share, p in ((x[:, 5, 2].mean(), 0.5), (x[:, 6, 0].mean(), 0.3)):
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / 2000)


def _information(matrix):
    """Bits per position, I = 2 + sum M log2 M (0 log 0 = 0)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    logs = np.log2(np.where(matrix > 0, matrix, 1.0))
    return 2 + (matrix * logs).sum(-1)


def _decompose(row, pool):
    """(start, pool index) of PWMs that tile every non-uniform column of ``row`` with uniform gaps
    between them, found by matching the pool's matrices; None when no tiling exists."""
    uniform = np.all(np.abs(row - 0.25) < 1e-6, axis=-1)

    def walk(i):
        while i < len(row) and uniform[i]:
            i += 1
        if i == len(row):
            return []
        for j, pwm in enumerate(pool):
            window = row[i : i + len(pwm)]
            if window.shape == pwm.shape and np.allclose(window, pwm, atol=1e-6):
                rest = walk(i + len(pwm))
                if rest is not None:
                    return [(i, j)] + rest
        return None

    return walk(0)


def _placements(splits, attrs, label):
    """Per sequence of class ``label``: model, n_motifs, and the PWM tiling from the pool of that class."""
    ids = DEFAULTS["core_motifs"] if label == 1 else json.loads(attrs["background_motifs"])
    _, pool = jaspar.motif_pool("JASPAR2016", ids)
    keep = _all(splits, "y")[:, 0] == label
    models, counts = _all(splits, "model")[keep], _all(splits, "n_motifs")[keep]
    return pool, [(m, k, _decompose(m, pool)) for m, k in zip(models, counts)]


def test_motifs_sit_where_the_information_says(dataset):
    splits, attrs = dataset
    pool, rows = _placements(splits, attrs, 1)
    for model, k, tiling in rows:
        assert tiling is not None and len(tiling) == k
        motif = np.zeros(len(model), bool)
        expected = np.zeros(len(model))  # bits of the JASPAR column placed at each position
        for start, j in tiling:
            motif[start : start + len(pool[j])] = True
            expected[start : start + len(pool[j])] = _information(pool[j])
        information = _information(model)
        assert np.all(information[~motif] == 0)  # gaps carry exactly 0 bits
        # I > 0.1 exactly at motif columns; the only motif columns below are JASPAR's own weak ones
        # (MA0062.2 and MA0058.3 each have one column under 0.1 bits)
        np.testing.assert_array_equal(information > 0.1, motif & (expected > 0.1))


def test_positives_draw_only_core_pwms_negatives_the_background(dataset):
    splits, attrs = dataset
    core_ids = set(DEFAULTS["core_motifs"])
    _, negatives = _placements(splits, attrs, 0)
    background_ids, _ = jaspar.motif_pool("JASPAR2016", json.loads(attrs["background_motifs"]))
    uses_other = 0
    for _, k, tiling in negatives:
        assert tiling is not None and len(tiling) == k
        uses_other += any(background_ids[j].removesuffix("_rc") not in core_ids for _, j in tiling)
    assert uses_other > len(negatives) / 2  # 15 of 20 background motifs are not core ones
    # the positives' tilings by core PWMs alone are checked in test_motifs_sit_where_the_information_says


def test_sampled_bases_follow_the_model(dataset):
    splits, _ = dataset
    x, model = _all(splits, "x"), _all(splits, "model")
    strong = _information(model) > 1.5
    assert (x.argmax(-1) == model.argmax(-1))[strong].mean() > 0.85
    gap = np.all(model == 0.25, axis=-1)
    assert abs((x[gap].argmax(-1) == 0).mean() - 0.25) < 0.02


def test_motif_count_frequencies_match_p():
    splits, _ = simulate({"n_positive": 3000, "n_negative": 0 + 10, "n_background": 10, "seed": 1})
    counts = np.concatenate([splits[s]["n_motifs"][splits[s]["y"][:, 0] == 1] for s in splits])
    n = len(counts)
    for k, p in zip(DEFAULTS["motif_counts"], DEFAULTS["motif_count_probs"]):
        observed = (counts == k).mean()
        assert abs(observed - p) < 4 * np.sqrt(p * (1 - p) / n), (k, observed, p)


def test_same_seed_same_bytes_other_seed_differs(dataset):
    splits, _ = dataset
    again, _ = simulate(PARAMS)
    other, _ = simulate({**PARAMS, "seed": 8})
    for split in splits:
        for key in ("x", "y", "model", "n_motifs"):
            assert splits[split][key].tobytes() == again[split][key].tobytes()
    assert splits["test"]["x"].tobytes() != other["test"]["x"].tobytes()


def test_split_sizes(dataset):
    splits, _ = dataset
    assert [len(splits[s]["x"]) for s in ("train", "valid", "test")] == [280, 40, 80]
    assert 0 < _all(splits, "y").mean() < 1


def test_provenance_attributes(dataset):
    _, attrs = dataset
    assert attrs["jaspar_release"] == "JASPAR2016" and attrs["seed"] == 7
    assert json.loads(attrs["core_motifs"]) == DEFAULTS["core_motifs"]
    background = json.loads(attrs["background_motifs"])
    assert len(background) == 20 and background[:5] == DEFAULTS["core_motifs"]


def test_gaps_sum_to_the_free_length():
    rng = np.random.default_rng(3)
    for _ in range(200):
        gaps = gap_lengths(5, 137, rng)
        assert gaps.sum() == 137 and (gaps >= 0).all()


def test_reverse_complement_pwm():
    pwm = np.array([[0.7, 0.1, 0.1, 0.1], [0.0, 0.0, 0.2, 0.8]])
    np.testing.assert_array_equal(jaspar.reverse_complement(pwm), [[0.8, 0.2, 0.0, 0.0], [0.1, 0.1, 0.1, 0.7]])


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="n_background"):
        simulate({**PARAMS, "n_background": 2})
    with pytest.raises(ValueError, match="sum to 1"):
        simulate({**PARAMS, "motif_count_probs": [0.5, 0.5, 0.5, 0, 0]})
    with pytest.raises(ValueError, match="cannot hold 7 motifs"):
        simulate({**PARAMS, "length": 60})


# A constructed release: one core motif, a look-alike (its reverse complement shifted by two
# positions, two extra columns), and unrelated motifs. One-hot-ish columns, rows sum to 1.
def _pwm(consensus, strength=0.85):
    rows = np.full((len(consensus), 4), (1 - strength) / 3)
    rows[np.arange(len(consensus)), ["ACGT".index(b) for b in consensus]] = strength
    return rows


CORE = _pwm("GACGTCATGG")
RELEASE = {
    "MA9000.1": CORE,
    "MA9001.1": np.vstack([_pwm("TA"), jaspar.reverse_complement(CORE)[:-2]]),  # look-alike
    "MA9002.1": _pwm("TTTAAATT"),
    "MA9003.1": _pwm("CCCCGGGG"),
}
CONSTRUCTED = {"n_positive": 20, "n_negative": 20, "core_motifs": ["MA9000.1"], "seed": 3}


def test_similarity_is_one_for_shifted_and_reverse_copies_low_for_unrelated():
    padded = np.vstack([np.full((3, 4), 0.25), jaspar.reverse_complement(CORE), np.full((2, 4), 0.25)])
    assert jaspar.similarity(CORE, padded) == pytest.approx(1.0)
    assert jaspar.similarity(padded, CORE) == pytest.approx(1.0)
    assert 0.7 < jaspar.similarity(CORE, RELEASE["MA9001.1"]) < 1.0  # partial overlap scores lower
    assert jaspar.similarity(CORE, RELEASE["MA9002.1"]) < 0.5
    assert jaspar.similarity(CORE, np.full((6, 4), 0.25)) == 0.0


def test_lookalike_is_kept_out_of_the_background_and_recorded(monkeypatch):
    monkeypatch.setattr(jaspar, "vertebrate_pwms", lambda release="JASPAR2016": RELEASE)
    _, attrs = simulate({**CONSTRUCTED, "n_background": 3, "lookalike_threshold": 0.7})
    assert json.loads(attrs["background_motifs"]) == ["MA9000.1", "MA9002.1", "MA9003.1"]
    dropped = json.loads(attrs["dropped_lookalikes"])
    assert list(dropped) == ["MA9001.1"] and dropped["MA9001.1"]["resembles"] == "MA9000.1"
    with pytest.raises(ValueError, match="1 look-alikes excluded"):
        simulate({**CONSTRUCTED, "n_background": 4, "lookalike_threshold": 0.7})
    _, unfiltered = simulate({**CONSTRUCTED, "n_background": 4})
    assert "MA9001.1" in json.loads(unfiltered["background_motifs"])
    assert json.loads(unfiltered["dropped_lookalikes"]) == {}


def _paper_threshold():
    """The look-alike threshold the paper configs use (config/paper_004.yaml)."""
    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "paper_004.yaml").read_text())
    return config["datasets"]["synthetic20k"]["lookalike_threshold"]


# Paralogs of the core motifs in JASPAR 2016 that the background must not hold.
PARALOGS = {
    "MA0079.3": ["MA0516.1", "MA0746.1", "MA0685.1"]  # SP1: SP2, SP3, SP4
    + ["MA0493.1", "MA0742.1", "MA0657.1", "MA0740.1", "MA0741.1", "MA0039.2", "MA0599.1"],  # Klf1, 12, 13, 14, 16, 4, 5
    "MA0466.2": ["MA0102.3", "MA0836.1"],  # CEBPB: CEBPA, CEBPD
    "MA0062.2": ["MA0028.2", "MA0759.1", "MA0076.2", "MA0761.1", "MA0762.1", "MA0763.1", "MA0764.1", "MA0765.1"],
    # Gabpa: ELK1, ELK3, ELK4, ETV1–5
    "MA0058.3": ["MA0147.2", "MA0104.3", "MA0825.1", "MA0093.2", "MA0526.1"],  # MAX: Myc, Mycn, MNT, USF1, USF2
}


def test_paper_threshold_catches_the_core_paralogs_and_keeps_the_core():
    params = {**PARAMS, "n_background": 55, "lookalike_threshold": _paper_threshold()}
    splits, attrs = simulate(params)
    dropped = json.loads(attrs["dropped_lookalikes"])
    for core, paralogs in PARALOGS.items():
        assert {dropped[p]["resembles"] for p in paralogs} == {core}
    background = json.loads(attrs["background_motifs"])
    assert background[:5] == DEFAULTS["core_motifs"] and not set(background) & set(dropped)
    assert not set(dropped) & set(DEFAULTS["core_motifs"])
    again, _ = simulate(params)
    for split in splits:
        for key in ("x", "y", "model", "n_motifs"):
            assert splits[split][key].tobytes() == again[split][key].tobytes()
