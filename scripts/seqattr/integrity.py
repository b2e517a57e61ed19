"""Find damaged intermediate files before the workflow reads them.

A job killed mid-write is caught by Snakemake's incomplete markers; a file damaged any other
way (a truncated copy, a full disk) is not. At start-up the workflow opens every HDF5 and
``.keras`` file under ``results/``, and moves the ones that cannot be read aside to
``<name>.corrupt`` so that Snakemake regenerates them — nothing is deleted, nothing damaged
is read silently.
"""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

import h5py
import numpy as np

log = logging.getLogger("seqattr")


def hdf5_readable(path: str | os.PathLike) -> bool:
    """Open the file and read the last element of every dataset (a truncation loses the tail)."""
    failures = []

    def touch(_name, item):
        if isinstance(item, h5py.Dataset) and item.size:
            item[tuple(np.array(item.shape) - 1)]

    try:
        with h5py.File(path, "r") as handle:
            handle.visititems(touch)
    except Exception as error:  # h5py raises OSError, KeyError or RuntimeError for damaged files
        failures.append(error)
    return not failures


def keras_readable(path: str | os.PathLike) -> bool:
    """A ``.keras`` file is a zip archive: its central directory and member CRCs must check out."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError):
        return False


def quarantine_unreadable(root: str | os.PathLike = "results") -> list[Path]:
    """Move unreadable ``*.h5`` / ``*.keras`` files under ``root`` to ``*.corrupt``; return their paths."""
    moved = []
    for path in sorted(Path(root).rglob("*")):
        check = {".h5": hdf5_readable, ".keras": keras_readable}.get(path.suffix)
        if check is None or not path.is_file() or check(path):
            continue
        target = path.with_name(path.name + ".corrupt")
        os.replace(path, target)
        log.warning("%s could not be read; moved to %s and will be regenerated", path, target)
        moved.append(path)
    return moved
