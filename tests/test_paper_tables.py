"""seqattr.paper_tables and seqattr.paper_claims on constructed tables, the paper_table rule script, and the
transcribed tables and claims."""

import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from seqattr import aggregate, config, paper_claims, paper_tables
from seqattr.selection import KLDS

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = sorted(p for p in (ROOT / "resources" / "papers").glob("*.tsv") if not p.name.endswith(".claims.tsv"))

# model, regime, per-seed raw AUROC (seeds 1, 2, 3)
RUNS = [("m1", "standard", [0.70, 0.80, 0.90]), ("m2", "noise", [0.60, 0.62, 0.64])]


def _ours() -> pd.DataFrame:
    """Raw rows with the AUROCs above (saliency; SmoothGrad +0.1), corrected rows far off, classification per run."""
    rows = []
    for model, regime, values in RUNS:
        for seed, value in enumerate(values, start=1):
            for method, shift in (("saliency", 0.0), ("smoothgrad", 0.1)):
                for corrected, offset in (("raw", 0.0), ("corrected", 5.0)):
                    rows.append(
                        {
                            "dataset": "synthetic",
                            "model": model,
                            "regime": regime,
                            "seed": seed,
                            "task": 0,
                            "method": method,
                            "corrected": corrected,
                            "interpretability_auroc": value + shift + offset,
                            "classification_auroc": 0.9 + seed / 100,
                        }
                    )
    return pd.DataFrame(rows)


def _reference(**extra) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "model": ["m1", "m2"],
            "regime": ["standard", "noise"],
            "paper_row": ["A", "B"],
            "interpretability_auroc": [0.75, 0.61],
            "interpretability_auroc_sd": [0.01, 0.02],
            "classification_auroc": [0.95, 0.96],
        }
    )
    return table.assign(**extra)


def test_mean_and_sd_over_seeds_of_raw_rows_per_model_and_regime():
    table = paper_tables.compare(_reference(), _ours(), method="saliency", min_auroc=None).set_index("model")
    assert table.loc["m1", "interpretability_auroc_ours"] == pytest.approx(0.80)
    assert table.loc["m1", "interpretability_auroc_ours_sd"] == pytest.approx(0.10)  # SD with ddof = 1
    assert table.loc["m2", "interpretability_auroc_ours"] == pytest.approx(0.62)
    assert table.loc["m2", "interpretability_auroc_ours_sd"] == pytest.approx(0.02)
    assert table.loc["m1", "classification_auroc_ours"] == pytest.approx(0.92)
    assert table.loc["m1", "interpretability_auroc_paper"] == 0.75
    assert table.loc["m2", "interpretability_auroc_paper_sd"] == 0.02
    assert table["classification_auroc_paper_sd"].isna().all()  # the paper gives no ± for it
    assert table["n_seeds"].tolist() == [3, 3] and table["n_seeds_run"].tolist() == [3, 3]
    assert list(table.reset_index().columns) == [
        "model",
        "regime",
        "paper_row",
        "interpretability_auroc_paper",
        "interpretability_auroc_paper_sd",
        "interpretability_auroc_ours",
        "interpretability_auroc_ours_sd",
        "classification_auroc_paper",
        "classification_auroc_paper_sd",
        "classification_auroc_ours",
        "classification_auroc_ours_sd",
        "n_seeds",
        "n_seeds_run",
    ]


def test_method_none_pools_methods_and_a_method_column_matches_per_row():
    pooled = paper_tables.compare(_reference(), _ours(), method=None, min_auroc=None).set_index("model")
    assert pooled.loc["m1", "interpretability_auroc_ours"] == pytest.approx(0.85)  # saliency and SmoothGrad
    reference = pd.concat([_reference(method="saliency"), _reference(method="smoothgrad")], ignore_index=True)
    per_method = paper_tables.compare(reference, _ours(), method="saliency", min_auroc=None).set_index(
        ["model", "method"]
    )
    assert per_method.loc[("m1", "smoothgrad"), "interpretability_auroc_ours"] == pytest.approx(0.90)
    assert per_method.loc[("m1", "saliency"), "interpretability_auroc_ours"] == pytest.approx(0.80)


