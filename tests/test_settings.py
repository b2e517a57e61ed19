"""One source of truth for every setting: the schema's defaults are the library's, and a regime or
attribution method takes exactly its kind's parameters (a wrong one is a one-line config error)."""

import copy
import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from helpers.config_errors import DEFAULT
from helpers.config_errors import config_error as _error
from seqattr import architectures, attribution, chipseq, config as cfg, consistency, encode, jaspar, regimes, schema
from seqattr import simulate, training

ROOT = Path(__file__).resolve().parents[1]


# -- per-kind validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry, key, kind",
    [
        ({"kind": "mixup", "sigma": 0.3}, "sigma", "mixup"),
        ({"kind": "standard", "alpha": 1.0}, "alpha", "standard"),
        ({"kind": "two_phase", "alpha": 1.0}, "alpha", "two_phase"),
        ({"kind": "input_noise", "strenght": 0.1}, "strenght", "input_noise"),
    ],
)
def test_a_regime_parameter_of_another_kind_is_a_one_line_error(entry, key, kind):
    message = _error(lambda c: c.setdefault("regimes", {}).update(bad=entry))
    assert message.startswith(f"config error at regimes.bad.{key}: '{key}' was unexpected for kind '{kind}'")
    allowed = sorted({"kind", "init_std", "training", *schema.kind_properties("regime", kind)})
    assert message.endswith(f"allowed: {allowed}")
    assert "\n" not in message


@pytest.mark.parametrize(
    "entry, key, kind",
    [
        ({"kind": "saliency", "steps": 50}, "steps", "saliency"),
        ({"kind": "smoothgrad", "steps": 50}, "steps", "smoothgrad"),
        ({"kind": "integrated_gradients", "references": 3}, "references", "integrated_gradients"),
    ],
)
def test_a_method_parameter_of_another_kind_is_a_one_line_error(entry, key, kind):
    message = _error(lambda c: c.setdefault("attribution", {}).setdefault("methods", {}).update(bad=entry))
    assert message.startswith(
        f"config error at attribution.methods.bad.{key}: '{key}' was unexpected for kind '{kind}'"
    )
    assert f"allowed: {sorted({'kind', *schema.kind_properties('method', kind)})}" in message
    assert "\n" not in message


def test_a_wrong_value_inside_a_kind_names_its_key():
    message = _error(lambda c: c.setdefault("regimes", {}).update(bad={"kind": "adversarial", "mixed_batch": "half"}))
    assert message.startswith("config error at regimes.bad.mixed_batch: 'half' is not one of ['concat', 'split']")
    message = _error(
        lambda c: c.setdefault("attribution", {})
        .setdefault("methods", {})
        .update(bad={"kind": "integrated_gradients", "steps": 0})
    )
    assert message.startswith("config error at attribution.methods.bad.steps")


def test_kind_defaults_are_filled_in():
    config = copy.deepcopy(DEFAULT)
    config["regimes"] = {"mix": {"kind": "mixup"}, "both": {"kind": "two_phase_manifold_mixup", "alpha": 0.5}}
    config["attribution"] = {"methods": {"ig": {"kind": "integrated_gradients", "steps": 5}}}
    config["experiments"][0].update(regimes=["mix", "both"], methods=["ig"])
    config["motifs"]["methods"] = ["ig"]  # the default config's motif stage names its methods
    checked = cfg.validate(config)
    assert checked["regimes"]["mix"] == {"kind": "mixup", "alpha": 1.0}
    assert checked["regimes"]["both"] == {
        "kind": "two_phase_manifold_mixup",
        "alpha": 0.5,
        **schema.kind_defaults("regime", "two_phase"),
    }
    assert checked["attribution"]["methods"]["ig"] == {"kind": "integrated_gradients", "steps": 5, "baseline": "zeros"}


# -- the library's defaults are the schema's ----------------------------------------------------


def test_regimes_take_their_kinds_parameters_with_the_schemas_defaults():
    assert list(regimes.REGIMES) == schema.kinds("regime")
    for kind in regimes.REGIMES:
        regime = regimes.make_regime({"kind": kind})
        assert regime.defaults == schema.kind_defaults("regime", kind), kind
        assert set(regime.defaults) == set(schema.kind_properties("regime", kind)), (
            f"{kind}: a parameter without default"
        )
        for name, value in regime.defaults.items():
            assert getattr(regime, name) == value


def test_methods_take_their_kinds_parameters_with_the_schemas_defaults():
    assert list(attribution.METHODS) == schema.kinds("method")
    for kind, method in attribution.METHODS.items():
        assert method.defaults == schema.kind_defaults("method", kind), kind
        assert method.parameters == sorted(schema.kind_properties("method", kind))
        assert attribution.make_method({"kind": kind}).params == method.defaults
    with pytest.raises(ValueError, match=r"'saliency' does not take \['steps'\]; it takes \[\]"):
        attribution.make_method({"kind": "saliency", "steps": 3})


# Guards whose "off" (None) is the library's default for direct calls, while the workflow passes the
# schema's value: "off" is not a copy of the schema's default.
OFF = ("max_dropped_fraction", "max_val_loss")


