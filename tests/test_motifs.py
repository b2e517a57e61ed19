"""seqattr.motifs: the JASPAR MEME file, Tomtom matching and q-values, TF-MoDISco on planted motifs,
empty results, the scores of a run, raw against corrected over seeds, and the rule scripts."""

import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from seqattr import config as cfg
from seqattr import data, jaspar
from seqattr import motifs as mo

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
CTCF, YY1, SP1 = "MA0139.1", "MA0095.2", "MA0079.3"
LABEL = {
    "dataset": "synthetic",
    "model": "cnn_deep_exp",
    "regime": "standard",
    "seed": 1,
    "task": 0,
    "method": "saliency",
}


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("jaspar") / "JASPAR2016.meme"
    mo.write_meme(path, mo.jaspar_motifs("JASPAR2016", "CORE", "vertebrates"))
    return path


@pytest.fixture(scope="module")
def motifs(database):
    return mo.read_meme(database)


@pytest.fixture(scope="module")
def two_motifs(motifs):
    G, x, M = mo.planted_maps({m.id: m.pwm for m in motifs}, [CTCF, YY1])
    rows, patterns, arrays = mo.discover_motifs(
        G, x, "saliency", motifs, core_ids=[CTCF, YY1, SP1], target_ids=mo.find_motifs(motifs, ["CTCF"]), model=M
    )
    return dict(G=G, x=x, M=M, rows={r["version"]: r for r in rows}, patterns=patterns, arrays=arrays)


# First: TF-MoDISco caches its numba kernels only when it starts before any numba thread pool (Tomtom's).
def test_two_planted_motifs_give_two_patterns_named_right(two_motifs):
    for version in mo.VERSIONS:
        table = two_motifs["patterns"][two_motifs["patterns"]["version"] == version]
        positive = table[table["metacluster"] == "pos"]
        assert len(positive) == 2, version
        assert sorted(positive["best_match"]) == sorted([CTCF, YY1]), version
        assert (positive["best_qvalue"] < 1e-3).all()
        row = two_motifs["rows"][version]
        assert row["status"] == "ok"
        assert row["core_motifs"] == 3 and row["core_recovered"] == 2 and row["core_named"] == 2
        assert row["recovered_ids"] == ";".join(sorted([CTCF, YY1]))
        assert row["spurious_patterns"] == row["n_negative_patterns"]
        assert row["target_rank"] == 1 and row["target_match"] == CTCF
        assert row["seqlet_overlap"] > 0.9 and row["seqlet_precision"] > 0.8
        assert row["motif_position_fraction"] < 0.2


def test_meme_file_round_trips_jaspar(motifs):
    jaspar = mo.jaspar_motifs("JASPAR2016", "CORE", "vertebrates")
    assert len(motifs) == len(jaspar) == 519
    assert [(m.id, m.name) for m in motifs] == [(m.id, m.name) for m in jaspar]
    np.testing.assert_allclose(motifs[0].pwm, jaspar[0].pwm, atol=1e-6)
    assert all(np.allclose(m.pwm.sum(axis=1), 1, atol=1e-5) for m in motifs)


def test_find_motifs_by_id_name_and_dimer_part(motifs):
    assert mo.find_motifs(motifs, ["ctcf"]) == [CTCF]
    assert mo.find_motifs(motifs, ["MA0095"]) == [YY1]
    assert mo.find_motifs(motifs, ["MAX"]) == ["MA0059.1", "MA0058.3"]  # MAX::MYC and MAX
    assert mo.find_motifs(motifs, ["GABPA", "Gabpa"]) == ["MA0062.2"]
    assert mo.find_motifs(motifs, ["NOT_A_TF"]) == []


def test_bh_qvalues_by_hand():
    p = np.array([[0.01, 0.04, 0.03, 0.5]])
    # sorted 0.01, 0.03, 0.04, 0.5 → ×4/rank 0.04, 0.06, 0.0533, 0.5 → monotone from the top
    np.testing.assert_allclose(mo.bh_qvalues(p), [[0.04, 0.16 / 3, 0.16 / 3, 0.5]])
    assert (mo.bh_qvalues(np.array([[0.9, 0.99]])) <= 1).all()


