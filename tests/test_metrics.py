"""Ground-truth metrics: constructed maps with known AUROC, AUPR, cosine and SNR."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from seqattr import metrics
from seqattr.correction import angles, correct
from seqattr.data import one_hot

L = 20
MOTIF = slice(5, 10)
WEAK = [15, 16]  # 0 < I ≤ 0.1: in neither class
WEAK_COLUMN = [0.3, 0.25, 0.25, 0.2]


def _ground_truth(n=3, seed=0):
    """n sequences of length L: a strong motif at MOTIF, weak columns at WEAK, uniform elsewhere."""
    rng = np.random.default_rng(seed)
    M = np.full((n, L, 4), 0.25)
    for i in range(n):
        M[i, MOTIF] = np.eye(4)[rng.integers(0, 4, 5)] * 0.9 + 0.025
        M[i, WEAK] = WEAK_COLUMN
    x = one_hot(["".join(rng.choice(list("ACGT"), L)) for _ in range(n)]).astype(np.float64)
    return M, x


def _map_with_scores(x, scores):
    """A map whose grad × input equals ``scores`` (N, L) and that is 0 off the observed letters."""
    return x * scores[..., None]


def test_information_known_values():
    M = np.array([[[0.25] * 4, [1.0, 0, 0, 0], [0.5, 0.5, 0, 0], WEAK_COLUMN]])
    info = metrics.information(M)
    np.testing.assert_allclose(info[0, :3], [0.0, 2.0, 1.0], atol=1e-12)
    assert 0 < info[0, 3] <= metrics.POSITIVE_INFORMATION
    positives, negatives = metrics.position_classes(info)
    assert positives[0].tolist() == [False, True, True, False]
    assert negatives[0].tolist() == [True, False, False, False]


def test_map_equal_to_ground_truth_has_cosine_one():
    M, _ = _ground_truth()
    np.testing.assert_allclose(metrics.cosine_similarity(M - 0.25, M), 1.0)
    np.testing.assert_allclose(metrics.cosine_similarity(-3 * (M - 0.25), M), -1.0)
    # an offset along (1, 1, 1, 1) lowers the raw cosine; the correction restores it
    shifted = M - 0.25 + 0.3
    assert (metrics.cosine_similarity(shifted, M) < 0.99).all()
    np.testing.assert_allclose(metrics.cosine_similarity(correct(shifted), M), 1.0)


def test_motif_scored_highest_gives_auroc_and_aupr_one_and_reversed_gives_zero():
    M, x = _ground_truth()
    scores = np.zeros((3, L))
    scores[:, MOTIF] = np.arange(1, 6)
    out = metrics.ground_truth_metrics(_map_with_scores(x, scores), x, M)
    np.testing.assert_allclose(out["auroc"], 1.0)
    np.testing.assert_allclose(out["aupr"], 1.0)
    reversed_ = metrics.ground_truth_metrics(_map_with_scores(x, -scores - 1), x, M)
    np.testing.assert_allclose(reversed_["auroc"], 0.0)


def test_weak_positions_are_excluded():
    M, x = _ground_truth()
    scores = np.zeros((3, L))
    scores[:, MOTIF] = 1.0
    scores[:, WEAK] = 2.0  # above every motif position: would lower the AUROC if they were negatives
    out = metrics.ground_truth_metrics(_map_with_scores(x, scores), x, M)
    np.testing.assert_allclose(out["auroc"], 1.0)
    positives, negatives = metrics.position_classes(metrics.information(M))
    as_negatives = negatives | (~positives)
    auroc, _ = metrics.interpretability_auc(scores, positives, as_negatives)
    assert (auroc < 1).all()


def test_auroc_is_nan_without_one_class():
    scores = np.arange(8.0).reshape(2, 4)
    positives = np.array([[True] * 4, [False, True, False, False]])
    negatives = ~positives
    auroc, aupr = metrics.interpretability_auc(scores, positives, negatives)
    assert np.isnan(auroc[0]) and np.isnan(aupr[0])
    assert auroc[1] == pytest.approx(1 / 3)  # score 5 beats one of the three negatives (4, 6, 7)


def test_snr_hand_computed():
    scores = np.zeros((4, 16))
    positives = np.zeros((4, 16), bool)
    negatives = np.zeros((4, 16), bool)
    # sequence 0: positives 4 and 6 (mean 5); 12 negatives 1..12, top 10 = 3..12 (mean 7.5)
    scores[0, :2], positives[0, :2] = [4, 6], True
    scores[0, 2:14], negatives[0, 2:14] = np.arange(1, 13), True
    # sequence 1: fewer than 10 false positives (1, 2, 3, mean 2) are all used; positive 4
    scores[1, 0], positives[1, 0] = 4, True
    scores[1, 1:4], negatives[1, 1:4] = [1, 2, 3], True
    # sequence 2: no false positive → undefined; sequence 3: no positives → undefined
    scores[2, 0], positives[2, 0] = 1, True
    scores[2, 1:3], negatives[2, 1:3] = [-1, -2], True
    negatives[3, :5] = True
    snr = metrics.attribution_snr(scores, positives, negatives)
    np.testing.assert_allclose(snr[:2], [5 / 7.5, 2.0])
    assert np.isnan(snr[2]) and np.isnan(snr[3])


def test_snr_noise_is_the_mean_of_the_highest_positive_background_scores():
    """Paper 002's false positives are positive scores at background positions; the rest never enter the noise."""
    scores = np.zeros((3, 16))
    positives = np.zeros((3, 16), bool)
    negatives = np.zeros((3, 16), bool)
    positives[:, 0], scores[:, 0] = True, 4.0
    negatives[:, 1:16] = True
    # sequence 0: 3 false positives (2, 1, 0.5, mean 7/6) among 15 background positions, the rest ≤ 0.
    # The 10 highest background scores would include seven negatives: (3.5 − 2.8) / 10 = 0.07, SNR ≈ 57.
    scores[0, 1:4] = [2.0, 1.0, 0.5]
    scores[0, 4:16] = -0.4
    # sequence 1: 12 false positives 1..12, so the top 10 (3..12, mean 7.5); a negative score changes nothing
    scores[1, 1:13] = np.arange(1, 13)
    scores[1, 13:16] = -100.0
    # sequence 2: no false positive at all (0 is not a positive score)
    scores[2, 1:16] = [0.0] * 5 + [-1.0] * 10
    snr = metrics.attribution_snr(scores, positives, negatives)
    np.testing.assert_allclose(snr[:2], [4 / (3.5 / 3), 4 / 7.5])
    assert np.isnan(snr[2])


