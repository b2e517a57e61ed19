"""One-hot DNA and the HDF5 dataset format shared by every stage.

A dataset file holds ``x_{split}`` (N, L, 4) float32 one-hot sequences, ``y_{split}`` (N, T)
labels and, for synthetic data, ``model_{split}`` (N, L, 4) ground-truth per-position
probabilities, for split in train / valid / test. Provenance lives in the file's attributes.
A user's own file is checked (``check_dataset``) before anything trains on it.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import h5py
import numpy as np

ALPHABET = "ACGT"
SPLITS = ("train", "valid", "test")
_INDEX = {base: i for i, base in enumerate(ALPHABET)}


class DatasetError(ValueError):
    """A dataset file is missing, unreadable or does not have the expected content."""


def one_hot(sequences: Sequence[str]) -> np.ndarray:
    """Encode equal-length DNA strings as (N, L, 4) float32 in A, C, G, T order.

    Lower case is accepted. N (or any other letter) becomes an all-zero column, so it
    contributes nothing to a grad × input score.
    """
    if not sequences:
        return np.zeros((0, 0, 4), dtype=np.float32)
    length = len(sequences[0])
    if any(len(s) != length for s in sequences):
        raise ValueError("one_hot needs sequences of equal length")
    codes = np.frombuffer("".join(sequences).upper().encode("ascii"), dtype=np.uint8)
    lookup = np.full(256, 4, dtype=np.int64)
    for base, i in _INDEX.items():
        lookup[ord(base)] = i
    index = lookup[codes].reshape(len(sequences), length)
    table = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), dtype=np.float32)])
    return table[index]


def decode(x: np.ndarray) -> list[str]:
    """Turn (N, L, 4) one-hot arrays back into strings; all-zero columns become N."""
    letters = np.array(list(ALPHABET + "N"))
    index = np.where(x.sum(-1) > 0, x.argmax(-1), 4)
    return ["".join(row) for row in letters[index]]


def to_channels_last(array: np.ndarray) -> np.ndarray:
    """Return (N, L, 4) from either (N, L, 4) or the lab's (N, 4, L) layout."""
    if array.ndim != 3:
        raise DatasetError(f"expected a 3-D sequence array, got shape {array.shape}")
    if array.shape[-1] == 4:
        return array
    if array.shape[1] == 4:
        return np.transpose(array, (0, 2, 1))
    raise DatasetError(f"no axis of length 4 (A, C, G, T) at the end or in the middle: {array.shape}")


def atomic_path(path: str | os.PathLike, keep_suffix: bool = False) -> Path:
    """A temporary sibling of ``path``, unique to this process (``.<name>.<pid>.partial``, which the
    integrity scan leaves alone). ``keep_suffix`` ends it in ``path``'s suffix, for writers that take
    the format from the name (matplotlib, Keras)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.{os.getpid()}.partial{path.suffix if keep_suffix else ''}")


@contextmanager
def atomic_write(path: str | os.PathLike, keep_suffix: bool = False) -> Iterator[Path]:
    """Write ``path`` atomically: the block writes the yielded temporary sibling (``atomic_path``),
    which replaces ``path`` when the block ends and is removed when it raises — a reader sees the old
    file or the whole new one, and a failure leaves nothing behind."""
    partial = atomic_path(path, keep_suffix)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def file_stamp(path: str | os.PathLike) -> list[int]:
    """What changes whenever a file's bytes can have changed: size, inode, modification and change
    times (a write that restores the modification time still moves the change time)."""
    stat = Path(path).stat()
    return [stat.st_size, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns]


def read_cache(path: str | os.PathLike | None) -> dict:
    """A JSON cache written by ``write_json``; empty when absent or damaged (a cache only saves work)."""
    if path is None or not Path(path).exists():
        return {}
    try:
        return json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}


CHECKSUM = "sha256"  # attribute of each numeric dataset write_h5 stores: the digest of its bytes


def array_digest(array: np.ndarray) -> str:
    """sha256 of an array's bytes in C order (what write_h5 records and the integrity scan compares)."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def write_h5(path: str | os.PathLike, arrays: Mapping[str, np.ndarray], attrs: Mapping | None = None) -> None:
    """Write arrays (gzip-compressed) and JSON-able attributes to HDF5, atomically; each numeric array
    carries the sha256 of its bytes (``CHECKSUM``), so damage that reads without error is found."""
    with atomic_write(path) as partial, h5py.File(partial, "w") as handle:
        for name, array in arrays.items():
            array = np.asarray(array)
            options = {"compression": "gzip", "compression_opts": 4} if array.size > 1024 else {}
            dataset = handle.create_dataset(name, data=array, **options)
            if array.dtype.kind in "biufc":
                dataset.attrs[CHECKSUM] = array_digest(array)
        for key, value in (attrs or {}).items():
            handle.attrs[key] = value if isinstance(value, (int, float, str)) else json.dumps(value)


