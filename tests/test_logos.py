"""Logo heights and the dataset figure."""

import numpy as np
import pytest

from seqattr.plots import plt
from seqattr.plots.dataset import dataset_figure
from seqattr.plots.logos import draw_logo, information_matrix, stacks
from seqattr.simulate import simulate


def test_information_heights_in_bits():
    heights = information_matrix(np.array([[1.0, 0, 0, 0], [0.25] * 4, [0.5, 0.5, 0, 0]]))
    np.testing.assert_allclose(heights.sum(1), [2.0, 0.0, 1.0])
    np.testing.assert_allclose(heights[2], [0.5, 0.5, 0, 0])


def test_letters_stack_biggest_on_top_above_zero_and_biggest_at_the_bottom_below():
    floors, ceilings = stacks(np.array([[0.5, -1.0, 2.0, -0.25]]))
    np.testing.assert_allclose(floors[0], [0.0, -1.25, 0.5, -0.25])  # C at the bottom, then T; A then G above 0
    np.testing.assert_allclose(ceilings[0], [0.5, -0.25, 2.5, 0.0])


@pytest.mark.parametrize("kind", ["saliency", "information"])
def test_logos_look_as_logomaker_draws_them(kind):
    """The same letters in the same places as logomaker 0.8.7's Logo (classic colours, no flipping, no
    spines): the rendered pixels differ only at anti-aliased edges (logomaker is a test dependency only)."""
    import logomaker
    import pandas as pd

    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(60, 4)) * (rng.random((60, 4)) > 0.4)
    if kind == "information":
        matrix = rng.dirichlet(np.full(4, 0.3), 60)
    pixels = []
    for draw in ("logomaker", "ours"):
        figure, ax = plt.subplots(figsize=(8, 2), dpi=100)
        if draw == "ours":
            draw_logo(ax, matrix, kind=kind)
        else:
            heights = information_matrix(matrix) if kind == "information" else matrix
            logomaker.Logo(
                pd.DataFrame(heights, columns=list("ACGT")),
                ax=ax,
                color_scheme="classic",
                flip_below=False,
                show_spines=False,
            )
            ax.set_xlim(-0.5, len(matrix) - 0.5)
            ax.set_xticks([])
            if kind == "saliency":
                ax.axhline(0, color="0.5", lw=0.5)
            ax.set_ylabel({"information": "bits", "saliency": "score"}[kind])
        figure.canvas.draw()
        pixels.append(np.asarray(figure.canvas.buffer_rgba())[..., :3] / 255.0)
        plt.close(figure)

    def blocks(image, k=4):  # 4 × 4-pixel means: anti-aliased edges average out, a misplaced letter does not
        h, w = (np.array(image.shape[:2]) // k) * k
        return image[:h, :w].reshape(h // k, k, w // k, k, 3).mean(axis=(1, 3))

    assert np.abs(blocks(pixels[0]) - blocks(pixels[1])).max() < 0.2  # two bases swapped in one column: 1.0
    assert (np.abs(pixels[0] - 1.0).max(axis=-1) > 0.25).mean() > 0.05  # a logo, not an empty axis


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
