"""seqattr.integrity: damaged HDF5, .keras and JSON files are found and moved aside, sound ones kept."""

import os
import zipfile

import h5py
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


def _overwrite_inside(path, dataset: str, keep_times: bool = True) -> None:
    """Overwrite bytes in the middle of one stored array (its file keeps its size and, with
    ``keep_times``, its modification time): damage that reads without any error."""
    with h5py.File(path, "r") as handle:
        stored = handle[dataset]
        offset, size = stored.id.get_offset(), stored.id.get_storage_size()
    stat = path.stat()
    with open(path, "r+b") as handle:
        handle.seek(offset + size // 2)
        handle.write(b"\xa5" * 8)
    if keep_times:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_bytes_overwritten_inside_an_array_fail_its_checksum(tmp_path):
    path = tmp_path / "maps.h5"
    data.write_h5(path, {"indices": np.arange(100), "G": np.random.default_rng(1).random((50, 30, 4))})
    assert integrity.hdf5_readable(path)
    _overwrite_inside(path, "indices")  # small, so stored uncompressed: it reads back, wrong
    assert data.read_h5(path)["indices"].shape == (100,)
    assert not integrity.hdf5_readable(path)
    assert integrity.quarantine_unreadable(tmp_path) == [path]


def test_an_empty_or_broken_json_is_moved_aside(tmp_path):
    (tmp_path / "good.json").write_text('{"auroc": 0.9}')
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "cut.json").write_text('{"auroc": 0.')
    assert integrity.quarantine_unreadable(tmp_path) == [tmp_path / "cut.json", tmp_path / "empty.json"]
    assert (tmp_path / "good.json").exists() and (tmp_path / "empty.json.corrupt").exists()


def test_a_verified_file_is_read_again_only_when_it_changed(tmp_path, monkeypatch):
    path, cache = tmp_path / "r" / "maps.h5", tmp_path / "verified.json"
    data.write_h5(path, {"indices": np.arange(100)})
    reads = []
    original = integrity.CHECKS[".h5"]
    monkeypatch.setitem(integrity.CHECKS, ".h5", lambda p: reads.append(p) or original(p))
    assert integrity.quarantine_unreadable(tmp_path / "r", cache) == []
    assert integrity.quarantine_unreadable(tmp_path / "r", cache) == [] and len(reads) == 1  # unchanged: not read
    _overwrite_inside(path, "indices")  # the modification time restored; the change time is not
    assert integrity.quarantine_unreadable(tmp_path / "r", cache) == [path] and len(reads) == 2
