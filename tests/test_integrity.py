"""seqattr.integrity: damaged HDF5 and .keras files are found and moved aside, sound ones kept."""

import zipfile

import numpy as np
import pytest

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


def test_temporary_files_are_never_touched_and_quarantine_is_remembered(tmp_path):
    """A job's half-written temporary (dot-name) stays; a quarantined file is listed until it is made again."""
    temporary = tmp_path / "m" / ".epoch3.keras.4242.partial.keras"
    temporary.parent.mkdir()
    temporary.write_bytes(b"not yet a zip archive")
    damaged = tmp_path / "m" / "model.keras"
    damaged.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(integrity.DamagedFilesError, match=r"^1 unreadable file\(s\) moved aside .*model\.keras; run "):
        integrity.stop_if_damaged(tmp_path)
    assert temporary.read_bytes() == b"not yet a zip archive"
    assert integrity.awaiting_regeneration(tmp_path) == [str(damaged)]
    damaged.write_bytes(b"regenerated")
    assert integrity.awaiting_regeneration(tmp_path) == []
    integrity.stop_if_damaged(tmp_path / "nothing here")  # no files, no error
