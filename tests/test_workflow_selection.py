"""Consistency KLDs rank models like ground truth does: a grid of models of different quality, through Snakemake."""

import pandas as pd
import pytest

from helpers.workflow_runner import ROOT, snakemake

# Eight trainings, about 5 minutes on 2 cores: run by `make test-all`, not by CI's `make test`.
pytestmark = [pytest.mark.workflow, pytest.mark.slow]

GRID = ROOT / "tests" / "configs" / "consistency_grid.yaml"


@pytest.fixture(scope="module")
def grid_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("grid")
    snakemake(workdir, GRID, "results/tables/selection.tsv", "results/tables/consistency_correlations.tsv")
    return workdir


def test_the_grid_spans_attribution_quality(grid_run):
    selection = pd.read_csv(grid_run / "results/tables/selection.tsv", sep="\t")
    assert len(selection) == 8 and (selection["classification_auroc"] > 0.8).all()
    assert selection["snr"].max() - selection["snr"].min() > 0.3


def test_both_klds_correlate_positively_with_attribution_snr(grid_run):
    correlations = pd.read_csv(grid_run / "results/tables/consistency_correlations.tsv", sep="\t")
    assert set(correlations["kld"]) == {"k-mer", "k-attr-mean"} and (correlations["n"] == 8).all()
    assert (correlations["spearman"] > 0).all(), correlations.to_string()
