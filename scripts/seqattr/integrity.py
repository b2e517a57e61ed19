"""Find damaged intermediate files before the workflow reads them.

A job killed mid-write is caught by Snakemake's incomplete markers; a file damaged any other
way (a truncated copy, a full disk) is not. Before a run starts its jobs — holding the
workflow's lock, never in a dry-run, ``--unlock``, ``--summary`` or ``--report`` — the workflow
opens every HDF5 and ``.keras`` file under ``results/`` and moves the ones that cannot be read
aside to ``<name>.corrupt``; it then stops, because its plan was made with the damaged file in
place, and says to run again. Every later invocation asks for each file that sits beside its
``.corrupt`` copy and is missing, so it is regenerated — together with whatever was computed from
it — even when later outputs look up to date. Nothing is deleted, nothing damaged is read.

Temporary files of the atomic writers (``.<name>.<pid>.partial``, dot-names) belong to jobs
still writing them and are never touched.
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


class DamagedFilesError(RuntimeError):
    """Damaged files were moved aside; the run must be started again to regenerate them."""


QUARANTINE = ".corrupt"


def quarantine_unreadable(root: str | os.PathLike = "results") -> list[Path]:
    """Move unreadable ``*.h5`` / ``*.keras`` files under ``root`` to ``*.corrupt``; return their paths."""
    moved = []
    for path in sorted(Path(root).rglob("*")):
        check = {".h5": hdf5_readable, ".keras": keras_readable}.get(path.suffix)
        if check is None or path.name.startswith(".") or not path.is_file() or check(path):
            continue
        target = path.with_name(path.name + QUARANTINE)
        os.replace(path, target)
        log.warning("%s could not be read; moved to %s", path, target)
        moved.append(path)
    return moved


def stop_if_damaged(root: str | os.PathLike = "results") -> None:
    """Quarantine unreadable files; if there were any, stop the run with what to do (one line)."""
    moved = quarantine_unreadable(root)
    if moved:
        names = ", ".join(str(p) for p in moved)
        raise DamagedFilesError(f"{len(moved)} unreadable file(s) moved aside to *{QUARANTINE}: {names}; run the same "
                                f"command again to regenerate them and what was computed from them")


def awaiting_regeneration(root: str | os.PathLike = "results") -> list[str]:
    """Files that were quarantined and not yet made again: ``x`` where ``x.corrupt`` exists and ``x`` does not."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(str(p.with_name(p.name[: -len(QUARANTINE)])) for p in root.rglob(f"*{QUARANTINE}")
                  if not p.with_name(p.name[: -len(QUARANTINE)]).exists())
