"""A paper's qualitative claims, checked on its own table and on ours (papers 000, 002, 003).

The papers state their findings in words ("regularisation improves interpretability of both
networks"); their tables hold the numbers behind them. A claims file
(``resources/papers/<table>.claims.tsv``) writes each finding as tests on rows of the paper's
table, named by ``paper_row``:

* ``higher``: ``metric`` of row ``a`` exceeds that of row ``b``;
* ``correlates``: across every row with both numbers, the Spearman correlation of ``metric`` with
  the metric named in ``a`` is positive.

Each test is decided on this run by the claims engine (``seqattr.claims``): ``higher`` by Welch's
interval for the difference of our two rows' means over seeds (the rows are trained apart, so their
seeds are not paired), ``correlates`` by Spearman's ρ over the rows' means with a bootstrap interval
over rows. The paper's own numbers give each test's direction (``paper_effect``: the paper's gap, or
ρ). ``agreement`` says whether our verdict matches the paper's direction (``agree``), contradicts it
(``disagree``) or cannot be told (``undetermined``: our interval straddles 0, or a single seed). A
claim holds when all its tests agree, fails when any disagrees, is undetermined otherwise, and is
``n/a`` when a test lacks numbers of ours (a row not run, or filtered out by the performance filter).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from seqattr import claims
from seqattr.selection import require_columns

TESTS = ("higher", "correlates")
FILE_COLUMNS = ["claim", "source", "test", "metric", "a", "b"]  # a claims file's columns
COLUMNS = ["claim", "source", "test", "paper_effect", *claims.COLUMNS, "agreement", "claim_verdict"]


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


def _higher(table: pd.DataFrame, test: pd.Series) -> tuple[float, claims.Test]:
    """The paper's gap a − b, and ours as a Welch test over each row's seeds."""
    rows = table.set_index("paper_row")
    metric = test["metric"]
    a, b = rows.loc[test["a"]], rows.loc[test["b"]]
    paper = float(a[f"{metric}_paper"] - b[f"{metric}_paper"])
    sd = f"{metric}_ours_sd"
    ours = claims.unpaired(
        a[f"{metric}_ours"],
        a.get(sd, np.nan),
        int(a.get("n_seeds", 1)),
        b[f"{metric}_ours"],
        b.get(sd, np.nan),
        int(b.get("n_seeds", 1)),
    )
    return paper, ours


def _correlates(table: pd.DataFrame, test: pd.Series) -> tuple[float, claims.Test]:
    """The paper's Spearman ρ over its rows, and ours with a bootstrap interval over our rows."""
    paper_pairs = table[[f"{test['metric']}_paper", f"{test['a']}_paper"]].dropna()
    paper = float(paper_pairs.corr(method="spearman").iloc[0, 1]) if len(paper_pairs) >= 3 else np.nan
    columns = [f"{test['metric']}_ours", f"{test['a']}_ours"]
    if table[columns].isna().any().any():
        return paper, claims.Test(np.nan, np.nan, np.nan, 0, claims.NO_DATA)
    ours = claims.correlation(table[columns[1]], table[columns[0]])
    seeds = int(table["n_seeds"].min()) if "n_seeds" in table else ours.n_seeds
    return paper, dataclasses.replace(ours, n_seeds=seeds)  # the fewest seeds behind a point


def _describe(test: pd.Series) -> str:
    if test["test"] == "higher":
        return f"{test['metric']}: {test['a']} − {test['b']}"
    return f"Spearman({test['metric']}, {test['a']})"


def claim_verdict(agreements: list[str], verdicts: list[str]) -> str:
    """holds when every test agrees with the paper, fails when one disagrees, n/a without numbers."""
    if "disagree" in agreements:
        return claims.FAILS
    if claims.NO_DATA in verdicts:
        return claims.NO_DATA
    return claims.HOLDS if all(a == "agree" for a in agreements) else claims.UNDETERMINED


def claims_table(comparison: pd.DataFrame, tests: pd.DataFrame) -> pd.DataFrame:
    """One row per test: the paper's direction, our effect with its interval and verdict, the agreement,
    and the verdict of the claim the test belongs to."""
    run = {"higher": _higher, "correlates": _correlates}
    rows = []
    for claim, group in tests.groupby("claim", sort=False):
        found = []
        for _, test in group.iterrows():
            paper, ours = run[test["test"]](comparison, test)
            paper_passes = None if not np.isfinite(paper) or paper == 0 else bool(paper > 0)
            found.append((test, paper, ours, claims.agreement(paper_passes, ours)))
        verdict = claim_verdict([f[3] for f in found], [f[2].verdict for f in found])
        for test, paper, ours, agreement in found:
            rows.append(
                {
                    "claim": claim,
                    "source": test["source"],
                    "test": _describe(test),
                    "paper_effect": paper,
                    **ours.row(),
                    "agreement": agreement,
                    "claim_verdict": verdict,
                }
            )
    return claims.table(rows, COLUMNS)
