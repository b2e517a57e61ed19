"""Find damaged intermediate files before the workflow reads them.

A job killed mid-write is caught by Snakemake's incomplete markers; a file damaged any other
way (a truncated copy, a full disk, bytes overwritten in place) is not. Every real run — never a
dry-run, ``--unlock``, ``--summary`` or ``--report`` — reads every HDF5, ``.keras`` and JSON
file under ``results/`` before it plans (rule ``all``'s input) and, when it has jobs, again
before they start (the targets a user named): an HDF5 file must read completely and each array
must match the sha256 that ``data.write_h5`` recorded beside it; a ``.keras`` archive must pass
its members' CRCs; a JSON file must parse. A file that fails is moved aside to
``<name>.corrupt`` with one log line naming it, and the file itself becomes a target, so it is
regenerated with whatever was computed from it, even when later outputs look up to date.
Nothing is deleted, nothing damaged is read.

Reading everything costs time on a large ``results/``, so a file that passed is remembered (in
``.snakemake/seqattr/verified.json``) with its size, inode and modification and change times;
it is read again only when one of them changes — any write changes the change time, even one
that restores the modification time.

Temporary files of the atomic writers (``.<name>.<pid>.partial``, dot-names) belong to jobs
still writing them and are never touched.
"""

from __future__ import annotations

import json
import logging
import os
import zipfile
from pathlib import Path

import h5py

from seqattr.data import CHECKSUM, array_digest, file_stamp, read_cache, write_json

log = logging.getLogger("seqattr")
VERIFIED = Path(".snakemake") / "seqattr" / "verified.json"


def hdf5_readable(path: str | os.PathLike) -> bool:
    """Open the file, read every array whole, and compare each with its recorded sha256 (if any)."""
    damaged = []

    def check(_name, item):
        if isinstance(item, h5py.Dataset):
            recorded = item.attrs.get(CHECKSUM)
            values = item[()]
            if recorded is not None and array_digest(values) != recorded:
                damaged.append(item.name)

    try:
        with h5py.File(path, "r") as handle:
            handle.visititems(check)
    except Exception:  # h5py raises OSError, KeyError or RuntimeError for damaged files
        return False
    return not damaged


def keras_readable(path: str | os.PathLike) -> bool:
    """A ``.keras`` file is a zip archive: its central directory and member CRCs must check out."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError):
        return False


def json_readable(path: str | os.PathLike) -> bool:
    """The file parses as JSON (an empty file does not)."""
    try:
        json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return True


CHECKS = {".h5": hdf5_readable, ".keras": keras_readable, ".json": json_readable}


class DamagedFilesError(RuntimeError):
    """Damaged files were moved aside; the run must be started again to regenerate them."""


QUARANTINE = ".corrupt"


def quarantine_unreadable(root: str | os.PathLike = "results", cache: Path | None = None) -> list[Path]:
    """Move unreadable ``*.h5`` / ``*.keras`` / ``*.json`` files under ``root`` to ``*.corrupt``; return
    their paths. With a ``cache`` (the workflow's is ``VERIFIED``), files that passed before and have
    not changed since are not read again."""
    verified, passed, moved = read_cache(cache), {}, []
    for path in sorted(Path(root).rglob("*")):
        check = CHECKS.get(path.suffix)
        if check is None or path.name.startswith(".") or not path.is_file():
            continue
        stamp = file_stamp(path)
        if verified.get(str(path)) == stamp or check(path):
            passed[str(path)] = stamp
            continue
        target = path.with_name(path.name + QUARANTINE)
        os.replace(path, target)
        log.warning("%s could not be read or does not match its recorded checksum; moved to %s", path, target)
        moved.append(path)
    if cache is not None:
        write_json(passed, cache)
    return moved


def stop_if_damaged(root: str | os.PathLike = "results", cache: Path | None = None) -> None:
    """Quarantine unreadable files; if there were any, stop the run with what to do (one line)."""
    moved = quarantine_unreadable(root, cache)
    if moved:
        names = ", ".join(str(p) for p in moved)
        raise DamagedFilesError(
            f"{len(moved)} unreadable file(s) moved aside to *{QUARANTINE}: {names}; run the same "
            f"command again to regenerate them and what was computed from them"
        )


def awaiting_regeneration(root: str | os.PathLike = "results") -> list[str]:
    """Files that were quarantined and not yet made again: ``x`` where ``x.corrupt`` exists and ``x`` does not."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(
        str(p.with_name(p.name[: -len(QUARANTINE)]))
        for p in root.rglob(f"*{QUARANTINE}")
        if not p.with_name(p.name[: -len(QUARANTINE)]).exists()
    )
