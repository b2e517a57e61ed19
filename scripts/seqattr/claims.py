"""The claims engine: every test of a finding gets an effect, a 95 % interval and a verdict.

A verdict is ``holds``, ``fails`` or ``undetermined``: a test holds when its whole interval lies on
the claim's side of the threshold, fails when its whole interval lies on the other side, and is
undetermined when the interval straddles the threshold. With one seed there is no estimate of
training noise, so a comparison over seeds is ``undetermined (1 seed)`` whatever its point estimate.
Each undetermined test says how many seeds would decide it at the spread observed (``seeds_needed``).

The statistics (docs/decisions.md, "Claims and their uncertainty"):

* ``paired``: per-seed differences a − b on the same data; Student's t interval over seeds (seeds
  are few, so a bootstrap over 3–5 values would understate the spread). Evaluation noise enters as
  the variance of each seed's difference under a paired bootstrap over test sequences
  (``sequence_variance``), added to the t interval's variance: the test sequences are shared by all
  seeds, so averaging seeds does not shrink it.
* ``fraction``: "in nearly all cases" — each case decided by its own paired test; cases whose
  |effect| is below ``tolerance`` are ties (neither improvement nor miss), undetermined cases are
  neither either; the fraction of improvements among decided cases gets a Clopper–Pearson interval.
* ``correlation``: Spearman's ρ with a percentile bootstrap interval over points.
* ``within``: an estimate's t interval over seeds against a range.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
HOLDS, FAILS, UNDETERMINED = "holds", "fails", "undetermined"
ONE_SEED = "undetermined (1 seed)"
NO_DATA = "n/a"  # nothing of this run to test (a row not run, or no ground truth)
MAX_SEEDS_NEEDED = 1000  # beyond this a gap is called unresolvable ("> 1000")
BOOTSTRAP_RESAMPLES = 2000
COLUMNS = ["effect", "low", "high", "n_seeds", "verdict", "seeds_needed"]


@dataclass(frozen=True)
class Test:
    """One test of a claim: its point estimate, interval, evidence and verdict."""

    effect: float
    low: float
    high: float
    n_seeds: int
    verdict: str
    seeds_needed: int | None = None  # for an undetermined test: seeds that would decide it

    def row(self) -> dict:
        return asdict(self)


def table(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """A claims table: one row per test (``Test.row()`` plus the claim's own columns), seeds as integers."""
    return pd.DataFrame(rows, columns=columns).astype({"n_seeds": "Int64", "seeds_needed": "Int64"})


def _side_verdict(low: float, high: float, threshold: float, side: str) -> str:
    """holds / fails / undetermined for an interval against a threshold, on the claim's side."""
    if side not in ("greater", "less"):
        raise ValueError(f"side must be 'greater' or 'less', not {side!r}")
    above, below = low > threshold, high < threshold
    if side == "less":
        above, below = below, above
    return HOLDS if above else FAILS if below else UNDETERMINED


def _t_half_width(sd: float, n: int) -> float:
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * sd / np.sqrt(n))


def seeds_needed(gap: float, sd: float, extra_variance: float = 0.0) -> int | None:
    """The fewest seeds whose t interval at this seed SD would no longer reach across ``gap``.

    None where no number of seeds would (no gap, or evaluation noise alone already covers it).
    """
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    if gap == 0 or not np.isfinite(gap) or z * np.sqrt(extra_variance) >= abs(gap):
        return None
    if sd == 0:
        return 2
    for n in range(2, MAX_SEEDS_NEEDED + 1):
        if np.hypot(_t_half_width(sd, n), z * np.sqrt(extra_variance)) < abs(gap):
            return n
    return None


def _interval_test(values, threshold: float, side: str, sequence_variance=None) -> Test:
    """t interval over per-seed values (plus evaluation variance) against a threshold."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return Test(np.nan, np.nan, np.nan, 0, NO_DATA)
    effect = float(values.mean())
    extra = float(np.mean(sequence_variance)) if sequence_variance is not None else 0.0
    if n == 1:
        return Test(effect, np.nan, np.nan, 1, ONE_SEED, seeds_needed(effect - threshold, 0.0, extra))
    sd = float(values.std(ddof=1))
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    half = float(np.hypot(_t_half_width(sd, n), z * np.sqrt(extra)))
    low, high = effect - half, effect + half
    verdict = _side_verdict(low, high, threshold, side)
    needed = seeds_needed(effect - threshold, sd, extra) if verdict == UNDETERMINED else None
    return Test(effect, low, high, n, verdict, needed)


def paired(differences, threshold: float = 0.0, side: str = "greater", sequence_variance=None) -> Test:
    """Per-seed differences a − b (same data, same seed): does a beat b by more than ``threshold``?"""
    return _interval_test(differences, threshold, side, sequence_variance)


def _welch(sd_a: float, n_a: int, sd_b: float, n_b: int) -> float:
    """Half-width of Welch's 95 % interval for a difference of two means."""
    va, vb = sd_a**2 / n_a, sd_b**2 / n_b
    if va + vb == 0:
        return 0.0
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, df) * np.sqrt(va + vb))


