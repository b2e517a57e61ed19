"""ChIP-seq peaks → a balanced binary dataset of fixed-length windows (paper 004, "ChIP-seq data").

Positives: a window of ``length`` nt centred on each ChIP peak's summit (narrowPeak column 10,
an offset from the start; the midpoint when it is absent or -1). Negatives: DNase peaks that
overlap no ChIP peak (``bedtools intersect -v``, as in the paper), centred the same way; their
windows must in addition share no base with a ChIP peak or a positive window, so no sequence
is in both classes. Windows that repeat, lie on a chromosome the FASTA lacks, run off a
chromosome end, or contain N (or any letter other than A, C, G, T) are dropped and counted;
dropping more than ``max_dropped_fraction`` of a class's windows so is an error (a genome that
lacks chromosomes of the peaks, say), not a smaller dataset. The larger class is then
down-sampled (seeded) to exactly the size of the smaller one, and the windows are split at
random with ``seqattr.data.split_indices``.
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
DEFAULTS = schema.defaults("chipseq_dataset")  # length, split, seed, max_per_class, ... (the config schema's)
UNUSABLE = ("duplicate", "unknown_chromosome", "off_chromosome", "contains_N")  # the drops of ``usable``
EXCLUDED = ("overlap_chip_peak", "window_overlaps_positive")  # negatives left out by design, not dropped


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
    """``length``-nt windows centred on each peak's centre (half-open BED coordinates).

    The centre is the window's position ``length // 2`` (0-based): as many bases on each side for an
    odd length (124 for 249 nt), one more on the 5' side than on the 3' side for an even one (100 and 99).
    """
    if int(length) != length or length < 1:
        raise DatasetError(f"window length must be a positive whole number of nt, got {length!r}")
    length = int(length)
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
    missing = genome.check_chromosomes(candidates["chrom"], sizes, source)
    unknown = candidates["chrom"].isin(missing).to_numpy()
    counts["unknown_chromosome"] = int(unknown.sum())
    if missing:
        log.warning("%s: %d windows on chromosomes the genome lacks: %s", source, unknown.sum(), sorted(missing))
    candidates = candidates[~unknown]
    off_end = ((candidates["start"] < 0) | (candidates["end"] > candidates["chrom"].map(sizes))).to_numpy()
    counts["off_chromosome"] = int(off_end.sum())
    candidates = candidates[~off_end]
    sequences = [fasta[c][s:e] for c, s, e in candidates[BED].itertuples(index=False)]
    clean = np.array([set(seq) <= ACGT for seq in sequences], dtype=bool)
    counts["contains_N"] = int((~clean).sum())
    kept = candidates[clean].assign(sequence=[s for s, ok in zip(sequences, clean) if ok])
    return kept.reset_index(drop=True), counts


def dropped(counts: Mapping[str, int]) -> tuple[int, int]:
    """(windows dropped as unusable, windows that could have been used) of one class; the
    negatives that overlap a ChIP peak or a positive window are left out by design, not dropped."""
    candidates = counts["peaks"] - sum(counts.get(k, 0) for k in EXCLUDED)
    return sum(counts[k] for k in UNUSABLE), candidates


def check_drops(counts: Mapping[str, int], source: str, max_dropped_fraction: float | None) -> None:
    """A DatasetError naming the reasons and counts when more than ``max_dropped_fraction`` was dropped."""
    lost, candidates = dropped(counts)
    if max_dropped_fraction is None or lost <= max_dropped_fraction * candidates:
        return
    reasons = ", ".join(f"{k} {counts[k]}" for k in UNUSABLE if counts[k])
    raise DatasetError(
        f"{source}: {lost} of {candidates} windows dropped ({lost / candidates:.0%}), more than "
        f"max_dropped_fraction {max_dropped_fraction:g}: {reasons}"
    )


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
    max_dropped_fraction: float | None = None,
) -> ChipDataset:
    """The balanced, split dataset of one TF (see the module docstring for every step); no drop limit when
    ``max_dropped_fraction`` is None (the workflow passes the config's, whose default is in the schema)."""
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
        "negative": {
            "peaks": len(dnase),
            "overlap_chip_peak": len(dnase) - len(pool),
            "window_overlaps_positive": int((~clear).sum()),
            **negative_counts,
        },
    }
    check_drops(counts["positive"], str(peaks), max_dropped_fraction)
    check_drops(counts["negative"], str(negatives), max_dropped_fraction)
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


def counts_table(counts_by_dataset: Mapping[str, Mapping[str, Mapping[str, int]]]) -> pd.DataFrame:
    """One row per dataset and class: the counts of ``ChipDataset.counts`` and the fraction dropped as unusable."""
    rows = []
    for dataset, classes in counts_by_dataset.items():
        for label, counts in classes.items():
            lost, candidates = dropped(counts)
            rows.append(
                {
                    "dataset": dataset,
                    "class": label,
                    **dict.fromkeys(EXCLUDED, 0),
                    **counts,
                    "dropped_fraction": lost / candidates if candidates else 0.0,
                }
            )
    columns = ["dataset", "class", "peaks", *EXCLUDED, *UNUSABLE, "downsampled", "kept", "dropped_fraction"]
    return pd.DataFrame(rows, columns=columns)


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
    ``max_per_class`` (missing ones take the schema's defaults) and ``max_dropped_fraction``
    (missing: no limit).
    """
    table = encode.read_locks(lock)
    entries = {"peaks": encode.lock_entry(table, target), "negatives": encode.lock_entry(table, encode.NEGATIVES)}
    if entries["peaks"]["assembly"] != entries["negatives"]["assembly"]:
        raise DatasetError(
            f"{target}: peaks {entries['peaks']['accession']} are {entries['peaks']['assembly']} but the "
            f"DNase pool {entries['negatives']['accession']} is {entries['negatives']['assembly']}"
        )
    for role, path in (("peaks", peaks), ("negatives", negatives)):
        if md5sum(path) != entries[role]["md5sum"]:
            raise DatasetError(f"{path}: md5 differs from {entries[role]['accession']} in {lock}; download it again")
    settings = {key: options.get(key, DEFAULTS[key]) for key in ("length", "split", "seed", "max_per_class")}
    settings["split"] = list(settings["split"])
    settings["max_dropped_fraction"] = options.get("max_dropped_fraction")
    dataset = build(peaks, negatives, fasta, **settings)
    attrs = {
        "source": "ENCODE",
        "task": "binary",
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
