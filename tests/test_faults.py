"""Faults that used to pass silently or fail late: each now stops with one line naming what is wrong.

docs/faults.md lists every fault case with the test that holds it; the last test here checks
that list against the test files.
"""

import json
import re
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from helpers.config_errors import DEFAULT
from helpers.config_errors import config_error as _config_error
from helpers.encode_server import DNASE, EncodeSite, write_fasta
from seqattr import config as cfg
from seqattr import chipseq, data, encode, training
from helpers.training import seeded_model, train_quickly
from helpers.workflow_runner import snakemake_fails

ROOT = Path(__file__).resolve().parents[1]


# -- config errors before anything runs -----------------------------------------------------------


def test_split_that_does_not_sum_to_one_is_a_config_error():
    message = _config_error(lambda c: c["datasets"]["synthetic"].update(split=[0.7, 0.2, 0.2]))
    assert message.startswith("config error at datasets.synthetic.split:") and "sums to 1.1" in message


def test_unknown_core_motif_is_a_config_error():
    message = _config_error(lambda c: c["datasets"]["synthetic"].update(core_motifs=["MA0079.3", "MA9999.1"]))
    assert message.startswith("config error at datasets.synthetic.core_motifs:")
    assert "['MA9999.1']" in message and "JASPAR2016" in message


def test_an_unknown_target_motif_is_a_config_error():
    def targets(config):
        config["motifs"].update(enabled=True, target_motifs={"synthetic": ["MA0079.3", "MA9999.1", "SP1", "NOT_A_TF"]})

    message = _config_error(targets)
    assert message.startswith(
        "config error at motifs.target_motifs.synthetic: ['MA9999.1', 'NOT_A_TF'] name no "
        "matrix of JASPAR2016 CORE vertebrates"
    )


def test_a_key_written_twice_is_a_config_error_before_any_job(tmp_path):
    text = (ROOT / "config" / "config.yaml").read_text()
    assert "\ntraining:" in text and "\n  epochs: 30\n" in text
    twice = text.replace("\n  epochs: 30\n", "\n  epochs: 30\n  epochs: 3\n", 1)
    configfile = tmp_path / "twice.yaml"
    configfile.write_text(twice)
    line = twice.splitlines().index("  epochs: 3") + 1
    with pytest.raises(
        cfg.ConfigError, match=f"config error in {configfile}, line {line}: key 'epochs' is given twice"
    ):
        cfg.check_unique_keys([configfile])
    cfg.check_unique_keys([ROOT / "config" / "config.yaml"])  # the shipped one has none
    output = snakemake_fails(tmp_path, configfile)
    assert f"line {line}: key 'epochs' is given twice" in output and not (tmp_path / "results").exists()


def test_regression_effects_not_one_per_core_motif_are_a_config_error():
    message = _config_error(lambda c: c["datasets"]["synthetic"].update(task="regression", effects=[1.0, 2.0]))
    assert message == (
        "config error at datasets.synthetic.effects: 2 effects for 5 core motifs; a regression "
        "dataset needs one per core motif, in the order of core_motifs"
    )

    def fewer_core_motifs(config):
        config["datasets"]["synthetic"].update(task="regression", core_motifs=["MA0079.3", "MA0095.2"])

    assert "5 effects for 2 core motifs" in _config_error(fewer_core_motifs)  # the default effects are five
    binary = {**DEFAULT, "datasets": {"synthetic": {**DEFAULT["datasets"]["synthetic"], "core_motifs": ["MA0079.3"]}}}
    assert cfg.validate(binary)["datasets"]["synthetic"]["effects"]  # unused by binary labels: no error


def test_dropout_list_of_the_wrong_length_is_a_config_error():
    message = _config_error(lambda c: c["models"]["cnn_deep_relu"]["options"].update(dropout=[0.1, 0.2]))
    assert message.startswith("config error at models.cnn_deep_relu.options.dropout:") and "5 rates" in message


def test_sequences_shorter_than_the_pooling_allows_are_a_config_error():
    message = _config_error(lambda c: c["datasets"]["synthetic"].update(length=60))
    assert message.startswith("config error at datasets.synthetic.length: model cnn_shallow_")
    assert "50 × 2" in message and "at least 100" in message


