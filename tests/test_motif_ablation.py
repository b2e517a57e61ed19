"""In-silico motif ablation (seqattr.motif_ablation) on constructed predictors and a planned config."""

import numpy as np
import pytest

from seqattr import config as cfg
from seqattr.motif_ablation import ablation_table, matched_gaps, own_against_others, resample

L, N = 40, 60
MOTIFS = [np.array([0, 1, 2, 3]), np.array([3, 3, 0, 0])]  # base indices of two core motifs


def constructed_split(seed=0):
    """One-hot sequences with motif 0 at 5–8 in some, motif 1 at 20–23 in some, and elsewhere gaps;
    where a motif is absent its window holds a background motif (index 9) that never matches it."""
    rng = np.random.default_rng(seed)
    bases = rng.integers(0, 4, size=(N, L))
    motif_index = np.full((N, L), -1)
    for motif, start in ((0, 5), (1, 20)):
        holding = rng.random(N) < 0.5
        window = range(start, start + 4)
        bases[np.ix_(holding, window)] = MOTIFS[motif]
        motif_index[np.ix_(holding, window)] = motif
        bases[np.ix_(~holding, window)] = (MOTIFS[motif] + 1) % 4
        motif_index[np.ix_(~holding, window)] = 9
    sequence_model = np.full((N, L, 4), 0.25)
    return np.eye(4, dtype=np.float32)[bases], motif_index, sequence_model


def presence_predictor(x):
    """Output t = 1 exactly when motif t sits at its place: a model that follows its own motif only."""
    observed = x.argmax(-1)
    return np.stack(
        [np.all(observed[:, 5:9] == MOTIFS[0], axis=1), np.all(observed[:, 20:24] == MOTIFS[1], axis=1)], axis=1
    ).astype(float)


def test_resample_changes_only_the_chosen_positions_and_keeps_one_hot():
    x, motif_index, _ = constructed_split()
    positions = motif_index == 0
    out = resample(x, positions, np.random.default_rng(1))
    assert np.array_equal(out[~positions], x[~positions])
    assert np.all(out.sum(-1) == 1)
    assert not np.array_equal(out[positions], x[positions])  # 4^-4 chance per sequence to redraw the motif


def test_matched_gaps_draws_as_many_gap_positions_per_sequence():
    x, motif_index, model = constructed_split()
    gaps = motif_index < 0
    counts = (motif_index == 0).sum(axis=1)
    chosen = matched_gaps(gaps, counts, np.random.default_rng(2))
    assert np.array_equal(chosen.sum(axis=1), counts)
    assert not np.any(chosen & ~gaps)
    with pytest.raises(ValueError, match="sequence 0 has 3 gap positions"):
        matched_gaps((np.arange(L) < 3)[None], np.array([5]), np.random.default_rng(0))


def test_a_model_following_its_own_motifs_changes_only_its_own_output():
    x, motif_index, model = constructed_split()
    table = ablation_table(presence_predictor, x, motif_index, model, [[0], [1]], seed=3)
    assert set(zip(table["motif"], table["output"], table["own"])) == {
        (0, 0, True),
        (0, 1, False),
        (1, 0, False),
        (1, 1, True),
    }
    own, other = table[table["own"]], table[~table["own"]]
    assert np.all(own["change"] > 0.9)  # a destroyed motif turns its output off (but for a redraw)
    assert np.all(other["change"] == 0) and np.all(table["control_change"] == 0)
    assert np.array_equal(own["n_sequences"].to_numpy(), [(motif_index == m).any(1).sum() for m in (0, 1)])
    table.insert(0, "model", "follows")
    summary = own_against_others(table)
    assert summary.loc[0, "own_change"] > 0.9 and summary.loc[0, "other_change"] == 0


def test_a_model_reading_both_motifs_changes_both_outputs():
    x, motif_index, model = constructed_split()
    both = lambda x: presence_predictor(x).max(axis=1, keepdims=True).repeat(2, axis=1)  # noqa: E731
    table = ablation_table(both, x, motif_index, model, [[0], [1]], seed=3)
    summary = own_against_others(table)
    assert summary.loc[0, "own_over_other"] == pytest.approx(1.0)


def test_motif_ablation_covers_synthetic_runs_with_one_output_per_motif_only():
    config = cfg.validate(
        {
            "models": {"cnn_shallow": {"architecture": "cnn_shallow"}},
            "datasets": {
                "multi": {"kind": "synthetic", "outputs": "per_core_motif"},
                "single": {"kind": "synthetic"},
            },
            "experiments": [
                {"datasets": ["multi", "single"], "models": ["cnn_shallow"], "regimes": ["standard"], "seeds": 2}
            ],
        }
    )
    assert [(r.dataset, r.seed) for r, _ in cfg.motif_ablation_runs(config)] == [("multi", 1), ("multi", 2)]
