"""seqattr.ensemble: ensemble map, distances before/after correction, reduction by angle (paper 004)."""

import numpy as np
import pandas as pd
import pytest

from helpers.encode_server import run_rule_script
from seqattr import data, ensemble
from seqattr.correction import correct


def test_ensemble_of_identical_maps_has_distance_zero():
    member = np.random.default_rng(0).normal(size=(3, 20, 4)).astype(np.float32)
    mean = ensemble.ensemble_map([member] * 5)
    np.testing.assert_allclose(mean, member, atol=1e-6)
    np.testing.assert_allclose(ensemble.distances_to_ensemble(member, mean), 0, atol=1e-6)
    table = ensemble.difference_reduction(
        *(ensemble.member_distances(member, member)[k] for k in ("d_before", "d_after", "angles"))
    )
    assert table["count"].sum() == 3 * 20 and table["reduction"].isna().all()  # mean d_before is 0 in every bin


def test_ensemble_map_is_the_mean_and_takes_a_stream():
    maps = np.random.default_rng(1).normal(size=(4, 2, 10, 4))
    np.testing.assert_allclose(ensemble.ensemble_map(maps), maps.mean(0), rtol=1e-5)
    np.testing.assert_allclose(ensemble.ensemble_map(m for m in maps), maps.mean(0), rtol=1e-5)
    with pytest.raises(ValueError, match="at least one map"):
        ensemble.ensemble_map([])


def test_distance_is_the_per_position_l2_norm():
    member = np.array([[[1, 2, 2, 0], [0, 0, 0, 0]]], np.float32)
    np.testing.assert_allclose(ensemble.distances_to_ensemble(member, np.zeros_like(member)), [[3, 0]])


# Two members, three positions (N = 1, L = 3):
#   0: both off the simplex by the same (1,1,1,1); E = (1,1,1,1) is off the simplex too
#   1: ±(1,1,1,1): pure off-simplex noise around E = 0
#   2: ±(1,-1,0,0): on the simplex, nothing to correct
POPULATION = np.array(
    [
        [[[2, 0, 1, 1], [1, 1, 1, 1], [1, -1, 0, 0]]],
        [[[0, 2, 1, 1], [-1, -1, -1, -1], [-1, 1, 0, 0]]],
    ],
    np.float32,
)


def _reduction(population):
    mean = ensemble.ensemble_map(population)
    parts = [ensemble.member_distances(m, mean) for m in population]
    return ensemble.difference_reduction(*(np.stack([p[k] for p in parts]) for k in ("d_before", "d_after", "angles")))


def test_reduction_is_measured_against_the_uncorrected_ensemble():
    table = _reduction(POPULATION).set_index("angle_low")
    # position 0: d_before = √2, d_after = ‖(1,-1,0,0) − (1,1,1,1)‖ = √6, angle asin(4 / (2√6)) = 54.7°.
    # Against a corrected ensemble the reduction would be 0; the paper's choice gives 1 − √3.
    assert table.loc[50, "count"] == 2
    assert table.loc[50, "reduction"] == pytest.approx(1 - np.sqrt(3), rel=1e-5)
    # position 1: correction removes all of it (reduction 1) at ±90°
    assert table.loc[85, "reduction"] == pytest.approx(1) and table.loc[85, "count"] == 1
    assert table.loc[-90, "reduction"] == pytest.approx(1) and table.loc[-90, "count"] == 1
    # position 2: on the simplex, no change
    assert table.loc[0, "reduction"] == pytest.approx(0, abs=1e-6) and table.loc[0, "count"] == 2
    assert table["count"].sum() == 6 and len(table) == 36


