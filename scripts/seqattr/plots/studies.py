"""Figures of the studies: regime sweeps (metrics and angle distributions per swept value) and metrics over epochs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqattr.plots import colours_for, legend_beside, plt
from seqattr.studies import SWEEPS

TITLES = {
    "classification_auroc": "classification AUROC",
    "angle_sd": "SD of gradient angles (°)",
    "interpretability_auroc": "interpretability AUROC",
    "cosine": "cosine similarity to the ground truth",
}


def sweep_figure(summary: pd.DataFrame, sweep: str):
    """One panel per metric: mean ± s.e.m. over seeds against the swept value, a line per model."""
    columns = [c for c in SWEEPS[sweep]["columns"] if f"{c}_mean" in summary]
    figure, axes = plt.subplots(1, len(columns), figsize=(4.2 * len(columns), 3.4), squeeze=False)
    for ax, column in zip(axes[0], columns):
        for model, rows in summary.groupby("model"):
            ax.errorbar(
                rows["value"],
                rows[f"{column}_mean"],
                yerr=rows[f"{column}_sem"],
                marker="o",
                ms=4,
                capsize=2,
                label=model,
            )
        ax.set_xscale("symlog", linthresh=max(summary["value"][summary["value"] > 0].min(), 1e-9))
        ax.set_xlabel(SWEEPS[sweep]["label"])
        ax.set_title(TITLES.get(column, column))
    axes[0][0].legend(fontsize=7)
    figure.tight_layout()
    return figure


def angle_distribution_figure(angles_by_value: dict[float, np.ndarray], label: str):
    """Density of gradient angles pooled over models and seeds, one curve per swept value."""
    figure, ax = plt.subplots(figsize=(5.5, 3.6))
    bins = np.linspace(-90, 90, 91)
    colours = plt.cm.viridis(np.linspace(0, 1, max(len(angles_by_value), 2)))
    for colour, (value, angles) in zip(colours, sorted(angles_by_value.items())):
        density, edges = np.histogram(angles, bins=bins, density=True)
        ax.plot((edges[:-1] + edges[1:]) / 2, density, color=colour, label=f"{value:g}")
    ax.set_xlabel("angle to the simplex (°)")
    ax.set_ylabel("density")
    ax.legend(title=label, fontsize=7)
    figure.tight_layout()
    return figure


def over_epochs_figure(summary: pd.DataFrame):
    """Test AUROC and the raw maps' interpretability AUROC / cosine against epoch (paper 000 Fig. 1b–c):
    mean ± SD over seeds, a row of panels per model and method, a colour per regime, one legend beside
    the panels — a paper config holds dozens of runs, too many lines for one panel."""
    raw = summary[summary["corrected"] == "raw"]
    columns = ["classification_auroc", "interpretability_auroc", "cosine"]
    rows = list(raw.groupby(["model", "method"]))
    colours = colours_for(raw["regime"].astype(str))
    figure, axes = plt.subplots(
        len(rows), len(columns), figsize=(3.6 * len(columns), 2.4 * len(rows)), squeeze=False, sharex=True
    )
    for row, ((model, method), runs) in zip(axes, rows):
        for ax, column in zip(row, columns):
            for regime, curve in runs.groupby("regime"):
                mean, sd = curve[f"{column}_mean"], curve[f"{column}_sd"].fillna(0)
                ax.plot(curve["epoch"], mean, marker="o", ms=2, lw=1, color=colours[str(regime)])
                ax.fill_between(curve["epoch"], mean - sd, mean + sd, color=colours[str(regime)], alpha=0.2)
            ax.set_title(f"{model} · {method}", fontsize=8)
            ax.set_ylabel(TITLES.get(column, column), fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    legend_beside(figure, colours)
    return figure
