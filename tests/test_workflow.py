"""The whole workflow on the tiny config, from simulation to the HTML report, through Snakemake."""

import json

import numpy as np
import pandas as pd
import pytest

from seqattr import data
from helpers.workflow_runner import ROOT, report_has, snakemake

pytestmark = pytest.mark.workflow

TINY = ROOT / "tests" / "configs" / "tiny.yaml"
FIGURES = [
    "figures/data/synthetic.png",
    "figures/evaluation/scatter.png",
    "figures/evaluation/improvement.png",
    "figures/evaluation/angle_density.png",
    "figures/evaluation/improvement_vs_angle.png",
    "figures/evaluation/large_angles.png",
    "figures/evaluation/claims_004.png",
    "figures/consistency/snr_vs_kld.png",
    "figures/consistency/kmer_frequencies.png",
    "figures/consistency/angular_density.png",
    "figures/attribution/synthetic/cnn_shallow_relu/standard/seed1/task0/saliency.png",
    "figures/studies/init_std.png",
    "figures/studies/angle_regularization.png",
    "figures/studies/over_epochs.png",
    "figures/motifs/recovery.png",
    "figures/motifs/synthetic/cnn_shallow_relu/standard/seed1/task0/saliency.png",
]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tiny")
    snakemake(workdir, TINY)
    snakemake(workdir, TINY, "--report", str(workdir / "report.zip"))
    return workdir


def test_every_figure_and_table_is_made(tiny_run):
    tables = [
        "metrics.tsv",
        "reproduction_004.tsv",
        "selection.tsv",
        "analyses.tsv",
        "study_init_std_claims.tsv",
        "study_angle_regularization_claims.tsv",
        "over_epochs.tsv",
        "motifs.tsv",
        "motifs_summary.tsv",
    ]
    for name in FIGURES + [f"tables/{t}" for t in tables]:
        path = tiny_run / "results" / name
        assert path.exists() and path.stat().st_size > 0, name
        if name.endswith(".png"):
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert path.with_suffix(".pdf").exists()


def test_report_contains_every_figure(tiny_run):
    for figure in FIGURES:
        assert report_has(tiny_run / "report.zip", tiny_run / "results" / figure), figure


def test_report_says_what_was_run_and_numbers_its_categories_without_gaps(tiny_run):
    import re
    import zipfile

    import yaml

    with zipfile.ZipFile(tiny_run / "report.zip") as report:
        page = report.read(next(n for n in report.namelist() if n.endswith("report.html"))).decode()
    assert "What was run" in page and "{'datasets'" not in page  # readable words, not the config dict
    config = yaml.safe_load(TINY.read_text())
    for experiment in config["experiments"]:
        assert all(model in page for model in experiment["models"])
    numbers = sorted({int(n) for n in re.findall(r'"(\d+)\. [A-Z][A-Za-z -]+": \{', page)})
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 6


def test_metrics_table_covers_every_run(tiny_run):
    table = pd.read_csv(tiny_run / "results" / "tables" / "metrics.tsv", sep="\t")
    # 2 models × 2 seeds × 4 methods + 1 × 1 × 1 (input noise) + 4 sweep regimes × 1 method, raw and corrected
    assert len(table) == (2 * 2 * 4 + 1 + 4) * 2
    assert set(table["corrected"]) == {"raw", "corrected"}
    assert table["interpretability_auroc"].between(0, 1).all()
    assert table["classification_auroc"].between(0, 1).all()


def test_motif_rows_cover_every_run_raw_and_corrected(tiny_run):
    """tiny.yaml runs motif discovery on every saliency map: 9 runs, each a raw and a corrected row."""
    table = pd.read_csv(tiny_run / "results" / "tables" / "motifs.tsv", sep="\t")
    assert len(table) == 9 * 2 and set(table["method"]) == {"saliency"}
    versions = table.groupby(["dataset", "model", "regime", "seed", "method"])["version"].apply(sorted)
    assert len(versions) == 9 and all(v == ["corrected", "raw"] for v in versions)
    assert table["status"].isin(["ok", "no_patterns", "no_signal"]).all()
    assert (table["core_motifs"] == 5).all() and table["n_patterns"].ge(0).all()
    summary = pd.read_csv(tiny_run / "results" / "tables" / "motifs_summary.tsv", sep="\t")
    assert {"core_recovered", "spurious_patterns"} <= set(summary["metric"])
    assert (tiny_run / "results" / "motifs" / "jaspar" / "JASPAR2016" / "CORE" / "vertebrates.meme").exists()


def test_best_epoch_over_training_equals_the_final_model(tiny_run):
    """The input-noise run keeps every epoch; its best epoch is the model that was restored and analysed."""
    run = "synthetic/cnn_shallow_relu/input_noise/seed1"
    over = pd.read_csv(tiny_run / "results" / "over_epochs" / run / "task0" / "saliency.tsv", sep="\t")
    assert sorted(set(over["epoch"])) == [1, 2] and set(over["corrected"]) == {"raw", "corrected"}
    best = json.loads((tiny_run / "results" / "models" / run / "test_metrics.json").read_text())
    at_best = over[over["epoch"] == best["best_epoch"]].set_index("corrected")
    metrics = pd.read_csv(tiny_run / "results" / "tables" / "metrics.tsv", sep="\t")
    final = metrics[metrics["regime"] == "input_noise"].set_index("corrected")
    for column in ["interpretability_auroc", "interpretability_aupr", "cosine", "snr"]:
        np.testing.assert_allclose(at_best[column], final.loc[at_best.index, column], rtol=1e-5, err_msg=column)
    assert at_best["classification_auroc"].iloc[0] == pytest.approx(best["auroc"], abs=1e-6)


def test_training_outputs_are_complete(tiny_run):
    run = tiny_run / "results" / "models" / "synthetic" / "cnn_shallow_exp" / "standard" / "seed2"
    history = pd.read_csv(run / "history.tsv", sep="\t")
    assert list(history["epoch"]) == [1, 2]
    assert {"loss", "val_loss", "val_auroc", "lr", "seconds"} <= set(history.columns)
    assert 0 <= json.loads((run / "test_metrics.json").read_text())["auroc"] <= 1
    assert not (tiny_run / "results" / "checkpoints" / "synthetic" / "cnn_shallow_exp" / "standard" / "seed2").exists()


def test_attribution_file_matches_dataset(tiny_run):
    maps = data.read_h5(
        tiny_run / "results/attributions/synthetic/cnn_shallow_relu/standard/seed1/task0/integrated_gradients.h5"
    )
    test = data.read_split(tiny_run / "results" / "data" / "synthetic.h5", "test")
    assert maps["G"].shape == (40, 200, 4)
    np.testing.assert_array_equal(maps["x"], test["x"][maps["indices"]])
    assert (test["y"][maps["indices"], 0] == 1).all()  # positives only by default
