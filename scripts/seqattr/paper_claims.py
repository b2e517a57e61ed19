"""A paper's qualitative claims, checked on its own table and on ours (papers 000, 002, 003).

The papers state their findings in words ("regularisation improves interpretability of both
networks"); their tables hold the numbers behind them. A claims file
(``resources/papers/<table>.claims.tsv``) writes each finding as tests on rows of the paper's
table, named by ``paper_row``:

* ``higher``: ``metric`` of row ``a`` exceeds that of row ``b``;
* ``correlates``: across every row with both numbers, the Spearman correlation of ``metric`` with
  the metric named in ``a`` is positive.

Each test is run twice on the comparison table of ``seqattr.paper_tables.compare``: on the
paper's numbers and on this run's means over seeds. A claim's ``paper`` and ``ours`` are the
fractions of its tests that pass. It holds when ours reaches the paper's own fraction — a finding is
reproduced as strongly as the paper's table supports it, with no threshold of ours; it is ``n/a``
when a test lacks numbers of ours (a row not run, or filtered out by the performance filter).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqattr.selection import require_columns

TESTS = ("higher", "correlates")
FILE_COLUMNS = ["claim", "source", "test", "metric", "a", "b"]  # a claims file's columns
COLUMNS = ["claim", "source", "paper", "ours", "holds", "detail"]  # the claims table's


def check_claims_file(claims: pd.DataFrame, comparison: pd.DataFrame, name: str) -> None:
    """A claims file's columns, tests, metrics and row names must all exist in the comparison table."""
    require_columns(claims, FILE_COLUMNS, name)
    rows = set(comparison["paper_row"])
    for line, claim in claims.iterrows():
        where = f"{name} line {line + 2} ({claim['claim']!r})"
        if claim["test"] not in TESTS:
            raise ValueError(f"{where}: test {claim['test']!r} is not one of {list(TESTS)}")
        metrics = [claim["metric"]] + ([claim["a"]] if claim["test"] == "correlates" else [])
        for metric in metrics:
            if f"{metric}_paper" not in comparison:
                raise ValueError(f"{where}: the table has no metric {metric!r}")
        named = [claim["a"], claim["b"]] if claim["test"] == "higher" else []
        unknown = [row for row in named if row not in rows]
        if unknown:
            raise ValueError(f"{where}: no paper_row {unknown} in the table")


def _higher(table: pd.DataFrame, test: pd.Series, side: str) -> tuple[float, str]:
    """1.0 / 0.0 for whether row a beats row b on the metric (NaN without both numbers), and the gap."""
    value = table.set_index("paper_row")[f"{test['metric']}_{side}"]
    gap = value[test["a"]] - value[test["b"]]
    return (np.nan if np.isnan(gap) else float(gap > 0)), f"{gap:+.3f}"


def _correlates(table: pd.DataFrame, test: pd.Series, side: str) -> tuple[float, str]:
    """1.0 / 0.0 for a positive Spearman correlation over rows with both numbers (NaN under 3 rows)."""
    pairs = table[[f"{test['metric']}_{side}", f"{test['a']}_{side}"]].dropna()
    if len(pairs) < 3:
        return np.nan, f"{len(pairs)} rows"
    rho = float(pairs.corr(method="spearman").iloc[0, 1])
    return float(rho > 0), f"{rho:+.2f} over {len(pairs)} rows"


def _describe(test: pd.Series) -> str:
    if test["test"] == "higher":
        return f"{test['metric']}: {test['a']} − {test['b']}"
    return f"Spearman({test['metric']}, {test['a']})"


def claims(comparison: pd.DataFrame, tests: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: the fraction of its tests the paper's numbers and ours pass, and whether it holds.

    ``detail`` gives, for every test ours fails or cannot run, and for every correlation, our value
    and the paper's.
    """
    run = {"higher": _higher, "correlates": _correlates}
    rows = []
    for claim, group in tests.groupby("claim", sort=False):
        paper, ours, detail = [], [], []
        for _, test in group.iterrows():
            (p, p_text), (o, o_text) = (run[test["test"]](comparison, test, side) for side in ("paper", "ours"))
            paper.append(p)
            ours.append(o)
            if o != 1.0 or test["test"] == "correlates":
                detail.append(f"{_describe(test)}: ours {o_text}, paper {p_text}")
        paper_fraction = float(np.nanmean(paper)) if np.isfinite(paper).any() else np.nan
        missing = bool(np.isnan(ours).any())
        ours_fraction = np.nan if missing else float(np.mean(ours))
        holds = "n/a" if missing or np.isnan(paper_fraction) else ("yes" if ours_fraction >= paper_fraction else "no")
        rows.append((claim, group["source"].iloc[0], paper_fraction, ours_fraction, holds, "; ".join(detail)))
    return pd.DataFrame(rows, columns=COLUMNS)
