"""A trivially learnable dataset and one-call training of a small seeded model (training and fault tests)."""

import numpy as np

from seqattr import training
from seqattr.models import build_model


def gc_rich_dataset(n, seed):
    """Positives are GC-rich (C, G drawn with 0.35 each, A, T 0.15), negatives uniform: trivially learnable."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 2).astype(np.float32)[:, None]
    cumulative = np.cumsum(np.where(y == 1, [0.15, 0.35, 0.35, 0.15], 0.25), axis=1)
    index = (rng.random((n, 200, 1)) > cumulative[:, None, :]).sum(-1)
    return {"x": np.eye(4, dtype=np.float32)[index], "y": y}


DATA = {"train": gc_rich_dataset(200, 1), "valid": gc_rich_dataset(100, 2), "test": gc_rich_dataset(100, 3)}
SETTINGS = {"epochs": 1, "batch_size": 50}


def seeded_model(seed, architecture="cnn_shallow", **options):
    """A freshly seeded model for 200 bp one-hot input and one binary output."""
    training.seed_everything(seed)
    return build_model({"architecture": architecture, "options": options}, (200, 4), 1, "binary")


def train_quickly(tmp_path, model, regime, settings=SETTINGS, seed=1, data=DATA, **paths):
    """``training.train`` with its checkpoint and history under ``tmp_path``."""
    return training.train(
        model,
        data,
        regime,
        settings,
        seed=seed,
        checkpoint_dir=tmp_path / "ckpt",
        history_path=tmp_path / "history.tsv",
        label="synthetic/test/regime/seed1",
        **paths,
    )
