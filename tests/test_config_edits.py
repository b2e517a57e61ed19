"""A config edit reruns exactly what it changes: from one finished tiny run (a synthetic and an in vivo
dataset, one model, one seed, one epoch, two methods), each edit's dry-run plans the expected jobs only.

Snakemake reruns a job whose ``params`` change, so each job gets only what its outputs depend on;
how a job runs (``jobs_per_gpu``, attribution ``batch_size``, ENCODE ``retries``) is read from the
config by its script, and an ENCODE target is resolved once into its own lock file.
"""

import copy
import shutil
from collections import Counter

import pytest

from helpers.encode_server import EncodeSite
from helpers.workflow_runner import outputs, planned, rules, run_config

pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(
        shutil.which("bedtools") is None, reason="bedtools is not installed (scripts/install_system_deps.sh)"
    ),
]

# Every run-level job of one (dataset, model, regime, seed) with both methods, and the tables and
# figures over all runs (which legitimately rerun when their list of inputs grows).
PER_METHOD = ("attribute", "analyze", "consistency")
AGGREGATES = Counter(aggregate=1, plot_evaluation=1, select_models=1, plot_consistency=1, all=1)


def _base(site) -> dict:
    return {
        "datasets": {
            "synthetic": {"kind": "synthetic", "n_positive": 60, "n_negative": 60, "n_background": 10, "seed": 3},
            "ctcf": {"kind": "chipseq", "target": "CTCF", "source": "local", "max_per_class": 40},
        },
        "encode": {"local": site.source_config()},
        "models": {"shallow": {"architecture": "cnn_shallow", "options": {"activation": "exponential"}}},
        "training": {"epochs": 1, "batch_size": 20},
        "attribution": {
            "methods": {"saliency": {"kind": "saliency"}, "ig": {"kind": "integrated_gradients", "steps": 4}},
            "max_sequences": 6,
            "plot_sequences": 2,
        },
        "experiments": [{"datasets": ["synthetic", "ctcf"], "models": ["shallow"], "seeds": 1}],
    }


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("edits")
    with EncodeSite.build(root / "site", targets=("CTCF", "REST"), n_peaks=60, n_dnase=300) as site:
        base = _base(site)
        workdir, _, _ = run_config(root, base, "base.yaml")
        yield workdir, root, base


def edited(finished_run, change) -> dict:
    config = copy.deepcopy(finished_run[2])
    change(config)
    return config


def test_the_finished_run_is_up_to_date(finished_run):
    assert planned(finished_run, finished_run[2]) == []


def test_adding_a_method_attributes_with_it_alone(finished_run):
    config = edited(
        finished_run, lambda c: c["attribution"]["methods"].update(smooth={"kind": "smoothgrad", "samples": 2})
    )
    jobs = planned(finished_run, config)
    runs = ["synthetic/shallow/standard/seed1", "ctcf/shallow/standard/seed1"]
    assert rules(jobs) == Counter({rule: 2 for rule in (*PER_METHOD, "plot_attribution")}) + AGGREGATES
    assert outputs(jobs, "attribute") == {f"results/attributions/{run}/task0/smooth.h5" for run in runs}


def test_adding_a_model_trains_and_analyses_it_alone(finished_run):
    def change(c):
        c["models"]["shallow_relu"] = {"architecture": "cnn_shallow", "options": {"activation": "relu"}}
        c["experiments"][0]["models"].append("shallow_relu")

    jobs = planned(finished_run, edited(finished_run, change))
    assert rules(jobs) == Counter(train_model=2, **{r: 4 for r in (*PER_METHOD, "plot_attribution")}) + AGGREGATES
    assert {out.split("/")[3] for out in outputs(jobs, "attribute")} == {"shallow_relu"}


def test_adding_a_seed_trains_that_seed_alone(finished_run):
    jobs = planned(finished_run, edited(finished_run, lambda c: c["experiments"][0].update(seeds=2)))
    assert rules(jobs) == Counter(train_model=2, **{r: 4 for r in PER_METHOD}) + AGGREGATES  # logos: first seed
    assert {out.split("/")[5] for out in outputs(jobs, "attribute")} == {"seed2"}


def test_adding_a_regime_trains_that_regime_alone(finished_run):
    def change(c):
        c["regimes"] = {"standard": {"kind": "standard"}, "noise": {"kind": "input_noise"}}
        c["experiments"][0]["regimes"] = ["standard", "noise"]

    jobs = planned(finished_run, edited(finished_run, change))
    assert rules(jobs) == Counter(train_model=2, **{r: 4 for r in (*PER_METHOD, "plot_attribution")}) + AGGREGATES
    assert {out.split("/")[4] for out in outputs(jobs, "train_model")} == {"noise"}


def test_adding_a_tf_resolves_downloads_and_trains_that_tf_alone(finished_run):
    def change(c):
        c["datasets"]["rest"] = {"kind": "chipseq", "target": "REST", "source": "local", "max_per_class": 40}
        c["experiments"][0]["datasets"].append("rest")

    jobs = planned(finished_run, edited(finished_run, change))
    new_tf = Counter(
        encode_metadata=1, download_encode=1, build_chip_dataset=1, train_model=1, analysis_plan=1, chip_windows=1
    )  # the table over every ChIP-seq dataset gains a row
    assert rules(jobs) == new_tf + Counter({r: 2 for r in (*PER_METHOD, "plot_attribution")}) + AGGREGATES
    assert outputs(jobs, "encode_metadata") == {"resources/encode/local/REST.tsv"}
    assert outputs(jobs, "download_encode") == {"resources/downloads/encode/local/REST.bed.gz"}


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c["attribution"].update(batch_size=3),  # the maps do not depend on it (tests/test_attribution.py)
        lambda c: c["encode"]["local"].update(retries=5),
        lambda c: c["encode"]["local"].update(output_types=["optimal IDR thresholded peaks"]),  # the lock stays
        lambda c: c.update(gpu_conda_env="envs/workflow-gpu.yaml", gpu_container="containers/seqattr-gpu.sif"),
        lambda c: c.setdefault("training", {}).update(max_val_loss=50),  # a guard: the script reads it from config
    ],
    ids=["attribution batch_size", "encode retries", "encode output_types", "gpu software", "training max_val_loss"],
)
def test_how_a_job_runs_reruns_nothing(finished_run, change):
    assert planned(finished_run, edited(finished_run, change)) == []


def test_jobs_per_gpu_on_the_command_line_reruns_nothing(finished_run):
    assert planned(finished_run, finished_run[2], "--config", "jobs_per_gpu=2") == []


def test_plot_sequences_redraws_the_logos_alone(finished_run):
    jobs = planned(finished_run, edited(finished_run, lambda c: c["attribution"].update(plot_sequences=3)))
    assert rules(jobs) == Counter(plot_attribution=4, all=1)
