"""Model selection by generalisation *and* attribution consistency (paper 002 §3–5).

Classification AUROC alone does not say whose attribution maps can be trusted; the consistency
KLDs track attribution SNR without needing ground truth. The selection table puts the three
side by side and ranks the models that compete on the same data and attribution method:

* ``rank_auroc``: rank of classification AUROC, 1 = highest;
* ``rank_kmer``, ``rank_kattr_mean``: rank of each KLD, 1 = highest (most consistent);
* ``rank_consistency`` = mean of the two KLD ranks;
* ``selection_score`` = mean of ``rank_auroc`` and ``rank_consistency`` (lower is better), so
  generalisation and consistency weigh equally;
* ``selection_rank``: rank of the score (1 = selected); ties go to the higher k-attr-mean KLD
  (the more sensitive statistic in paper 002), then to the higher AUROC.

Missing values (a model without metrics, a KLD that is nan) rank last. Ranks of equal values are
averaged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqattr import analysis

LABELS = list(analysis.LABELS)
KLDS = {"kmer_kld": "k-mer", "kattr_mean_kld": "k-attr-mean"}
METRIC_COLUMNS = ["classification_auroc", "classification_aupr", "snr"]
GROUP = ["dataset", "task", "method"]  # the models that compete: same data, output and method


def require_columns(table: pd.DataFrame, columns: list[str], source: str) -> None:
    missing = [c for c in columns if c not in table]
    if missing:
        raise ValueError(f"{source}: missing columns {missing}; it has {list(table.columns)}")


def merge(consistency: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per model and method: its KLDs next to its AUROC/AUPR and raw-map SNR."""
    require_columns(consistency, LABELS + list(KLDS), "consistency table")
    require_columns(metrics, LABELS + ["corrected", "classification_auroc"], "metrics table")
    raw = metrics[metrics["corrected"] == "raw"]
    raw = raw[LABELS + [c for c in METRIC_COLUMNS if c in raw]].drop_duplicates(LABELS)
    table = consistency.merge(raw, on=LABELS, how="left")
    for column in METRIC_COLUMNS:
        if column not in table:
            table[column] = np.nan
    return table


def rank(table: pd.DataFrame) -> pd.DataFrame:
    """Add the rank columns and the selection rank within each (dataset, task, method); sorted best first."""
    grouped = table.groupby(GROUP)

    def ranks(column):
        return grouped[column].rank(ascending=False, method="average", na_option="bottom")

    table = table.assign(
        rank_auroc=ranks("classification_auroc"),
        rank_kmer=ranks("kmer_kld"),
        rank_kattr_mean=ranks("kattr_mean_kld"),
    )
    table["rank_consistency"] = (table["rank_kmer"] + table["rank_kattr_mean"]) / 2
    table["selection_score"] = (table["rank_auroc"] + table["rank_consistency"]) / 2
    order = table.sort_values(
        GROUP + ["selection_score", "kattr_mean_kld", "classification_auroc"],
        ascending=[True, True, True, True, False, False],
        na_position="last",
    )
    order["selection_rank"] = order.groupby(GROUP).cumcount() + 1
    return order.reset_index(drop=True)


def select(consistency: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """The model-selection table: merged metrics, ranks and the selection rank."""
    return rank(merge(consistency, metrics))


def correlations(table: pd.DataFrame) -> pd.DataFrame:
    """Spearman and Pearson of each KLD against attribution SNR, per dataset, task and method.

    Only rows with an SNR (synthetic data) count; fewer than 3 such rows give nan.
    """
    rows = []
    for (dataset, task, method), group in table.dropna(subset=["snr"]).groupby(GROUP):
        for column, kind in KLDS.items():
            pairs = group[["snr", column]].dropna()
            enough = len(pairs) >= 3
            rows.append(
                {
                    "dataset": dataset,
                    "task": task,
                    "method": method,
                    "kld": kind,
                    "spearman": pairs["snr"].corr(pairs[column], method="spearman") if enough else np.nan,
                    "pearson": pairs["snr"].corr(pairs[column], method="pearson") if enough else np.nan,
                    "n": len(pairs),
                }
            )
    return pd.DataFrame(rows, columns=GROUP + ["kld", "spearman", "pearson", "n"])