def test_missing_model_or_empty_regime_gives_nan_and_a_warning(caplog):
    reference = pd.concat(
        [
            _reference(),
            pd.DataFrame({"model": ["gone", "m1"], "regime": ["standard", np.nan], "paper_row": ["C", "D"]}),
        ],
        ignore_index=True,
    )
    with caplog.at_level(logging.WARNING, logger="seqattr"):
        table = paper_tables.compare(reference, _ours(), method="saliency", min_auroc=None)
    missing = table[table["paper_row"].isin(["C", "D"])]
    assert missing["n_seeds"].tolist() == [0, 0] and missing["n_seeds_run"].tolist() == [0, 0]
    assert missing["interpretability_auroc_ours"].isna().all()
    assert missing["regime"].tolist() == ["standard", ""]
    messages = " | ".join(r.getMessage() for r in caplog.records)
    assert "paper row C (model='gone', regime='standard')" in messages
    assert "paper row D (model='m1', regime='')" in messages
    assert table.loc[table["paper_row"] == "A", "n_seeds"].item() == 3


def test_performance_filter_keeps_seeds_with_test_auroc_at_least_the_threshold(caplog):
    """Paper 002's Table 1 averages only the trials with test AUROC ≥ 0.97."""
    ours = _ours()
    test_auroc = {("m1", 1): 0.96, ("m1", 2): 0.97, ("m1", 3): 0.99, ("m2", 1): 0.95, ("m2", 2): 0.96, ("m2", 3): 0.965}
    ours["classification_auroc"] = [test_auroc[key] for key in zip(ours["model"], ours["seed"])]
    with caplog.at_level(logging.WARNING, logger="seqattr"):
        table = paper_tables.compare(_reference(), ours, method="saliency", min_auroc=0.97).set_index("model")
    # m1: seeds 2 and 3 pass (0.97 counts), raw AUROCs 0.80 and 0.90
    assert table.loc["m1", "interpretability_auroc_ours"] == pytest.approx(0.85)
    assert table.loc["m1", "interpretability_auroc_ours_sd"] == pytest.approx(np.sqrt(0.005))
    assert table.loc["m1", "classification_auroc_ours"] == pytest.approx(0.98)
    assert (table.loc["m1", "n_seeds"], table.loc["m1", "n_seeds_run"]) == (2, 3)
    # m2: no seed passes, so nothing to compare, and the warning says why
    assert (table.loc["m2", "n_seeds"], table.loc["m2", "n_seeds_run"]) == (0, 3)
    assert np.isnan(table.loc["m2", "interpretability_auroc_ours"])
    assert "paper row B (model='m2', regime='noise'): none of 3 seeds has test AUROC ≥ 0.97" in caplog.text
    unfiltered = paper_tables.compare(_reference(), ours, method="saliency", min_auroc=None).set_index("model")
    assert unfiltered["n_seeds"].tolist() == [3, 3]
    assert unfiltered.loc["m1", "interpretability_auroc_ours"] == pytest.approx(0.80)
    with pytest.raises(ValueError, match=r"our table: missing columns \['classification_auroc'\]"):
        paper_tables.compare(_reference(), ours.drop(columns="classification_auroc"), min_auroc=0.97)


def test_metrics_we_do_not_compute_and_notes_are_not_compared():
    reference = _reference(interpretability_auroc_epoch40=[0.6, 0.5], paper_column="AU-ROC", note=["", "bs 32"])
    table = paper_tables.compare(reference, _ours(), method="saliency", min_auroc=None)
    assert not [c for c in table if "epoch40" in c or c == "paper_column"]
    assert table["note"].tolist() == ["", "bs 32"]


def test_missing_key_columns_are_named():
    with pytest.raises(ValueError, match=r"reference table: missing columns \['regime'\]"):
        paper_tables.compare(_reference().drop(columns="regime"), _ours(), min_auroc=None)


