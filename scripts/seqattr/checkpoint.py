"""Training checkpoints that know which run they belong to, and that one process holds at a time.

A checkpoint is one ``.npz`` (variables, best weights, counters) written atomically after every
epoch. It stores a fingerprint of everything the trained weights depend on: each layer's class
and options, the parameter count, the task, the regime, the seed, the training settings that
change the trajectory, and a content hash of the training and validation arrays read. A job
resumes a checkpoint only when the fingerprints are equal and the checkpoint has not run past
the configured epochs; any other checkpoint is set aside (renamed, one log line) and training
starts afresh, so a resumed model always equals the one training from scratch would give.

The directory's lock file is held with an exclusive ``flock`` while a job trains into it: a
second job on the same checkpoint (an orphan of a killed Snakemake master is still writing it)
stops with a message instead of resuming from a file another process is changing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from seqattr.data import atomic_write

CHECKPOINT = "checkpoint.npz"
SET_ASIDE = "checkpoint.set-aside.npz"
LOCK = "lock"


class CheckpointInUseError(RuntimeError):
    """Another process holds the checkpoint directory's lock."""


def architecture(model) -> list:
    """Each layer's class and config without its name (Keras numbers default names per process, so two
    builds of one spec differ only there): the options the weights depend on."""
    return [
        [type(layer).__name__, {k: v for k, v in layer.get_config().items() if k != "name"}] for layer in model.layers
    ]


def data_digest(data: dict) -> str:
    """sha256 of the training and validation arrays as float32, with their shapes: the data a training
    trajectory reads (the test split only scores the result)."""
    digest = hashlib.sha256()
    for split in ("train", "valid"):
        for key in ("x", "y"):
            array = np.ascontiguousarray(data[split][key], dtype=np.float32)
            digest.update(repr(array.shape).encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def fingerprint(**parts) -> dict:
    """``parts`` as plain JSON values (as a stored checkpoint returns them), for comparison."""
    return json.loads(json.dumps(parts, sort_keys=True, default=str))


@contextmanager
def exclusive(directory, label: str) -> Iterator[None]:
    """Hold ``directory``'s lock file for the block; CheckpointInUseError when another process holds it."""
    path = Path(directory) / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise CheckpointInUseError(
            f"{label}: another process ({holder}) is training into {directory}; wait for it to end or stop it, "
            "then rerun (after a killed Snakemake master its training jobs may still be running)"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"host {socket.gethostname()}, pid {os.getpid()}")
    handle.flush()
    try:
        yield
    finally:
        handle.close()


class Checkpoint:
    """One run's checkpoint: ``groups`` of variables to restore, the run's fingerprint and epoch budget."""

    def __init__(self, directory, groups: dict[str, list], fingerprint: dict, epochs: int):
        self.path = Path(directory) / CHECKPOINT
        self.groups = groups
        self.fingerprint = fingerprint
        self.epochs = epochs

    def save(self, state: dict, best_weights: list[np.ndarray]) -> None:
        arrays = {f"{g}_{i:05d}": np.asarray(v.numpy()) for g, vs in self.groups.items() for i, v in enumerate(vs)}
        arrays.update({f"best_{i:05d}": w for i, w in enumerate(best_weights)})
        arrays["state"] = np.array(json.dumps({**state, "fingerprint": self.fingerprint}))
        with atomic_write(self.path) as partial, open(partial, "wb") as handle:
            np.savez(handle, **arrays)

    def load(self, log: logging.Logger) -> tuple[dict, list[np.ndarray]] | None:
        """Restore the variables and return (state, best weights); None when there is no checkpoint of this
        run (one of another run is set aside)."""
        if not self.path.exists():
            return None
        try:
            stored = dict(np.load(self.path))
            state = json.loads(str(stored.pop("state")))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            return self._set_aside(log, f"unreadable: {error}")
        if why := self._mismatch(state, stored):
            return self._set_aside(log, why)
        for group, variables in self.groups.items():
            for i, variable in enumerate(variables):
                variable.assign(stored[f"{group}_{i:05d}"])
        return state, [stored[k] for k in sorted(k for k in stored if k.startswith("best_"))]

    def _mismatch(self, state: dict, stored: dict) -> str | None:
        """Why the stored checkpoint is not one this run may resume, or None."""
        theirs = state.get("fingerprint")
        if not isinstance(theirs, dict):
            return "written by an older version that did not record what it belongs to"
        differing = sorted(k for k in set(theirs) | set(self.fingerprint) if theirs.get(k) != self.fingerprint.get(k))
        if differing:
            return f"it belongs to another run: its {', '.join(differing)} differ"
        if state["epoch"] > self.epochs:
            return f"it ran {state['epoch']} epochs, more than the {self.epochs} configured"
        counts = {g: sum(k.startswith(f"{g}_") for k in stored) for g in self.groups}
        if any(counts[g] != len(v) for g, v in self.groups.items()):
            return "its variables do not match the model, optimizer or regime"
        return None

    def _set_aside(self, log: logging.Logger, why: str) -> None:
        aside = self.path.with_name(SET_ASIDE)
        os.replace(self.path, aside)
        log.warning("set aside checkpoint %s as %s (%s); training from scratch", self.path, aside.name, why)
        return None
