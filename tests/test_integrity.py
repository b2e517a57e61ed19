"""seqattr.integrity: damaged HDF5 and .keras files are found and moved aside, sound ones kept."""

import zipfile

import numpy as np

from seqattr import data, integrity


def test_truncated_hdf5_is_moved_aside_and_good_files_stay(tmp_path):
    good, bad = tmp_path / "a" / "good.h5", tmp_path / "b" / "bad.h5"
    arrays = {"x": np.random.default_rng(0).random((200, 200, 4)), "y": np.arange(200.0)}
    data.write_h5(good, arrays)
    data.write_h5(bad, arrays)
    bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])
    assert integrity.hdf5_readable(good) and not integrity.hdf5_readable(bad)
    assert integrity.quarantine_unreadable(tmp_path) == [bad]
    assert good.exists() and not bad.exists()
    assert (tmp_path / "b" / "bad.h5.corrupt").stat().st_size > 0  # nothing is lost


def test_truncated_keras_archive_is_found(tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}" * 1000)
        archive.writestr("model.weights.h5", b"\x00" * 5000)
    assert integrity.keras_readable(path)
    path.write_bytes(path.read_bytes()[:-40])
    assert not integrity.keras_readable(path)
    assert integrity.quarantine_unreadable(tmp_path) == [path]