def unpaired(
    mean_a: float,
    sd_a: float,
    n_a: int,
    mean_b: float,
    sd_b: float,
    n_b: int,
    threshold: float = 0.0,
    side: str = "greater",
) -> Test:
    """Mean of a minus mean of b, each over its own seeds (two models or regimes trained apart): Welch's
    interval. ``n_seeds`` is the smaller count; ``seeds_needed`` the seeds per side that would decide it."""
    effect, n = float(mean_a - mean_b), int(min(n_a, n_b))
    if n == 0 or not np.isfinite(effect):
        return Test(np.nan, np.nan, np.nan, n, NO_DATA)
    if n == 1:
        return Test(effect, np.nan, np.nan, 1, ONE_SEED)
    half = _welch(sd_a, n_a, sd_b, n_b)
    low, high = effect - half, effect + half
    verdict = _side_verdict(low, high, threshold, side)
    needed = None
    if verdict == UNDETERMINED and effect != threshold:
        needed = next(
            (m for m in range(2, MAX_SEEDS_NEEDED + 1) if _welch(sd_a, m, sd_b, m) < abs(effect - threshold)), None
        )
    return Test(effect, low, high, n, verdict, needed)


def sequence_bootstrap_variance(a, b, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> float:
    """Variance of mean(a − b) under a paired bootstrap over test sequences (one seed's values)."""
    difference = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    difference = difference[np.isfinite(difference)]
    if len(difference) < 2:
        return 0.0
    rng = np.random.default_rng(seed)
    means = difference[rng.integers(0, len(difference), (resamples, len(difference)))].mean(axis=1)
    return float(means.var(ddof=1))


def within(values, low: float, high: float) -> Test:
    """Does the estimate (t interval over per-seed values) lie inside [low, high]? An undetermined
    estimate's ``seeds_needed``: the seeds whose interval would clear the nearer end of the range."""
    inside_low = _interval_test(values, low, "greater")
    if inside_low.n_seeds < 2:
        return Test(inside_low.effect, np.nan, np.nan, inside_low.n_seeds, inside_low.verdict)
    effect, estimate_low, estimate_high = inside_low.effect, inside_low.low, inside_low.high
    if low <= estimate_low and estimate_high <= high:
        return Test(effect, estimate_low, estimate_high, inside_low.n_seeds, HOLDS)
    if estimate_high < low or estimate_low > high:
        return Test(effect, estimate_low, estimate_high, inside_low.n_seeds, FAILS)
    nearer_end = low if abs(effect - low) <= abs(effect - high) else high  # the interval straddles it
    needed = _interval_test(values, nearer_end, "greater").seeds_needed
    return Test(effect, estimate_low, estimate_high, inside_low.n_seeds, UNDETERMINED, needed)


def _share(improved: int, missed: int) -> tuple[float, float]:
    interval = stats.binomtest(improved, improved + missed).proportion_ci(CONFIDENCE, method="exact")
    return float(interval.low), float(interval.high)


def fraction(cases: list[Test], threshold: float, tolerance: float) -> Test:
    """ "In nearly all cases": the share of improvements among decided, non-tied cases, against ``threshold``.

    ``n_seeds`` is the fewest seeds behind any case. ``seeds_needed`` (when undetermined) is the seeds
    per case at which the share would be decided if every case kept its effect and spread: each
    undetermined case counts, from its own ``seeds_needed`` on, as an improvement or a miss by its
    sign. None where even every case decided would not decide the share (too few cases), or where
    the cases have one seed each (no spread observed).
    """
    if not cases:
        return Test(np.nan, np.nan, np.nan, 0, NO_DATA)
    counted = [c for c in cases if abs(c.effect) >= tolerance]  # ties are neither improvements nor misses
    improved = sum(c.verdict == HOLDS for c in counted)
    missed = sum(c.verdict == FAILS for c in counted)
    n_seeds = min((c.n_seeds for c in cases), default=0)
    verdict, low, high = (ONE_SEED if n_seeds == 1 else UNDETERMINED), np.nan, np.nan
    if improved + missed:
        low, high = _share(improved, missed)
        verdict = _side_verdict(low, high, threshold, "greater")
    needed = None
    if verdict == UNDETERMINED:
        pending = [c for c in counted if c.verdict == UNDETERMINED and c.seeds_needed is not None]
        for n in sorted({c.seeds_needed for c in pending}):
            decided = [c for c in pending if c.seeds_needed <= n]
            more = sum(c.effect > 0 for c in decided)
            if (
                _side_verdict(*_share(improved + more, missed + len(decided) - more), threshold, "greater")
                != UNDETERMINED
            ):
                needed = n
                break
    effect = improved / (improved + missed) if improved + missed else np.nan
    return Test(effect, low, high, n_seeds, verdict, needed)


def correlation(x, y, side: str = "greater", resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> Test:
    """Spearman's ρ of y with x, with a percentile bootstrap interval over points, against 0.

    ``n_seeds`` is the number of points. Resamples whose ρ is undefined (constant x or y) are skipped.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Test(np.nan, np.nan, np.nan, len(x), UNDETERMINED)
    rho = float(stats.spearmanr(x, y).statistic)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples):
        pick = rng.integers(0, len(x), len(x))
        if np.ptp(x[pick]) > 0 and np.ptp(y[pick]) > 0:
            draws.append(stats.spearmanr(x[pick], y[pick]).statistic)
    low, high = np.quantile(draws, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2])
    return Test(rho, float(low), float(high), len(x), _side_verdict(low, high, 0.0, side))


def agreement(paper_passes: bool | None, ours: Test) -> str:
    """One test's agreement with the paper's table: agree, disagree or undetermined."""
    if paper_passes is None or ours.verdict not in (HOLDS, FAILS):
        return UNDETERMINED
    return "agree" if (ours.verdict == HOLDS) == bool(paper_passes) else "disagree"
