"""Figures of the ground-truth evaluation (paper 004 Fig. 1b–c, S1–S3; preprint 001 Figs. 2–4).

Table figures read the aggregate metrics table; angle figures read position samples of the
analysis angles files (``seqattr.aggregate.sample_positions``) of the one attribution method
they are given (the workflow's ``study_method``: saliency when there is one). A line or colour stands for a model, "model (regime)" when the
table holds several regimes, and "… · task t" when it holds several outputs.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from seqattr.aggregate import TITLES, position_angles
from seqattr.correction import THRESHOLDS, large_angle_fractions
from seqattr.ensemble import angle_density
from seqattr.metrics import NEGATIVE_INFORMATION, POSITIVE_INFORMATION, improvement_envelope
from seqattr.plots import colours_for, legend_beside, plt

INTERPRETABILITY = {name: TITLES[name] for name in ("interpretability_auroc", "interpretability_aupr", "cosine")}
MAX_POINTS = 20000


def group_names(frame: pd.DataFrame) -> pd.Series:
    """'model', with ' (regime)' when there is more than one regime and ' · task t' when more than one output."""
    names, regime = frame["model"].astype(str), frame["regime"].astype(str)
    if regime.nunique() > 1:
        names = names + " (" + regime + ")"
    if "task" in frame and frame["task"].nunique() > 1:
        names = names + " · task " + frame["task"].astype(str)
    return names


def score_column(table: pd.DataFrame) -> tuple[str, str]:
    """The column and axis label of the runs' test score: classification AUROC, or a regression's Pearson r."""
    if (
        "regression_pearson" in table
        and table["classification_auroc"].isna().all()
        and table["regression_pearson"].notna().any()
    ):
        return "regression_pearson", "test Pearson r"
    return "classification_auroc", "classification AUROC"


def _grid(rows: int, columns: int, width: float = 4.0, height: float = 3.3):
    return plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)


def _with_truth(table: pd.DataFrame) -> pd.DataFrame:
    rows = table.dropna(subset=list(INTERPRETABILITY), how="all")
    return rows.assign(group=group_names(rows)) if len(rows) else rows.assign(group=[])


def scatter_figure(table: pd.DataFrame):
    """The test score (classification AUROC, or Pearson r of a regression) against each interpretability
    metric, one point per run, output and version (Fig. 1b, 2a–c)."""
    rows = _with_truth(table)
    score, score_label = score_column(rows)
    methods = sorted(rows["method"].unique()) or ["(no ground truth)"]
    colours = colours_for(rows["group"])
    figure, axes = _grid(len(methods), len(INTERPRETABILITY))
    for axes_row, method in zip(axes, methods):
        for ax, (column, title) in zip(axes_row, INTERPRETABILITY.items()):
            for (group, version), points in rows[rows["method"] == method].groupby(["group", "corrected"]):
                raw = version == "raw"
                ax.scatter(
                    points[column],
                    points[score],
                    s=22,
                    marker="o" if raw else "^",
                    facecolors="none" if raw else colours[group],
                    edgecolors=colours[group],
                )
            ax.set(xlabel=title, ylabel=score_label, title=method)
    legend_beside(figure, colours, {"raw": {"marker": "o", "markerfacecolor": "none"}, "corrected": {"marker": "^"}})
    return figure


def improvement_figure(table: pd.DataFrame):
    """Corrected − raw of each metric against its raw value, one point per run (Fig. 1b / S1); none for ISM."""
    rows = _with_truth(table)
    versions = (
        rows.pivot_table(
            index=["method", "group", "dataset", "seed"], columns="corrected", values=list(INTERPRETABILITY)
        )
        if len(rows)
        else pd.DataFrame()
    )
    methods = sorted(rows["method"].unique()) or ["(no ground truth)"]
    colours = colours_for(rows["group"])
    figure, axes = _grid(len(methods), len(INTERPRETABILITY))
    for axes_row, method in zip(axes, methods):
        for ax, (column, title) in zip(axes_row, INTERPRETABILITY.items()):
            ax.axhspan(0, 1, color="green", alpha=0.08)
            ax.axhspan(-1, 0, color="red", alpha=0.08)
            ax.axhline(0, color="black", lw=0.8)
            if (column, "corrected") in versions and method in versions.index.get_level_values("method"):
                here = versions.loc[method]
                change = here[(column, "corrected")] - here[(column, "raw")]
                for group in here.index.get_level_values("group").unique():
                    ax.scatter(
                        here.loc[group, (column, "raw")],
                        change.loc[group],
                        s=22,
                        facecolors="none",
                        edgecolors=colours[group],
                    )
                finite = change[np.isfinite(change)]
                if len(finite):
                    span = 1.15 * max(finite.abs().max(), 1e-3)
                    ax.set_ylim(-span, span)
            ax.set(xlabel=f"{title} (raw)", ylabel="improvement (corrected − raw)", title=method)
    legend_beside(figure, colours)
    return figure


def _by_group(samples: Sequence[Mapping], method: str | None) -> dict[str, list[Mapping]]:
    chosen = [s for s in samples if s["label"]["method"] == method]
    labels = pd.DataFrame([s["label"] for s in chosen], columns=["model", "regime", "task"])
    groups: dict[str, list[Mapping]] = {}
    for name, sample in zip(group_names(labels) if len(labels) else [], chosen):
        groups.setdefault(name, []).append(sample)
    return dict(sorted(groups.items()))


def angle_density_figure(samples: Sequence[Mapping], method: str):
    """Density of gradient angles at ground-truth and at background positions, one line per model (Fig. S2)."""
    groups = _by_group(samples, method)
    colours = colours_for(groups)
    figure, axes = _grid(1, 2, width=5.0)
    for ax, kind, title in zip(
        axes[0],
        ("ground_truth", "background"),
        (f"ground-truth positions (I > {POSITIVE_INFORMATION:g})", "background positions (I = 0)"),
    ):
        for group, members in groups.items():
            values = position_angles(members)[kind]
            if len(values):
                ax.plot(
                    *angle_density(values), color=colours[group], lw=1.2, label=f"{group} (SD {np.std(values):.0f}°)"
                )
        ax.set(xlabel="angle to the simplex (°)", ylabel="density", xlim=(-90, 90), title=f"{title}, {method}")
        ax.legend(fontsize=6)
    figure.tight_layout()
    return figure


def _thin(rng: np.random.Generator, *arrays: np.ndarray) -> list[np.ndarray]:
    """At most MAX_POINTS entries of equally long arrays, the same ones from each."""
    n = len(arrays[0])
    keep = rng.choice(n, size=MAX_POINTS, replace=False) if n > MAX_POINTS else slice(None)
    return [a[keep] for a in arrays]


def improvement_vs_angle_figure(samples: Sequence[Mapping], method: str):
    """Per-position improvement at ground-truth positions and scores at background positions vs the angle.

    Left: cosine improvement after correction against the angle, with the ±(1 − cos α) bound
    (preprint Fig. 3c). Right: grad × input at background positions before and after
    correction (Fig. 3d); these should be 0.
    """
    groups = {g: [s for s in m if "improvement" in s] for g, m in _by_group(samples, method).items()}
    groups = {g: m for g, m in groups.items() if m} or {"(no ground truth)": []}
    rng = np.random.default_rng(0)
    curve = np.linspace(-90, 90, 361)
    figure, axes = _grid(len(groups), 2, width=5.0)
    for (left, right), (group, members) in zip(axes, groups.items()):
        for ax in (left, right):
            ax.set(xlim=(-90, 90), xlabel="angle to the simplex (°)")
        left.plot(curve, improvement_envelope(curve), color="red", lw=1, label="1 − cos α")
        left.plot(curve, -improvement_envelope(curve), color="red", lw=1, ls="--")
        left.set(ylabel="cosine improvement", title=f"{group}, {method}: ground-truth positions")
        right.set(ylabel="grad × input", title="background positions")
        if not members:
            continue
        pooled = {
            k: np.concatenate([s[k].ravel() for s in members])
            for k in ("angles", "information", "improvement", "score_raw", "score_corrected")
        }
        truth = pooled["information"] > POSITIVE_INFORMATION
        angle, improvement = _thin(rng, pooled["angles"][truth], pooled["improvement"][truth])
        left.scatter(angle, improvement, s=2, alpha=0.3, color="C0", rasterized=True)
        background = pooled["information"] < NEGATIVE_INFORMATION
        angle, raw, corrected = _thin(rng, *(pooled[k][background] for k in ("angles", "score_raw", "score_corrected")))
        right.scatter(angle, raw, s=2, alpha=0.3, color="C0", label="before correction", rasterized=True)
        right.scatter(angle, corrected, s=2, alpha=0.3, color="C3", label="after correction", rasterized=True)
        left.legend(fontsize=7)
        right.legend(fontsize=7, markerscale=4)
    figure.tight_layout()
    return figure


def large_angles_figure(samples: Sequence[Mapping], method: str):
    """Histograms of the per-sequence fraction of positions above 30°, 45° and 60° (Fig. 1c / S3)."""
    groups = _by_group(samples, method)
    colours = colours_for(groups)
    fractions = {g: np.concatenate([large_angle_fractions(s["angles"]) for s in m]) for g, m in groups.items()}
    figure, axes = _grid(1, len(THRESHOLDS))
    bins = np.linspace(0, 1, 41)
    for i, (ax, threshold) in enumerate(zip(axes[0], THRESHOLDS)):
        for group, values in fractions.items():
            ax.hist(
                values[:, i],
                bins=bins,
                histtype="step",
                color=colours[group],
                lw=1.2,
                label=f"{group} (mean {values[:, i].mean():.2f})",
            )
        ax.set(xlabel=f"fraction of positions with |angle| > {threshold}°", ylabel="sequences", title=method)
        ax.legend(fontsize=6)
    figure.tight_layout()
    return figure