def test_attributed_task_beyond_the_outputs_is_a_config_error():
    message = _config_error(lambda c: c["attribution"].update(tasks=[0, 1]))
    assert message.startswith("config error at attribution.tasks: task 1 does not exist")
    assert "dataset synthetic has 1 task(s) (0–0)" in message


def test_the_old_single_task_key_names_its_replacement():
    message = _config_error(lambda c: c["attribution"].update(task=0))
    assert message == "config error at attribution.task: the key is now attribution.tasks, a list (e.g. tasks: [0])"


def test_a_consistency_span_longer_than_the_sequences_is_a_config_error():
    message = _config_error(lambda c: c.setdefault("consistency", {}).update(window=250))
    assert message == "config error at consistency.window: 250 is longer than the 200-nt sequences of dataset synthetic"


def test_saved_epoch_beyond_the_epochs_is_a_config_error():
    message = _config_error(lambda c: c["training"].update(save_epochs=[10, 40]))
    assert message.startswith("config error at training.save_epochs: epoch 40 is beyond the 30 epochs")

    def regime_trains_less(config):
        config["training"]["save_epochs"] = [20]
        config["regimes"]["short"] = {"kind": "standard", "training": {"epochs": 10}}

    assert "beyond the 10 epochs regime short trains" in _config_error(regime_trains_less)

    def regime_saves_more(config):
        config["regimes"]["short"] = {"kind": "standard", "training": {"save_epochs": [31]}}

    assert _config_error(regime_saves_more).startswith("config error at regimes.short.training.save_epochs")


def test_method_name_the_rules_cannot_match_is_a_config_error():
    message = _config_error(lambda c: c["attribution"]["methods"].update({"sal.v2": {"kind": "saliency"}}))
    assert message.startswith("config error at attribution.methods:") and "'sal.v2'" in message
    method = cfg.wildcard_pattern("method_name")
    assert re.fullmatch(method, "sal_v2") and not re.fullmatch(method, "sal.v2")
    assert 'method=cfg.wildcard_pattern("method_name")' in (ROOT / "workflow/rules/common.smk").read_text()


# -- a user's HDF5 dataset, checked before anything trains on it ---------------------------------------


def _valid_arrays() -> dict[str, np.ndarray]:
    """A sound dataset in the lab's (N, 4, L) layout and key names: 120 nt, half of each split positive."""
    arrays = {}
    for split, n in (("train", 20), ("valid", 6), ("test", 8)):
        x = np.eye(4, dtype=np.float32)[np.random.default_rng(n).integers(0, 4, (n, 120))]
        arrays[f"X_{split}"] = np.transpose(x, (0, 2, 1))
        arrays[f"Y_{split}"] = (np.arange(n) % 2).astype(np.float32)[:, None]
    return arrays


def _user_file(path, **arrays) -> Path:
    """The sound dataset written to ``path``, with ``arrays`` in place of some of its arrays."""
    with h5py.File(path, "w") as handle:
        for key, array in {**_valid_arrays(), **arrays}.items():
            handle[key] = array
    return path


KEYS = {f"{name}_{split}": f"{name.upper()}_{split}" for name in ("x", "y") for split in data.SPLITS}


def _check_error(path, **options) -> str:
    with pytest.raises(data.DatasetError) as error:
        data.check_dataset(path, task_type="binary", key_map=KEYS, **options)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


def test_a_valid_user_dataset_passes_the_check(tmp_path):
    summary = data.check_dataset(_user_file(tmp_path / "ok.h5"), task_type="binary", key_map=KEYS, positives=True)
    assert summary == {
        "length": 120,
        "tasks": 1,
        "splits": {
            "train": {"sequences": 20, "positives": 10},
            "valid": {"sequences": 6, "positives": 3},
            "test": {"sequences": 8, "positives": 4},
        },
    }


def test_labels_outside_0_1_in_the_training_split_are_refused(tmp_path):
    y = _valid_arrays()["Y_train"]
    y[7] = 2
    message = _check_error(_user_file(tmp_path / "bad.h5", Y_train=y))
    assert "Y_train sequence 7 has labels [2.0]" in message and "0 or 1" in message


@pytest.mark.parametrize(
    "split, kind, value", [("train", "positive", 0), ("valid", "positive", 0), ("valid", "negative", 1)]
)
def test_a_training_or_validation_split_without_both_classes_is_refused(tmp_path, split, kind, value):
    y = np.full_like(_valid_arrays()[f"Y_{split}"], value)
    message = _check_error(_user_file(tmp_path / "one_class.h5", **{f"Y_{split}": y}))
    assert f"Y_{split} has no {kind} of task 0" in message
    assert ("without seeing it" if split == "train" else "validation score is undefined") in message