def test_tomtom_names_a_motif_on_either_strand(motifs):
    pwms = {m.id: m.pwm for m in motifs}
    column = [m.id for m in motifs].index(CTCF)
    found = mo.match([pwms[CTCF][2:15], pwms[CTCF][::-1, ::-1]], motifs)
    assert found["p"].shape == (2, len(motifs))
    assert (found["rank"][:, column] == 1).all() and (found["q"][:, column] < 1e-5).all()
    assert found["strand"][:, column].tolist() == [0, 1]


def test_correction_finds_more_seqlets_when_the_map_leaves_the_simplex(two_motifs):
    rows = two_motifs["rows"]
    assert rows["corrected"]["n_seqlets"] > rows["raw"]["n_seqlets"]


def test_seqlet_coordinates_reproduce_the_pattern(two_motifs, motifs):
    """Each stored seqlet, read from the sequences on its strand, averages to the pattern's PPM."""
    arrays, x = two_motifs["arrays"], two_motifs["x"]
    seqlets = arrays["corrected_seqlets"]
    for k in range(len(arrays["corrected_span"])):
        ppm = arrays["corrected_ppm"][k]
        ppm = ppm[~np.isnan(ppm).any(axis=1)]
        mine = seqlets[seqlets[:, 0] == k]
        windows = [x[e, s:t][::-1, ::-1] if rc else x[e, s:t] for _, e, s, t, rc in mine]
        np.testing.assert_allclose(np.mean(windows, axis=0), ppm, atol=1e-6)


def test_a_map_without_signal_is_a_clean_empty_result(motifs):
    rng = np.random.default_rng(1)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (60, 200))]
    M = np.full(x.shape, 0.25)
    for G, status in (
        (np.zeros(x.shape, np.float32), "no_signal"),
        (rng.normal(0, 1, x.shape).astype(np.float32), "no_patterns"),
    ):
        rows, patterns, arrays = mo.discover_motifs(G, x, "saliency", motifs, core_ids=[CTCF], model=M)
        assert [r["version"] for r in rows] == ["raw", "corrected"]
        for row in rows:
            assert row["status"] == status and row["n_patterns"] == 0 and row["core_recovered"] == 0
            assert row["spurious_patterns"] == 0 and np.isnan(row["seqlet_overlap"])
        assert patterns.empty and arrays["raw_cwm"].shape[0] == 0


def test_a_map_whose_seqlet_thresholds_cannot_be_fitted_has_no_patterns():
    """No positive window at all: modisco-lite's threshold fit fails inside; the result is an empty one."""
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (200, 200))]
    negative_only = -np.abs(rng.normal(size=x.shape)).astype(np.float32)
    assert mo.discover(negative_only, x) == ([], "no_patterns")


def test_ism_has_only_a_raw_version(motifs):
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(2).integers(0, 4, (20, 60))]
    rows, _, _ = mo.discover_motifs(np.zeros(x.shape), x, "ism", motifs)
    assert [(r["version"], r["status"]) for r in rows] == [("raw", "no_signal"), ("corrected", "not_applicable")]
    assert np.isnan(rows[1]["n_patterns"])


def test_discover_rejects_maps_it_cannot_read():
    x = np.eye(4, dtype=np.float32)[np.zeros((5, 60), int)]
    with pytest.raises(ValueError, match="NaN"):
        mo.discover(np.full(x.shape, np.nan), x)
    with pytest.raises(ValueError, match="shorter than window"):
        mo.discover(np.ones((5, 30, 4)), np.ones((5, 30, 4)))


def test_summary_counts_seeds_where_correction_does_better():
    rows = []
    for seed, (raw, corrected) in enumerate([(2, 4), (3, 3), (4, 2)], start=1):
        for version, recovered in (("raw", raw), ("corrected", corrected)):
            rows.append(
                {
                    **LABEL,
                    "seed": seed,
                    "version": version,
                    "core_recovered": recovered,
                    "core_named": recovered,
                    "spurious_patterns": 5 - recovered,
                    "n_patterns": 5,
                    "seqlet_overlap": 0.5,
                    "seqlet_precision": 0.4,
                    "target_rank": np.nan,
                }
            )
    summary = mo.summary_table(pd.DataFrame(rows)).set_index("metric")
    assert "target_rank" not in summary.index
    recovered = summary.loc["core_recovered"]
    assert recovered["n_seeds"] == 3 and recovered["raw_mean"] == 3 and recovered["corrected_mean"] == 3
    assert (recovered["corrected_better"], recovered["same"], recovered["corrected_worse"]) == (1, 1, 1)
    spurious = summary.loc["spurious_patterns"]
    assert (spurious["corrected_better"], spurious["corrected_worse"]) == (1, 1)
    assert np.isnan(summary.loc["n_patterns", "corrected_better"])


