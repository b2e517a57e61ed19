"""Bring your own model and data: a legacy Keras 2 weights file and a dataset in the lab's (N, 4, L)
layout with its own key names, analysed from config alone to the HTML report, with no training."""


import h5py
import numpy as np
import pandas as pd
import pytest
import yaml

from seqattr.simulate import simulate
from test_pretrained import SHALLOW, keras2_model, save_released
from workflow_runner import report_has, snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def byo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("byo")
    splits, _ = simulate({"n_positive": 100, "n_negative": 100, "n_background": 10, "seed": 4})
    with h5py.File(root / "lab.h5", "w") as handle:  # the lab's layout and names
        handle["X_test"] = np.transpose(splits["test"]["x"], (0, 2, 1))
        handle["Y_test"] = splits["test"]["y"]
        handle["model_test"] = np.transpose(splits["test"]["model"], (0, 2, 1))
    weights = []
    for seed in (1, 2):
        path = root / f"cnn_shallow_exp_{seed}.h5"
        save_released(keras2_model(SHALLOW), path)
        weights.append(str(path))
    config = {
        "datasets": {"lab": {"kind": "h5", "path": str(root / "lab.h5"),
                             "keys": {"x_test": "X_test", "y_test": "Y_test", "model_test": "model_test"}}},
        "models": {"lab_shallow": {"architecture": "cnn_shallow", "options": {"activation": "exponential"},
                                   "weights": weights}},
        "attribution": {"methods": {"saliency": {"kind": "saliency"}}, "max_sequences": 15},
        "experiments": [{"datasets": ["lab"], "models": ["lab_shallow"], "seeds": 2}],
    }
    configfile = root / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    workdir = root / "run"
    workdir.mkdir()
    result = snakemake(workdir, configfile)
    snakemake(workdir, configfile, "--report", str(workdir / "report.zip"))
    return workdir, result


def test_no_training_ran(byo_run):
    workdir, result = byo_run
    assert "train_model" not in result.stdout + result.stderr
    assert not (workdir / "logs" / "train_model").exists()
    assert (workdir / "results/models/lab/lab_shallow/standard/seed2/model.keras").exists()


def test_ground_truth_metrics_and_report(byo_run):
    workdir, _ = byo_run
    table = pd.read_csv(workdir / "results/tables/metrics.tsv", sep="\t")
    assert len(table) == 2 * 2  # 2 seeds × raw/corrected
    assert table["interpretability_auroc"].notna().all()
    plan = pd.read_csv(workdir / "results/tables/analyses.tsv", sep="\t").set_index("analysis")
    assert plan.loc["training", "runs"] == "no" and "lab_shallow" in plan.loc["training", "why"]
    assert plan.loc["ensemble proxy", "runs"] == "no"
    assert report_has(workdir / "report.zip", workdir / "results/figures/evaluation/scatter.png")
    assert report_has(workdir / "report.zip", workdir / "results/tables/analyses.tsv")