def _selection(ours: pd.DataFrame) -> pd.DataFrame:
    """KLDs per run and method: k-mer KLD = seed (saliency) or 10 × seed (SmoothGrad)."""
    runs = ours[ours["corrected"] == "raw"][["dataset", "model", "regime", "seed", "task", "method"]]
    factor = np.where(runs["method"] == "saliency", 1.0, 10.0)
    return runs.assign(kmer_kld=runs["seed"] * factor, kattr_mean_kld=0.5, classification_auroc=0.0)


def test_klds_join_by_run_and_method():
    ours = paper_tables.with_klds(_ours(), _selection(_ours()))
    assert len(ours) == len(_ours())
    reference = _reference(kmer_kld=[1.0, 2.0], kattr_mean_kld=[0.4, 0.4])
    table = paper_tables.compare(reference, ours, method="smoothgrad", min_auroc=None).set_index("model")
    assert table.loc["m1", "kmer_kld_ours"] == pytest.approx(20.0)
    assert table.loc["m1", "kmer_kld_ours_sd"] == pytest.approx(10.0)
    assert table.loc["m1", "classification_auroc_ours"] == pytest.approx(0.92)  # not the selection's column


def _rule_script(tmp_path, tests: pd.DataFrame):
    ours = _ours()
    ours.to_csv(tmp_path / "metrics.tsv", sep="\t", index=False)
    _selection(ours).to_csv(tmp_path / "selection.tsv", sep="\t", index=False)
    _reference(kmer_kld=[1.0, 2.0]).to_csv(tmp_path / "reference.tsv", sep="\t", index=False)
    tests.to_csv(tmp_path / "claims.tsv", sep="\t", index=False)
    log = tmp_path / "rule.log"
    snakemake = SimpleNamespace(
        input=SimpleNamespace(
            metrics=str(tmp_path / "metrics.tsv"),
            selection=str(tmp_path / "selection.tsv"),
            reference=str(tmp_path / "reference.tsv"),
            claims=str(tmp_path / "claims.tsv"),
        ),
        params=SimpleNamespace(method="saliency", min_auroc=0.915),
        output=SimpleNamespace(table=str(tmp_path / "out.tsv"), claims=str(tmp_path / "out_claims.tsv")),
        log=[str(log)],
    )
    runpy.run_path(str(ROOT / "scripts" / "paper_table.py"), init_globals={"snakemake": snakemake})
    return log


def _test(claim, test, metric, a, b=""):
    return {"claim": claim, "source": "§1", "test": test, "metric": metric, "a": a, "b": b}


def test_rule_script_writes_the_comparison_and_its_claims(tmp_path):
    # the paper has A (m1) above B (m2) on both metrics; our seeds 2–3 of m1 (0.85) beat seed 2–3 of m2 (0.63)
    tests = pd.DataFrame(
        [
            _test("A beats B", "higher", "interpretability_auroc", "A", "B"),
            _test("B beats A", "higher", "kmer_kld", "B", "A"),
        ]
    )
    log = _rule_script(tmp_path, tests)
    written = pd.read_csv(tmp_path / "out.tsv", sep="\t").set_index("model")
    assert written.loc["m1", "kmer_kld_ours"] == pytest.approx(2.5)  # seeds 2 and 3
    assert written.loc["m2", "interpretability_auroc_ours"] == pytest.approx(0.63)  # seed 1 (AUROC 0.91) left out
    assert written["n_seeds"].tolist() == [2, 2] and written["n_seeds_run"].tolist() == [3, 3]
    assert "2 with runs of ours" in log.read_text() and "test AUROC ≥ 0.915" in log.read_text()
    claims = pd.read_csv(tmp_path / "out_claims.tsv", sep="\t").set_index("claim")
    assert list(claims.reset_index().columns) == paper_claims.COLUMNS
    # m1's seeds 2–3 (0.80, 0.90) against m2's (0.62, 0.64): +0.22, but Welch's interval over two seeds a
    # side (df ≈ 1.1) reaches below 0, so where a point comparison said "holds" the test is undetermined
    beats = claims.loc["A beats B"]
    assert beats["effect"] == pytest.approx(0.22) and beats["n_seeds"] == 2 and beats["paper_effect"] > 0
    assert beats["low"] < 0 < beats["high"] and beats["verdict"] == "undetermined"
    assert (beats["agreement"], beats["claim_verdict"]) == ("undetermined", "undetermined")
    assert beats["seeds_needed"] > 2
    # paper: B's k-mer KLD 2.0 > A's 1.0; ours: both 2.5 ± 0.71 (the k-mer KLD is the seed): no gap to decide
    ties = claims.loc["B beats A"]
    assert ties["effect"] == 0.0 and ties["verdict"] == "undetermined" and ties["paper_effect"] == 1.0