def test_reduction_is_one_minus_the_ratio_of_mean_distances_per_bin():
    # bin [0°, 5°): d_before 1 and 0.1, d_after 0.5 and 0.3. Mean of per-position ratios:
    # 1 − (0.5 + 3) / 2 = −0.75; paper 004's 1 − mean(d_after) / mean(d_before) = 1 − 0.8 / 1.1 = 3/11.
    # bin [10°, 15°): a tiny d_before (1e-6) would make one ratio 1e5; here it barely moves the mean.
    # bin [20°, 25°): d_before 0 (member equals the ensemble) still counts: 1 − (1 + 1) / (0 + 2) = 0.
    d_before = np.array([1.0, 0.1, 1.0, 1.0, 1e-6, 0.0, 2.0])
    d_after = np.array([0.5, 0.3, 0.5, 0.5, 0.1, 1.0, 1.0])
    member_angles = np.array([2.0, 3.0, 11.0, 12.0, 13.0, 21.0, 22.0])
    table = ensemble.difference_reduction(d_before, d_after, member_angles).set_index("angle_low")
    assert table.loc[0, "reduction"] == pytest.approx(3 / 11) and table.loc[0, "count"] == 2
    assert table.loc[10, "reduction"] == pytest.approx(1 - 1.1 / (2 + 1e-6)) and table.loc[10, "count"] == 3
    assert table.loc[20, "reduction"] == pytest.approx(0) and table.loc[20, "count"] == 2
    assert table["count"].sum() == 7 and table["reduction"].isna().sum() == 36 - 3
    assert ensemble.overall_reduction(d_before, d_after) == pytest.approx(1 - 3.9 / (5.1 + 1e-6))


def test_reduction_weighs_each_position_by_its_d_before_and_never_exceeds_one():
    rng = np.random.default_rng(7)
    d_before = rng.exponential(size=3000) ** 3  # many tiny distances
    d_after = rng.exponential(size=3000)
    member_angles = rng.uniform(-90, 90, 3000)
    table = ensemble.difference_reduction(d_before, d_after, member_angles)
    bins = np.clip(np.digitize(member_angles, table["angle_low"]) - 1, 0, len(table) - 1)
    weighted = [
        np.average(1 - d_after[bins == b] / d_before[bins == b], weights=d_before[bins == b]) for b in range(len(table))
    ]
    np.testing.assert_allclose(table["reduction"], weighted, rtol=1e-9)
    assert (table["reduction"] <= 1).all()


def test_large_angle_fractions():
    fractions = ensemble.large_angle_fractions(np.array([0, 31, -50, 70, -10, 5, 46, 89]))
    assert fractions == {"frac_gt_30": 0.625, "frac_gt_45": 0.5, "frac_gt_60": 0.25}


def _write_members(directory, population, indices=None):
    paths = []
    for i, member in enumerate(population):
        path = directory / f"member{i}.h5"
        index = np.arange(member.shape[0]) if indices is None else indices[i]
        data.write_h5(path, {"G": member, "indices": index, "x": np.zeros_like(member)})
        paths.append(str(path))
    return paths


def test_analyse_files_and_refuse_misaligned_members(tmp_path):
    rng = np.random.default_rng(2)
    population = rng.normal(size=(3, 5, 8, 4)).astype(np.float32)
    result = ensemble.ensemble_and_distances(_write_members(tmp_path, population))
    np.testing.assert_allclose(result["E"], population.mean(0), rtol=1e-5, atol=1e-6)
    assert result["d_before"].shape == result["d_after"].shape == result["angles"].shape == (3, 5, 8)
    np.testing.assert_allclose(result["d_before"][1], np.linalg.norm(population[1] - result["E"], axis=-1), rtol=1e-5)
    shifted = [np.arange(5), np.arange(5), np.arange(1, 6)]
    paths = _write_members(tmp_path / "bad", population, shifted)
    with pytest.raises(data.DatasetError, match="member2.h5: its test sequences differ"):
        ensemble.ensemble_and_distances(paths)


