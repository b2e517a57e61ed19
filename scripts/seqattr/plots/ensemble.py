"""Figures of the in vivo ensemble proxy (paper 004 Fig. 1d, Fig. 3e and Appendix B).

Labels read "<TF or dataset> <model> <method>": the first word names a line, the rest a
panel, so each panel shows one model with one line per TF, as in the paper. A one-word label
is a line in a single panel.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from seqattr.correction import THRESHOLDS
from seqattr.plots import plt


def _panels(labels) -> dict[str, list[tuple[str, str]]]:
    """Panel title → [(line name, label)] in the order the labels come."""
    panels: dict[str, list[tuple[str, str]]] = {}
    for label in labels:
        line, _, panel = label.partition(" ")
        panels.setdefault(panel, []).append((line, label))
    return panels


def _grid(n: int, width: float = 5.0, height: float = 3.6):
    columns = min(n, 2)
    rows = -(-n // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    return figure, axes.flat


def angle_density_figure(densities: Mapping[str, tuple[tuple, tuple]]):
    """Angle densities of the members (solid) and of the ensemble map (dashed), per label.

    ``densities[label] = ((centres, member density), (centres, ensemble density))``.
    """
    panels = _panels(densities)
    figure, axes = _grid(len(panels))
    for ax, (title, lines) in zip(axes, panels.items()):
        for line, label in lines:
            (x, members), (x_ens, ens) = densities[label]
            drawn = ax.plot(x, members, lw=1.2, label=line)
            ax.plot(x_ens, ens, lw=1, ls="--", color=drawn[0].get_color())
        ax.set(
            title=f"{title}\nmembers (solid), ensemble map (dashed)",
            xlabel="angle to the simplex (°)",
            ylabel="density",
            xlim=(-90, 90),
        )
        ax.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    return figure


def reduction_figure(tables: Mapping[str, pd.DataFrame]):
    """Ensemble difference reduction (1 − mean d_after / mean d_before per bin) against the angle, one line per label (Fig. 3e)."""
    panels = _panels(tables)
    figure, axes = _grid(len(panels))
    for ax, (title, lines) in zip(axes, panels.items()):
        for line, label in lines:
            table = tables[label].dropna(subset=["reduction"])
            ax.plot(table["angle"], 100 * table["reduction"], marker=".", lw=1.2, label=line)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(
            title=title,
            xlabel="angle of the individual map (°)",
            ylabel="ensemble difference reduction (%)",
            xlim=(-90, 90),
        )
        ax.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    return figure


def large_angles_figure(fractions: Mapping[str, Mapping[str, float]], synthetic: Mapping[str, float] | None = None):
    """Fractions of positions above 30°, 45°, 60° per label (Fig. 1d); dashed: the synthetic-data means."""
    panels = _panels(fractions)
    figure, axes = _grid(len(panels), width=max(5.0, 0.5 * max(len(v) for v in panels.values()) + 2))
    width = 0.8 / len(THRESHOLDS)
    for ax, (title, lines) in zip(axes, panels.items()):
        x = np.arange(len(lines))
        for i, threshold in enumerate(THRESHOLDS):
            key = f"frac_gt_{threshold}"
            bars = ax.bar(
                x + (i - 1) * width, [100 * fractions[label][key] for _, label in lines], width, label=f"> {threshold}°"
            )
            if synthetic and synthetic.get(key) is not None:
                ax.axhline(100 * synthetic[key], ls="--", lw=1, color=bars.patches[0].get_facecolor())
        ax.set_xticks(x, [line for line, _ in lines], rotation=45, ha="right")
        note = " (dashed: synthetic data)" if synthetic else ""
        ax.set(title=f"{title}{note}", ylabel="positions (%)")
        ax.legend(fontsize=7)
    figure.tight_layout()
    return figure