def test_a_claims_file_naming_an_unknown_row_or_metric_fails_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match=r"line 2 .*no paper_row \['C'\]"):
        _rule_script(tmp_path, pd.DataFrame([_test("A beats C", "higher", "interpretability_auroc", "A", "C")]))
    with pytest.raises(ValueError, match="no metric 'cosine'"):
        _rule_script(tmp_path, pd.DataFrame([_test("A beats B", "higher", "cosine", "A", "B")]))
    with pytest.raises(ValueError, match="test 'lower' is not one of"):
        _rule_script(tmp_path, pd.DataFrame([_test("A beats B", "lower", "cosine", "A", "B")]))
    assert not (tmp_path / "out.tsv").exists() and not (tmp_path / "out_claims.tsv").exists()


def test_a_claim_holds_when_its_tests_agree_with_the_papers():
    rows = ["r1", "r2", "r3", "r4"]
    comparison = pd.DataFrame(
        {
            "paper_row": rows,
            "n_seeds": 3,
            "snr_paper": [1.0, 2.0, 3.0, 4.0],
            "snr_ours": [1.0, 2.0, 4.0, 3.0],
            "snr_ours_sd": 0.01,
            "kmer_kld_paper": [0.1, 0.2, 0.3, 0.4],
            "kmer_kld_ours": [0.4, 0.3, 0.2, 0.1],
            "kmer_kld_ours_sd": 0.01,
            "classification_auroc_paper": [0.9, 0.8, 0.7, 0.6],
            "classification_auroc_ours": [0.9, 0.8, np.nan, 0.6],
            "classification_auroc_ours_sd": 0.2,
        }
    )
    tests = pd.DataFrame(
        [
            _test("one disagrees", "higher", "snr", "r2", "r1"),
            _test("one disagrees", "higher", "snr", "r4", "r3"),  # paper +1, ours −1 well outside the noise
            _test("one disagrees", "higher", "snr", "r3", "r2"),
            _test("all agree", "higher", "snr", "r2", "r1"),
            _test("all agree", "higher", "snr", "r3", "r2"),
            _test("tracks", "correlates", "kmer_kld", "snr"),  # paper ρ +1, ours ρ −0.8 over 4 rows
            _test("noisy", "higher", "classification_auroc", "r1", "r2"),  # 0.1 with SD 0.2 over 3 seeds
            _test("not run", "higher", "classification_auroc", "r1", "r3"),  # our r3 is NaN
        ]
    )
    paper_claims.check_claims_file(tests, comparison, "claims.tsv")
    table = paper_claims.claims_table(comparison, tests)
    verdicts = table.groupby("claim", sort=False)["claim_verdict"].first()
    assert verdicts.to_dict() == {
        "one disagrees": "fails",
        "all agree": "holds",
        "tracks": "undetermined",  # a bootstrap over 4 rows cannot exclude ρ = 0
        "noisy": "undetermined",
        "not run": "n/a",
    }
    disagreeing = table[table["test"] == "snr: r4 − r3"].iloc[0]
    assert (disagreeing["paper_effect"], disagreeing["effect"], disagreeing["verdict"]) == (1.0, -1.0, "fails")
    assert disagreeing["agreement"] == "disagree"
    tracks = table[table["claim"] == "tracks"].iloc[0]
    assert tracks["paper_effect"] == pytest.approx(1.0) and tracks["effect"] == pytest.approx(-0.8)
    assert tracks["n_seeds"] == 3 and tracks["low"] < 0
    assert table.loc[table["claim"] == "not run", "verdict"].item() == "n/a"