def test_ensemble_and_plot_scripts(tmp_path):
    rng = np.random.default_rng(3)
    shared = rng.normal(size=(4, 30, 4))
    population = (shared + 0.5 * rng.normal(size=(6, 4, 30, 4))).astype(np.float32)
    paths = _write_members(tmp_path, population)
    label = {"dataset": "CTCF", "model": "cnn_deep_exp", "method": "saliency"}
    outputs = {"ensemble": str(tmp_path / "ens.h5"), "reduction": str(tmp_path / "ens.tsv")}
    log = [str(tmp_path / "log.txt")]
    run_rule_script("ensemble.py", input={"attributions": paths}, params={"label": label}, output=outputs, log=log)
    table = pd.read_csv(outputs["reduction"], sep="\t")
    assert list(table.columns[:3]) == ["dataset", "model", "method"] and set(table["dataset"]) == {"CTCF"}
    assert table["count"].sum() == 6 * 4 * 30
    stored = data.read_h5(outputs["ensemble"], ["E", "d_before", "d_after", "angles"])
    np.testing.assert_allclose(stored["E"], population.mean(0), rtol=1e-5, atol=1e-6)
    assert data.read_attrs(outputs["ensemble"])["reference"] == "uncorrected ensemble"

    figures = {name: str(tmp_path / f"fig/{name}.png") for name in ("angle_density", "reduction", "large_angles")}
    metrics = tmp_path / "metrics.tsv"
    pd.DataFrame(
        {"dataset": ["synth"], "corrected": ["raw"], "frac_gt_30": [0.3], "frac_gt_45": [0.15], "frac_gt_60": [0.08]}
    ).to_csv(metrics, sep="\t", index=False)
    run_rule_script(
        "plot_ensemble.py",
        input={"reductions": [outputs["reduction"]] * 2, "ensembles": [outputs["ensemble"]] * 2, "table": str(metrics)},
        params={"labels": ["CTCF cnn_deep_exp saliency", "MAX cnn_deep_exp saliency"], "synthetic": ["synth"]},
        output={**figures, "claims": str(tmp_path / "ensemble_claims.tsv")},
        log=log,
    )
    for path in figures.values():
        assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    claims_table = pd.read_csv(tmp_path / "ensemble_claims.tsv", sep="\t")
    assert list(claims_table.columns) == ensemble.CLAIM_COLUMNS and len(claims_table) == 2
    assert (claims_table["overall_reduction"] <= claims_table["reduction_ceiling"]).all()
    # 720 positions over 36 bins: no bin reaches MIN_BIN_POSITIONS, so there is no trend to test
    assert set(claims_table["verdict"]) == {"undetermined"} and (claims_table["n_seeds"] == 0).all()


def test_synthetic_reference_fractions_use_raw_synthetic_rows():
    import pandas as pd

    from seqattr.ensemble import synthetic_fractions

    table = pd.DataFrame(
        {
            "dataset": ["synth", "synth", "synth", "ctcf"],
            "corrected": ["raw", "raw", "corrected", "raw"],
            "frac_gt_30": [0.2, 0.4, 0.0, 0.9],
            "frac_gt_45": [0.1, 0.2, 0.0, 0.9],
            "frac_gt_60": [0.0, 0.1, 0.0, 0.9],
        }
    )
    assert synthetic_fractions(table, ["synth"]) == pytest.approx(
        {"frac_gt_30": 0.3, "frac_gt_45": 0.15, "frac_gt_60": 0.05}
    )
    assert synthetic_fractions(table, []) is None


def test_the_reduction_trend_is_a_rank_correlation_over_bins_with_a_ceiling_from_the_ensemble():
    rng = np.random.default_rng(0)
    angle = np.linspace(-87.5, 87.5, 36)
    growing = pd.DataFrame({"angle": angle, "reduction": np.abs(angle) / 90, "count": 500})
    E = rng.normal(size=(20, 50, 4))
    before = rng.random((3, 20, 50)) + 0.5
    claim = ensemble.reduction_claim(growing, E, before, before / 2)
    assert claim["verdict"] == "holds" and claim["effect"] == pytest.approx(1.0) and claim["low"] > 0
    assert claim["overall_reduction"] == pytest.approx(0.5)
    sparse = growing.assign(count=np.where(np.abs(angle) > 45, 10, 500))  # large-angle bins too thin to count
    assert ensemble.reduction_claim(sparse, E, before, before)["n_seeds"] == int((np.abs(angle) <= 45).sum())
    flat = growing.assign(reduction=rng.normal(0, 0.01, 36))
    assert ensemble.reduction_claim(flat, E, before, before)["verdict"] != "holds"


def test_no_correction_gets_closer_to_the_ensemble_than_its_own_off_simplex_part():
    rng = np.random.default_rng(1)
    members = rng.normal(size=(5, 10, 30, 4)) + 0.3  # maps leaning off the simplex
    E = ensemble.ensemble_map(members)
    d = [ensemble.member_distances(m, E) for m in members]
    before, after = np.stack([x["d_before"] for x in d]), np.stack([x["d_after"] for x in d])
    ceiling = ensemble.reduction_ceiling(E, before)
    assert ensemble.overall_reduction(before, after) <= ceiling < 1
    on_simplex = correct(E)  # an ensemble in the plane: the bound is 1 (a member equal to it reaches it)
    assert ensemble.reduction_ceiling(on_simplex, before) == pytest.approx(1.0)