def read_h5(path: str | os.PathLike, keys: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Read the named arrays (all when ``keys`` is None); a clear error when one is missing."""
    try:
        with h5py.File(path, "r") as handle:
            names = list(handle.keys()) if keys is None else list(keys)
            missing = [k for k in names if k not in handle]
            if missing:
                raise DatasetError(f"{path}: missing {missing}; it holds {sorted(handle.keys())}")
            return {k: handle[k][()] for k in names}
    except (OSError, KeyError) as error:
        raise DatasetError(f"{path}: not a readable HDF5 file ({error})") from error


def read_attrs(path: str | os.PathLike) -> dict:
    """The file's attributes, JSON strings decoded."""
    with h5py.File(path, "r") as handle:
        attrs = dict(handle.attrs)
    out = {}
    for key, value in attrs.items():
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        out[key] = value
    return out


def write_dataset(path, splits: Mapping[str, Mapping[str, np.ndarray]], attrs: Mapping | None = None) -> None:
    """Write ``{split: {"x": …, "y": …, ["model": …]}}`` as ``x_train``, ``y_train``, …

    ``x``, ``y`` and ``model`` are stored as float32; other per-sequence arrays as they are.
    """
    arrays = {}
    for split, parts in splits.items():
        for name, array in parts.items():
            floats = name in ("x", "y", "model")
            arrays[f"{name}_{split}"] = np.asarray(array, dtype=np.float32) if floats else np.asarray(array)
    write_h5(path, arrays, attrs)


def stored_key(name: str, split: str, key_map: Mapping[str, str] | None = None) -> str:
    """The key under which a file stores our ``{name}_{split}`` (``key_map`` renames a user's keys)."""
    return (key_map or {}).get(f"{name}_{split}", f"{name}_{split}")


def read_split(path, split: str = "test", key_map: Mapping[str, str] | None = None) -> dict[str, np.ndarray]:
    """Read one split as ``{"x", "y"[, "model", "motif_index"]}`` in (N, L, 4) layout.

    ``key_map`` renames stored keys for user files, e.g. ``{"x_test": "X_test"}``. The
    ground-truth ``model`` array, and the generator's ``motif_index`` (which core motif covers each
    position), are returned only when the file has them.
    """
    wanted = {name: stored_key(name, split, key_map) for name in ("x", "y", "model", "motif_index")}
    try:
        with h5py.File(path, "r") as handle:
            present = set(handle.keys())
    except OSError as error:
        raise DatasetError(f"{path}: not a readable HDF5 file ({error})") from error
    for required in ("x", "y"):
        if wanted[required] not in present:
            raise DatasetError(f"{path}: no '{wanted[required]}' array; it holds {sorted(present)}")
    keys = [stored for stored in wanted.values() if stored in present]
    arrays = read_h5(path, keys)
    out = {name: arrays[stored] for name, stored in wanted.items() if stored in arrays}
    for name in ("x", "model"):
        if name in out:
            try:
                out[name] = to_channels_last(out[name]).astype(np.float32)
            except DatasetError as error:
                raise DatasetError(f"{path}: array '{wanted[name]}': {error}") from None
    y = np.asarray(out["y"], dtype=np.float32)
    out["y"] = y.reshape(len(y), int(np.prod(y.shape[1:])))  # (N,) → (N, 1), an empty split too
    if len(out["y"]) != len(out["x"]):
        raise DatasetError(f"{path}: {split} has {len(out['x'])} sequences but {len(out['y'])} labels")
    return out


def _first(bad: np.ndarray) -> int | None:
    """The first sequence (index on axis 0) with a True anywhere, or None."""
    rows = np.flatnonzero(bad.reshape(len(bad), -1).any(axis=1))
    return int(rows[0]) if len(rows) else None


def _split_problem(part: Mapping[str, np.ndarray], keys: Mapping[str, str], task_type: str) -> str | None:
    """What is wrong with one split's arrays (``keys``: their stored names) for labels of ``task_type``, or None."""
    x, y = part["x"], part["y"]
    if not len(x):
        return f"{keys['x']} is empty (no sequences)"
    for name in ("x", "y", "model"):
        if name in part and (i := _first(~np.isfinite(part[name]))) is not None:
            return f"{keys[name]} sequence {i} holds a non-finite value"
    if "model" in part and part["model"].shape != x.shape:
        return f"{keys['model']} has shape {part['model'].shape}, but the sequences {x.shape}"
    not_one_hot = ~(np.isin(x, (0, 1)).all(axis=2) & (x.sum(axis=2) <= 1))
    if (i := _first(not_one_hot)) is not None:
        position = int(np.flatnonzero(not_one_hot[i])[0])
        return (
            f"{keys['x']} sequence {i} position {position} is {x[i, position].tolist()}, "
            "neither one-hot (A, C, G, T) nor all zero (N)"
        )
    if task_type == "binary" and (i := _first(~np.isin(y, (0, 1)))) is not None:
        return f"{keys['y']} sequence {i} has labels {y[i].tolist()}; binary tasks take 0 or 1"
    return None


TRAINING_SPLITS = {
    "train": "a model would train without seeing it",
    "valid": "the validation score is undefined, so no epoch could be chosen",
}


def _training_label_problem(y: np.ndarray, key: str, split: str, task_type: str) -> str | None:
    """What makes one training or validation split's labels (N, T) unusable, or None: a binary task
    without a positive or a negative, a regression target without variation."""
    for task in range(y.shape[1]):
        labels = y[:, task]
        if task_type == "binary":
            for value, kind in ((1, "positive"), (0, "negative")):
                if not (labels == value).any():
                    return f"{key} has no {kind} of task {task} ({len(labels)} labels, none {value}): {TRAINING_SPLITS[split]}"
        elif np.ptp(labels) == 0:
            return (
                f"{key} task {task} has the same target ({labels[0]:g}) for all {len(labels)} sequences: "
                f"{TRAINING_SPLITS[split]}"
            )
    return None


def check_dataset(
    path,
    *,
    task_type: str,
    key_map: Mapping[str, str] | None = None,
    splits: Sequence[str] = SPLITS,
    tasks: Sequence[int] = (0,),
    positives: bool = False,
) -> dict:
    """Check a user's dataset before anything trains on or analyses it; return its sizes.

    Each of ``splits``: sequences present, one-hot (all-zero columns are N), finite values
    (labels and a ground-truth ``model`` array too, of the sequences' shape), labels 0 or 1 when
    ``task_type`` is binary; in the training and validation splits a positive and a negative of
    every binary task, and targets that vary for a regression;
    every split of one sequence length and one number of tasks; each of ``tasks`` (the attributed
    outputs) one of them and, when ``positives`` (attribution of a binary task's positives), a
    positive of it in the test split. Otherwise a one-line DatasetError names the file, the stored
    array and the first bad sequence.
    """
    labels, shapes = {}, {}
    for split in splits:
        part = read_split(path, split, key_map)
        keys = {name: stored_key(name, split, key_map) for name in ("x", "y", "model")}
        problem = _split_problem(part, keys, task_type)
        if problem is None and split in TRAINING_SPLITS:
            problem = _training_label_problem(part["y"], keys["y"], split, task_type)
        if problem:
            raise DatasetError(f"{path}: {problem}")
        labels[split], shapes[keys["x"]] = part["y"], (part["x"].shape[1], part["y"].shape[1])
    (first, (length, n_tasks)), *others = shapes.items()
    for key, shape in others:
        if shape != (length, n_tasks):
            raise DatasetError(
                f"{path}: {first} has {length} nt and {n_tasks} task(s) per sequence but {key} "
                f"{shape[0]} nt and {shape[1]}; every split needs the same"
            )
    y_test = stored_key("y", "test", key_map)
    if "test" in labels and max(tasks) >= n_tasks:
        raise DatasetError(
            f"{path}: attribution.tasks: task {max(tasks)} does not exist: {y_test} has {n_tasks} task(s)"
        )
    for task in tasks:
        if "test" in labels and positives and task_type == "binary" and not (labels["test"][:, task] == 1).any():
            raise DatasetError(
                f"{path}: {y_test} has no positive of task {task} to attribute (attribution.sequences: positives)"
            )
    sizes = {split: {"sequences": len(y), "positives": int((y == 1).any(axis=1).sum())} for split, y in labels.items()}
    return {"length": int(length), "tasks": int(n_tasks), "splits": sizes}


def split_indices(n: int, fractions: Sequence[float], rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffle ``range(n)`` and cut it into consecutive parts with the given fractions."""
    if abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(f"split fractions must sum to 1, got {list(fractions)}")
    order = rng.permutation(n)
    bounds = np.round(np.cumsum(fractions) * n).astype(int)
    return np.split(order, bounds[:-1])


def write_json(payload: Mapping, path: str | os.PathLike) -> None:
    """Write JSON (indented), atomically."""
    with atomic_write(path) as partial:
        partial.write_text(json.dumps(payload, indent=2))


def write_tsv(table, path: str | os.PathLike, **options) -> None:
    """Write a pandas table as TSV with a header, atomically."""
    with atomic_write(path) as partial:
        table.to_csv(partial, sep="\t", index=False, **options)