def test_transcriptions_exist():
    assert {p.stem for p in REFERENCES} >= {
        "paper_000_table1",
        "paper_000_table2",
        "paper_002_table1",
        "paper_003_table1",
    }


@pytest.mark.parametrize("path", REFERENCES, ids=lambda p: p.stem)
def test_reference_names_only_what_its_paper_config_runs(path):
    """Every named row is run by the config of its paper (file paper_XXX_*.tsv → config/paper_XXX.yaml)."""
    config_path = ROOT / "config" / f"{'_'.join(path.stem.split('_')[:2])}.yaml"
    cfg = config.validate(yaml.safe_load(config_path.read_text()))
    assert path.stem in cfg["paper_tables"]
    reference = paper_tables.read_tsv(path, ["model", "regime", "paper_row"])
    ours = set(aggregate.COLUMNS) | set(KLDS)
    assert [c for c in reference if c in ours and c not in paper_tables.KEYS + ["seed", "corrected"]]
    runs = config.experiment_runs(cfg)
    for _, row in reference.fillna("").iterrows():
        assert row["model"] in cfg["models"], row["paper_row"]
        if not row["regime"]:  # a row this workflow cannot run says why
            assert row["note"], row["paper_row"]
            continue
        assert row["regime"] in cfg["regimes"], row["paper_row"]
        assert any(
            run.model == row["model"]
            and run.regime == row["regime"]
            and row.get("dataset", run.dataset) == run.dataset
            and row.get("method", methods[0]) in methods
            for run, methods in runs
        ), row["paper_row"]


@pytest.mark.parametrize("stem", ["paper_000", "paper_002", "paper_003"])
def test_paper_configs_list_existing_tables(stem):
    cfg = config.validate(yaml.safe_load((ROOT / "config" / f"{stem}.yaml").read_text()))
    assert cfg["paper_tables"]
    assert cfg["paper_tables_min_test_auroc"] == (0.97 if stem == "paper_002" else None)
    for name in cfg["paper_tables"]:
        assert (ROOT / "resources" / "papers" / f"{name}.tsv").exists()


@pytest.mark.parametrize("path", REFERENCES, ids=lambda p: p.stem)
def test_claims_files_name_rows_of_their_table_and_the_paper_supports_them(path):
    """Each table's claims file names only its rows and metrics, and the paper's own numbers pass at least half
    of every claim's tests (a reversed a / b would fail)."""
    reference = paper_tables.read_tsv(path, ["model", "regime"])
    metrics = [c for c in reference if c in set(aggregate.COLUMNS) | set(KLDS) and c not in paper_tables.KEYS]
    ours = pd.DataFrame(columns=list(dict.fromkeys(paper_tables.KEYS + ["seed", "corrected"] + metrics)))
    comparison = paper_tables.compare(
        reference, ours, "saliency" if "method" not in reference else None, min_auroc=None
    )
    claims_path = path.with_name(f"{path.stem}.claims.tsv")
    tests = paper_tables.read_tsv(claims_path, paper_claims.FILE_COLUMNS)
    paper_claims.check_claims_file(tests, comparison, str(claims_path))
    claims = paper_claims.claims_table(comparison, tests)
    paper_passes = claims.assign(passes=claims["paper_effect"] > 0).groupby("claim")["passes"].mean()
    assert (paper_passes >= 0.5).all(), paper_passes
    assert (claims["claim_verdict"] == "n/a").all()  # no runs of ours
