"""Figures: each function draws onto matplotlib axes or returns a figure; ``save`` writes it."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def save(figure, path: str | os.PathLike) -> None:
    """Write ``figure`` to ``path`` (PNG) and the same name with ``.pdf``, atomically, then close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for target in (path, path.with_suffix(".pdf")):
        partial = target.with_name(f".{target.stem}.partial{target.suffix}")
        figure.savefig(partial, dpi=150, bbox_inches="tight")
        os.replace(partial, target)
    plt.close(figure)
