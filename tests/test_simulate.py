"""The billboard generator: shapes, sampling from the model, motif placement, frequencies, seeds, splits."""

import numpy as np
import pytest

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
    x = sample_sequences(models, rng)
    assert (x[:, np.r_[0:5, 6:10], 1] == 1).all()
    share_g = x[:, 5, 2].mean()
    assert x[:, 5, :2].sum() == 0 and abs(share_g - 0.5) < 4 * np.sqrt(0.25 / 2000)


def test_information_marks_exactly_the_motif_positions(dataset):
    splits, _ = dataset
    model = _all(splits, "model").astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        information = 2 + np.nansum(np.where(model > 0, model * np.log2(model), 0), axis=-1)
    gap = np.all(np.isclose(model, 0.25), axis=-1)
    assert np.allclose(information[gap], 0)
    # every motif column of the JASPAR PWMs carries information: none looks like a gap
    pwms = jaspar.vertebrate_pwms("JASPAR2016")
    assert all(not np.allclose(pwms[i], 0.25) for i in DEFAULTS["core_motifs"])
    positives = _all(splits, "y")[:, 0] == 1
    assert (information[positives] > 0.1).any(axis=1).all()
    # the sampled bases follow the motifs exactly where the model puts them
    x = _all(splits, "x")
    consensus = x.argmax(-1) == model.argmax(-1)
    assert consensus[information > 1.5].mean() > 0.85
    assert abs((x[gap].argmax(-1) == 0).mean() - 0.25) < 0.02


def _motif_windows(model_row):
    """Split a model into maximal runs of non-uniform columns (one or more adjacent motifs)."""
    informative = ~np.all(np.isclose(model_row, 0.25), axis=-1)
    runs, start = [], None
    for i, flag in enumerate(list(informative) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append(model_row[start:i])
            start = None
    return runs


def _covered_by(run, pool):
    """Whether a run is a concatenation of PWMs from ``pool`` (possibly with 0.25-like columns inside)."""
    if len(run) == 0:
        return True
    return any(len(p) <= len(run) and np.allclose(run[: len(p)], p, atol=1e-6) and _covered_by(run[len(p):], pool) for p in pool)


def test_positives_draw_only_core_pwms(dataset):
    splits, _ = dataset
    _, core = jaspar.motif_pool("JASPAR2016", DEFAULTS["core_motifs"])
    model, y = _all(splits, "model"), _all(splits, "y")[:, 0]
    for row in model[y == 1][:100]:
        assert all(_covered_by(run, core) for run in _motif_windows(row))
    negatives_with_other = sum(not all(_covered_by(r, core) for r in _motif_windows(row)) for row in model[y == 0][:100])
    assert negatives_with_other > 50  # negatives do use the background pool


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
        for key in ("x", "y", "model"):
            assert splits[split][key].tobytes() == again[split][key].tobytes()
    assert splits["test"]["x"].tobytes() != other["test"]["x"].tobytes()


def test_split_sizes(dataset):
    splits, _ = dataset
    assert [len(splits[s]["x"]) for s in ("train", "valid", "test")] == [280, 40, 80]
    assert 0 < _all(splits, "y").mean() < 1


def test_provenance_attributes(dataset):
    _, attrs = dataset
    assert attrs["jaspar_release"] == "JASPAR2016" and attrs["seed"] == 7
    assert '"MA0079.3"' in attrs["core_motifs"]
    import json

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
