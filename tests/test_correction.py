"""Gradient correction and simplex angles: the properties paper 004 relies on."""

import numpy as np
import pytest

from seqattr.correction import angle_summary, angles, correct, large_angle_fractions

RNG = np.random.default_rng(0)
G = RNG.normal(size=(5, 30, 4))


def test_correction_sums_to_zero_and_is_idempotent():
    corrected = correct(G)
    np.testing.assert_allclose(corrected.sum(-1), 0, atol=1e-12)
    np.testing.assert_allclose(correct(corrected), corrected, atol=1e-12)


def test_correction_ignores_the_simplex_normal():
    shift = RNG.normal(size=(5, 30, 1)) * np.ones(4)
    np.testing.assert_allclose(correct(G + shift), correct(G), atol=1e-12)


def test_correction_keeps_every_difference():
    corrected = correct(G)
    for a in range(4):
        for b in range(4):
            np.testing.assert_allclose(corrected[..., a] - corrected[..., b], G[..., a] - G[..., b], atol=1e-12)


@pytest.mark.parametrize("alphabet", [2, 4, 20])
def test_correction_any_alphabet(alphabet):
    g = RNG.normal(size=(3, 7, alphabet))
    np.testing.assert_allclose(correct(g).sum(-1), 0, atol=1e-12)


def test_angles_known_values():
    assert angles(correct(G)).max() == pytest.approx(0, abs=1e-6)
    np.testing.assert_allclose(angles(np.array([[2.0, 2, 2, 2], [-1, -1, -1, -1]])), [90, -90])
    assert angles(np.array([1.0, 0, 0, 0])) == pytest.approx(30.0)  # sin α = 1/2
    assert angles(np.array([1.0, 1, 0, 0])) == pytest.approx(np.degrees(np.arcsin(2 / (2 * np.sqrt(2)))))
    assert angles(np.zeros(4)) == 0


def test_angles_stay_in_range():
    a = angles(RNG.normal(size=(1000, 4)) * RNG.exponential(size=(1000, 1)) + RNG.normal(size=(1000, 1)))
    assert (a >= -90).all() and (a <= 90).all()


def test_large_angle_fractions_and_summary():
    angle = np.array([[10.0, -40, 50, 70], [0, 0, 0, -61]])
    np.testing.assert_allclose(large_angle_fractions(angle), [[0.75, 0.5, 0.25], [0.25, 0.25, 0.25]])
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    np.testing.assert_allclose(large_angle_fractions(angle, mask=mask)[0], [0.5, 0, 0])
    summary = angle_summary(angle)
    assert list(summary.columns) == ["frac_gt_30", "frac_gt_45", "frac_gt_60", "mean_abs_angle", "angle_sd"]
    assert summary["mean_abs_angle"][0] == pytest.approx(42.5)
