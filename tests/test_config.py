"""Config validation: defaults, one-line errors that name the key, and every shipped config dry-runs."""

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers.config_errors import DEFAULT
from helpers.config_errors import config_error as _error
from helpers.workflow_runner import ROOT
from seqattr import config as cfg

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def test_defaults_are_filled():
    config = cfg.validate(DEFAULT)
    assert config["training"]["lr_decay_factor"] == 0.2
    assert config["training"]["early_stopping_patience"] == 10
    assert config["datasets"]["synthetic"]["split"] == [0.7, 0.1, 0.2]
    assert config["datasets"]["synthetic"]["core_motifs"][0] == "MA0079.3"
    assert config["consistency"]["k"] == 6


def test_a_dataset_declares_its_task_type_once():
    config = cfg.validate(DEFAULT)
    assert config["datasets"]["synthetic"]["task"] == "binary"  # the schema's default
    user = {**DEFAULT, "datasets": {"mine": {"kind": "h5", "path": "x.h5", "task": "regression"}}}
    assert (
        cfg.validate({**user, "experiments": [{"datasets": ["mine"], "models": ["cnn_shallow_relu"]}]})["datasets"][
            "mine"
        ]["task"]
        == "regression"
    )
    message = _error(lambda c: c["datasets"]["synthetic"].update(task="ordinal"))
    assert message.startswith("config error at datasets.synthetic.task") and "'binary', 'regression'" in message
    regression = {**DEFAULT, "datasets": {"synthetic": {**DEFAULT["datasets"]["synthetic"], "task": "regression"}}}
    synthetic = cfg.validate(regression)["datasets"]["synthetic"]  # the generator makes either
    assert (synthetic["task"], synthetic["outputs"], synthetic["noise_sd"]) == ("regression", "one", 0.2)
    message = _error(lambda c: c["datasets"]["synthetic"].update(outputs="many"))
    assert message.startswith("config error at datasets.synthetic.outputs") and "'per_core_motif'" in message


def test_misspelled_key_is_named():
    message = _error(lambda c: c["datasets"]["synthetic"].update(n_postive=5))
    assert "datasets.synthetic" in message and "'n_postive' was unexpected" in message
    assert "\n" not in message


def test_out_of_range_value_is_named():
    message = _error(lambda c: c["training"].update(learning_rate=-1))
    assert message.startswith("config error at training.learning_rate")
    message = _error(lambda c: c["datasets"]["synthetic"].update(n_background=1000))
    assert "datasets.synthetic.n_background" in message and "519" in message
    message = _error(lambda c: c["datasets"]["synthetic"].update(lookalike_threshold=1.5))
    assert message.startswith("config error at datasets.synthetic.lookalike_threshold")


def test_configs_sharing_a_dataset_name_define_it_alike():
    """A dataset name is its results/data/{name}.h5, so every config that uses it must build it the same."""
    entries = {}
    for path in sorted((ROOT / "config").glob("*.yaml")):
        for name, entry in (yaml.safe_load(path.read_text()).get("datasets") or {}).items():
            first = entries.setdefault(name, (path.name, entry))
            assert entry == first[1], f"{path.name} and {first[0]} define dataset {name} differently"


def test_unknown_names_list_the_allowed_ones():
    message = _error(lambda c: c["models"]["cnn_deep_exp"].update(architecture="cnn_dep"))
    assert "models.cnn_deep_exp.architecture" in message and "cnn_deep" in message
    message = _error(lambda c: c["experiments"][0]["models"].append("nonesuch"))
    assert "experiments.0.models" in message and "cnn_shallow_relu" in message


