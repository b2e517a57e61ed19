"""The claims engine on constructed cases: intervals over seeds decide, ties and single seeds do not."""

import numpy as np
import pytest
from scipy import stats

from seqattr import claims
from seqattr.plots.claims import VERDICT_COLOURS, claims_figure, verdict_colour


def _seeds(mean, sd, n):
    """n per-seed values with exactly this mean and sample SD."""
    z = np.random.default_rng(0).standard_normal(n)
    z = (z - z.mean()) / z.std(ddof=1)
    return mean + sd * z


def test_a_gap_inside_the_seed_noise_is_undetermined():
    test = claims.paired(_seeds(0.005, 0.02, 3))
    assert test.verdict == claims.UNDETERMINED and test.low < 0 < test.high and test.n_seeds == 3
    assert test.effect == pytest.approx(0.005)
    # t interval: 0.005 ± t(0.975, 2) · 0.02 / √3
    assert test.high - test.effect == pytest.approx(4.302653 * 0.02 / np.sqrt(3), rel=1e-5)
    assert test.seeds_needed > 3  # more seeds would decide it at this spread...
    decided = claims.paired(_seeds(0.005, 0.02, test.seeds_needed))
    assert decided.verdict == claims.HOLDS  # ...and that many do


def test_a_gap_well_outside_the_noise_holds_and_its_reverse_fails():
    assert claims.paired(_seeds(0.05, 0.005, 3)).verdict == claims.HOLDS
    assert claims.paired(_seeds(-0.05, 0.005, 3)).verdict == claims.FAILS
    assert claims.paired(_seeds(-0.05, 0.005, 3), side="less").verdict == claims.HOLDS


def test_one_seed_is_undetermined_and_keeps_its_point_estimate():
    test = claims.paired([0.3])
    assert test.verdict == claims.ONE_SEED and test.effect == 0.3 and np.isnan(test.low) and test.n_seeds == 1


def test_evaluation_noise_widens_the_interval():
    values = _seeds(0.05, 0.005, 3)
    assert claims.paired(values, sequence_variance=[0.03**2] * 3).verdict == claims.UNDETERMINED
    rng = np.random.default_rng(1)
    a = rng.normal(0.0, 1.0, 400)
    variance = claims.sequence_bootstrap_variance(a + 0.1, a)  # a constant difference: no evaluation noise
    assert variance == pytest.approx(0.0, abs=1e-20)
    b = rng.normal(0.0, 1.0, 400)
    assert claims.sequence_bootstrap_variance(a, b) == pytest.approx(2 / 400, rel=0.2)  # var(a − b) / n


def test_ties_are_neither_improvements_nor_misses():
    improved = [claims.paired(_seeds(0.05, 0.005, 3)) for _ in range(8)]
    tied = [claims.Test(0.0, 0.0, 0.0, 3, claims.FAILS)] * 5  # identical maps: Δ = 0 exactly
    test = claims.fraction(improved + tied, threshold=0.5, tolerance=1e-5)
    assert test.effect == 1.0 and test.verdict == claims.HOLDS  # 8 of 8 decided; the ties count for nothing
    missed = [claims.paired(_seeds(-0.05, 0.005, 3)) for _ in range(8)]
    assert claims.fraction(improved + missed, threshold=0.9, tolerance=1e-5).verdict == claims.FAILS
    few = claims.fraction(improved[:3], threshold=0.9, tolerance=1e-5)
    assert (
        few.verdict == claims.UNDETERMINED and few.seeds_needed is None
    )  # 3 of 3 cannot show ≥ 0.9: more cases, not seeds
    assert claims.fraction([claims.paired([0.2])] * 4, 0.9, 1e-5).verdict == claims.ONE_SEED


def test_a_fraction_of_undetermined_cases_says_the_seeds_per_case_that_would_decide_it():
    rng = np.random.default_rng(3)
    cases = [claims.paired(0.02 + rng.normal(0, 0.02, 2)) for _ in range(12)]  # gap 0.02, seed SD 0.02, 2 seeds
    assert all(c.verdict == claims.UNDETERMINED for c in cases)
    test = claims.fraction(cases, threshold=0.5, tolerance=1e-4)
    per_case = sorted(c.seeds_needed for c in cases)
    assert test.verdict == claims.UNDETERMINED and np.isnan(test.effect)  # no case decided yet
    assert per_case[0] <= test.seeds_needed <= per_case[-1]
    # at that many seeds enough cases are decided (all improvements) for the share to clear 0.5
    decided = sum(n <= test.seeds_needed for n in per_case)
    assert stats.binomtest(decided, decided).proportion_ci(0.95, method="exact").low > 0.5