def test_a_constant_regression_target_in_training_is_refused(tmp_path):
    y = np.full_like(_valid_arrays()["Y_valid"], 0.5)
    with pytest.raises(data.DatasetError, match="Y_valid task 0 has the same target \\(0.5\\) for all 6 sequences"):
        data.check_dataset(_user_file(tmp_path / "flat.h5", Y_valid=y), task_type="regression", key_map=KEYS)
    only_test = _user_file(tmp_path / "scored_only.h5", Y_valid=y)  # pretrained weights read the test split alone
    assert data.check_dataset(only_test, task_type="regression", key_map=KEYS, splits=["test"])["tasks"] == 1


def test_regression_labels_are_any_finite_value(tmp_path):
    y = _valid_arrays()["Y_train"].astype(np.float32)
    y[3] = 2.5
    path = _user_file(tmp_path / "activity.h5", Y_train=y)
    assert data.check_dataset(path, task_type="regression", key_map=KEYS)["tasks"] == 1
    y[5] = np.nan
    with pytest.raises(data.DatasetError, match="Y_train sequence 5 holds a non-finite value"):
        data.check_dataset(_user_file(tmp_path / "nan.h5", Y_train=y), task_type="regression", key_map=KEYS)


def test_nan_in_the_test_sequences_is_refused(tmp_path):
    x = _valid_arrays()["X_test"]
    x[5, 2, 30] = np.nan
    assert "X_test sequence 5 holds a non-finite value" in _check_error(_user_file(tmp_path / "bad.h5", X_test=x))


def test_columns_that_are_not_one_hot_are_refused(tmp_path):
    x = _valid_arrays()["X_valid"]
    x[4, :, 17] = [0.5, 0.5, 0, 0]
    x[2, :, 3] = 0  # an N: fine
    message = _check_error(_user_file(tmp_path / "bad.h5", X_valid=x))
    assert "X_valid sequence 4 position 17 is [0.5, 0.5, 0.0, 0.0], neither one-hot" in message


def test_splits_of_different_lengths_are_refused(tmp_path):
    x = _valid_arrays()["X_test"][:, :, :100]
    message = _check_error(_user_file(tmp_path / "bad.h5", X_test=x))
    assert "X_train has 120 nt and 1 task(s) per sequence but X_test 100 nt" in message


def test_an_empty_split_is_refused(tmp_path):
    path = _user_file(tmp_path / "bad.h5", X_valid=np.zeros((0, 4, 120), np.float32), Y_valid=np.zeros((0, 1)))
    assert "X_valid is empty" in _check_error(path)


def test_a_test_split_without_positives_is_refused_when_positives_are_attributed(tmp_path):
    path = _user_file(tmp_path / "bad.h5", Y_test=np.zeros((8, 1), np.float32))
    assert "Y_test has no positive of task 0" in _check_error(path, positives=True)
    assert (
        data.check_dataset(path, task_type="binary", key_map=KEYS, positives=False)["splits"]["test"]["positives"] == 0
    )


def test_an_attributed_task_the_labels_lack_is_refused(tmp_path):
    message = _check_error(_user_file(tmp_path / "a.h5"), tasks=[0, 1])
    assert "attribution.tasks: task 1 does not exist: Y_test has 1 task(s)" in message


@pytest.mark.workflow
def test_a_bad_user_dataset_stops_the_run_before_training(tmp_path):
    y = _valid_arrays()["Y_train"]
    y[3] = -1
    path = _user_file(tmp_path / "user.h5", Y_train=y)
    config = {
        "datasets": {"user": {"kind": "h5", "path": str(path), "keys": KEYS}},
        "models": {"m": {"architecture": "local_net"}},
        "experiments": [{"datasets": ["user"], "models": ["m"], "seeds": 1}],
    }
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    (tmp_path / "run").mkdir()
    output = snakemake_fails(tmp_path / "run", configfile, "results/models/user/m/standard/seed1/model.keras")
    assert f"{path}: Y_train sequence 3 has labels [-1.0]" in output
    assert not (tmp_path / "run" / "logs" / "train_model").exists()


# -- training -------------------------------------------------------------------------------------