def test_schema_names_match_library_registries():
    schema = yaml.safe_load(cfg.SCHEMA.read_text())["$defs"]
    from seqattr import attribution, dataset_kinds, models, regimes

    assert set(schema["model"]["properties"]["architecture"]["enum"]) == set(models.REGISTRY)
    assert set(schema["dataset"]["properties"]["kind"]["enum"]) == set(dataset_kinds.KINDS)
    assert set(schema["regime"]["properties"]["kind"]["enum"]) == set(regimes.REGIMES)
    assert set(schema["method"]["properties"]["kind"]["enum"]) == set(attribution.METHODS)
    # every kind has its own branch of parameters (tests/test_settings.py checks them against the library)
    for definition, kinds in (
        ("regime", regimes.REGIMES),
        ("method", attribution.METHODS),
        ("dataset", dataset_kinds.KINDS),
    ):
        branches = {b["if"]["properties"]["kind"]["const"] for b in schema[definition]["allOf"]}
        assert branches == set(kinds), definition


def test_each_dataset_kind_says_where_its_file_is_and_what_it_holds():
    from seqattr import dataset_kinds

    config = cfg.validate(
        {
            **yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text()),
            "datasets": {
                "sim": {"kind": "synthetic", "outputs": "per_core_motif"},
                "mine": {"kind": "h5", "path": "data/mine.h5", "keys": {"x_test": "X", "model_test": "M"}},
                "seqs": {"kind": "fasta", "fasta": "a.fa", "labels": "a.tsv"},
            },
            "experiments": [{"datasets": ["sim"], "models": ["cnn_shallow_relu"], "regimes": ["standard"], "seeds": 1}],
        }
    )
    assert [cfg.dataset_path(config, n) for n in ("sim", "mine", "seqs")] == [
        "results/data/sim.h5",
        "data/mine.h5",
        "results/data/seqs.h5",
    ]
    assert [cfg.dataset_task_count(config, n) for n in ("sim", "mine", "seqs")] == [5, None, None]
    assert [cfg.has_ground_truth(config, n) for n in ("sim", "mine", "seqs")] == [True, True, False]
    assert [cfg.is_user_data(config, n) for n in ("sim", "mine", "seqs")] == [False, True, True]
    assert cfg.dataset_user_files(config, "seqs") == ["a.fa", "a.tsv"]
    assert dataset_kinds.built_by(config, "simulate_synthetic") == ["sim"]
    assert dataset_kinds.built_by(config, "fasta_dataset") == ["seqs"]
    assert cfg.motif_references(config, "sim", 0)["core"] == [config["datasets"]["sim"]["core_motifs"][0]]


def test_seed_lists_and_runs():
    assert cfg.seed_list(3) == [1, 2, 3]
    assert cfg.seed_list([7, 9]) == [7, 9]
    config = cfg.validate(DEFAULT)
    runs = cfg.experiment_runs(config)
    assert len(runs) == 4 * 2
    assert all(methods == list(config["attribution"]["methods"]) for _, methods in runs)


def test_ensemble_members_get_their_filter_count():
    config = copy.deepcopy(DEFAULT)
    config["ensembles"] = [
        {"datasets": ["synthetic"], "base_models": ["cnn_deep_exp"], "filters": [12, 14], "seeds": 2}
    ]
    config = cfg.validate(config)
    models = cfg.expand_ensemble_models(config)
    assert models["cnn_deep_exp.f14"]["options"] == {"activation": "exponential", "filters": 14}
    ((dataset, base, method, members),) = cfg.ensemble_runs(config)
    assert (dataset, base, method) == ("synthetic", "cnn_deep_exp", "saliency")
    assert len(members) == 4 and members[0].path == "synthetic/cnn_deep_exp.f12/standard/seed1"


