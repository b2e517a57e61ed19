"""Bring your own model and data: legacy Keras 2 weights files in the layout of the lab's released ones
and a dataset in the lab's (N, 4, L) layout with its own key names, analysed from config alone to the
HTML report, with no training. The dataset and seed 1's weights arrive by URL with an md5 (a local
HTTP server stands in for GitHub), seed 2's weights from a local path."""

import os

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml

from helpers.file_server import FileSite
from seqattr.download import md5sum
from seqattr.simulate import simulate
from helpers.workflow_runner import outputs, planned
from helpers.lab_models import SHALLOW, keras2_model, save_released
from helpers.workflow_runner import report_has, run_config, snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def byo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("byo")
    (root / "site").mkdir()
    splits, _ = simulate({"n_positive": 100, "n_negative": 100, "n_background": 10, "seed": 4})
    with h5py.File(root / "site" / "lab data.h5", "w") as handle:  # the lab's layout and names
        handle["X_test"] = np.transpose(splits["test"]["x"], (0, 2, 1))
        handle["Y_test"] = splits["test"]["y"]
        handle["model_test"] = np.transpose(splits["test"]["model"], (0, 2, 1))
    for seed in (1, 2):
        save_released(
            keras2_model(SHALLOW), root / ("site" if seed == 1 else "") / f"cnn_shallow_exponential_{seed}.h5"
        )
    with FileSite(root / "site") as site:
        config = {
            "datasets": {
                "lab": {
                    "kind": "url",
                    "url": f"{site.url}/lab%20data.h5",
                    "md5": md5sum(root / "site" / "lab data.h5"),
                    "keys": {"x_test": "X_test", "y_test": "Y_test", "model_test": "model_test"},
                }
            },
            "models": {
                "lab_shallow": {
                    "architecture": "cnn_shallow",
                    "options": {"activation": "exponential"},
                    "weights": [
                        {
                            "url": f"{site.url}/cnn_shallow_exponential_1.h5",
                            "md5": md5sum(root / "site" / "cnn_shallow_exponential_1.h5"),
                        },
                        str(root / "cnn_shallow_exponential_2.h5"),
                    ],
                }
            },
            "attribution": {"methods": {"saliency": {"kind": "saliency"}}, "max_sequences": 15},
            "experiments": [{"datasets": ["lab"], "models": ["lab_shallow"], "seeds": 2}],
        }
        workdir, configfile, result = run_config(root, config)
        snakemake(workdir, configfile, "--report", str(workdir / "report.zip"))
    return workdir, result, site


def test_no_training_ran(byo_run):
    workdir, result, _ = byo_run
    assert "train_model" not in result.stdout + result.stderr
    assert not (workdir / "logs" / "train_model").exists()
    assert (workdir / "results/models/lab/lab_shallow/standard/seed2/model.keras").exists()


def test_dataset_and_weights_came_by_url(byo_run):
    workdir, _, site = byo_run
    assert sorted(site.requests) == ["/cnn_shallow_exponential_1.h5", "/lab%20data.h5"]
    assert (workdir / "resources/downloads/datasets/lab.h5").is_file()
    assert (workdir / "resources/downloads/weights/lab_shallow/seed1.h5").is_file()
    assert not (workdir / "resources/downloads/weights/lab_shallow/seed2.h5").exists()  # a local path


def test_ground_truth_metrics_and_report(byo_run):
    workdir, _, _ = byo_run
    table = pd.read_csv(workdir / "results/tables/metrics.tsv", sep="\t")
    assert len(table) == 2 * 2  # 2 seeds × raw/corrected
    assert table["interpretability_auroc"].notna().all()
    plan = pd.read_csv(workdir / "results/tables/analyses.tsv", sep="\t").set_index("analysis")
    assert plan.loc["training", "runs"] == "no" and "lab_shallow" in plan.loc["training", "why"]
    assert plan.loc["ensemble proxy", "runs"] == "no"
    assert report_has(workdir / "report.zip", workdir / "results/figures/evaluation/scatter.png")
    assert report_has(workdir / "report.zip", workdir / "results/tables/analyses.tsv")


def test_a_replaced_weights_file_reruns_its_seed_whatever_its_time_stamp(byo_run):
    """Seed 2's weights are the user's own path: touched with the same bytes nothing reruns; replaced
    by other weights under the old time stamp (as ``cp -p`` leaves it) its seed is re-imported and re-analysed."""
    workdir = byo_run[0]
    root = workdir.parent
    weights = root / "cnn_shallow_exponential_2.h5"
    original, stat = weights.read_bytes(), weights.stat()
    config = yaml.safe_load((root / "config.yaml").read_text())
    try:
        os.utime(weights)
        assert planned((workdir, root, config), config) == []
        save_released(keras2_model(SHALLOW), weights)
        os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        jobs = planned((workdir, root, config), config)
        assert outputs(jobs, "import_model") == {
            "results/models/lab/lab_shallow/standard/seed2/model.keras",
            "results/models/lab/lab_shallow/standard/seed2/test_metrics.json",
        }
        assert {out.split("/")[5] for out in outputs(jobs, "attribute")} == {"seed2"}
    finally:
        weights.write_bytes(original)
        os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert planned((workdir, root, config), config) == []  # the same bytes again: nothing to do
