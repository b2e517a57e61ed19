"""Multi-task and regression models through the whole workflow, on 249-nt synthetic data.

A 3-output classifier (one output per core motif) and a 2-output regression train, and every
attributed output gets its own maps, analyses, consistency and table rows; adding an output to
``attribution.tasks`` plans only that output's jobs.
"""

import copy
import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from seqattr import data
from seqattr.correction import angles
from seqattr.metrics import information
from helpers.workflow_runner import planned, rules
from helpers.workflow_runner import run_config

pytestmark = pytest.mark.workflow

CORE = ["MA0079.3", "MA0062.2", "MA0466.2"]
RUN = "{model}/standard/seed1"


def _config(dataset: dict, architecture: str, tasks: list[int]) -> dict:
    return {
        "datasets": {
            "sim": {
                "kind": "synthetic",
                "n_positive": 80,
                "n_negative": 80,
                "length": 249,
                "n_background": 10,
                "seed": 3,
                **dataset,
            }
        },
        "models": {
            f"{architecture}_{act}": {"architecture": architecture, "options": {"activation": act, "width": 0.05}}
            for act in ("relu", "exponential")
        },
        "training": {"epochs": 2, "batch_size": 20},
        "attribution": {
            "methods": {"saliency": {"kind": "saliency"}},
            "tasks": tasks,
            "max_sequences": 8,
            "plot_sequences": 1,
        },
        "experiments": [
            {"datasets": ["sim"], "models": [f"{architecture}_relu", f"{architecture}_exponential"], "seeds": 1}
        ],
    }


def _finished(root, config) -> tuple:
    workdir, _, _ = run_config(root, config)
    return workdir, root, config


@pytest.fixture(scope="module")
def multitask_run(tmp_path_factory):
    config = _config({"outputs": "per_core_motif", "core_motifs": CORE}, "basset", tasks=[0, 1])
    return _finished(tmp_path_factory.mktemp("multitask"), config)


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory):
    config = _config(
        {
            "task": "regression",
            "outputs": "per_core_motif",
            "core_motifs": CORE[:2],
            "effects": [1.0, 0.5],
            "noise_sd": 0.2,
        },
        "deepstarr",
        tasks=[0, 1],
    )
    return _finished(tmp_path_factory.mktemp("regression"), config)


def _test_scores(workdir, model) -> dict:
    path = workdir / "results" / "models" / "sim" / RUN.format(model=model) / "test_metrics.json"
    return {row["task"]: row for row in json.loads(path.read_text())["per_task"]}


def test_every_output_has_its_own_rows_scores_and_ground_truth(multitask_run):
    workdir = multitask_run[0]
    metrics = pd.read_csv(workdir / "results/tables/metrics.tsv", sep="\t")
    assert Counter(zip(metrics["model"], metrics["task"])) == {
        (m, t): 2 for m in ("basset_relu", "basset_exponential") for t in (0, 1)
    }  # raw + corrected per output
    for (model, task), rows in metrics.groupby(["model", "task"]):
        assert rows["classification_auroc"].iloc[0] == pytest.approx(_test_scores(workdir, model)[task]["auroc"])
        assert rows["interpretability_auroc"].notna().all()
    selection = pd.read_csv(workdir / "results/tables/selection.tsv", sep="\t")
    assert Counter(selection["task"]) == {0: 2, 1: 2} and sorted(selection["selection_rank"]) == [1, 1, 2, 2]

    test = data.read_split(workdir / "results/data/sim.h5", "test")
    maps = {}
    for task in (0, 1):
        stored = data.read_h5(
            workdir / f"results/attributions/sim/{RUN.format(model='basset_relu')}/task{task}/saliency.h5"
        )
        index = test["motif_index"][stored["indices"]]
        assert (stored["y"] == 1).all() and (index == task).any(axis=1).all()  # positives of this output
        informative = information(stored["model"]) > 0.1
        assert informative.any() and (index[informative] == task).all()  # its own motif's columns only
        analysed = data.read_h5(
            workdir / f"results/analysis/sim/{RUN.format(model='basset_relu')}/task{task}/saliency.angles.h5"
        )
        np.testing.assert_allclose(
            analysed["angles"], angles(stored["G"]), atol=1e-3
        )  # the angles of this output's map
        maps[task] = stored
    common = np.intersect1d(maps[0]["indices"], maps[1]["indices"])
    assert len(common), "no sequence carries both motifs"
    rows = [np.searchsorted(maps[t]["indices"], common) for t in (0, 1)]
    assert not np.allclose(maps[0]["G"][rows[0]], maps[1]["G"][rows[1]])  # one sequence, two outputs, two maps


