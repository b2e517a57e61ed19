"""Figures of attribution consistency (paper 002 Fig. 2): SNR against each KLD, the k-mer
frequencies of two models against the prior, and their angular densities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqattr.consistency import kmer_names
from seqattr.plots import plt
from seqattr.selection import GROUP, KLDS, correlations


def snr_vs_kld_figure(selection: pd.DataFrame):
    """One row per (dataset, task, method) with an SNR, one column per KLD; correlations in each title."""
    with_snr = selection.dropna(subset=["snr"])
    stats = correlations(selection).set_index(GROUP + ["kld"])
    groups = list(with_snr.groupby(GROUP))
    figure, axes = plt.subplots(
        max(len(groups), 1), len(KLDS), figsize=(4.6 * len(KLDS), 3.6 * max(len(groups), 1)), squeeze=False
    )
    if not groups:
        for ax in axes[0]:
            ax.text(0.5, 0.5, "no attribution SNR\n(no ground truth in these datasets)", ha="center", va="center")
            ax.set_axis_off()
    for row, (key, rows) in zip(axes, groups):
        dataset, task, method = key
        for ax, (column, kind) in zip(row, KLDS.items()):
            for regime, points in rows.groupby("regime"):
                ax.scatter(points[column], points["snr"], s=18, label=regime)
            s = stats.loc[(*key, kind)]
            ax.set_title(
                f"{dataset} · task {task} · {method}\nSpearman ρ = {s['spearman']:.2f}, Pearson r = {s['pearson']:.2f} "
                f"(n = {int(s['n'])})",
                fontsize=9,
            )
            ax.set_xlabel(f"KLD ({kind})")
            ax.set_ylabel("attribution SNR")
        row[0].legend(fontsize=7, title="regime", title_fontsize=7)
    figure.tight_layout()
    return figure


def _no_pair():
    """Stand-in figure when no (dataset, task, method) has two models to compare."""
    figure, ax = plt.subplots(figsize=(5, 2))
    ax.text(
        0.5, 0.5, "fewer than two models per dataset, task and method:\nnothing to contrast", ha="center", va="center"
    )
    ax.set_axis_off()
    return figure


def contrast_pairs(models: list[dict]) -> list[tuple[str, dict, dict]]:
    """Per (dataset, task, method) with at least two models: (title, most consistent, least consistent).

    Each model dict carries ``dataset``, ``task``, ``method`` and both KLDs; consistency is the mean of the
    two KLD ranks, as in :mod:`seqattr.selection`.
    """
    table = pd.DataFrame([{**{c: str(m[c]) for c in GROUP}, **{k: m[k] for k in KLDS}} for m in models])
    pairs = []
    for (dataset, task, method), group in table.groupby(GROUP, sort=True):
        if len(group) < 2:
            continue
        score = sum(group[k].rank(ascending=False, na_option="bottom") for k in KLDS) / len(KLDS)
        order = score.sort_values(kind="stable").index
        pairs.append((f"{dataset} · task {task} · {method}", models[order[0]], models[order[-1]]))
    return pairs


def kmer_frequency_figure(pairs: list[tuple[str, dict, dict]], top: int = 5):
    """Per row, two models' attributed k-mer frequencies and the prior, the ``top`` k-mers of the
    first named; beside it the same frequencies ranked on log-log axes (paper 002 Fig. 2d).

    ``pairs``: (title, first, second) with each model a dict of ``label``, ``kmer_frequencies``,
    ``kmer_prior`` and ``kmer_kld``.
    """
    if not pairs:
        return _no_pair()
    figure, axes = plt.subplots(
        len(pairs), 2, figsize=(12, 3.6 * len(pairs)), squeeze=False, gridspec_kw={"width_ratios": [3, 1]}
    )
    for (ax, ranked_ax), (title, first, second) in zip(axes, pairs):
        names = kmer_names(int(round(np.log(first["kmer_prior"].size) / np.log(4))))
        curves = [(f"{m['label']} (KLD {m['kmer_kld']:.3f})", m["kmer_frequencies"], {}) for m in (first, second)]
        curves.append(("prior (all test sequences)", first["kmer_prior"], {"color": "0.5"}))
        for label, frequencies, style in curves:
            ax.plot(frequencies, lw=0.6, label=label, **style)
            ranked = np.sort(frequencies)[::-1]
            ranked_ax.loglog(np.arange(1, ranked.size + 1), ranked, lw=0.8, **style)
        for i in np.argsort(first["kmer_frequencies"])[::-1][:top]:
            ax.annotate(
                names[i],
                (i, first["kmer_frequencies"][i]),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                rotation=90,
                fontsize=7,
            )
        ax.set_ylim(0, ax.get_ylim()[1] * 1.25)
        ax.set_xticks([])
        ax.set_xlabel(f"{names.size} k-mers")
        ax.set_ylabel("frequency")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False)
        ranked_ax.set_xlabel("rank")
        ranked_ax.set_title("ranked", fontsize=9)
    figure.tight_layout()
    return figure


def angular_density_figure(pairs: list[tuple[str, dict, dict]]):
    """Per row, the r²-weighted (θ, φ) densities of two models side by side (paper 002 Fig. 2e, f).

    Each model is a dict of ``label``, ``angular_density``, ``theta_edges``, ``phi_edges`` and
    ``kattr_mean_kld``.
    """
    if not pairs:
        return _no_pair()
    figure, axes = plt.subplots(len(pairs), 2, figsize=(10, 3.4 * len(pairs)), squeeze=False)
    for row, (title, first, second) in zip(axes, pairs):
        vmax = max(first["angular_density"].max(), second["angular_density"].max()) or 1.0
        for ax, model in zip(row, (first, second)):
            extent = [model["phi_edges"][0], model["phi_edges"][-1], model["theta_edges"][-1], model["theta_edges"][0]]
            image = ax.imshow(model["angular_density"], extent=extent, aspect="auto", cmap="magma_r", vmin=0, vmax=vmax)
            ax.set_xlabel("φ (rad)")
            ax.set_ylabel("θ (rad)")
            ax.set_title(f"{title}\n{model['label']} — KLD {model['kattr_mean_kld']:.3f}", fontsize=9)
        figure.colorbar(image, ax=row.tolist(), label="r²-weighted density", shrink=0.9)
    return figure
