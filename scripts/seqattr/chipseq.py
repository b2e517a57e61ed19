"""ChIP-seq peaks → a balanced binary dataset of fixed-length windows (paper 004, "ChIP-seq data").

Positives: a window of ``length`` nt centred on each ChIP peak's summit (narrowPeak column 10,
an offset from the start; the midpoint when it is absent or -1). Negatives: DNase peaks that
overlap no ChIP peak (``bedtools intersect -v``, as in the paper), centred the same way; their
windows must in addition share no base with a ChIP peak or a positive window, so no sequence
is in both classes. Windows that repeat, lie on a chromosome the FASTA lacks, run off a
chromosome end, or contain N (or any letter other than A, C, G, T) are dropped and counted.
The larger class is then down-sampled (seeded) to exactly the size of the smaller one, and
the windows are split at random with ``seqattr.data.split_indices``.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import pybedtools

from seqattr import encode, genome, schema
from seqattr.data import SPLITS, DatasetError, one_hot, split_indices, write_dataset
from seqattr.download import md5sum

log = logging.getLogger("seqattr")

BED = ["chrom", "start", "end"]
ACGT = frozenset("ACGT")
DEFAULTS = schema.defaults("chipseq_dataset")  # length, split, seed, max_per_class (the config schema's)


@dataclass
class ChipDataset:
    """The dataset's splits, its windows in file order (chrom, start, end, label, split, sequence) and drop counts."""

    splits: dict[str, dict[str, np.ndarray]]
    windows: pd.DataFrame
    counts: dict[str, dict[str, int]]


def require_bedtools() -> None:
    """pybedtools shells out to ``bedtools``: fail early, saying how to install it."""
    if shutil.which("bedtools") is None:
        raise DatasetError("bedtools is not on PATH; install it with scripts/install_system_deps.sh")


def read_peaks(path: str | os.PathLike) -> pd.DataFrame:
    """A (narrowPeak or plain) BED file, gzipped or not, as chrom, start, end, centre."""
    table = pd.read_csv(path, sep="\t", header=None, comment="#", dtype={0: str})
    if table.shape[1] < 3:
        raise DatasetError(f"{path}: a BED file needs at least 3 columns, found {table.shape[1]}")
    peaks = table.iloc[:, :3].set_axis(BED, axis=1).astype({"start": np.int64, "end": np.int64})
    summit = table[9].to_numpy(np.int64) if table.shape[1] >= 10 else np.full(len(table), -1)
    midpoint = (peaks["start"] + peaks["end"]) // 2
    peaks["centre"] = np.where(summit >= 0, peaks["start"] + summit, midpoint)
    return peaks


def windows(peaks: pd.DataFrame, length: int) -> pd.DataFrame:
    """``length``-nt windows centred on each peak's centre (half-open BED coordinates)."""
    start = peaks["centre"].to_numpy() - length // 2
    return pd.DataFrame({"chrom": peaks["chrom"].to_numpy(), "start": start, "end": start + length})


def _clipped(intervals: pd.DataFrame) -> pd.DataFrame:
    return intervals[BED].assign(start=intervals["start"].clip(lower=0))