def test_diverged_training_with_a_finite_loss_fails_with_one_line(tmp_path):
    """Learning rate 10: the loss stays finite (validation loss ~1e6) and the AUROC may even be 1."""
    assert cfg.validate(DEFAULT)["training"]["max_val_loss"] == 10
    settings = {"epochs": 2, "batch_size": 50, "learning_rate": 10.0, "save_epochs": "all", "max_val_loss": 10}
    with pytest.raises(training.TrainingError) as error:
        train_quickly(tmp_path, seeded_model(1), {"kind": "standard"}, settings, epochs_dir=tmp_path / "epochs")
    message = str(error.value)
    assert "diverged" in message and "training.max_val_loss 10" in message and "\n" not in message
    assert not (tmp_path / "history.tsv").exists() and not (tmp_path / "epochs").exists()
    assert not (tmp_path / "ckpt").exists()


# -- ChIP-seq windows ---------------------------------------------------------------------------------


def _download(site, accession):
    return site.root / "files" / accession / "@@download" / f"{accession}.bed.gz"


@pytest.mark.skipif(shutil.which("bedtools") is None, reason="bedtools not found on PATH")
def test_a_genome_lacking_the_peaks_chromosomes_stops_the_dataset(tmp_path):
    site = EncodeSite.build(tmp_path / "site", targets=("CTCF",))
    peaks, negatives = _download(site, site.chosen["CTCF"]), _download(site, DNASE)
    write_fasta(tmp_path / "chr1_only.fa", {"chr1": site.genome["chr1"]})
    on_chr2 = sum(p[0] == "chr2" for p in site.peaks["CTCF"])
    assert on_chr2 > 0.2 * len(site.peaks["CTCF"])
    with pytest.raises(data.DatasetError) as error:
        chipseq.build(peaks, negatives, tmp_path / "chr1_only.fa", max_dropped_fraction=0.1)
    message = str(error.value)
    assert message.startswith(f"{peaks}: ") and "\n" not in message
    assert f"of {len(site.peaks['CTCF'])} windows dropped" in message and "max_dropped_fraction 0.1" in message
    assert f"unknown_chromosome {on_chr2 + 1}" in message  # chr2's peaks and the site's chrEBV peak
    # the whole genome loses only the site's planted bad peaks (4 of 64), under the limit
    write_fasta(tmp_path / "genome.fa", site.genome)
    built = chipseq.build(peaks, negatives, tmp_path / "genome.fa", max_dropped_fraction=0.1)
    assert chipseq.dropped(built.counts["positive"]) == (4, 64)


# -- ENCODE -----------------------------------------------------------------------------------------


def _experiment_path(site, target):
    """The URL path of the first ENCODE experiment the fake site lists for ``target``."""
    graph = json.loads((site.root / "search" / f"{target}.json").read_text())["@graph"]
    return f"/experiments/{graph[0]['accession']}/"


def test_transient_error_on_encode_metadata_is_retried(encode_server):
    path = _experiment_path(encode_server, "SRF")
    request = {**encode_server.source_config(retries=2), "targets": ["SRF"], "pinned": {}}
    encode_server.faults[path] = ["error"]
    table = encode.resolve(request)
    assert table.set_index("target").loc["SRF", "accession"] == encode_server.chosen["SRF"]
    assert sum(r.startswith(path) for r in encode_server.requests) == 2
    encode_server.faults[path] = ["error", "error"]
    with pytest.raises(encode.EncodeError) as error:
        encode.resolve(request)
    assert path in str(error.value) and "HTTP 500" in str(error.value) and "\n" not in str(error.value)


# -- the fault matrix -------------------------------------------------------------------------------


def test_every_fault_test_exists():
    """Each test docs/faults.md names is defined in its file, and every test of this file is in the matrix."""
    named = set(re.findall(r"tests/(test_\w+\.py)::(test_\w+)", (ROOT / "docs" / "faults.md").read_text()))
    assert len(named) > 20
    for filename, test in sorted(named):
        source = (ROOT / "tests" / filename).read_text()
        assert re.search(rf"^def {test}\(", source, re.MULTILINE), f"docs/faults.md names {filename}::{test}"
    here = set(re.findall(r"^def (test_\w+)\(", Path(__file__).read_text(), re.MULTILINE))
    assert here - {test for filename, test in named if filename == "test_faults.py"} == set()
