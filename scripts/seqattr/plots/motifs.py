"""Motif-discovery figures: pattern logos beside their best JASPAR match, raw and corrected side by side,
and core motifs recovered / spurious patterns (or the target TF's rank) raw against corrected per model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqattr.motifs import VERSIONS
from seqattr.plots.logos import draw_logo


def _unpadded(matrix: np.ndarray) -> np.ndarray:
    return matrix[~np.isnan(matrix).any(axis=1)]


def logo_figure(arrays: dict, patterns: pd.DataFrame, n: int, title: str = "", status: dict | None = None):
    """Up to ``n`` patterns per version (positive metacluster first, by seqlets): the trimmed contribution
    logo (CWM) and the best JASPAR match (information, on the strand it matched), raw and corrected
    side by side."""
    import matplotlib.pyplot as plt

    chosen = {}
    for version in VERSIONS:
        rows = patterns[patterns["version"] == version].reset_index(drop=True)
        rows = rows.assign(order=np.arange(len(rows)), sign=rows["metacluster"].map({"pos": 0, "neg": 1}))
        chosen[version] = rows.sort_values(["sign", "n_seqlets"], ascending=[True, False], kind="stable").head(n)
    height = max(1, max(len(c) for c in chosen.values()))
    figure, axes = plt.subplots(
        height, 4, figsize=(13, 1.6 * height + 0.6), squeeze=False, gridspec_kw={"width_ratios": [3, 2, 3, 2]}
    )
    for column, version in enumerate(VERSIONS):
        rows = chosen[version]
        for i in range(height):
            logo_ax, match_ax = axes[i, 2 * column], axes[i, 2 * column + 1]
            if i >= len(rows):
                logo_ax.axis("off")
                match_ax.axis("off")
                if i == 0:
                    state = (status or {}).get(version, "no patterns")
                    logo_ax.text(
                        0.5,
                        0.5,
                        f"{version}: {state.replace('_', ' ')}",
                        ha="center",
                        va="center",
                        transform=logo_ax.transAxes,
                    )
                continue
            row = rows.iloc[i]
            k = int(row["order"])
            a, b = arrays[f"{version}_span"][k]
            cwm = _unpadded(arrays[f"{version}_cwm"][k])[a:b]
            draw_logo(
                logo_ax, cwm, title=f"{version} {row['pattern']}: {int(row['n_seqlets'])} seqlets", kind="saliency"
            )
            draw_logo(
                match_ax,
                _unpadded(arrays[f"{version}_match"][k]),
                kind="information",
                title=f"{row['best_match']} {row['best_name']} ({row['best_strand']}) q={row['best_qvalue']:.1g}",
            )
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def recovery_figure(table: pd.DataFrame):
    """One row of panels per dataset and method, raw against corrected per model (and regime): core motifs
    recovered, core motifs named (also the top JASPAR match) and spurious patterns (data with core motifs),
    or the target TF's best rank and spurious patterns (in vivo). Bars are means over seeds, dots seeds."""
    import matplotlib.pyplot as plt

    table = table[table["status"] != "not_applicable"].copy()
    table["group"] = table["model"] + ("\n" + table["regime"] if table["regime"].nunique() > 1 else "")
    panels = sorted(table.groupby(["dataset", "method"]).groups) or [("(no runs)", "")]
    n_groups = max(1, table["group"].nunique())
    figure, axes = plt.subplots(len(panels), 3, figsize=(max(15, 3 * 0.6 * n_groups), 3.2 * len(panels)), squeeze=False)
    colours = {"raw": "0.6", "corrected": "tab:blue"}
    labels = {
        "core_recovered": "core motifs recovered",
        "core_named": "core motifs named (top match)",
        "spurious_patterns": "spurious patterns",
        "target_rank": "target motif's best rank (1 = top)",
    }
    for row, (dataset, method) in enumerate(panels):
        runs = table[(table["dataset"] == dataset) & (table["method"] == method)]
        synthetic = len(runs) and (runs["core_motifs"] > 0).any()
        metrics = (
            ["core_recovered", "core_named", "spurious_patterns"] if synthetic else ["target_rank", "spurious_patterns"]
        )
        for ax in axes[row, len(metrics) :]:
            ax.axis("off")
        groups = sorted(runs["group"].unique())
        for column, metric in enumerate(metrics):
            ax = axes[row, column]
            for v, version in enumerate(VERSIONS):
                values = runs[runs["version"] == version]
                positions = np.arange(len(groups)) + (v - 0.5) * 0.38
                seeds = [
                    pd.to_numeric(values.loc[values["group"] == g, metric], errors="coerce").dropna() for g in groups
                ]
                ax.bar(
                    positions,
                    [x.mean() if len(x) else 0 for x in seeds],
                    width=0.36,
                    color=colours[version],
                    label=version,
                )
                for p, x in zip(positions, seeds):
                    ax.plot(np.full(len(x), p), x, "k.", ms=4)
            ax.set_xticks(np.arange(len(groups)), groups, rotation=30, ha="right", fontsize=8)
            ax.set_ylabel(labels[metric])
            top = max(1.0, ax.get_ylim()[1])
            if metric.startswith("core_") and len(runs):
                ax.axhline(runs["core_motifs"].max(), color="0.3", lw=0.6, ls="--")
                top = runs["core_motifs"].max() + 0.3
            ax.set_ylim(bottom=0, top=top)
            ax.set_title(f"{dataset} / {method}: {labels[metric]}", fontsize=9, loc="left")
            if row == 0 and column == 0:
                ax.legend(fontsize=8)
    figure.tight_layout()
    return figure
