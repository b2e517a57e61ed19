"""Dataset kinds, one module each: where a kind's HDF5 file lives, which rule makes it, how many
outputs its labels have, whether it carries ground truth, which motifs its patterns are named
against, and the checks its config entry needs beyond the schema.

``config.py`` and the rules ask this registry instead of testing ``kind ==``. Adding a kind is one
module in this package (a ``DatasetKind`` subclass under ``@register("name")``) plus its schema
entry (``$defs/<name>_dataset`` and the ``kind`` enum); ``tests/test_config.py`` checks that the
schema's kinds are the registry's.
"""

from __future__ import annotations

import importlib
import pkgutil

KINDS: dict[str, "DatasetKind"] = {}
MADE_HERE = "results/data"  # the HDF5 files the workflow makes
DOWNLOADS = "resources/downloads"  # files fetched by URL, relative to the working directory


def register(name: str):
    """Add a kind under ``name`` (the config's ``datasets.<name>.kind``)."""

    def add(cls):
        cls.name = name
        KINDS[name] = cls()
        return cls

    return add


class DatasetKind:
    """What the workflow needs to know about one kind of dataset; the defaults fit a user's HDF5 data."""

    name = ""
    build_rule: str | None = None  # the rule that makes the HDF5 file; None: the user's own file
    user_data = False  # the user's data, checked once by rule check_dataset before anything reads it

    def path(self, name: str, spec: dict) -> str:
        """The dataset's HDF5 file."""
        return f"{MADE_HERE}/{name}.h5"

    def task_count(self, spec: dict) -> int | None:
        """How many outputs the labels have, where known before the file is read."""
        return None

    def user_files(self, spec: dict) -> list[str]:
        """The user's files the dataset is read from as they are (their content decides reruns)."""
        return []

    def has_ground_truth(self, spec: dict) -> bool:
        """Whether the file holds the sequence model (the ground truth of the maps)."""
        return "model_test" in spec.get("keys", {})  # an HDF5 file names it among its keys

    def motif_release(self, config: dict, spec: dict) -> str:
        """The JASPAR release the patterns of this dataset are named from."""
        return config["motifs"]["jaspar_release"]

    def targets(self, spec: dict) -> list[str]:
        """The TFs whose motif this dataset's patterns are expected to find, by default."""
        return []

    def core_motifs(self, spec: dict, task: int) -> list[str]:
        """The planted motifs that drive output ``task`` (synthetic data)."""
        return []

    def can_ablate_motifs(self, spec: dict) -> bool:
        """Whether its outputs can be told apart by removing planted motifs (seqattr.motif_ablation)."""
        return False

    def check(self, config: dict, name: str, spec: dict) -> str | None:
        """A problem the schema cannot express, as a config error line, or None."""
        return None


def of(spec: dict) -> DatasetKind:
    """The kind of a config dataset entry."""
    return KINDS[spec["kind"]]


def built_by(config: dict, rule: str) -> list[str]:
    """The config's datasets whose file ``rule`` makes."""
    return [name for name, spec in config["datasets"].items() if of(spec).build_rule == rule]


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
