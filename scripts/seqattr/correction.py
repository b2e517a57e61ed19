"""Gradient correction and the angle of a gradient to the probability simplex (paper 004).

One-hot inputs live on the simplex Σ_a x_a = 1, so the component of a gradient along the
normal n = (1, …, 1)/√A says nothing about the function on the data and only adds noise to
attribution maps. The correction removes it; the angle measures how large it was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

THRESHOLDS = (30, 45, 60)


def correct(G: np.ndarray) -> np.ndarray:
    """Subtract, at every position, the mean over the alphabet (the last axis)."""
    G = np.asarray(G)
    return G - G.mean(axis=-1, keepdims=True)


def angles(G: np.ndarray) -> np.ndarray:
    """Angle in degrees between each position's gradient and the simplex plane, in [−90, 90].

    sin α = (Σ_a G_a) / (√A ‖G‖) — for A = 4 that is Σ G / (2‖G‖), the normal being ½(1,1,1,1).
    A zero gradient has angle 0.
    """
    G = np.asarray(G, dtype=np.float64)
    norm = np.linalg.norm(G, axis=-1)
    projection = G.sum(axis=-1) / np.sqrt(G.shape[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        sine = np.where(norm > 0, projection / norm, 0.0)
    return np.degrees(np.arcsin(np.clip(sine, -1.0, 1.0)))


def large_angle_fractions(angle: np.ndarray, thresholds=THRESHOLDS, mask: np.ndarray | None = None) -> np.ndarray:
    """Per sequence, the fraction of (masked) positions with |angle| above each threshold: (N, T)."""
    angle = np.abs(np.asarray(angle))
    mask = np.ones(angle.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    counted = np.maximum(mask.sum(axis=1), 1)
    return np.stack([((angle > t) & mask).sum(axis=1) / counted for t in thresholds], axis=1)


def angle_summary(angle: np.ndarray, thresholds=THRESHOLDS) -> pd.DataFrame:
    """Per-sequence angle statistics: fractions above each threshold, mean |angle| and SD."""
    fractions = large_angle_fractions(angle, thresholds)
    table = pd.DataFrame(fractions, columns=[f"frac_gt_{t}" for t in thresholds])
    table["mean_abs_angle"] = np.abs(angle).mean(axis=1)
    table["angle_sd"] = angle.std(axis=1)
    return table
