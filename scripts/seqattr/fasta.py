"""A dataset from a FASTA file and a labels table (config ``kind: fasta``).

The FASTA file holds equal-length sequences, each named by the first word of its header; the
labels table (TSV with a header) has the IDs in its first column and one column per task. Every
problem — duplicate IDs, an ID on one side only, an empty label, a letter outside IUPAC, a
sequence of another length, a binary label other than 0/1 — is one line naming the file and
the first offending ID. IUPAC ambiguity codes (N, R, Y, …) become all-zero columns and are
counted in the dataset's attributes.
"""

from __future__ import annotations

import gzip
import os

import numpy as np
import pandas as pd

from seqattr.data import SPLITS, DatasetError, one_hot, split_indices

IUPAC = set("ACGTRYSWKMBDHVN")


GZIP_MAGIC = b"\x1f\x8b"  # gzip and bgzip (a series of gzip members) alike


def _open_text(path: str | os.PathLike):
    """``path`` as text, decompressed when it is gzip or bgzip (``.fa.gz``), whatever its name."""
    with open(path, "rb") as handle:
        compressed = handle.read(2) == GZIP_MAGIC
    return gzip.open(path, "rt", encoding="utf-8") if compressed else open(path, encoding="utf-8")


def read_fasta(path: str | os.PathLike) -> dict[str, str]:
    """ID → upper-case sequence, in file order; duplicate IDs and text before a header are errors.
    A gzip or bgzip file is read decompressed; any other binary file is refused by name."""
    try:
        return _read_records(path)
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as error:
        raise DatasetError(f"{path}: not a FASTA text file, plain or gzip/bgzip-compressed ({error})") from None


def _read_records(path: str | os.PathLike) -> dict[str, str]:
    records: dict[str, list[str]] = {}
    current = None
    with _open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(">"):
                current = line[1:].split()[0] if line[1:].split() else ""
                if not current:
                    raise DatasetError(f"{path}: line {number}: a header without an ID")
                if current in records:
                    raise DatasetError(f"{path}: duplicate ID '{current}' (line {number})")
                records[current] = []
            elif current is None:
                raise DatasetError(f"{path}: line {number}: sequence before the first '>' header")
            else:
                records[current].append(line.upper())
    if not records:
        raise DatasetError(f"{path}: no FASTA records")
    return {name: "".join(parts) for name, parts in records.items()}


def check_sequences(path, sequences: dict[str, str]) -> None:
    """Every sequence non-empty, of one length, and written in IUPAC letters."""
    length = len(next(iter(sequences.values())))
    for name, sequence in sequences.items():
        if not sequence or len(sequence) != length:
            raise DatasetError(
                f"{path}: sequence '{name}' has length {len(sequence)}, the first has {length}; "
                "all sequences must have one length"
            )
        bad = set(sequence) - IUPAC
        if bad:
            position = min(sequence.index(c) for c in bad)
            raise DatasetError(
                f"{path}: sequence '{name}' has '{sequence[position]}' at position {position + 1}, "
                "not an IUPAC nucleotide letter"
            )


def read_labels(path: str | os.PathLike, task: str) -> pd.DataFrame:
    """The labels table indexed by ID, one float column per task; duplicates, gaps, non-0/1 binary labels fail."""
    try:
        table = pd.read_csv(path, sep="\t", dtype={0: str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DatasetError(f"{path}: not a readable TSV labels table ({error})") from error
    if table.shape[1] < 2:
        raise DatasetError(f"{path}: needs an ID column and at least one label column, has {list(table.columns)}")
    table = table.set_index(table.columns[0])
    duplicated = table.index[table.index.duplicated()]
    if len(duplicated):
        raise DatasetError(f"{path}: duplicate ID '{duplicated[0]}'")
    values = table.apply(pd.to_numeric, errors="coerce")
    missing = values.isna().to_numpy()
    if missing.any():
        row, column = np.argwhere(missing)[0]
        raise DatasetError(f"{path}: ID '{table.index[row]}' has no numeric label in column '{table.columns[column]}'")
    if task == "binary" and not values.isin([0, 1]).to_numpy().all():
        row, column = np.argwhere(~values.isin([0, 1]).to_numpy())[0]
        raise DatasetError(
            f"{path}: binary task, but ID '{table.index[row]}' has label "
            f"{values.iat[row, column]} in column '{table.columns[column]}' (0 or 1 expected)"
        )
    return values.astype(np.float32)


def match_ids(fasta_path, labels_path, sequences: dict[str, str], labels: pd.DataFrame) -> None:
    """The FASTA file and the labels table name the same sequences."""
    unlabelled = [name for name in sequences if name not in labels.index]
    if unlabelled:
        raise DatasetError(
            f"{fasta_path}: {len(unlabelled)} sequence(s) have no row in {labels_path}, e.g. '{unlabelled[0]}'"
        )
    orphans = [name for name in labels.index if name not in sequences]
    if orphans:
        raise DatasetError(f"{labels_path}: {len(orphans)} ID(s) have no sequence in {fasta_path}, e.g. '{orphans[0]}'")


def build(spec: dict) -> tuple[dict, dict]:
    """``({split: {"x", "y"}}, attrs)`` of a ``kind: fasta`` config entry (``fasta``, ``labels``, ``task``,
    ``split``, ``seed``); sequences keep the FASTA file's order before the seeded split."""
    sequences = read_fasta(spec["fasta"])
    check_sequences(spec["fasta"], sequences)
    labels = read_labels(spec["labels"], spec["task"])
    match_ids(spec["fasta"], spec["labels"], sequences, labels)
    names = list(sequences)
    x = one_hot([sequences[name] for name in names])
    y = labels.loc[names].to_numpy(np.float32)
    ambiguous = x.sum(-1) == 0
    rng = np.random.default_rng(spec["seed"])
    splits = {
        split: {"x": x[index], "y": y[index]} for split, index in zip(SPLITS, split_indices(len(x), spec["split"], rng))
    }
    attrs = {
        "source": "fasta",
        "task": spec["task"],
        "fasta": str(spec["fasta"]),
        "labels": str(spec["labels"]),
        "task_names": list(labels.columns),
        "length": int(x.shape[1]),
        "n_sequences": len(names),
        "non_acgt_positions": int(ambiguous.sum()),
        "non_acgt_sequences": int(ambiguous.any(1).sum()),
        "split": list(spec["split"]),
        "seed": spec["seed"],
    }
    return splits, attrs