def test_motif_runs_follow_the_config():
    config = cfg.validate(
        {
            "datasets": {"sim": {"kind": "synthetic"}},
            "models": {"m": {"architecture": "cnn_shallow"}},
            "attribution": {"methods": {"saliency": {"kind": "saliency"}, "ism": {"kind": "ism"}}},
            "experiments": [{"datasets": ["sim"], "models": ["m"], "seeds": 3}],
            "motifs": {"enabled": True, "methods": ["saliency"], "max_seeds": 2},
        }
    )
    runs = cfg.motif_runs(config)
    assert [(r.seed, methods) for r, methods in runs] == [(1, ["saliency"]), (2, ["saliency"])]
    assert cfg.motif_database(config, "sim") == "results/motifs/jaspar/JASPAR2016/CORE/vertebrates.meme"
    assert cfg.motif_references(config, "sim", 0) == {"core": list(jaspar.CORE_MOTIFS), "targets": []}
    per_motif = cfg.validate({**config, "datasets": {"sim": {"kind": "synthetic", "outputs": "per_core_motif"}}})
    assert cfg.motif_references(per_motif, "sim", 2)["core"] == [jaspar.CORE_MOTIFS[2]]  # output 2's motif alone
    plan = {row["analysis"]: row for row in cfg.analysis_plan(config)}
    assert plan["motif discovery (TF-MoDISco, Tomtom against JASPAR)"]["runs"] == "yes"
    config["motifs"]["enabled"] = False
    assert cfg.motif_runs(config) == []
    plan = {row["analysis"]: row for row in cfg.analysis_plan(config)}
    assert plan["motif discovery (TF-MoDISco, Tomtom against JASPAR)"]["why"] == "motifs.enabled is false"
    with pytest.raises(cfg.ConfigError, match="motifs.methods"):
        cfg.validate({**config, "motifs": {"methods": ["nope"]}})
    with pytest.raises(cfg.ConfigError, match="motifs.target_motifs"):
        cfg.validate({**config, "motifs": {"target_motifs": {"other": ["CTCF"]}}})


def test_in_vivo_references_and_database():
    config = cfg.validate(
        {
            "datasets": {
                "ctcf": {"kind": "chipseq", "target": "CTCF", "source": "gm"},
                "lab": {"kind": "url", "url": "https://example.org/x.h5", "md5": "0" * 32},
            },
            "encode": {"gm": {}},
            "models": {"m": {"architecture": "cnn_shallow"}},
            "experiments": [{"datasets": ["ctcf", "lab"], "models": ["m"], "seeds": 1}],
            "motifs": {"enabled": True, "target_motifs": {"lab": ["GABPA", "MA0062"]}, "jaspar_release": "JASPAR2018"},
        }
    )
    assert cfg.motif_references(config, "ctcf", 0) == {"core": [], "targets": ["CTCF"]}
    assert cfg.motif_references(config, "lab", 0) == {"core": [], "targets": ["GABPA", "MA0062"]}
    assert cfg.motif_database(config, "lab") == "results/motifs/jaspar/JASPAR2018/CORE/vertebrates.meme"
    assert len(cfg.motif_runs(config)) == 2


def _attribution_file(path, G, x, model=None, kind="saliency"):
    arrays = {"G": G, "x": x, "indices": np.arange(len(G)), "prediction": np.ones(len(G))}
    if model is not None:
        arrays["model"] = model.astype(np.float32)
    data.write_h5(path, arrays, {"method": {"kind": kind}})


