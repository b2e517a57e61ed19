"""Faults that used to pass silently or fail late: each now stops with one line naming what is wrong.

docs/faults.md lists every fault case with the test that holds it; the last test here checks
that list against the test files.
"""

import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from encode_server import encode_server  # noqa: F401 (fixture)
from seqattr import config as cfg
from seqattr import encode, training
from test_training import DATA, _model, _train

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def _config_error(mutate) -> str:
    """The one-line ConfigError of the default config after ``mutate``."""
    config = copy.deepcopy(DEFAULT)
    mutate(config)
    with pytest.raises(cfg.ConfigError) as error:
        cfg.validate(config)
    message = str(error.value)
    assert "\n" not in message
    return message


# -- config errors before anything runs -----------------------------------------------------------


def test_split_that_does_not_sum_to_one_is_a_config_error():
    message = _config_error(lambda c: c["datasets"]["synthetic"].update(split=[0.7, 0.2, 0.2]))
    assert message.startswith("config error at datasets.synthetic.split:") and "sums to 1.1" in message


def test_unknown_core_motif_is_a_config_error():
    message = _config_error(lambda c: c["datasets"]["synthetic"].update(core_motifs=["MA0079.3", "MA9999.1"]))
    assert message.startswith("config error at datasets.synthetic.core_motifs:")
    assert "['MA9999.1']" in message and "JASPAR2016" in message


def test_dropout_list_of_the_wrong_length_is_a_config_error():
    message = _config_error(lambda c: c["models"]["cnn_deep_relu"]["options"].update(dropout=[0.1, 0.2]))
    assert message.startswith("config error at models.cnn_deep_relu.options.dropout:") and "5 rates" in message


def test_sequences_shorter_than_the_pooling_allows_are_a_config_error():
    message = _config_error(lambda c: c["datasets"]["synthetic"].update(length=60))
    assert message.startswith("config error at datasets.synthetic.length: model cnn_shallow_")
    assert "50 × 2" in message and "at least 100" in message


def test_attributed_task_beyond_the_outputs_is_a_config_error():
    message = _config_error(lambda c: c["attribution"].update(task=1))
    assert message.startswith("config error at attribution.task:") and "dataset synthetic has one task" in message


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


# -- training -------------------------------------------------------------------------------------


def test_diverged_training_with_a_finite_loss_fails_with_one_line(tmp_path):
    """Learning rate 10: the loss stays finite (validation loss ~1e6) and the AUROC may even be 1."""
    assert cfg.validate(DEFAULT)["training"]["max_val_loss"] == 10
    settings = {"epochs": 2, "batch_size": 50, "learning_rate": 10.0, "save_epochs": "all", "max_val_loss": 10}
    with pytest.raises(training.TrainingError) as error:
        _train(tmp_path, _model(1), {"kind": "standard"}, settings, epochs_dir=tmp_path / "epochs")
    message = str(error.value)
    assert "diverged" in message and "training.max_val_loss 10" in message and "\n" not in message
    assert not (tmp_path / "history.tsv").exists() and not (tmp_path / "epochs").exists()
    assert not (tmp_path / "ckpt").exists()


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
