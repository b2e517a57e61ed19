"""A user's own files (a dataset's HDF5 or FASTA and labels, a weights file) decide reruns by content.

Snakemake reruns a job whose input is newer than its outputs, so a file replaced by an older
copy (``cp -p``, ``rsync -t``, an unpacked archive) would leave stale models and tables, and a
``touch`` would retrain everything. The workflow therefore passes such files as ``ancient()``
inputs and their sha256 as a job param: a job reruns exactly when the bytes it reads change.

Hashing a large file on every invocation would be slow, so each digest is remembered (in
``.snakemake/seqattr/digests.json``) with the file's size, inode and modification and change
times, and computed again only when one of them changes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from seqattr.data import file_stamp, read_cache, write_json

DIGESTS = Path(".snakemake") / "seqattr" / "digests.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_digest(path: str | os.PathLike, cache: Path | None = None) -> str | None:
    """The sha256 of ``path``'s bytes (None when it does not exist: the job's missing input says so),
    remembered in ``cache`` (the workflow's is ``DIGESTS``) while the file's stat stays the same."""
    path = Path(path)
    if not path.is_file():
        return None
    key, stamp = str(path.resolve()), file_stamp(path)
    known = read_cache(cache)
    entry = known.get(key)
    if entry and entry["stat"] == stamp:
        return entry["sha256"]
    digest = _sha256(path)
    if cache is not None:
        known[key] = {"stat": stamp, "sha256": digest}
        write_json(known, cache)
    return digest