def _keyword_defaults(function) -> dict:
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def test_function_keyword_defaults_are_the_schemas():
    settings = schema.defaults("attribution")
    assert attribution.SETTINGS == settings
    assert {k: v for k, v in _keyword_defaults(attribution.attribute).items() if k in settings or k == "task"} == {
        "target": settings["target"],
        "task": settings["tasks"][0],
        "batch_size": settings["batch_size"],
    }
    assert _keyword_defaults(attribution.select_sequences) == {
        "which": settings["sequences"],
        "task": settings["tasks"][0],
        "max_sequences": settings["max_sequences"],
    }
    kld = schema.defaults("consistency")
    assert consistency.DEFAULTS == kld
    for function in (
        consistency.kmer_counts,
        consistency.threshold_runs,
        consistency.kmer_kld,
        consistency.kmer_distributions,
        consistency.local_mean_embedding,
        consistency.angle_edges,
        consistency.angular_histogram,
        consistency.boxcar_prior,
        consistency.kattr_mean_kld,
    ):
        given = {k: v for k, v in _keyword_defaults(function).items() if k in kld}
        assert given == {k: kld[k] for k in given}, function.__name__
    chip = schema.defaults("chipseq_dataset")
    assert chipseq.DEFAULTS == chip
    build = {k: (list(v) if isinstance(v, tuple) else v) for k, v in _keyword_defaults(chipseq.build).items()}
    assert build.pop("max_dropped_fraction") is None  # a guard a direct call leaves off (OFF)
    assert build == {k: v for k, v in chip.items() if k not in OFF}


def test_training_simulation_and_encode_defaults_are_the_schemas():
    settings = dataclasses.asdict(training.Settings())
    assert settings.pop("max_val_loss") is None  # a guard a direct call leaves off (OFF)
    assert settings == {k: v for k, v in schema.defaults("training").items() if k not in OFF}
    assert {f.name for f in dataclasses.fields(training.Settings)} == set(schema.properties("training"))
    synthetic = schema.properties("synthetic_dataset")
    assert set(simulate.DEFAULTS) == set(synthetic)  # every key the generator reads can be configured
    assert {k: v for k, v in simulate.DEFAULTS.items() if "default" in synthetic[k]} == schema.defaults(
        "synthetic_dataset"
    )
    assert simulate.DEFAULTS["task"] == schema.defaults("dataset")["task"]  # the task type's default: the dataset's
    assert list(jaspar.CORE_MOTIFS) == schema.defaults("synthetic_dataset")["core_motifs"]
    source = schema.defaults("encode_source")
    assert list(encode.OUTPUT_TYPES) == source["output_types"] and encode.DEFAULT_URL == source["encode_url"]
    assert set(schema.properties("model")["options"]["properties"]) == {
        f.name for f in dataclasses.fields(architectures.Options)
    }


def _distinctive_defaults(node, found):
    """Defaults that could only be copied, not written by chance: lists of two or more items (``[0]``
    is any indexing), and strings of 11+ characters that are not the name of an option (a value of
    an ``enum``)."""
    if isinstance(node, dict):
        if "default" in node and "enum" not in node:
            value = node["default"]
            values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
            if isinstance(value, list) and len(value) > 1:
                found.add(repr(value))
            found.update(repr(v) for v in values if isinstance(v, str) and len(v) >= 11)
        for child in node.values():
            _distinctive_defaults(child, found)
    elif isinstance(node, list):
        for child in node:
            _distinctive_defaults(child, found)
    return found


def test_no_library_module_writes_a_schema_default_again():
    literals = _distinctive_defaults(schema.load(), set())
    assert {"'conservative IDR thresholded peaks'", "[0.7, 0.1, 0.2]", "'ENCFF235KUD'", "[3, 4, 5, 6, 7]"} <= literals
    for module in sorted((ROOT / "scripts").rglob("*.py")):
        text = re.sub(r"\s+", " ", module.read_text().replace('"', "'"))
        copied = sorted(literal for literal in literals if literal in text)
        assert not copied, f"{module.relative_to(ROOT)} repeats the schema's default(s) {copied}"


def _schema_keys(node, found: set) -> set:
    """Every property name anywhere in a schema node (sections, items, per-kind branches)."""
    if isinstance(node, dict):
        found.update(node.get("properties") or {})
        for child in [*(node.get("properties") or {}).values(), node.get("items"), node.get("additionalProperties")]:
            _schema_keys(child, found)
        for branch in [*node.get("allOf", []), *node.get("oneOf", []), *node.get("anyOf", []), node.get("then")]:
            _schema_keys(branch, found)
    return found


def test_config_readme_explains_every_key_of_the_schema():
    """config/README.md is checked against the schema that ships with the library: a key added to the
    schema without its explanation fails here."""
    import yaml

    tree = yaml.safe_load((ROOT / "scripts" / "seqattr" / "config.schema.yaml").read_text())
    keys = _schema_keys(tree, set())
    for definition in tree["$defs"].values():
        _schema_keys(definition, keys)
    explained = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)", (ROOT / "config" / "README.md").read_text()))
    assert len(keys) > 100  # the walk reaches the per-kind entries, not only the top level
    assert sorted(keys - explained) == []
