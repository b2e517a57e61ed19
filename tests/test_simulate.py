"""The billboard generator: shapes, sampling from the model, motif placement, frequencies, seeds, splits,
the core motif at each position and the labels of every task type and output layout."""

import hashlib
import importlib.util
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from seqattr import data, jaspar
from seqattr.simulate import DEFAULTS, VERSION, gap_lengths, sample_sequences, simulate, task_count

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
        assert parts["motif_index"].shape == (n, 200) and parts["motif_index"].dtype == np.int8
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
        for key in ("x", "y", "model", "n_motifs", "motif_index"):
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
    + [
        "MA0493.1",
        "MA0742.1",
        "MA0657.1",
        "MA0740.1",
        "MA0741.1",
        "MA0039.2",
        "MA0599.1",
    ],  # Klf1, 12, 13, 14, 16, 4, 5
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


# -- binary one-output data keep their bytes; the core motif at each position; labels --------------

TINY = {"n_positive": 20, "n_negative": 20, "n_background": 10, "seed": 11}
# sha256 over x, y, model, n_motifs of train, valid, test of simulate(TINY), computed with the version 3
# generator (commit dfe81a4, before motif_index and the label modes). A NumPy whose Generator streams
# changed would fail this too: then no dataset made before reproduces either.
VERSION_3_SHA256 = "c6698797b082bf5ae731de1746fc4e3fb868afb40ca79a99e96b4ffc3fc8ec7e"
VERSION_3_COMMIT = "dfe81a4"


def _digest(splits):
    digest = hashlib.sha256()
    for split in ("train", "valid", "test"):
        for key in ("x", "y", "model", "n_motifs"):
            digest.update(splits[split][key].tobytes())
    return digest.hexdigest()


def test_binary_one_output_data_keep_the_version_3_bytes():
    splits, attrs = simulate(TINY)
    assert _digest(splits) == VERSION_3_SHA256
    assert attrs["version"] == "4" and attrs["task"] == "binary" and attrs["outputs"] == "one"