def test_each_output_is_labelled_by_its_motif_and_ablated_in_silico(multitask_run):
    workdir = multitask_run[0]
    test = data.read_split(workdir / "results/data/sim.h5", "test")
    present = np.stack([(test["motif_index"] == t).any(axis=1) for t in range(3)], axis=1)
    assert np.array_equal(test["y"] == 1, present)  # label t = motif t present, negatives included
    table = pd.read_csv(workdir / "results/tables/motif_ablation.tsv", sep="\t")
    assert Counter(table["model"]) == {"basset_relu": 9, "basset_exponential": 9}  # 3 motifs × 3 outputs
    assert (table["own"] == (table["motif"] == table["output"])).all()
    holding = dict(enumerate(present.sum(axis=0)))
    assert (table["n_sequences"] == table["motif"].map(holding)).all()
    assert table[["change", "control_change"]].ge(0).all().all()
    summary = pd.read_csv(workdir / "results/tables/motif_ablation_summary.tsv", sep="\t")
    assert sorted(summary["model"]) == ["basset_exponential", "basset_relu"]
    own = table[table["own"]].groupby("model")["change"].mean()
    assert np.allclose(summary.set_index("model").loc[own.index, "own_change"], own)


def test_adding_an_output_plans_only_its_jobs(multitask_run):
    config = copy.deepcopy(multitask_run[2])
    config["attribution"]["tasks"] = [0, 1, 2]
    jobs = planned(multitask_run, config)
    per_run = Counter(attribute=2, analyze=2, consistency=2, plot_attribution=2)
    assert rules(jobs) == per_run + Counter(aggregate=1, plot_evaluation=1, select_models=1, plot_consistency=1, all=1)
    attributed = {out for rule, outs in jobs if rule == "attribute" for out in outs}
    assert attributed == {
        f"results/attributions/sim/{RUN.format(model=m)}/task2/saliency.h5"
        for m in ("basset_relu", "basset_exponential")
    }


def test_a_regression_is_scored_by_correlation_per_output(regression_run):
    workdir = regression_run[0]
    metrics = pd.read_csv(workdir / "results/tables/metrics.tsv", sep="\t")
    assert sorted(set(metrics["task"])) == [0, 1] and len(metrics) == 2 * 2 * 2
    assert metrics["classification_auroc"].isna().all()
    for (model, task), rows in metrics.groupby(["model", "task"]):
        assert rows["regression_pearson"].iloc[0] == pytest.approx(_test_scores(workdir, model)[task]["pearson"])
        assert rows[["interpretability_auroc", "cosine"]].notna().all().all()
    test = data.read_split(workdir / "results/data/sim.h5", "test")
    for task in (0, 1):
        run = f"sim/{RUN.format(model='deepstarr_relu')}/task{task}"
        stored = data.read_h5(workdir / f"results/attributions/{run}/saliency.h5")
        assert (stored["y"] > np.median(test["y"][:, task])).all()  # the upper half of this output's targets
        table = pd.read_csv(workdir / f"results/analysis/{run}/saliency.tsv", sep="\t")
        assert "target" in table and "label" not in table and set(table["task"]) == {task}
