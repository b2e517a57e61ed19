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


def _table(angle_sd, auroc=None):
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
                        interpretability_auroc=0.8,
                    )
                )
    return pd.DataFrame(rows)


def test_summary_means_and_sem_over_seeds():
    table = _table({"init_0.01": [10.0, 12.0, 14.0], "init_0.3": [30.0, 30.0, 36.0]})
    summary = studies.mean_sem_over_seeds(table, studies.sweep_values(REGIMES, "init_std"), "init_std", "saliency")
    assert list(summary["value"]) == [0.01, 0.3]
    np.testing.assert_allclose(summary["angle_sd_mean"], [12.0, 32.0])
    np.testing.assert_allclose(
        summary["angle_sd_sem"], [np.std([10, 12, 14], ddof=1) / np.sqrt(3), np.std([30, 30, 36], ddof=1) / np.sqrt(3)]
    )
    assert list(summary["n_seeds"]) == [3, 3]
    single = studies.mean_sem_over_seeds(
        _table({"init_0.01": [10.0], "init_0.3": [30.0]}), {"init_0.01": 0.01, "init_0.3": 0.3}, "init_std", "saliency"
    )
    assert single["angle_sd_sem"].isna().all()  # one seed: no estimate of seed noise, not a zero one


@pytest.mark.parametrize("low, high, holds", [(10.0, 30.0, True), (30.0, 10.0, False)])
def test_init_claim_follows_the_data(low, high, holds):
    table = _table({"init_0.01": [low, low], "init_0.3": [high, high]})
    summary = studies.mean_sem_over_seeds(table, studies.sweep_values(REGIMES, "init_std"), "init_std")
    claims = studies.claims(summary, "init_std").set_index("claim")
    assert claims.loc["angle SD grows with σ", "holds"] == holds


def test_angle_regularisation_claim():
    table = _table({"ar_0": [20.0, 22.0], "ar_big": [2.0, 3.0]})
    summary = studies.mean_sem_over_seeds(
        table, studies.sweep_values(REGIMES, "angle_regularization"), "angle_regularization"
    )
    claims = studies.claims(summary, "angle_regularization")
    assert claims["holds"].all()
    assert claims.iloc[1]["ours"] == pytest.approx(2.5 / 21.0)


@pytest.mark.parametrize("middle_auroc, holds", [(0.89, True), (0.7, False)])
def test_angle_regularisation_auroc_cost_claim(middle_auroc, holds):
    regimes = {**REGIMES, "ar_mid": {"kind": "angle_regularization", "strength": 0.001}}
    table = _table(
        {"ar_0": [20.0], "ar_mid": [10.0], "ar_big": [2.0]}, auroc={"ar_0": 0.9, "ar_mid": middle_auroc, "ar_big": 0.6}
    )  # the strongest may cost AUROC
    summary = studies.mean_sem_over_seeds(
        table, studies.sweep_values(regimes, "angle_regularization"), "angle_regularization"
    )
    cost = studies.claims(summary, "angle_regularization").iloc[2]
    assert cost["claim"].startswith("classification AUROC holds") and cost["holds"] == holds
    assert cost["ours"] == pytest.approx(0.9 - middle_auroc)