def _version_3_module(tmp_path):
    """seqattr/simulate.py as of VERSION_3_COMMIT, imported from a file (None without the git history)."""
    root = Path(__file__).resolve().parents[1]
    try:
        source = subprocess.run(
            ["git", "show", f"{VERSION_3_COMMIT}:scripts/seqattr/simulate.py"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    (tmp_path / "simulate_v3.py").write_text(source)
    spec = importlib.util.spec_from_file_location("simulate_v3", tmp_path / "simulate_v3.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_binary_one_output_data_equal_the_version_3_generators(tmp_path):
    """The same check against the old code itself, array by array (where the clone has its history)."""
    old = _version_3_module(tmp_path)
    if old is None:
        pytest.skip(f"commit {VERSION_3_COMMIT} is not in this clone (shallow?); the digest test still holds")
    params = {**TINY, "length": 120, "seed": 5}
    new, _ = simulate(params)
    before, _ = old.simulate(params)
    assert old.VERSION == "3"
    for split in before:
        for key in ("x", "y", "model", "n_motifs"):
            assert new[split][key].dtype == before[split][key].dtype, (split, key)
            assert new[split][key].shape == before[split][key].shape, (split, key)
            assert new[split][key].tobytes() == before[split][key].tobytes(), (split, key)


def test_every_label_mode_shares_the_sequences_of_binary_one_output_data():
    """The same sequences and models in every layout; motif_index differs only where a negative holds a
    core PWM, which the layouts labelled by content mark and the lab's one-output design does not."""
    binary, _ = simulate(TINY)
    for task, outputs in (("binary", "per_core_motif"), ("regression", "one"), ("regression", "per_core_motif")):
        other, attrs = simulate({**TINY, "task": task, "outputs": outputs})
        assert attrs["version"] == VERSION == "5"
        for split in binary:
            for key in ("x", "model", "n_motifs"):
                assert other[split][key].tobytes() == binary[split][key].tobytes(), (task, outputs, split, key)
            old, new = binary[split]["motif_index"], other[split]["motif_index"]
            changed = old != new
            assert (old[changed] == -1).all() and (new[changed] >= 0).all(), (task, outputs, split)
            assert not changed[(binary[split]["y"][:, 0] == 1)].any()  # positives: as before


def test_motif_index_marks_the_core_pwm_columns_and_nothing_else(dataset):
    """Positives: the core motif whose PWM (either strand) tiles each motif column, -1 in the gaps;
    negatives of the lab's one-output design: -1 everywhere, though their background pool holds the
    core PWMs too."""
    splits, attrs = dataset
    pool, rows = _placements(splits, attrs, 1)  # pool: each core PWM then its reverse complement
    positive = _all(splits, "y")[:, 0] == 1
    index = _all(splits, "motif_index")
    for (model, _, tiling), stored in zip(rows, index[positive]):
        expected = np.full(len(model), -1)
        for start, j in tiling:
            expected[start : start + len(pool[j])] = j // 2
        np.testing.assert_array_equal(stored, expected)
    assert (index[~positive] == -1).all()
    assert all((index[positive] == t).any() for t in range(5))


def test_labelled_by_content_negatives_mark_the_core_pwms_they_drew():
    """Per core motif, a negative's core PWMs (drawn from the background pool) are marked like a
    positive's; its other motifs and gaps stay -1."""
    one, attrs = simulate(PARAMS)
    per_motif, _ = simulate({**PARAMS, "outputs": "per_core_motif"})
    negative = _all(one, "y")[:, 0] == 0
    background, pool = jaspar.motif_pool("JASPAR2016", json.loads(attrs["background_motifs"]))
    core = DEFAULTS["core_motifs"]
    marked = 0
    for model, stored, k in zip(
        _all(per_motif, "model")[negative],
        _all(per_motif, "motif_index")[negative],
        _all(per_motif, "n_motifs")[negative],
    ):
        tiling = _decompose(model, pool)
        assert tiling is not None and len(tiling) == k
        expected = np.full(len(model), -1)
        for start, j in tiling:
            name = background[j].removesuffix("_rc")
            if name in core:
                expected[start : start + len(pool[j])] = core.index(name)
        np.testing.assert_array_equal(stored, expected)
        marked += (expected >= 0).any()
    assert 0 < marked < negative.sum()  # some negatives drew a core PWM, most did not


def _copies(motif_index, core_ids):
    """(N, T) copies of each core motif, from the positions it occupies (a motif's copies never overlap)."""
    pwms = jaspar.vertebrate_pwms("JASPAR2016")
    widths = np.array([len(pwms[m]) for m in core_ids])
    positions = (motif_index[..., None] == np.arange(len(core_ids))).sum(axis=1)
    assert (positions % widths == 0).all()
    return positions // widths


def test_one_binary_label_per_core_motif_is_its_presence():
    """Output t is 1 exactly when core motif t is in the sequence, negatives included: a negative that
    drew a core PWM from the background pool is a positive of that motif's output."""
    splits, attrs = simulate({**PARAMS, "outputs": "per_core_motif"})
    binary, _ = simulate(PARAMS)
    y, index = _all(splits, "y"), _all(splits, "motif_index")
    assert y.shape == (400, 5) and y.dtype == np.float32
    presence = np.stack([(index == t).any(axis=1) for t in range(5)], axis=1)
    np.testing.assert_array_equal(y, presence.astype(np.float32))
    negative = _all(binary, "y")[:, 0] == 0
    assert (y[~negative].sum(axis=1) >= 1).all()
    assert 0 < y[negative].any(axis=1).mean() < 1  # some negatives carry a core motif, not all
    assert 0 < y[~negative].mean() < 1  # positives hold some core motifs, not all
    assert attrs["task_names"] == DEFAULTS["core_motifs"] and attrs["task_motifs"] == [[0], [1], [2], [3], [4]]
    assert task_count({"outputs": "per_core_motif"}) == 5 and task_count({}) == 1


# Short sequences of one or two motifs, so that a few thousand are quick to make.
REGRESSION = {
    "task": "regression",
    "n_positive": 2000,
    "n_negative": 500,
    "n_background": 10,
    "length": 60,
    "motif_counts": [1, 2],
    "motif_count_probs": [0.5, 0.5],
    "effects": [0.5, -1.0, 2.0, 3.0, 1.5],
    "noise_sd": 0.3,
    "seed": 4,
}


def _residuals(outputs):
    splits, attrs = simulate({**REGRESSION, "outputs": outputs})
    y, index = _all(splits, "y"), _all(splits, "motif_index")
    assert y.dtype == np.float32
    signal = _copies(index, DEFAULTS["core_motifs"]) * np.array(REGRESSION["effects"])
    return y, signal, attrs


def test_one_regression_label_is_the_sum_of_the_effects_plus_noise():
    y, signal, attrs = _residuals("one")
    assert y.shape == (2500, 1)
    residual = y[:, 0] - signal.sum(axis=1)
    sd = REGRESSION["noise_sd"]
    assert abs(residual.mean()) < 4 * sd / np.sqrt(len(residual))
    assert abs(residual.std() / sd - 1) < 0.05  # the SD's standard error is 1.4 % here
    assert attrs["task_names"] == ["all_core_motifs"] and attrs["task_motifs"] == [[0, 1, 2, 3, 4]]
    assert np.corrcoef(y[:, 0], signal.sum(axis=1))[0, 1] > 0.9


def test_regression_labels_per_core_motif_have_noise_of_their_own():
    y, signal, attrs = _residuals("per_core_motif")
    assert y.shape == (2500, 5) and attrs["task"] == "regression" and attrs["outputs"] == "per_core_motif"
    residual = y - signal
    sd, n = REGRESSION["noise_sd"], len(residual)
    assert (np.abs(residual.mean(axis=0)) < 4 * sd / np.sqrt(n)).all()
    assert (np.abs(residual.std(axis=0) / sd - 1) < 0.05).all()
    correlation = np.corrcoef(residual.T)[np.triu_indices(5, 1)]
    assert (np.abs(correlation) < 4 / np.sqrt(n)).all()  # independent noise per output


def test_label_attributes_survive_the_hdf5_file(tmp_path):
    splits, attrs = simulate({**TINY, "task": "regression", "outputs": "per_core_motif"})
    data.write_dataset(tmp_path / "d.h5", splits, attrs)
    stored = data.read_attrs(tmp_path / "d.h5")
    for key in ("task", "outputs", "task_names", "task_motifs"):
        assert stored[key] == attrs[key], key
    index = data.read_h5(tmp_path / "d.h5", ["motif_index_test"])["motif_index_test"]
    assert index.dtype == np.int8 and index.tobytes() == splits["test"]["motif_index"].tobytes()


TWO_CORE = {"n_positive": 10, "n_negative": 10, "n_background": 10, "core_motifs": ["MA0079.3", "MA0095.2"], "seed": 2}


def test_bad_label_parameters_are_refused():
    with pytest.raises(ValueError, match="3 effects for 5 core motifs"):
        simulate({**TINY, "task": "regression", "effects": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="outputs one of"):
        simulate({**TINY, "outputs": "many"})
    # effects matter only to regression: a binary dataset of other core motifs leaves them at their default
    _, attrs = simulate({**TWO_CORE, "outputs": "per_core_motif"})
    assert attrs["task_names"] == TWO_CORE["core_motifs"]
