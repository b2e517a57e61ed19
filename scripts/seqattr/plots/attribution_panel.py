"""The stacked attribution panel of paper 004 Fig. 2 / preprint Fig. 3a–b, one block per sequence.

Rows: the raw map as grad × input logo, the angle of the gradient to the simplex at each
position, the corrected map as grad × input logo (same y scale as the raw one, so what the
correction removes shows), then, when given, the ensemble-average map as grad × input logo (the
in vivo proxy for ground truth, paper 004 Fig. 4; a scale of its own, as a saturated member's
map can be orders of magnitude smaller than the ensemble's) and the ground truth as an
information logo.
"""

from __future__ import annotations

import numpy as np

from seqattr.correction import angles, correct
from seqattr.plots import plt
from seqattr.plots.logos import draw_logo, figure_width

LARGE_ANGLE = 30  # degrees; bars above it are drawn in red


def top_predictions(prediction: np.ndarray, n: int) -> np.ndarray:
    """Rows of the ``n`` most confidently predicted sequences, highest first."""
    return np.argsort(-np.asarray(prediction), kind="stable")[:n]


def _draw_sequence(axes, G: np.ndarray, x: np.ndarray, M: np.ndarray | None, E: np.ndarray | None, title: str) -> None:
    """Fill the axes of one sequence: (L, 4) map, one-hot sequence, optional ensemble map and ground truth."""
    logos = {"raw map (grad × input)": G * x, "corrected map (grad × input)": correct(G) * x}
    if E is not None:
        logos["ensemble average (grad × input)"] = E * x
    logo_axes = [axes[0], axes[2]] + ([axes[3]] if E is not None else [])
    for ax, (name, logo) in zip(logo_axes, logos.items()):
        draw_logo(ax, logo, title=f"{title}: {name}" if ax is axes[0] else name, kind="saliency")
    angle = angles(G)
    axes[1].bar(np.arange(len(angle)), angle, width=1.0, color=np.where(np.abs(angle) > LARGE_ANGLE, "tab:red", "0.6"))
    axes[1].set(ylim=(-90, 90), yticks=[-90, 0, 90], ylabel="angle (°)", xlim=(-0.5, len(angle) - 0.5), xticks=[])
    axes[1].axhline(0, color="0.3", lw=0.5)
    member = list(logos.values())[:2]  # raw and corrected share a scale; the ensemble has its own
    _share_scale([axes[0], axes[2]], member)
    if E is not None:
        _share_scale([axes[3]], [logos["ensemble average (grad × input)"]])
    if M is not None:
        draw_logo(axes[-1], M, title="ground truth", kind="information")
        axes[-1].set_ylim(0, 2)


def _share_scale(logo_axes, logos) -> None:
    """One y range over these logos (their per-position sums), padded by 5 %."""
    heights = np.concatenate([logo.sum(-1) for logo in logos])
    low, high = heights.min(), heights.max()
    pad = 0.05 * max(high - low, 1e-12)
    for ax in logo_axes:
        ax.set_ylim(min(low, 0) - pad, max(high, 0) + pad)


def attribution_figure(
    G: np.ndarray, x: np.ndarray, M: np.ndarray | None = None, titles=None, E: np.ndarray | None = None
):
    """Stacked panels of every sequence in (n, L, 4) ``G`` and ``x`` (and ensemble ``E``, truth ``M`` when given)."""
    n, length = G.shape[:2]
    heights = [1.3, 0.7, 1.3] + ([1.3] if E is not None else []) + ([1.0] if M is not None else [])
    rows = len(heights)
    titles = titles if titles is not None else [f"sequence {i}" for i in range(n)]
    figure, axes = plt.subplots(
        n * rows,
        1,
        figsize=(figure_width(length), sum(heights) * n + 0.4 * n),
        gridspec_kw={"height_ratios": heights * n},
        squeeze=False,
    )
    axes = axes[:, 0]
    for i in range(n):
        _draw_sequence(
            axes[i * rows : (i + 1) * rows],
            G[i],
            x[i],
            None if M is None else M[i],
            None if E is None else E[i],
            titles[i],
        )
    figure.tight_layout()
    return figure