def _snakemake(*args, cwd=ROOT):
    return subprocess.run([SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "configfile", sorted(p.name for p in (ROOT / "config").glob("*.yaml")) + ["../tests/configs/tiny.yaml"]
)
def test_every_config_dry_runs(configfile):
    result = _snakemake("-n", "-q", "--configfile", f"config/{configfile}")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_bad_config_stops_before_any_job(tmp_path):
    bad = copy.deepcopy(DEFAULT)
    bad["models"]["cnn_deep_relu"]["options"]["activation"] = "tanh"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    result = _snakemake("-n", "--configfile", str(tmp_path / "bad.yaml"))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "config error at models.cnn_deep_relu.options.activation" in output
    assert "'tanh' is not one of ['relu', 'exponential']" in output


def test_lint_and_format():
    """`make lint` in CI: Snakemake's lint, snakefmt on the rule files, ruff lint and format on the Python."""
    lint = _snakemake("--lint")
    assert lint.returncode == 0 and "Lints for" not in lint.stdout + lint.stderr, lint.stdout + lint.stderr
    tools = Path(sys.executable).parent
    python = ["scripts", "tests", "benchmarks", "envs"]
    for command in (
        [tools / "snakefmt", "--check", "Snakefile", "workflow/rules"],
        [tools / "ruff", "check", *python],
        [tools / "ruff", "format", "--check", *python],
    ):
        result = subprocess.run([str(part) for part in command], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, f"{command[0].name}: {result.stdout[-3000:]}{result.stderr[-3000:]}"


def _with_weights(config, weights, seeds):
    config["models"]["cnn_deep_exp"]["weights"] = weights
    config["experiments"][0]["seeds"] = seeds


def test_missing_weights_file_is_a_config_error(tmp_path):
    """Otherwise Snakemake would fall back to training a new model and report it as the given weights."""
    message = _error(lambda c: _with_weights(c, str(tmp_path / "typo.h5"), 1))
    assert message.startswith("config error at models.cnn_deep_exp.weights") and "typo.h5 does not exist" in message
    (tmp_path / "one.h5").touch()
    message = _error(lambda c: _with_weights(c, [str(tmp_path / "one.h5")], 2))
    assert "1 weights file(s) for seed 2" in message and "\n" not in message
    config = copy.deepcopy(DEFAULT)
    _with_weights(config, [str(tmp_path / "one.h5"), {"url": "https://example.org/w.h5", "md5": "0" * 32}], 2)
    assert cfg.validate(config)["models"]["cnn_deep_exp"]["weights"][1]["url"].endswith("w.h5")


def test_a_model_with_weights_is_never_planned_for_training(tmp_path):
    """With its downloaded weights gone, the plan fetches them again; train_model never matches the model."""
    config = copy.deepcopy(DEFAULT)
    _with_weights(config, {"url": "https://example.org/w.h5", "md5": "0" * 32}, 1)
    config["experiments"][0]["models"] = ["cnn_deep_exp"]
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [
            SNAKEMAKE,
            "-n",
            "--quiet",
            "rules",
            "--snakefile",
            str(ROOT / "Snakefile"),
            "--directory",
            str(tmp_path),
            "--configfile",
            str(configfile),
            "--cores",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "download_weights" in result.stdout and "import_model" in result.stdout
    assert "train_model" not in result.stdout


def _merged(base: dict, overlay: dict) -> dict:
    """Snakemake's merge of two config files: mappings key by key, everything else replaced."""
    out = dict(base)
    for key, value in overlay.items():
        out[key] = _merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def _differences(a, b, where=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from _differences(a.get(key), b.get(key), f"{where}.{key}" if where else key)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _differences(x, y, f"{where}.{i}")
    elif a != b:
        yield where


SCALED = re.compile(
    r"^(experiments\.\d+\.seeds|ensembles\.\d+\.seeds|attribution\.max_sequences"
    r"|datasets\.[^.]+\.n_(positive|negative))$"
)


@pytest.mark.parametrize("overlay", sorted(p.name for p in (ROOT / "config" / "cpu").glob("*.yaml")))
def test_cpu_variant_changes_only_scale_and_dry_runs(overlay):
    paper = yaml.safe_load((ROOT / "config" / overlay).read_text())
    merged = _merged(paper, yaml.safe_load((ROOT / "config" / "cpu" / overlay).read_text()))
    changed = list(_differences(paper, merged))
    assert changed and all(SCALED.match(key) for key in changed), changed
    result = _snakemake("-n", "-q", "--configfile", f"config/{overlay}", f"config/cpu/{overlay}")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
