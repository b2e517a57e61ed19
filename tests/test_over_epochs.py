"""seqattr.over_epochs: which per-epoch models a run kept, and the summary over seeds."""

import numpy as np
import pandas as pd
import pytest

from seqattr import over_epochs


def test_saved_epochs_are_in_epoch_order_and_only_epoch_models(tmp_path):
    for name in ["epoch10.keras", "epoch2.keras", "epoch1.keras", "epoch3.keras.partial", "notes.txt"]:
        (tmp_path / name).write_text("")
    assert [(e, p.name) for e, p in over_epochs.saved_epochs(tmp_path)] == [
        (1, "epoch1.keras"), (2, "epoch2.keras"), (10, "epoch10.keras")]
    assert over_epochs.saved_epochs(tmp_path / "missing") == []


def test_summary_is_mean_and_sd_over_seeds_per_epoch():
    rows = []
    for seed, values in {1: [0.6, 0.7], 2: [0.8, 0.9]}.items():
        for epoch, value in enumerate(values, 1):
            rows.append({"dataset": "d", "model": "m", "regime": "r", "task": 0, "method": "saliency", "corrected": "raw",
                         "seed": seed, "epoch": epoch, **{c: value for c in over_epochs.COLUMNS}})
    summary = over_epochs.summarize(pd.DataFrame(rows)).set_index("epoch")
    assert summary.loc[1, "interpretability_auroc_mean"] == pytest.approx(0.7)
    assert summary.loc[2, "cosine_mean"] == pytest.approx(0.8)
    assert summary.loc[2, "snr_sd"] == pytest.approx(np.std([0.7, 0.9], ddof=1))
    assert (summary["n_seeds"] == 2).all()
