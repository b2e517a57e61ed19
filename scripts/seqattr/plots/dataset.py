"""A one-figure summary of a simulated dataset."""

from __future__ import annotations

import numpy as np

from seqattr.plots import plt
from seqattr.plots.logos import draw_logo, figure_width, information_matrix


def dataset_figure(model: np.ndarray, positive: np.ndarray, n_motifs: np.ndarray, name: str):
    """Motif counts per class, mean information per position over positives, and one positive's model.

    ``positive`` marks the sequences holding a core motif that drives a label: ``(motif_index >=
    0).any(1)``, for every task type and output layout (a regression label says nothing of the
    class). In the binary one-output design these are the sequences drawn from the core pool; in the
    others, also the negatives that drew a core PWM (docs/decisions.md, "Labels follow the motifs").
    """
    figure = plt.figure(figsize=(figure_width(model.shape[1], minimum=11.0), 5.5))  # the logo spans the width
    grid = figure.add_gridspec(2, 2, height_ratios=[1, 1])
    counts_ax, info_ax = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    logo_ax = figure.add_subplot(grid[1, :])
    positive = np.asarray(positive, dtype=bool)
    bins = np.arange(n_motifs.min(), n_motifs.max() + 2) - 0.5
    for label, mask in (("with a label-driving core motif", positive), ("without", ~positive)):
        counts_ax.hist(n_motifs[mask], bins=bins, alpha=0.6, label=label)
    counts_ax.set(title="motifs per sequence", xlabel="number of motifs", ylabel="sequences")
    counts_ax.legend()
    information = information_matrix(model[positive].reshape(-1, 4)).sum(-1).reshape(-1, model.shape[1])
    info_ax.plot(information.mean(0))
    info_ax.set(
        title="information of the sequence model (with a label-driving core motif)",
        xlabel="position",
        ylabel="mean bits",
    )
    draw_logo(logo_ax, model[np.flatnonzero(positive)[0]], kind="information")
    logo_ax.set_title(
        f"{name}: sequence model of the first test sequence with a label-driving core motif", fontsize=9, loc="left"
    )
    figure.tight_layout()
    return figure
