"""Sequence logos of (L, 4) matrices: probabilities, information, attribution maps.

Letters are drawn as logomaker 0.8.7 draws them ("classic" colours, bold sans letters 0.95 wide,
each stretched to its height and no wider than an E, stacked biggest on top above zero and
biggest at the bottom below it, a thin black baseline, no spines), but all letters of one base
go into one compound path: a 200-nt panel draws in a fraction of the time logomaker's one patch
per letter takes, and looks the same (``tests/test_logos.py`` compares the pixels).
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.textpath import TextPath

ALPHABET = list("ACGT")
CLASSIC_COLOURS = {"A": (0, 0.5, 0), "C": (0, 0, 1), "G": (1, 0.65, 0), "T": (1, 0, 0)}
LETTER_WIDTH = 0.95  # of one position
WIDEST_LETTER = "E"  # no letter is stretched wider than this one would be
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


@functools.cache
def _letter_path(letter: str) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The letter's outline moved to the origin, its codes, and its x and y stretch per unit of height
    and width (the x stretch capped by ``WIDEST_LETTER``)."""
    font = FontProperties(family="sans", weight="bold")
    path = TextPath((0, 0), letter, size=1, prop=font)
    box = path.get_extents()
    widest = TextPath((0, 0), WIDEST_LETTER, size=1, prop=font).get_extents()
    x_stretch = min(LETTER_WIDTH / box.width, LETTER_WIDTH / widest.width)
    vertices = np.asarray(path.vertices) - (box.xmin, box.ymin)
    return vertices, np.asarray(path.codes), x_stretch, 1.0 / box.height


def stacks(heights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each letter's floor and ceiling at its position: per position the values sorted ascending,
    stacked from the sum of the negative ones upwards, so the biggest sits on top above zero and the
    most negative at the bottom below it."""
    order = np.argsort(heights, axis=1)
    ordered = np.take_along_axis(heights, order, axis=1)
    tops = np.where(ordered < 0, ordered, 0).sum(axis=1, keepdims=True) + np.cumsum(np.abs(ordered), axis=1)
    floors, ceilings = np.empty_like(heights), np.empty_like(heights)
    np.put_along_axis(ceilings, order, tops, axis=1)
    np.put_along_axis(floors, order, tops - np.abs(ordered), axis=1)
    return floors, ceilings


def _letters(letter: str, positions: np.ndarray, floors: np.ndarray, heights: np.ndarray) -> Path:
    """One compound path of ``letter`` filling each (position, floor, height) box."""
    vertices, codes, x_stretch, y_per_height = _letter_path(letter)
    shift = (LETTER_WIDTH - x_stretch * (vertices[:, 0].max() - vertices[:, 0].min())) / 2
    x = vertices[None, :, 0] * x_stretch + (positions - LETTER_WIDTH / 2 + shift)[:, None]
    y = vertices[None, :, 1] * (heights * y_per_height)[:, None] + floors[:, None]
    return Path(np.stack([x, y], axis=-1).reshape(-1, 2), np.tile(codes, len(positions)))


def draw_logo(ax, matrix: np.ndarray, title: str | None = None, kind: str = "saliency") -> None:
    """Draw ``matrix`` (L, 4) on ``ax``: ``probability`` and ``information`` for sequence models
    (information in bits), ``saliency`` for signed attribution scores."""
    if kind == "information":
        heights = information_matrix(matrix)
    elif kind in ("probability", "saliency"):
        heights = np.nan_to_num(np.asarray(matrix, dtype=np.float64))
    else:
        raise ValueError(f"unknown logo kind {kind!r}; use probability, information or saliency")
    if heights.ndim != 2 or heights.shape[1] != len(ALPHABET):
        raise ValueError(f"a logo needs an (L, {len(ALPHABET)}) matrix, got {heights.shape}")
    floors, ceilings = stacks(heights)
    for column, letter in enumerate(ALPHABET):
        drawn = np.flatnonzero(heights[:, column] != 0)
        if drawn.size:
            path = _letters(letter, drawn.astype(float), floors[drawn, column], np.abs(heights[drawn, column]))
            patch = PathPatch(path, facecolor=CLASSIC_COLOURS[letter], edgecolor="black", linewidth=0, zorder=0)
            ax.add_artist(patch)  # not add_patch: the limits are set below, without the curves' extrema
    ax.axhline(0, color="black", linewidth=0.5, zorder=-1)
    ax.set_ylim(floors.min(), ceilings.max())
    ax.set_xlim(-0.5, len(heights) - 0.5)  # one unit per position, as the angle bars below
    ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if kind == "saliency":
        ax.axhline(0, color="0.5", lw=0.5)
    ax.set_ylabel({"information": "bits", "probability": "p", "saliency": "score"}[kind])
    if title:
        ax.set_title(title, fontsize=9, loc="left")
