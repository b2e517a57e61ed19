"""The default config and its one-line errors, shared by the config tests."""

import copy
from pathlib import Path

import pytest
import yaml

from seqattr import config as cfg

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def config_error(mutate) -> str:
    """The ConfigError of the default config after ``mutate`` (which edits a copy); it must be one line."""
    config = copy.deepcopy(DEFAULT)
    mutate(config)
    with pytest.raises(cfg.ConfigError) as error:
        cfg.validate(config)
    message = str(error.value)
    assert "\n" not in message
    return message
