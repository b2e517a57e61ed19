"""Figures: each function draws onto matplotlib axes or returns a figure; ``save`` writes it. ``colours_for``
and ``legend_beside`` give figures with many groups one distinct colour each and one legend beside the panels."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import numpy as np

from seqattr.data import atomic_write

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def save(figure, path: str | os.PathLike) -> None:
    """Write ``figure`` to ``path`` (PNG) and the same name with ``.pdf``, atomically, then close it."""
    path = Path(path)
    for target in (path, path.with_suffix(".pdf")):
        with atomic_write(target, keep_suffix=True) as partial:
            figure.savefig(partial, dpi=150, bbox_inches="tight")
    plt.close(figure)


def colours_for(names) -> dict[str, tuple]:
    """One distinct colour per name: tab10 up to 10, tab20 up to 20, else evenly spaced hues of turbo."""
    names = sorted(set(names))
    if len(names) <= 10:
        palette = plt.cm.tab10(np.arange(len(names)))
    elif len(names) <= 20:
        palette = plt.cm.tab20(np.arange(len(names)))
    else:
        palette = plt.cm.turbo(np.linspace(0.05, 0.95, len(names)))
    return dict(zip(names, palette))


def legend_beside(figure, colours: dict[str, tuple], markers: dict[str, dict] | None = None) -> None:
    """One figure legend right of the panels — a coloured dot per group, then the marker of each version —
    so that no panel's points are hidden behind it, however many groups there are."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="", marker="o", color=colour, label=name) for name, colour in colours.items()]
    handles += [Line2D([], [], ls="", color="grey", label=label, **style) for label, style in (markers or {}).items()]
    figure.tight_layout()
    figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=7,
        frameon=False,
        ncol=1 + len(handles) // 30,
    )
