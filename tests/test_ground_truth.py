"""The ground truth of one output: the sequence model where that output's motifs sit, uniform elsewhere."""

import h5py
import numpy as np
import pytest

from seqattr import data
from seqattr.ground_truth import for_task
from seqattr.simulate import simulate

PARAMS = {"n_positive": 40, "n_negative": 40, "n_background": 10, "seed": 6}


@pytest.fixture(scope="module")
def per_motif():
    splits, attrs = simulate({**PARAMS, "outputs": "per_core_motif"})
    return splits["train"], attrs


def _uniform(truth):
    return np.all(truth == 0.25, axis=-1)


def test_each_output_keeps_exactly_its_own_motifs_positions(per_motif):
    split, attrs = per_motif
    model, index = split["model"], split["motif_index"]
    kept = np.zeros(index.shape, bool)
    for task in range(5):
        truth = for_task(split, attrs, task)
        assert truth.shape == model.shape and truth.dtype == model.dtype
        own = index == task
        np.testing.assert_array_equal(truth[own], model[own])
        assert (truth[~own] == 0.25).all()
        assert not _uniform(truth[own]).all()  # the motif's columns carry information
        kept |= ~_uniform(truth)
    # every informative column of a positive belongs to some output; of a negative, only its core
    # motifs' columns (labels follow the motifs a sequence holds), never a background motif's
    positive = simulate(PARAMS)[0]["train"]["y"][:, 0] == 1
    np.testing.assert_array_equal(kept[positive], ~_uniform(model[positive]))
    np.testing.assert_array_equal(kept[~positive], index[~positive] >= 0)
    assert (index[~positive] >= 0).any() and (~_uniform(model[~positive]) & (index[~positive] < 0)).any()


def test_one_binary_output_leaves_the_positives_as_they_are():
    splits, attrs = simulate(PARAMS)
    split = splits["train"]
    truth = for_task(split, attrs, 0)
    positive = split["y"][:, 0] == 1
    assert truth[positive].tobytes() == split["model"][positive].tobytes()
    assert _uniform(truth[~positive]).all()  # background motifs are no output's ground truth
    assert not _uniform(split["model"][~positive]).all()


def test_a_file_without_motif_index_gives_its_model_unchanged():
    model = np.random.default_rng(0).dirichlet(np.ones(4), size=(3, 20)).astype(np.float32)
    split = {"x": np.zeros_like(model), "y": np.zeros((3, 2), np.float32), "model": model}
    assert for_task(split, {}, 1) is model


def test_attributes_read_back_from_the_file_work_alike(per_motif, tmp_path):
    split, attrs = per_motif
    data.write_dataset(tmp_path / "d.h5", {"train": split}, attrs)
    stored = data.read_h5(tmp_path / "d.h5", ["model_train", "motif_index_train"])
    from_file = {"model": stored["model_train"], "motif_index": stored["motif_index_train"]}
    with h5py.File(tmp_path / "d.h5") as handle:
        raw = dict(handle.attrs)  # task_motifs as the JSON string HDF5 holds
    for source in (data.read_attrs(tmp_path / "d.h5"), raw):
        np.testing.assert_array_equal(for_task(from_file, source, 3), for_task(split, attrs, 3))


def test_an_output_the_dataset_lacks_is_refused(per_motif):
    split, attrs = per_motif
    with pytest.raises(ValueError, match="task 5 does not exist: the dataset has 5 output"):
        for_task(split, attrs, 5)
    with pytest.raises(ValueError, match="no task_motifs"):
        for_task(split, {}, 0)
