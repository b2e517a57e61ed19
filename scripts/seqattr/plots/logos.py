"""Sequence logos of (L, 4) matrices with logomaker: probabilities, information, attribution maps."""

from __future__ import annotations

import numpy as np
import pandas as pd

ALPHABET = list("ACGT")
POSITIONS_PER_INCH = 14  # letters stay legible at the 150 dpi of ``seqattr.plots.save``
MAX_WIDTH = 120.0  # inches (18,000 px at 150 dpi, well below matplotlib's 2**16 px per side)


def figure_width(length: int, minimum: float = 8.0) -> float:
    """Width in inches of a figure whose axes lay out ``length`` positions: ``length`` / 14, at least
    ``minimum`` (short sequences) and at most ``MAX_WIDTH`` (positions are drawn denser beyond 1,680 nt,
    instead of a figure that no viewer, or matplotlib itself, can render)."""
    return float(min(MAX_WIDTH, max(minimum, length / POSITIONS_PER_INCH)))


def information_matrix(probabilities: np.ndarray) -> np.ndarray:
    """Letter heights in bits: each column's probabilities × its information 2 + Σ p log2 p."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 0, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = np.where(p > 0, p * np.log2(p), 0.0).sum(axis=1, keepdims=True)
    return p * (2 + entropy)


def draw_logo(ax, matrix: np.ndarray, title: str | None = None, kind: str = "saliency") -> None:
    """Draw ``matrix`` (L, 4) on ``ax``: ``probability`` and ``information`` for sequence models
    (information in bits), ``saliency`` for signed attribution scores."""
    import logomaker

    if kind == "information":
        heights = information_matrix(matrix)
    elif kind in ("probability", "saliency"):
        heights = np.asarray(matrix, dtype=np.float64)
    else:
        raise ValueError(f"unknown logo kind {kind!r}; use probability, information or saliency")
    if heights.ndim != 2 or heights.shape[1] != len(ALPHABET):
        raise ValueError(f"a logo needs an (L, {len(ALPHABET)}) matrix, got {heights.shape}")
    frame = pd.DataFrame(heights, columns=ALPHABET)
    logomaker.Logo(frame, ax=ax, color_scheme="classic", flip_below=False, show_spines=False)
    ax.set_xlim(-0.5, len(frame) - 0.5)  # one unit per position, as the angle bars below (logomaker pads less)
    ax.set_xticks([])
    if kind == "saliency":
        ax.axhline(0, color="0.5", lw=0.5)
    ax.set_ylabel({"information": "bits", "probability": "p", "saliency": "score"}[kind])
    if title:
        ax.set_title(title, fontsize=9, loc="left")
