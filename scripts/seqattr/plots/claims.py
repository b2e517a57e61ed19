"""A claims table drawn: each claim's effect with its 95 % interval, coloured by its verdict.

Claims are in different units (fractions, degrees, ratios), so each has its own row and x-axis. A
reader sees at a glance which findings are solid (an interval clear of the claim's threshold),
which fail, and which the run's seeds cannot decide.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from seqattr import claims
from seqattr.plots import plt

VERDICT_COLOURS = {claims.HOLDS: "#1b7837", claims.FAILS: "#b2182b", claims.NO_DATA: "#bbbbbb"}
UNDECIDED_COLOUR = "#636363"  # undetermined, with or without a second seed


def verdict_colour(verdict: str) -> str:
    return VERDICT_COLOURS.get(verdict, UNDECIDED_COLOUR)


HOLDS_REGION = "#d9f0d3"  # where a test must lie to hold


def _limits(row) -> tuple[float, float] | None:
    """An x range holding the effect, its interval and the finite ends of the region where it holds."""
    values = [row.get(k, np.nan) for k in ("effect", "low", "high", "holds_from", "holds_to")]
    values = [float(v) for v in values if pd.notna(v) and np.isfinite(float(v))]
    if not values:
        return None
    low, high = min(values), max(values)
    pad = 0.08 * (high - low) if high > low else 0.05 * max(abs(low), 1.0)
    return low - pad, high + pad


def claims_figure(table: pd.DataFrame, title: str):
    """One row per claim (``claim``, ``effect``, ``low``, ``high``, ``n_seeds``, ``verdict``; where given,
    ``holds_from`` … ``holds_to``, the region a test must lie in to hold, shaded): the point, its interval
    as a bar (none with one seed) and, on the right, the verdict and the seeds behind it."""
    figure, axes = plt.subplots(len(table), 1, figsize=(8.5, 0.85 * len(table) + 0.8), squeeze=False)
    for ax, (_, row) in zip(axes[:, 0], table.iterrows()):
        colour = verdict_colour(row["verdict"])
        limits = _limits(row)
        if limits is not None:
            ax.set_xlim(*limits)
        if pd.notna(row.get("holds_from", np.nan)):
            ax.axvspan(max(row["holds_from"], limits[0]), min(row["holds_to"], limits[1]), color=HOLDS_REGION, zorder=0)
        if np.isfinite(row["effect"]):
            error = [[row["effect"] - row["low"]], [row["high"] - row["effect"]]] if np.isfinite(row["low"]) else None
            ax.errorbar([row["effect"]], [0], xerr=error, fmt="o", color=colour, capsize=4, ms=6)
        else:
            ax.text(
                0.5, 0.5, "no estimate (nothing decided)", transform=ax.transAxes, ha="center", va="center", fontsize=7
            )
        ax.set_yticks([])
        ax.set_ylim(-1, 1)
        ax.set_title("\n".join(textwrap.wrap(str(row["claim"]), 95)), fontsize=7.5, loc="left")
        ax.tick_params(axis="x", labelsize=7)
        needed = row.get("seeds_needed")
        seeds = f"{row['n_seeds']} seed(s)" + (f"; {int(needed)} would decide it" if pd.notna(needed) else "")
        ax.text(
            1.01, 0.5, f"{row['verdict']}\n{seeds}", transform=ax.transAxes, fontsize=7.5, color=colour, va="center"
        )
    figure.suptitle(f"{title} (shaded: where a test holds)", fontsize=9)
    figure.tight_layout()
    return figure
