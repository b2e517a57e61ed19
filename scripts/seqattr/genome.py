"""The reference genome: download a FASTA, store it uncompressed with its pyfaidx index.

The download may be gzip, bgzip (both decompressed: ``gzip`` reads multi-member files) or
plain. Decompression and indexing happen on temporary siblings, moved into place only when
both are complete, so a later rule never sees a half-written genome.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
from pathlib import Path
from typing import Iterable

import pyfaidx

from seqattr.data import atomic_path, atomic_write
from seqattr.download import download

log = logging.getLogger("seqattr")

GZIP_MAGIC = b"\x1f\x8b"


def _decompress(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target``, gunzipping it when it is gzip or bgzip; check it is FASTA."""
    with open(source, "rb") as handle:
        compressed = handle.read(2) == GZIP_MAGIC
    opener = gzip.open if compressed else open
    with opener(source, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    with open(target, "rb") as handle:
        if handle.read(1) != b">":
            raise ValueError(f"{source}: not a FASTA file (it does not start with '>')")


def prepare(url: str, fasta: str | os.PathLike, fai: str | os.PathLike, retries: int = 3) -> dict[str, int]:
    """Download the genome at ``url`` to ``fasta`` (uncompressed) with its index ``fai``; return sizes."""
    fasta, fai = Path(fasta), Path(fai)
    if fasta.suffix == ".gz":
        raise ValueError(f"{fasta}: the genome is stored uncompressed; name the output .fa")
    fetched = atomic_path(fasta.with_name(fasta.name + ".download"))
    try:
        with atomic_write(fasta) as partial:
            partial_fai = Path(f"{partial}.fai")  # pyfaidx indexes beside the file it reads
            download(url, fetched, retries=retries, label=f"genome {fasta.name}")
            _decompress(fetched, partial)
            with pyfaidx.Fasta(str(partial), as_raw=True) as indexed:
                sizes = chromosome_sizes(indexed)
            os.replace(partial_fai, fai)
    finally:
        fetched.unlink(missing_ok=True)
        Path(f"{atomic_path(fasta)}.fai").unlink(missing_ok=True)
    log.info("genome %s: %d sequences, %d nt, from %s", fasta, len(sizes), sum(sizes.values()), url)
    return sizes


def load(fasta: str | os.PathLike) -> pyfaidx.Fasta:
    """Open an indexed FASTA for random access, upper-case letters (soft-masking dropped)."""
    return pyfaidx.Fasta(str(fasta), as_raw=True, sequence_always_upper=True)


def chromosome_sizes(genome: pyfaidx.Fasta) -> dict[str, int]:
    """Sequence name → length."""
    return {name: len(record) for name, record in genome.items()}


def check_chromosomes(names: Iterable[str], genome_names: Iterable[str], source: str) -> set[str]:
    """Chromosomes of ``source`` absent from the genome; an error when none is present.

    No shared name at all is a naming mismatch (``chr1`` vs ``1``) or a wrong assembly, never
    something to drop silently.
    """
    names, genome_names = set(names), set(genome_names)
    missing = names - genome_names
    if names and missing == names:
        hint = ""
        if {n.removeprefix("chr") for n in names} & {n.removeprefix("chr") for n in genome_names}:
            hint = "; the names differ only by a 'chr' prefix: use a FASTA with UCSC-style names"
        raise ValueError(
            f"{source}: none of its chromosomes ({sorted(names)[:5]}) is in the genome FASTA "
            f"({sorted(genome_names)[:5]}){hint}"
        )
    return missing
