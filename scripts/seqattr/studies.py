"""Parameter sweeps over regimes (papers 001 §5.6–5.7, 004 Notes S1–S2).

A sweep is a set of regimes that differ in one number: ``init_std`` (every initializer
Normal(0, σ)) or the ``strength`` of angle regularisation. Each sweep summarises the aggregate
metrics table per model and parameter value as mean ± s.e.m. over seeds, and states whether
the paper's qualitative claims hold in this run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqattr import claims as claims_engine

CLAIM_COLUMNS = ["claim", "paper", *claims_engine.COLUMNS]

SWEEPS = {
    "init_std": {
        "parameter": "init_std",
        "label": "initialisation σ",
        "columns": ["classification_auroc", "angle_sd"],
    },
    "angle_regularization": {
        "parameter": "strength",
        "label": "angle-regularisation strength",
        "columns": ["classification_auroc", "angle_sd", "interpretability_auroc"],
    },
}


def sweep_values(regimes: dict, sweep: str) -> dict[str, float]:
    """Regime name → swept value, for the regimes that belong to ``sweep``."""
    parameter = SWEEPS[sweep]["parameter"]
    if sweep == "angle_regularization":
        return {n: float(r.get("strength", 0.0)) for n, r in regimes.items() if r["kind"] == sweep}
    return {n: float(r[parameter]) for n, r in regimes.items() if parameter in r}


def per_seed_values(
    metrics: pd.DataFrame, values: dict[str, float], sweep: str, method: str | None = None
) -> pd.DataFrame:
    """The sweep's columns per model, swept value and seed (raw maps; means over tasks and methods)."""
    rows = metrics[metrics["regime"].isin(values) & (metrics["corrected"] == "raw")]
    if method is not None:
        rows = rows[rows["method"] == method]
    rows = rows.assign(value=rows["regime"].map(values))
    columns = [c for c in SWEEPS[sweep]["columns"] if c in rows]
    return rows.groupby(["model", "value", "seed"])[columns].mean().reset_index()


def mean_sem_over_seeds(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Mean and s.e.m. over seeds of ``per_seed_values``, per model and swept value.

    One seed has no s.e.m.: it is NaN (no error bar), never 0, which would claim no seed noise.
    """
    grouped = per_seed.drop(columns="seed").groupby(["model", "value"])
    summary = grouped.mean().add_suffix("_mean").join(grouped.sem(ddof=1).add_suffix("_sem"))
    summary["n_seeds"] = grouped.size()
    return summary.reset_index().sort_values(["model", "value"])


def _auroc_spreads(per_seed: pd.DataFrame) -> np.ndarray:
    """Per seed: the largest max − min of classification AUROC over the swept values, over models."""
    by_seed = per_seed.groupby(["seed", "model"])["classification_auroc"]
    return (by_seed.max() - by_seed.min()).groupby(level="seed").max().to_numpy()


def _sd_ratios(per_seed: pd.DataFrame) -> np.ndarray:
    """Per seed: mean angle SD at the strongest strength over that at the weakest (models averaged)."""
    strongest = per_seed[per_seed["value"] == per_seed["value"].max()].groupby("seed")["angle_sd"].mean()
    weakest = per_seed[per_seed["value"] == per_seed["value"].min()].groupby("seed")["angle_sd"].mean()
    return (strongest / weakest.where(weakest > 0)).dropna().to_numpy()


SMALL_AUROC_SPREAD = 0.05  # "classification barely moves": max − min AUROC over the sweep below this
SD_RATIO_TOWARDS_ZERO = 0.5  # "drives angles towards 0": SD at the strongest strength under half the weakest's
ZERO_ANGLE_SD = 5.0  # degrees: "the angle has dropped to zero" once a model's angle SD is below this


def _interpretability_bumps(per_seed: pd.DataFrame) -> np.ndarray:
    """Per seed: interpretability AUROC where the angle has dropped to zero minus without the penalty,
    averaged over models. "Where the angle drops to zero" is, per model and seed, the weakest
    strength whose angle SD is below ``ZERO_ANGLE_SD``; a model that never gets there is left out."""
    bumps = {}
    for (seed, _), run in per_seed.sort_values("value").groupby(["seed", "model"]):
        zero = run[run["angle_sd"] < ZERO_ANGLE_SD]
        unregularised = run[run["value"] == 0]
        if len(zero) and len(unregularised):
            gain = zero["interpretability_auroc"].iloc[0] - unregularised["interpretability_auroc"].iloc[0]
            bumps.setdefault(seed, []).append(gain)
    return np.array([np.mean(gains) for _, gains in sorted(bumps.items())])


def claims(per_seed: pd.DataFrame, sweep: str) -> pd.DataFrame:
    """The paper's qualitative claims for a sweep, each a test of the claims engine on ``per_seed_values``:
    trends as Spearman ρ over every (model, value, seed) point, spreads and ratios as t intervals over seeds."""
    trend = claims_engine.correlation(
        per_seed["value"], per_seed["angle_sd"], side="greater" if sweep == "init_std" else "less"
    )
    if sweep == "init_std":
        rows = [
            ("angle SD grows with σ (Spearman ρ over model × σ × seed)", "increasing", trend),
            (
                "classification barely moves (max − min AUROC over σ, worst model, per seed)",
                f"small (< {SMALL_AUROC_SPREAD:g} here)",
                claims_engine.paired(_auroc_spreads(per_seed), SMALL_AUROC_SPREAD, side="less"),
            ),
        ]
    else:
        below = per_seed[per_seed["value"] < per_seed["value"].max()]
        rows = [
            ("angle SD falls with strength (Spearman ρ over model × strength × seed)", "decreasing", trend),
            (
                "strongest regularisation drives angles towards 0 (SD strongest / weakest, per seed)",
                f"≪ 1 (< {SD_RATIO_TOWARDS_ZERO:g} here)",
                claims_engine.paired(_sd_ratios(per_seed), SD_RATIO_TOWARDS_ZERO, side="less"),
            ),
            (
                "classification AUROC holds until the strength is too large (max − min AUROC, strongest strength "
                "left out, worst model, per seed)",
                f"small (§5.7; < {SMALL_AUROC_SPREAD:g} here)",
                claims_engine.paired(_auroc_spreads(below), SMALL_AUROC_SPREAD, side="less"),
            ),
            (
                "interpretability AUROC rises where the angle drops to zero (weakest strength with angle SD "
                f"< {ZERO_ANGLE_SD:g}° minus strength 0, mean over models, per seed)",
                "a small but significant bump (§5.7)",
                claims_engine.paired(_interpretability_bumps(per_seed)),
            ),
        ]
    return claims_engine.table(
        [{"claim": claim, "paper": paper, **test.row()} for claim, paper, test in rows], CLAIM_COLUMNS
    )