def test_a_range_claim_says_the_seeds_that_would_settle_it():
    near_the_edge = claims.within(_seeds(0.37, 0.02, 3), 0.20, 0.40)  # 0.03 from the upper end
    assert near_the_edge.verdict == claims.UNDETERMINED
    assert near_the_edge.seeds_needed == claims.seeds_needed(0.03, np.std(_seeds(0.37, 0.02, 3), ddof=1))
    assert claims.within(_seeds(0.30, 0.01, 4), 0.20, 0.40).seeds_needed is None  # decided already


def test_a_perfectly_monotone_series_has_its_correlation_interval_above_zero():
    test = claims.correlation(np.arange(6), np.arange(6) ** 2)
    assert test.effect == pytest.approx(1.0) and test.low > 0 and test.verdict == claims.HOLDS
    assert claims.correlation(np.arange(6), -np.arange(6.0)).verdict == claims.FAILS
    noise = claims.correlation(np.arange(6), [0.2, 0.9, 0.1, 0.8, 0.3, 0.5])
    assert noise.verdict == claims.UNDETERMINED and noise.low < 0 < noise.high


def test_an_estimate_is_judged_against_a_range_by_its_interval():
    assert claims.within(_seeds(0.30, 0.01, 4), 0.20, 0.40).verdict == claims.HOLDS
    assert claims.within(_seeds(0.60, 0.01, 4), 0.20, 0.40).verdict == claims.FAILS
    assert claims.within(_seeds(0.39, 0.02, 4), 0.20, 0.40).verdict == claims.UNDETERMINED
    assert claims.within([0.3], 0.20, 0.40).verdict == claims.ONE_SEED


def test_agreement_with_the_paper_is_per_test():
    holds, fails = claims.paired(_seeds(0.05, 0.005, 3)), claims.paired(_seeds(-0.05, 0.005, 3))
    assert claims.agreement(True, holds) == "agree" and claims.agreement(False, holds) == "disagree"
    assert claims.agreement(False, fails) == "agree"
    assert claims.agreement(True, claims.paired([0.1])) == claims.UNDETERMINED


def test_two_rows_trained_apart_are_compared_by_welch():
    holds = claims.unpaired(0.85, 0.005, 3, 0.80, 0.005, 3)
    assert holds.verdict == claims.HOLDS and holds.effect == pytest.approx(0.05) and holds.n_seeds == 3
    # equal SDs and counts: Welch's df is 2(n − 1) = 4
    assert holds.high - holds.effect == pytest.approx(2.776445 * np.sqrt(2 * 0.005**2 / 3), rel=1e-5)
    noisy = claims.unpaired(0.805, 0.02, 3, 0.80, 0.02, 3)
    assert noisy.verdict == claims.UNDETERMINED and noisy.seeds_needed > 3
    assert claims.unpaired(0.805, 0.02, noisy.seeds_needed, 0.80, 0.02, noisy.seeds_needed).verdict == claims.HOLDS
    assert claims.unpaired(0.9, 0.0, 1, 0.8, 0.01, 4).verdict == claims.ONE_SEED
    assert claims.unpaired(np.nan, 0.0, 0, 0.8, 0.01, 4).verdict == claims.NO_DATA


def test_the_claims_figure_draws_each_interval_in_its_verdicts_colour():
    tests = [claims.paired(_seeds(0.05, 0.005, 3)), claims.paired(_seeds(-0.05, 0.005, 3)), claims.paired([0.2])]
    table = claims.table([{"claim": f"c{i}", **t.row()} for i, t in enumerate(tests)], ["claim", *claims.COLUMNS])
    figure = claims_figure(table, "title")
    assert len(figure.axes) == 3
    bars = [ax.collections for ax in figure.axes]  # an errorbar's interval is a line collection
    assert len(bars[0]) == 1 and len(bars[2]) == 0  # one seed: the point alone
    segment = bars[0][0].get_segments()[0]
    assert segment[:, 0] == pytest.approx([tests[0].low, tests[0].high])
    colours = [ax.get_lines()[0].get_color() for ax in figure.axes]
    assert colours == [VERDICT_COLOURS["holds"], VERDICT_COLOURS["fails"], verdict_colour(claims.ONE_SEED)]
