"""Datasets and weights named by URL and md5: a wrong checksum or a truncated body stops the run with
the config entry named, and leaves no file behind (a local HTTP server stands in for GitHub)."""

import numpy as np
import pytest
import yaml

from helpers.file_server import FileSite
from seqattr.data import write_dataset
from seqattr.download import md5sum
from helpers.workflow_runner import snakemake, snakemake_fails

pytestmark = pytest.mark.workflow

TARGET = "resources/downloads/datasets/lab.h5"


@pytest.fixture
def site(tmp_path):
    (tmp_path / "site").mkdir()
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (20, 50))]
    write_dataset(
        tmp_path / "site" / "lab.h5", {s: {"x": x, "y": np.ones((20, 1))} for s in ("train", "valid", "test")}
    )
    with FileSite(tmp_path / "site") as served:
        yield served


def _config(tmp_path, site, md5) -> object:
    config = {
        "datasets": {"lab": {"kind": "url", "url": f"{site.url}/lab.h5", "md5": md5}},
        "models": {"m": {"architecture": "cnn_shallow"}},
        "experiments": [{"datasets": ["lab"], "models": ["m"], "seeds": 1}],
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    (tmp_path / "run").mkdir()
    return path


def test_checksum_mismatch_names_the_dataset_and_leaves_nothing(tmp_path, site):
    configfile = _config(tmp_path, site, "0" * 32)
    output = snakemake_fails(tmp_path / "run", configfile, TARGET)
    assert "datasets.lab: download of" in output and "md5 mismatch" in output
    assert not [p for p in (tmp_path / "run").rglob("*") if p.is_file() and "downloads" in p.parts]


def test_truncated_download_is_retried_then_refused(tmp_path, site):
    configfile = _config(tmp_path, site, md5sum(tmp_path / "site" / "lab.h5"))
    site.faults["/lab.h5"] = ["truncate"] * 6  # every attempt of both tries of the job
    output = snakemake_fails(tmp_path / "run", configfile, TARGET)
    assert "the body ended after" in output
    assert not (tmp_path / "run" / TARGET).exists()
    assert not [p for p in (tmp_path / "run").rglob("*.partial")]
    site.faults.clear()
    snakemake(tmp_path / "run", configfile, TARGET)  # the next run fetches it whole
    assert md5sum(tmp_path / "run" / TARGET) == md5sum(tmp_path / "site" / "lab.h5")
