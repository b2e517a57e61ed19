"""seqattr.data: one-hot encoding and the HDF5 dataset format."""

import os
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest

from seqattr import data


def test_one_hot_order_and_n():
    x = data.one_hot(["ACGTN", "acgtA"])
    assert x.shape == (2, 5, 4) and x.dtype == np.float32
    np.testing.assert_array_equal(x[0, :4], np.eye(4))
    assert x[0, 4].sum() == 0  # N is all zeros
    np.testing.assert_array_equal(x[1], x[0][[0, 1, 2, 3, 0]])


def test_decode_inverts_one_hot():
    seqs = ["ACGTNNAC", "TTTTGGGA"]
    assert data.decode(data.one_hot(seqs)) == seqs


def test_one_hot_rejects_ragged():
    with pytest.raises(ValueError, match="equal length"):
        data.one_hot(["ACG", "AC"])


def test_lab_layout_is_transposed():
    x = data.one_hot(["ACGTTGCA"] * 3)
    lab = np.transpose(x, (0, 2, 1))
    np.testing.assert_array_equal(data.to_channels_last(lab), x)
    np.testing.assert_array_equal(data.to_channels_last(x), x)
    with pytest.raises(data.DatasetError, match="axis of length 4"):
        data.to_channels_last(np.zeros((2, 5, 6)))


def _splits(rng):
    x = data.one_hot(["".join(rng.choice(list("ACGT"), 20)) for _ in range(10)])
    return {"test": {"x": x, "y": rng.integers(0, 2, (10, 1)), "model": np.full_like(x, 0.25)}}


def test_dataset_round_trip_and_attrs(tmp_path):
    rng = np.random.default_rng(0)
    splits = _splits(rng)
    path = tmp_path / "d.h5"
    data.write_dataset(path, splits, {"seed": 3, "motifs": ["MA0079.3"]})
    back = data.read_split(path, "test")
    np.testing.assert_array_equal(back["x"], splits["test"]["x"])
    np.testing.assert_array_equal(back["model"], splits["test"]["model"])
    assert back["y"].shape == (10, 1) and back["y"].dtype == np.float32
    assert data.read_attrs(path) == {"seed": 3, "motifs": ["MA0079.3"]}
    assert not list(tmp_path.glob(".*partial"))


def test_read_split_user_keys_and_lab_layout(tmp_path):
    rng = np.random.default_rng(1)
    splits = _splits(rng)
    path = tmp_path / "lab.h5"
    with h5py.File(path, "w") as f:
        f["X_test"] = np.transpose(splits["test"]["x"], (0, 2, 1))
        f["Y_test"] = splits["test"]["y"][:, 0]
    back = data.read_split(path, "test", {"x_test": "X_test", "y_test": "Y_test"})
    np.testing.assert_array_equal(back["x"], splits["test"]["x"])
    assert back["y"].shape == (10, 1)
    assert "model" not in back


def test_read_split_names_missing_key(tmp_path):
    path = tmp_path / "d.h5"
    data.write_h5(path, {"x_test": np.zeros((2, 5, 4))})
    with pytest.raises(data.DatasetError, match="no 'y_test' array"):
        data.read_split(path, "test")


def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "d.h5"
    data.write_dataset(path, _splits(np.random.default_rng(2)))
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(data.DatasetError, match="not a readable HDF5"):
        data.read_split(path, "test")


def test_failed_write_leaves_nothing(tmp_path):
    path = tmp_path / "d.h5"
    with pytest.raises(TypeError):
        data.write_h5(path, {"x": np.zeros(3)}, {"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_split_indices_fractions():
    parts = data.split_indices(1000, [0.7, 0.1, 0.2], np.random.default_rng(0))
    assert [len(p) for p in parts] == [700, 100, 200]
    assert sorted(np.concatenate(parts)) == list(range(1000))


DRAW = """
import sys
import matplotlib.pyplot as plt
from seqattr import plots
figure, axes = plt.subplots()
axes.plot(range(100_000))
plots.save(figure, sys.argv[1])
"""


def test_temporaries_are_unique_per_process(tmp_path):
    target = tmp_path / "fig.png"
    here = data.atomic_path(target, keep_suffix=True)
    assert here.parent == tmp_path and here.name == f".fig.png.{os.getpid()}.partial.png"
    drawers = [subprocess.Popen([sys.executable, "-c", DRAW, str(target)], stderr=subprocess.PIPE) for _ in range(2)]
    errors = [p.communicate()[1].decode() for p in drawers]  # two jobs drawing one figure at once
    assert [p.returncode for p in drawers] == [0, 0], errors
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.with_suffix(".pdf").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.pdf", "fig.png"]  # no temporary left


def test_an_array_of_five_channels_is_named_with_its_file(tmp_path):
    path = tmp_path / "five.h5"
    with h5py.File(path, "w") as handle:
        handle["X_test"] = np.zeros((3, 5, 100), np.float32)
        handle["Y_test"] = np.zeros((3, 1), np.float32)
    keys = {"x_test": "X_test", "y_test": "Y_test"}
    with pytest.raises(data.DatasetError, match=rf"^{path}: array 'X_test': no axis of length 4 .*\(3, 5, 100\)$"):
        data.read_split(path, "test", keys)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    """Every writer goes through data.atomic_write: an error mid-write loses nothing."""
    table = tmp_path / "t.tsv"
    data.write_tsv(pd.DataFrame({"a": [1]}), table)
    with pytest.raises(TypeError):
        data.write_tsv(pd.DataFrame({"a": [2]}), table, columns=object())  # pandas fails while writing
    assert table.read_text() == "a\n1\n" and sorted(p.name for p in tmp_path.iterdir()) == ["t.tsv"]
    with pytest.raises(TypeError):
        data.write_json({"not JSON": object()}, tmp_path / "m.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.tsv"]
