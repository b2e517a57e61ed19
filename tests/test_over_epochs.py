"""seqattr.over_epochs: which per-epoch models a run kept, and the summary over seeds."""

import numpy as np
import pandas as pd
import pytest

from seqattr import over_epochs


def test_saved_epochs_are_in_epoch_order_and_only_epoch_models(tmp_path):
    for name in ["epoch10.keras", "epoch2.keras", "epoch1.keras", "epoch3.keras.partial", "notes.txt"]:
        (tmp_path / name).write_text("")
    assert [(e, p.name) for e, p in over_epochs.saved_epochs(tmp_path)] == [
        (1, "epoch1.keras"),
        (2, "epoch2.keras"),
        (10, "epoch10.keras"),
    ]
    assert over_epochs.saved_epochs(tmp_path / "missing") == []


def test_summary_is_mean_and_sd_over_seeds_per_epoch():
    rows = []
    for seed, values in {1: [0.6, 0.7], 2: [0.8, 0.9]}.items():
        for epoch, value in enumerate(values, 1):
            rows.append(
                {
                    "dataset": "d",
                    "model": "m",
                    "regime": "r",
                    "task": 0,
                    "method": "saliency",
                    "corrected": "raw",
                    "seed": seed,
                    "epoch": epoch,
                    **{c: value for c in over_epochs.COLUMNS},
                }
            )
    summary = over_epochs.mean_sd_over_seeds(pd.DataFrame(rows)).set_index("epoch")
    assert summary.loc[1, "interpretability_auroc_mean"] == pytest.approx(0.7)
    assert summary.loc[2, "cosine_mean"] == pytest.approx(0.8)
    assert summary.loc[2, "snr_sd"] == pytest.approx(np.std([0.7, 0.9], ddof=1))
    assert (summary["n_seeds"] == 2).all()


def _epoch_model(seed, length):
    """A small CNN with batch norm (moving statistics are weights too) and the named output layers."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((length, 4))
    hidden = keras.layers.Conv1D(6, 5, padding="same")(inputs)
    hidden = keras.layers.BatchNormalization()(hidden)
    hidden = keras.layers.Activation("relu")(hidden)
    logits = keras.layers.Dense(1, name="logits")(keras.layers.Flatten()(hidden))
    model = keras.Model(inputs, keras.layers.Activation("sigmoid", name="probability")(logits))
    norm = model.layers[2]
    norm.moving_mean.assign(np.full(6, 0.1 * seed, np.float32))
    norm.moving_variance.assign(np.full(6, 1.0 + seed, np.float32))
    return model


def test_scoring_epochs_on_one_model_equals_loading_each_epoch(tmp_path):
    """score_epochs replaces the weights of one model in place (tracing once); every epoch's rows must
    be those of that epoch's model loaded on its own, and the epochs must differ from each other."""
    import keras

    from seqattr.attribution import Attributor
    from seqattr.data import one_hot

    length, rng = 40, np.random.default_rng(5)
    x = one_hot(["".join(rng.choice(list("ACGT"), length)) for _ in range(24)])
    test = {"x": x, "y": np.tile([[0], [1]], (12, 1)).astype(np.float32)}
    indices = np.flatnonzero(test["y"][:, 0] == 1)
    truth = np.full((len(indices), length, 4), 0.25, np.float32)  # uniform background, the motif one-hot
    truth[:, 10:18] = x[indices, 10:18]
    label = {"dataset": "d", "model": "m", "regime": "r", "seed": 1, "task": 0, "method": "saliency"}
    for epoch, seed in [(1, 11), (2, 12), (3, 13)]:
        _epoch_model(seed, length).save(tmp_path / f"epoch{epoch}.keras")
    method = {"kind": "smoothgrad", "samples": 3}
    table = over_epochs.score_epochs(
        over_epochs.saved_epochs(tmp_path), test, indices, truth, method, "logit", 0, 1, label, 5
    )
    assert list(table["epoch"]) == [1, 1, 2, 2, 3, 3]
    for epoch in (1, 2, 3):
        model = keras.saving.load_model(tmp_path / f"epoch{epoch}.keras", compile=False)
        alone = over_epochs.epoch_rows(
            model, Attributor(model, method, (length, 4), "logit", 0), test, indices, truth, 0, 1, label, 5
        )
        ours = table[table["epoch"] == epoch].drop(columns="epoch").reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, alone, rtol=1e-6)
    per_epoch = table[table["corrected"] == "raw"].set_index("epoch")
    assert per_epoch["classification_auroc"].nunique() == 3 and per_epoch["interpretability_auroc"].nunique() == 3


def test_over_epochs_figure_has_a_row_per_model_a_colour_per_regime_and_the_legend_beside():
    """Paper 000 holds 40 runs: one panel row per model (and method), each regime one colour in every
    row, and a single legend right of all panels instead of one hiding a panel's lines."""
    from seqattr.plots.studies import over_epochs_figure

    models, regimes = ["f1", "f4", "f8"], ["standard", "manifold_mixup", "standard_epoch40", "two_phase"]
    rows = [
        {
            "dataset": "d",
            "model": m,
            "regime": r,
            "task": 0,
            "method": "saliency",
            "corrected": version,
            "seed": 1,
            "epoch": epoch,
            **{c: 0.5 + epoch / 100 + i / 1000 for c in over_epochs.COLUMNS},
        }
        for i, (m, r) in enumerate((m, r) for m in models for r in regimes)
        for epoch in (1, 2, 3)
        for version in ("raw", "corrected")
    ]
    summary = over_epochs.mean_sd_over_seeds(pd.DataFrame(rows))
    figure = over_epochs_figure(summary)
    assert len(figure.axes) == len(models) * 3
    assert [ax.get_title() for ax in figure.axes[::3]] == [f"{m} · saliency" for m in models]
    assert all(len(ax.get_lines()) == len(regimes) for ax in figure.axes)  # raw maps only, a line per regime

    def colour_of(ax):
        return [tuple(line.get_color()) for line in ax.get_lines()]

    assert len(set(colour_of(figure.axes[0]))) == len(regimes)
    assert all(colour_of(ax) == colour_of(figure.axes[0]) for ax in figure.axes)
    assert not any(ax.get_legend() for ax in figure.axes)
    (legend,) = figure.legends
    assert sorted(text.get_text() for text in legend.get_texts()) == sorted(regimes)
    figure.canvas.draw()
    assert legend.get_window_extent().x0 >= max(ax.get_window_extent().x1 for ax in figure.axes)
