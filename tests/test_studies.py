"""seqattr.studies: sweep values, mean ± s.e.m. over seeds, and the claims on constructed tables."""

import numpy as np
import pandas as pd
import pytest

from seqattr import studies

REGIMES = {
    "standard": {"kind": "standard"},
    "init_0.01": {"kind": "standard", "init_std": 0.01},
    "init_0.3": {"kind": "standard", "init_std": 0.3},
    "ar_0": {"kind": "angle_regularization", "strength": 0.0},
    "ar_big": {"kind": "angle_regularization", "strength": 0.01},
}


def test_sweep_values_pick_their_regimes():
    assert studies.sweep_values(REGIMES, "init_std") == {"init_0.01": 0.01, "init_0.3": 0.3}
    assert studies.sweep_values(REGIMES, "angle_regularization") == {"ar_0": 0.0, "ar_big": 0.01}


def _table(angle_sd, auroc=None, interpretability=None):
    rows = []
    for regime, seed_values in angle_sd.items():
        for seed, value in enumerate(seed_values, 1):
            for corrected in ("raw", "corrected"):
                rows.append(
                    dict(
                        model="m",
                        regime=regime,
                        seed=seed,
                        method="saliency",
                        corrected=corrected,
                        classification_auroc=(auroc or {}).get(regime, 0.9),
                        angle_sd=value if corrected == "raw" else 0.0,
                        interpretability_auroc=(interpretability or {}).get(regime, [0.8] * 9)[seed - 1],
                    )
                )
    return pd.DataFrame(rows)


def _summary(table, regimes=REGIMES, sweep="init_std", method=None):
    per_seed = studies.per_seed_values(table, studies.sweep_values(regimes, sweep), sweep, method)
    return per_seed, studies.mean_sem_over_seeds(per_seed)


def test_summary_means_and_sem_over_seeds():
    table = _table({"init_0.01": [10.0, 12.0, 14.0], "init_0.3": [30.0, 30.0, 36.0]})
    _, summary = _summary(table, method="saliency")
    assert list(summary["value"]) == [0.01, 0.3]
    np.testing.assert_allclose(summary["angle_sd_mean"], [12.0, 32.0])
    np.testing.assert_allclose(
        summary["angle_sd_sem"], [np.std([10, 12, 14], ddof=1) / np.sqrt(3), np.std([30, 30, 36], ddof=1) / np.sqrt(3)]
    )
    assert list(summary["n_seeds"]) == [3, 3]
    _, single = _summary(_table({"init_0.01": [10.0], "init_0.3": [30.0]}), method="saliency")
    assert single["angle_sd_sem"].isna().all()  # one seed: no estimate of seed noise, not a zero one


@pytest.mark.parametrize("low, high, verdict", [(10.0, 30.0, "holds"), (30.0, 10.0, "fails")])
def test_init_claim_follows_the_data(low, high, verdict):
    table = _table({"init_0.01": [low, low + 1, low + 2], "init_0.3": [high, high + 1, high + 2]})
    per_seed, _ = _summary(table)
    claims = studies.claims(per_seed, "init_std").set_index("claim")
    trend = claims.loc[claims.index.str.startswith("angle SD grows")].iloc[0]
    assert trend["verdict"] == verdict and trend["n_seeds"] == 6  # the points behind ρ
    # ρ = Pearson r of the ranks (2, 2, 2, 5, 5, 5) and (1, …, 6): 13.5 / √(13.5 · 17.5)
    assert abs(trend["effect"]) == pytest.approx(13.5 / np.sqrt(13.5 * 17.5))


def test_angle_regularisation_claims_carry_their_intervals():
    bump = {"ar_0": [0.70, 0.72, 0.71], "ar_big": [0.75, 0.76, 0.755]}  # AUROC where the angles reach 0
    table = _table({"ar_0": [20.0, 22.0, 21.0], "ar_big": [2.0, 3.0, 2.5]}, interpretability=bump)
    per_seed, _ = _summary(table, sweep="angle_regularization")
    claims = studies.claims(per_seed, "angle_regularization")
    assert list(claims.columns) == studies.CLAIM_COLUMNS
    assert (claims["verdict"] == "holds").all(), claims.to_string()
    ratio = claims.iloc[1]
    assert ratio["effect"] == pytest.approx(np.mean([2 / 20, 3 / 22, 2.5 / 21])) and ratio["high"] < 0.5
    one_seed = studies.claims(
        _summary(_table({"ar_0": [20.0], "ar_big": [2.0]}), sweep="angle_regularization")[0], "angle_regularization"
    )
    assert one_seed.iloc[1]["verdict"] == "undetermined (1 seed)"  # 0.1, but no estimate of seed noise


@pytest.mark.parametrize("middle_auroc, verdict", [(0.89, "holds"), (0.7, "fails")])
def test_angle_regularisation_auroc_cost_claim(middle_auroc, verdict):
    regimes = {**REGIMES, "ar_mid": {"kind": "angle_regularization", "strength": 0.001}}
    table = _table(
        {"ar_0": [20.0] * 3, "ar_mid": [10.0] * 3, "ar_big": [2.0] * 3},
        auroc={"ar_0": 0.9, "ar_mid": middle_auroc, "ar_big": 0.6},
    )  # the strongest may cost AUROC
    per_seed, _ = _summary(table, regimes, sweep="angle_regularization")
    cost = studies.claims(per_seed, "angle_regularization").iloc[2]
    assert cost["claim"].startswith("classification AUROC holds") and cost["verdict"] == verdict
    assert cost["effect"] == pytest.approx(0.9 - middle_auroc)


def test_the_interpretability_bump_is_read_where_the_angle_first_drops_to_zero():
    regimes = {**REGIMES, "ar_mid": {"kind": "angle_regularization", "strength": 0.001}}
    angle_sd = {"ar_0": [25.0] * 3, "ar_mid": [3.0] * 3, "ar_big": [0.5] * 3}  # below 5° from 1e-3 on
    interpretability = {"ar_0": [0.70, 0.71, 0.69], "ar_mid": [0.75, 0.77, 0.74], "ar_big": [0.60, 0.61, 0.59]}
    per_seed, _ = _summary(_table(angle_sd, interpretability=interpretability), regimes, "angle_regularization")
    bump = studies.claims(per_seed, "angle_regularization").iloc[3]
    assert bump["claim"].startswith("interpretability AUROC rises") and bump["verdict"] == "holds"
    assert bump["effect"] == pytest.approx(np.mean([0.05, 0.06, 0.05]))  # at 1e-3, not the collapse at 1e-2
    never = {"ar_0": [25.0] * 3, "ar_mid": [12.0] * 3, "ar_big": [8.0] * 3}  # the angle never reaches 0
    per_seed, _ = _summary(_table(never, interpretability=interpretability), regimes, "angle_regularization")
    assert studies.claims(per_seed, "angle_regularization").iloc[3]["verdict"] == "n/a"
