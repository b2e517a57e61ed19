"""The in vivo branch through Snakemake: a local "ENCODE" on 127.0.0.1 → lock table → verified
downloads → genome → ChIP-seq datasets → per-TF training → ensemble proxy → figures and report."""

import shutil

import numpy as np
import pandas as pd
import pytest

from helpers.encode_server import EncodeSite
from seqattr import data
from helpers.workflow_runner import report_has, run_config, snakemake

pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(
        shutil.which("bedtools") is None, reason="bedtools is not installed (scripts/install_system_deps.sh)"
    ),
]

TFS = {"ctcf": "CTCF", "rest": "REST"}


@pytest.fixture(scope="module")
def invivo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("invivo")
    with EncodeSite.build(root / "site", targets=tuple(TFS.values()), n_peaks=80, n_dnase=400) as site:
        config = {
            "datasets": {name: {"kind": "chipseq", "target": tf, "source": "local"} for name, tf in TFS.items()},
            "encode": {"local": site.source_config()},
            "models": {"cnn_shallow_exp": {"architecture": "cnn_shallow", "options": {"activation": "exponential"}}},
            "training": {"epochs": 2, "batch_size": 20},
            "attribution": {"methods": {"saliency": {"kind": "saliency"}}, "max_sequences": 20},
            "experiments": [{"datasets": list(TFS), "models": ["cnn_shallow_exp"], "seeds": 1}],
            "ensembles": [{"datasets": list(TFS), "base_models": ["cnn_shallow_exp"], "filters": [4, 8], "seeds": 2}],
        }
        workdir, configfile, _ = run_config(root, config)
        snakemake(workdir, configfile, "--report", str(workdir / "report.zip"))
        yield workdir, site


def test_lock_table_records_the_chosen_files(invivo_run):
    workdir, site = invivo_run
    locks = sorted((workdir / "resources" / "encode" / "local").glob("*.tsv"))  # one lock per target
    assert [p.stem for p in locks] == sorted(["DNase", *TFS.values()])
    lock = pd.concat([pd.read_csv(p, sep="\t") for p in locks]).set_index("target")
    for tf in TFS.values():
        assert lock.loc[tf, "accession"] == site.chosen[tf]
        assert lock.loc[tf, "experiment"] == site.experiment[tf]
    assert lock.loc["DNase", "accession"] == "ENCFF235KUD"


def test_chip_datasets_are_balanced_and_match_the_genome(invivo_run):
    workdir, site = invivo_run
    for name, tf in TFS.items():
        path = workdir / "results" / "data" / f"{name}.h5"
        labels = np.concatenate([data.read_split(path, s)["y"][:, 0] for s in data.SPLITS])
        assert labels.sum() == len(labels) - labels.sum()
        attrs = data.read_attrs(path)
        assert site.chosen[tf] in str(attrs)


def test_ensemble_outputs_and_figures(invivo_run):
    workdir, _ = invivo_run
    for name in TFS:
        reduction = pd.read_csv(
            workdir / "results" / "ensemble" / name / "cnn_shallow_exp" / "task0" / "saliency.tsv", sep="\t"
        )
        assert reduction["count"].sum() > 0
        members = data.read_attrs(
            workdir / "results" / "ensemble" / name / "cnn_shallow_exp" / "task0" / "saliency.h5"
        )["members"]
        assert len(members) == 4  # 2 filter counts × 2 seeds
    for figure in ("angle_density", "reduction", "large_angles"):
        assert report_has(workdir / "report.zip", workdir / "results" / "figures" / "ensemble" / f"{figure}.png")
    for name in TFS:  # logos raw / corrected / ensemble of each population
        assert report_has(
            workdir / "report.zip",
            workdir
            / "results"
            / "figures"
            / "ensemble"
            / "logos"
            / name
            / "cnn_shallow_exp"
            / "task0"
            / "saliency.png",
        )