def _run_script(tmp_path, database, references, label=LABEL):
    snakemake = SimpleNamespace(
        input=SimpleNamespace(attributions=str(tmp_path / "attr.h5"), database=str(database)),
        params=SimpleNamespace(settings={"leiden_runs": 5}, references=references, label=label),
        output=SimpleNamespace(
            table=str(tmp_path / "m.tsv"), patterns=str(tmp_path / "p.tsv"), arrays=str(tmp_path / "m.h5")
        ),
        threads=1,
        log=[],
    )
    runpy.run_path(str(SCRIPTS / "motifs.py"), init_globals={"snakemake": snakemake})
    return pd.read_csv(tmp_path / "m.tsv", sep="\t"), pd.read_csv(tmp_path / "p.tsv", sep="\t")


def test_script_in_vivo_ranks_the_target_motif(tmp_path, database, motifs):
    """A url/h5 dataset: no ground truth, no core motifs, the target named in motifs.target_motifs."""
    G, x, _ = mo.planted_maps({m.id: m.pwm for m in motifs}, ["MA0138.2"], n=150, p=0.9, offset=0.0, seed=3)  # REST
    _attribution_file(tmp_path / "attr.h5", G, x)
    label = {**LABEL, "dataset": "rest_lab"}
    table, patterns = _run_script(tmp_path, database, {"core": [], "targets": ["REST"]}, label)
    assert table["version"].tolist() == ["raw", "corrected"]
    assert table[list(label)].iloc[0].tolist() == list(label.values())
    for _, row in table.iterrows():
        assert row["status"] == "ok" and row["target_rank"] == 1 and row["target_match"] == "MA0138.2"
        assert np.isnan(row["core_recovered"]) and np.isnan(row["seqlet_overlap"])
        assert (
            row["spurious_patterns"]
            == (patterns.loc[patterns["version"] == row["version"], "best_qvalue"] >= 0.05).sum()
        )
    assert set(patterns["dataset"]) == {"rest_lab"}
    assert data.read_attrs(tmp_path / "m.h5")["targets"] == ["MA0138.2"]


def test_script_without_a_target_in_the_database_reports_no_rank(tmp_path, database):
    """A chipseq dataset's ENCODE target name that JASPAR lacks: no target rank."""
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (30, 200))]
    _attribution_file(tmp_path / "attr.h5", np.zeros(x.shape, np.float32), x)
    table, _ = _run_script(tmp_path, database, {"core": [], "targets": ["NOT_A_TF"]})
    assert table["target_rank"].isna().all()


def test_script_writes_empty_rows_for_a_map_without_signal(tmp_path, database):
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (30, 200))]
    _attribution_file(tmp_path / "attr.h5", np.zeros(x.shape, np.float32), x, model=np.full(x.shape, 0.25))
    table, patterns = _run_script(tmp_path, database, {"core": [CTCF], "targets": []})
    assert table["status"].tolist() == ["no_signal", "no_signal"] and (table["n_patterns"] == 0).all()
    assert patterns.empty and list(patterns.columns[: len(LABEL)]) == list(LABEL)


def test_figures_draw_patterns_and_recovery(two_motifs, tmp_path):
    from seqattr.plots import save
    from seqattr.plots.motifs import logo_figure, recovery_figure

    figure = logo_figure(two_motifs["arrays"], two_motifs["patterns"], n=6, title="planted")
    assert len([ax for ax in figure.axes if ax.axison]) == 2 * 2 * 2  # 2 patterns × (logo, match) × 2 versions
    save(figure, tmp_path / "logos.png")
    empty = logo_figure(
        mo.pattern_arrays("raw", [], [], mo.match([], []), [])
        | mo.pattern_arrays("corrected", [], [], mo.match([], []), []),
        two_motifs["patterns"].iloc[:0],
        n=6,
        status={"raw": "no_signal", "corrected": "no_signal"},
    )
    assert "raw: no signal" in [t.get_text() for ax in empty.axes for t in ax.texts]
    rows = [{**LABEL, **row} for row in two_motifs["rows"].values()]
    rows += [{**LABEL, "dataset": "rest_lab", **row, "core_motifs": 0} for row in two_motifs["rows"].values()]
    save(recovery_figure(pd.DataFrame(rows)), tmp_path / "recovery.png")
    assert (tmp_path / "recovery.png").stat().st_size > 0 and (tmp_path / "logos.pdf").exists()