def not_overlapping(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """Boolean mask over the intervals of ``a`` that share no base with any interval of ``b``.

    Starts before 0 (windows off a chromosome start, dropped later) are clipped for bedtools.
    """
    keep = np.zeros(len(a), dtype=bool)
    if len(a) == 0 or len(b) == 0:
        return ~keep
    left = pybedtools.BedTool.from_dataframe(_clipped(a).assign(name=np.arange(len(a))))
    right = pybedtools.BedTool.from_dataframe(_clipped(b))
    kept = left.intersect(right, v=True)
    keep[[int(interval.name) for interval in kept]] = True
    return keep


def usable(candidates: pd.DataFrame, fasta, source: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop repeated windows, unknown chromosomes, windows off a chromosome end and windows with N.

    Returns the kept windows with their ``sequence`` and the number dropped for each reason.
    """
    sizes = genome.chromosome_sizes(fasta)
    counts = {}
    repeated = candidates.duplicated(BED).to_numpy()
    counts["duplicate"] = int(repeated.sum())
    candidates = candidates[~repeated]
    unknown = candidates["chrom"].isin(genome.check_chromosomes(candidates["chrom"], sizes, source)).to_numpy()
    counts["unknown_chromosome"] = int(unknown.sum())
    candidates = candidates[~unknown]
    off_end = ((candidates["start"] < 0) | (candidates["end"] > candidates["chrom"].map(sizes))).to_numpy()
    counts["off_chromosome"] = int(off_end.sum())
    candidates = candidates[~off_end]
    sequences = [fasta[c][s:e] for c, s, e in candidates[BED].itertuples(index=False)]
    clean = np.array([set(seq) <= ACGT for seq in sequences], dtype=bool)
    counts["contains_N"] = int((~clean).sum())
    kept = candidates[clean].assign(sequence=[s for s, ok in zip(sequences, clean) if ok])
    return kept.reset_index(drop=True), counts


def balance(
    positives: pd.DataFrame, negatives: pd.DataFrame, rng: np.random.Generator, max_per_class: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Down-sample both classes (without replacement, genomic order kept) to the smaller class's size."""
    n = min(len(positives), len(negatives), max_per_class or len(positives))
    if n == 0:
        raise DatasetError(f"no usable windows left: {len(positives)} positive, {len(negatives)} negative")

    def sample(table):
        return table.iloc[np.sort(rng.choice(len(table), n, replace=False))].reset_index(drop=True)

    return sample(positives), sample(negatives)


def build(
    peaks: str | os.PathLike,
    negatives: str | os.PathLike,
    fasta: str | os.PathLike,
    length: int = DEFAULTS["length"],
    split: Sequence[float] = tuple(DEFAULTS["split"]),
    seed: int = DEFAULTS["seed"],
    max_per_class: int | None = DEFAULTS["max_per_class"],
) -> ChipDataset:
    """The balanced, split dataset of one TF (see the module docstring for every step)."""
    require_bedtools()
    rng = np.random.default_rng(seed)
    chip, dnase = read_peaks(peaks), read_peaks(negatives)
    try:
        positive_windows = windows(chip, length)
        pool = dnase[not_overlapping(dnase, chip)]
        negative_windows = windows(pool, length)
        clear = not_overlapping(negative_windows, pd.concat([chip[BED], positive_windows]))
    finally:
        pybedtools.cleanup()
    with genome.load(fasta) as sequences:
        positives, positive_counts = usable(positive_windows, sequences, str(peaks))
        negatives_kept, negative_counts = usable(negative_windows[clear], sequences, str(negatives))
    counts = {
        "positive": {"peaks": len(chip), **positive_counts},
        "negative": {"peaks": len(dnase), "overlap_chip_peak": len(dnase) - len(pool),
                     "window_overlaps_positive": int((~clear).sum()), **negative_counts},
    }
    balanced = balance(positives, negatives_kept, rng, max_per_class)
    for table, (label, before) in zip(balanced, (("positive", positives), ("negative", negatives_kept))):
        counts[label].update(downsampled=len(before) - len(table), kept=len(table))
    for label, table in counts.items():
        log.info("%s windows: %s", label, table)
    return _split(*balanced, split, rng, length, counts)


def _split(positives, negatives, fractions, rng, length, counts) -> ChipDataset:
    """Label, shuffle and cut the windows into splits; keep the windows in file order."""
    pool = pd.concat([positives.assign(label=1), negatives.assign(label=0)], ignore_index=True)
    splits, ordered = {}, []
    for name, index in zip(SPLITS, split_indices(len(pool), fractions, rng)):
        part = pool.iloc[index].assign(split=name)
        x = one_hot(list(part["sequence"])) if len(part) else np.zeros((0, length, 4), np.float32)
        splits[name] = {"x": x, "y": part["label"].to_numpy(np.float32)[:, None]}
        ordered.append(part)
    table = pd.concat(ordered, ignore_index=True)[[*BED, "label", "split", "sequence"]]
    return ChipDataset(splits=splits, windows=table, counts=counts)


def make_dataset(
    peaks: str | os.PathLike,
    negatives: str | os.PathLike,
    fasta: str | os.PathLike,
    lock,
    target: str,
    options: Mapping,
    out: str | os.PathLike,
) -> ChipDataset:
    """Check the downloads against the lock table(s), build the dataset and write it with its provenance.

    ``lock`` is one lock table or a list of them (the workflow's: one per target, the DNase pool's
    and the TF's). ``options`` is the config's dataset entry: ``length``, ``split``, ``seed``,
    ``max_per_class`` (missing ones take the schema's defaults).
    """
    table = encode.read_locks(lock)
    entries = {"peaks": encode.lock_entry(table, target), "negatives": encode.lock_entry(table, encode.NEGATIVES)}
    if entries["peaks"]["assembly"] != entries["negatives"]["assembly"]:
        raise DatasetError(f"{target}: peaks {entries['peaks']['accession']} are {entries['peaks']['assembly']} but the "
                           f"DNase pool {entries['negatives']['accession']} is {entries['negatives']['assembly']}")
    for role, path in (("peaks", peaks), ("negatives", negatives)):
        if md5sum(path) != entries[role]["md5sum"]:
            raise DatasetError(f"{path}: md5 differs from {entries[role]['accession']} in {lock}; download it again")
    settings = {key: options.get(key, DEFAULTS[key]) for key in ("length", "split", "seed", "max_per_class")}
    settings["split"] = list(settings["split"])
    dataset = build(peaks, negatives, fasta, **settings)
    attrs = {
        "source": "ENCODE",
        "target": target,
        "assembly": entries["peaks"]["assembly"],
        "accessions": {role: e["accession"] for role, e in entries.items()},
        "md5": {role: e["md5sum"] for role, e in entries.items()},
        "output_type": entries["peaks"]["output_type"],
        "experiment": entries["peaks"]["experiment"],
        "biological_replicates": entries["peaks"]["biological_replicates"],
        "urls": {role: e["url"] for role, e in entries.items()},
        "counts": dataset.counts,
        **settings,
    }
    write_dataset(out, dataset.splits, attrs)
    return dataset
