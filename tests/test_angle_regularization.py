"""Paper 001 §5.7: training with the angle penalty pulls gradients onto the simplex."""

import logging

import numpy as np
import pytest

from seqattr import training
from seqattr.attribution import attribute
from seqattr.correction import angles
from seqattr.models import build_model
from seqattr.simulate import simulate


@pytest.fixture(scope="module")
def data():
    splits, _ = simulate({"n_positive": 250, "n_negative": 250, "n_background": 10, "seed": 11})
    return splits


def _mean_abs_angle(data, strength, tmp_path):
    training.seed_everything(5)
    model = build_model(
        {"architecture": "cnn_shallow", "options": {"activation": "exponential"}}, (200, 4), 1, "binary"
    )
    training.train(
        model,
        data,
        {"kind": "angle_regularization", "strength": strength},
        {"epochs": 4, "batch_size": 25, "learning_rate": 0.01},
        seed=5,
        checkpoint_dir=tmp_path / f"ck{strength}",
        history_path=tmp_path / f"h{strength}.tsv",
        label=f"strength {strength}",
        log=logging.getLogger("test"),
    )
    G = attribute(model, data["test"]["x"], {"kind": "saliency"})
    return float(np.abs(angles(G)).mean())


def test_stronger_angle_regularisation_gives_smaller_angles(data, tmp_path):
    weak, strong = (_mean_abs_angle(data, s, tmp_path) for s in (0.0, 0.01))  # 0.01: the strong end of the lab grid
    assert strong < 0.8 * weak, (weak, strong)