def test_snr_ignores_non_positive_background_scores():
    rng = np.random.default_rng(6)
    scores = rng.normal(size=(50, 40))
    positives = np.zeros((50, 40), bool)
    positives[:, :8] = True
    negatives = ~positives
    scores[negatives] -= 1.5  # a few false positives per sequence, often fewer than 10
    lowered = np.where(negatives & (scores <= 0), scores - rng.exponential(5.0, size=scores.shape), scores)
    snr = metrics.attribution_snr(scores, positives, negatives)
    np.testing.assert_allclose(metrics.attribution_snr(lowered, positives, negatives), snr)
    # the noise is a mean of kept false positives, so at least the smallest of them
    false_positives = [np.sort(row[row > 0])[::-1][:10] for row in np.where(negatives, scores, 0.0)]
    some = np.array([len(kept) > 0 for kept in false_positives])
    assert some.any() and not some.all()
    assert np.isnan(snr[~some]).all()
    smallest = np.array([kept.min() for kept in false_positives if len(kept)])
    signal = scores[:, :8].mean(axis=1)[some]
    assert (np.abs(snr[some]) <= np.abs(signal) / smallest + 1e-12).all()


def test_per_position_improvement_stays_within_the_envelope():
    M, _ = _ground_truth(n=4, seed=1)
    G = np.random.default_rng(3).normal(size=M.shape)
    motif = metrics.information(M) > metrics.POSITIVE_INFORMATION
    improvement = metrics.position_cosine(correct(G), M) - metrics.position_cosine(G, M)
    envelope = metrics.improvement_envelope(angles(G))
    assert (np.abs(improvement[motif]) <= envelope[motif] + 1e-9).all()
    assert np.isnan(improvement[~motif & (metrics.information(M) == 0)]).all()
    # a gradient that is the ground truth plus an offset along the simplex normal reaches the bound
    aligned = M - 0.25 + np.random.default_rng(4).normal(size=M.shape[:2] + (1,))
    reached = metrics.position_cosine(correct(aligned), M) - metrics.position_cosine(aligned, M)
    np.testing.assert_allclose(reached[motif], metrics.improvement_envelope(angles(aligned))[motif], atol=1e-9)


def test_vectorised_auc_equals_sklearn_per_sequence():
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 6, size=(40, 30)).astype(float)  # many ties
    scores[20:] += rng.normal(scale=0.1, size=(20, 30))
    classes = rng.integers(0, 3, size=(40, 30))  # 0 negative, 1 positive, 2 excluded
    positives, negatives = classes == 1, classes == 0
    auroc, aupr = metrics.interpretability_auc(scores, positives, negatives)
    for i in range(40):
        kept = classes[i] < 2
        labels, values = positives[i, kept], scores[i, kept]
        assert auroc[i] == pytest.approx(roc_auc_score(labels, values), abs=1e-12)
        assert aupr[i] == pytest.approx(average_precision_score(labels, values), abs=1e-12)
