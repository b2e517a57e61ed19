"""Logo heights and the dataset figure."""

import numpy as np
import pytest

from seqattr.plots import plt
from seqattr.plots.dataset import dataset_figure
from seqattr.plots.logos import draw_logo, information_matrix
from seqattr.simulate import simulate


def test_information_heights_in_bits():
    heights = information_matrix(np.array([[1.0, 0, 0, 0], [0.25] * 4, [0.5, 0.5, 0, 0]]))
    np.testing.assert_allclose(heights.sum(1), [2.0, 0.0, 1.0])
    np.testing.assert_allclose(heights[2], [0.5, 0.5, 0, 0])


def test_draw_logo_refuses_unknown_kind():
    figure, ax = plt.subplots()
    with pytest.raises(ValueError, match="unknown logo kind"):
        draw_logo(ax, np.zeros((5, 4)), kind="bits")
    plt.close(figure)


def test_dataset_figure_panels():
    splits, _ = simulate({"n_positive": 60, "n_negative": 60, "n_background": 10, "seed": 2})
    test = splits["test"]
    figure = dataset_figure(test["model"], (test["motif_index"] >= 0).any(1), test["n_motifs"], "tiny")
    titles = [ax.get_title() for ax in figure.axes] + [ax.get_title(loc="left") for ax in figure.axes]
    assert (
        "motifs per sequence" in titles
        and "information of the sequence model (with a label-driving core motif)" in titles
    )
    assert any(t.startswith("tiny: sequence model") for t in titles)
    heights = [p.get_height() for p in figure.axes[0].patches]
    assert sum(heights) == len(test["y"])  # every sequence counted once in the histogram
    plt.close(figure)
