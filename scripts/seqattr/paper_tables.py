"""A paper's table beside this run's numbers (papers 000, 002, 003; files in resources/papers).

A reference table transcribes one table of a paper. Each row names the ``model`` and ``regime`` that
this workflow's paper config gives it (empty where the workflow cannot run that row) and, when the
table spans several, the ``dataset`` and attribution ``method``. The paper's numbers sit under our
metric column names, its ± under ``<metric>_sd``. ``paper_row``, ``n_seeds_paper``, ``sd_over`` and
``note`` describe the row and are carried into the comparison; any other column (``paper_column``,
or a metric that we do not compute) is not compared.

``compare`` puts our mean ± SD over seeds of the same model and regime (and dataset / method) beside
every paper number that has a column of ours. Our numbers come from the raw maps (``corrected ==
"raw"``), as the papers report uncorrected maps; the KLDs are computed on corrected maps by
definition and are the same on both rows. A performance filter (config
``paper_tables_min_test_auroc``; paper 002's Table 1 averages only trials with test AUROC ≥ 0.97)
keeps only the seeds whose test classification AUROC reaches the threshold; ``n_seeds`` counts the
seeds behind our numbers, ``n_seeds_run`` all seeds we ran.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from seqattr.selection import KLDS, LABELS, require_columns

KEYS = ["dataset", "model", "regime", "method"]
DESCRIPTIVE = ["paper_row", "n_seeds_paper", "sd_over", "note"]
_NOT_METRICS = set(KEYS + DESCRIPTIVE) | {"seed", "corrected"}

log = logging.getLogger("seqattr")


def read_tsv(path: str | os.PathLike, required: list[str]) -> pd.DataFrame:
    """A TSV table with its key columns read as text; a missing required column names the file."""
    table = pd.read_csv(path, sep="\t", dtype={key: str for key in KEYS})
    require_columns(table, required, str(path))
    return table


def with_klds(metrics: pd.DataFrame, selection: pd.DataFrame) -> pd.DataFrame:
    """The metrics table with the selection table's consistency KLDs of each run and method."""
    require_columns(metrics, LABELS, "metrics table")
    require_columns(selection, LABELS + list(KLDS), "selection table")
    klds = _text_keys(selection[LABELS + list(KLDS)], KEYS).drop_duplicates(LABELS)
    return _text_keys(metrics, KEYS).merge(klds, on=LABELS, how="left")


def _text_keys(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Key columns as text, missing values as "" (so "1" and 1, or an empty cell, match alike)."""
    return table.assign(**{k: table[k].map(lambda v: "" if pd.isna(v) else str(v)) for k in keys})


def _summary(
    ours: pd.DataFrame, keys: list[str], metrics: list[str], method: str | None, min_auroc: float | None
) -> pd.DataFrame:
    """Our mean, SD and number of seeds per key, from per-seed means of the raw rows of the seeds that pass."""
    rows = ours[ours["corrected"] == "raw"]
    if method is not None and "method" not in keys:
        rows = rows[rows["method"] == method]
    columns = metrics if min_auroc is None else list(dict.fromkeys(metrics + ["classification_auroc"]))
    per_seed = rows.groupby(keys + ["seed"])[columns].mean()
    n_run = per_seed.groupby(level=keys).size().rename("n_seeds_run")
    if min_auroc is not None:
        per_seed = per_seed[per_seed["classification_auroc"] >= min_auroc]
    grouped = per_seed[metrics].groupby(level=keys)
    summary = grouped.mean().add_suffix("_ours").join(grouped.std(ddof=1).add_suffix("_ours_sd"))
    summary["n_seeds"] = grouped.size()
    return pd.DataFrame(n_run).join(summary).reset_index()


def _warn_if_empty(table: pd.DataFrame, keys: list[str], min_auroc: float | None) -> None:
    """A warning for every paper row without numbers of ours: no runs, or no run passed the filter."""
    for _, row in table[table["n_seeds"] == 0].iterrows():
        label = ", ".join(f"{k}={row[k]!r}" for k in keys)
        if row["n_seeds_run"]:
            why = f"none of {row['n_seeds_run']} seeds has test AUROC ≥ {min_auroc:g}"
        else:
            why = "no runs of ours"
        log.warning("paper row %s (%s): %s, so its numbers stay empty", row.get("paper_row", "?"), label, why)


def compare(
    reference: pd.DataFrame, ours: pd.DataFrame, method: str | None = None, *, min_auroc: float | None
) -> pd.DataFrame:
    """Per reference row: the paper's value and SD and ours, for each metric both tables have.

    Rows match on model and regime, plus dataset and method where the reference has those columns.
    ``method`` picks our attribution method for a reference without a ``method`` column (None pools
    all methods). ``min_auroc`` keeps only seeds whose ``classification_auroc`` is at least that
    (None keeps all). Columns: the keys, the descriptive columns, then per metric ``<m>_paper``,
    ``<m>_paper_sd``, ``<m>_ours``, ``<m>_ours_sd``, then ``n_seeds`` (behind our numbers; 0 where
    none) and ``n_seeds_run`` (every seed we ran).
    """
    require_columns(reference, ["model", "regime"], "reference table")
    keys = [k for k in KEYS if k in reference]
    require_columns(
        ours,
        keys
        + ["seed", "corrected"]
        + (["method"] if method is not None else [])
        + (["classification_auroc"] if min_auroc is not None else []),
        "our table",
    )
    metrics = [c for c in reference if c in ours and c not in _NOT_METRICS]
    descriptive = [c for c in DESCRIPTIVE if c in reference]
    ignored = [c for c in reference if c not in keys + descriptive + metrics + [f"{m}_sd" for m in metrics]]
    if ignored:
        log.info("reference columns not compared (no column of ours): %s", ignored)
    if not metrics:
        log.warning("the reference shares no metric column with our table")

    reference = _text_keys(reference.reset_index(drop=True), keys)
    paper = reference[keys + descriptive].copy()
    for m in metrics:
        paper[f"{m}_paper"] = reference[m]
        paper[f"{m}_paper_sd"] = reference[f"{m}_sd"] if f"{m}_sd" in reference else np.nan
    summary = _text_keys(_summary(ours, keys, metrics, method, min_auroc), keys)
    table = paper.merge(summary, on=keys, how="left", validate="many_to_one")
    for count in ("n_seeds", "n_seeds_run"):
        table[count] = table[count].fillna(0).astype(int)
    _warn_if_empty(table, keys, min_auroc)
    columns = keys + descriptive
    for m in metrics:
        columns += [f"{m}_paper", f"{m}_paper_sd", f"{m}_ours", f"{m}_ours_sd"]
    return table[columns + ["n_seeds", "n_seeds_run"]]
