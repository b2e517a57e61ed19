"""Validate a workflow config against its JSON schema and expand it into concrete runs.

Validation fills in the schema's defaults and turns the first problem into one line that
names the key and what is allowed, so a typo stops the run before any job starts.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml

from seqattr import architectures, dataset_kinds, jaspar
from seqattr.dataset_kinds import DOWNLOADS
from seqattr.schema import SCHEMA, allowed_keys


class ConfigError(ValueError):
    """The config does not satisfy the schema or refers to something it does not define."""


def _with_defaults(validator_class):
    """A validator class that writes each property's ``default`` into the instance first."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_Validator = _with_defaults(jsonschema.Draft202012Validator)


def _describe(error: jsonschema.ValidationError, schema: dict) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "unevaluatedProperties" and isinstance(error.instance, dict):
        # a key that the entry's kind does not take: name it and the keys that kind takes
        allowed = allowed_keys(error.schema, error.instance, schema)
        key = sorted(set(error.instance) - set(allowed))[0]
        kind = f" for kind '{error.instance['kind']}'" if "kind" in error.instance else ""
        return f"config error at {where}.{key}: '{key}' was unexpected{kind}; allowed: {allowed}"
    return f"config error at {where}: {error.message}"


@lru_cache(maxsize=4)
def _schema(schema_path: Path) -> dict:
    return yaml.safe_load(schema_path.read_text())


def wildcard_pattern(definition: str) -> str:
    """The schema's name pattern ``$defs.<definition>`` as a wildcard regex (the rules' constraints)."""
    return _schema(SCHEMA)["$defs"][definition]["pattern"].removeprefix("^").removesuffix("$")


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key written twice in one mapping (PyYAML would keep the last in silence)."""

    def construct_mapping(self, node, deep=False):
        first_line = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise ConfigError(
                    f"config error in {self.name}, line {line}: key '{key}' is given twice in one "
                    f"mapping (first at line {first_line[key]}); YAML would keep the last silently"
                )
            first_line[key] = line
        return super().construct_mapping(node, deep)


def check_unique_keys(paths) -> None:
    """Each config file is YAML with no key written twice in one mapping, else ConfigError naming file and line."""
    for path in paths:
        with open(path) as handle:
            yaml.load(handle, Loader=_UniqueKeyLoader)


def validate(config: dict, schema_path: str | Path = SCHEMA) -> dict:
    """Return a validated copy of ``config`` with defaults filled in, or raise ConfigError.

    After the schema, the checks it cannot express: references between sections, weights files,
    splits, motif IDs, model options against their architecture, input lengths, saved epochs and
    the attributed task.
    """
    schema = _schema(Path(schema_path))
    config = copy.deepcopy(dict(config))
    if "task" in (config.get("attribution") or {}):
        raise ConfigError(
            "config error at attribution.task: the key is now attribution.tasks, a list (e.g. tasks: [0])"
        )
    errors = list(_Validator(schema).iter_errors(config))
    if errors:
        # A value that breaks a kind-specific branch also makes that branch's keys look
        # "unevaluated"; the broken value is the useful message.
        specific = [e for e in errors if e.validator != "unevaluatedProperties"] or errors
        raise ConfigError(_describe(jsonschema.exceptions.best_match(specific), schema))
    _check_references(config)
    _check_weights(config)
    _check_datasets(config)
    _check_target_motifs(config)
    _check_models(config)
    _check_saved_epochs(config)
    _check_task(config)
    _check_consistency_spans(config)
    return config


def _check_names(where: str, names, defined: dict) -> None:
    for name in names:
        if name not in defined:
            raise ConfigError(f"config error at {where}: '{name}' is not defined; defined are {sorted(defined)}")


def _check_references(config: dict) -> None:
    """Every name an experiment or ensemble uses must be defined in its section."""
    methods = config["attribution"]["methods"]
    for i, experiment in enumerate(config["experiments"]):
        _check_names(f"experiments.{i}.datasets", experiment["datasets"], config["datasets"])
        _check_names(f"experiments.{i}.models", experiment["models"], config["models"])
        _check_names(f"experiments.{i}.regimes", experiment["regimes"], config["regimes"])
        _check_names(f"experiments.{i}.methods", experiment.get("methods", []), methods)
    for i, ensemble in enumerate(config["ensembles"]):
        _check_names(f"ensembles.{i}.datasets", ensemble["datasets"], config["datasets"])
        _check_names(f"ensembles.{i}.base_models", ensemble["base_models"], config["models"])
        _check_names(f"ensembles.{i}.regime", [ensemble["regime"]], config["regimes"])
        _check_names(f"ensembles.{i}.method", [ensemble["method"]], methods)
    _check_names("motifs.methods", config["motifs"]["methods"] or [], methods)
    _check_names("motifs.target_motifs", config["motifs"]["target_motifs"], config["datasets"])


def _check_weights(config: dict) -> None:
    """A model with ``weights`` is never trained: every run of it needs its file, checked before any job.

    (Otherwise Snakemake would fall back from import_model to train_model and train a new model.)
    """
    runs = [run for run, _ in experiment_runs(config)] + [m for *_, members in ensemble_runs(config) for m in members]
    models = expand_ensemble_models(config)
    for run in runs:
        spec = models[run.model]
        if "weights" not in spec:
            continue
        entries = weights_entries(spec)
        if not 1 <= run.seed <= len(entries):
            raise ConfigError(
                f"config error at models.{run.model}.weights: {len(entries)} weights file(s) for seed "
                f"{run.seed} (seed n uses the n-th file; list one per seed)"
            )
        entry = entries[run.seed - 1]
        if isinstance(entry, str) and not Path(entry).is_file():
            raise ConfigError(
                f"config error at models.{run.model}.weights: seed {run.seed}'s file {entry} does not "
                f"exist (relative to {Path.cwd()})"
            )


def _check_datasets(config: dict) -> None:
    """Splits sum to 1, and each kind's own checks (``DatasetKind.check``: a synthetic dataset's core
    motifs and effects, a ChIP-seq dataset's ENCODE source)."""
    for name, spec in config["datasets"].items():
        split = spec.get("split")
        if split is not None and abs(sum(split) - 1) > 1e-6:
            raise ConfigError(f"config error at datasets.{name}.split: {split} sums to {sum(split):g}, not 1")
        if problem := dataset_kinds.of(spec).check(config, name, spec):
            raise ConfigError(problem)


def _check_target_motifs(config: dict) -> None:
    """Each of ``motifs.target_motifs`` names a matrix of the dataset's motif database (else it would
    drop out of the target rank unnoticed)."""
    settings = config["motifs"]
    for dataset, wanted in settings["target_motifs"].items():
        release = motif_release(config, dataset)
        matrices = jaspar.matrix_names(release, settings["collection"], settings["tax_group"])
        unknown = [item for item in wanted if not jaspar.find_ids(matrices, [item])]
        if unknown:
            raise ConfigError(
                f"config error at motifs.target_motifs.{dataset}: {unknown} name no matrix of {release} "
                f"{settings['collection']} {settings['tax_group']} (give JASPAR IDs, with or without "
                "version, or TF names)"
            )


def _check_consistency_spans(config: dict) -> None:
    """The consistency k-mer length and averaging window fit every analysed dataset of known length
    (a user's file: checked when the stage runs)."""
    for dataset in analysed_datasets(config):
        length = config["datasets"][dataset].get("length")
        for key in ("k", "window"):
            value = config["consistency"][key]
            if length is not None and value > length:
                raise ConfigError(
                    f"config error at consistency.{key}: {value} is longer than the {length}-nt "
                    f"sequences of dataset {dataset}"
                )


def _check_models(config: dict) -> None:
    """Every model's options fit its architecture, and every dataset it trains on is long enough for its pooling."""
    layouts = {}
    for name, spec in config["models"].items():
        try:
            layouts[name] = architectures.layout(spec)
        except architectures.OptionError as error:
            raise ConfigError(f"config error at models.{name}.options.{error.option}: {error}") from None
    pairs = {(r.dataset, r.model) for r, _ in experiment_runs(config)}
    pairs |= {(dataset, base) for dataset, base, _, _ in ensemble_runs(config)}
    for dataset, model in sorted(pairs):
        length = config["datasets"][dataset].get("length")  # a user's file: checked when the model is built
        if length is not None and (problem := layouts[model].too_short(length)):
            raise ConfigError(f"config error at datasets.{dataset}.length: model {model}: {problem}")


def _check_saved_epochs(config: dict) -> None:
    """Epochs to keep must be epochs a regime trains (its ``training:`` over config ``training:``)."""
    for name, regime in config["regimes"].items():
        settings = training_settings(config["training"], regime)
        saved = settings["save_epochs"]
        if saved != "all" and saved and max(saved) > settings["epochs"]:
            own = "save_epochs" in (regime.get("training") or {})
            where = f"regimes.{name}.training.save_epochs" if own else "training.save_epochs"
            raise ConfigError(
                f"config error at {where}: epoch {max(saved)} is beyond the {settings['epochs']} "
                f"epochs regime {name} trains"
            )


def analysed_datasets(config: dict) -> list[str]:
    """The datasets the experiments and the ensembles use, sorted."""
    return sorted({r.dataset for r, _ in experiment_runs(config)} | {d for d, *_ in ensemble_runs(config)})


def dataset_task_count(config: dict, dataset: str) -> int | None:
    """How many outputs a dataset's labels have: known for the data the workflow makes (the
    generator's ``outputs``, one for ChIP-seq), None for a user's file (checked when read)."""
    spec = config["datasets"][dataset]
    return dataset_kinds.of(spec).task_count(spec)


def _check_task(config: dict) -> None:
    """Every attributed output exists in every dataset the runs use whose task count is known."""
    tasks = config["attribution"]["tasks"]
    for dataset in analysed_datasets(config):
        count = dataset_task_count(config, dataset)
        if count is not None and max(tasks) >= count:
            raise ConfigError(
                f"config error at attribution.tasks: task {max(tasks)} does not exist; dataset "
                f"{dataset} has {count} task(s) (0–{count - 1})"
            )


def dataset_path(config: dict, name: str) -> str:
    """The HDF5 file of a dataset: the user's own, a download, or one the workflow makes."""
    spec = config["datasets"][name]
    return dataset_kinds.of(spec).path(name, spec)


def dataset_user_files(config: dict, dataset: str) -> list[str]:
    """The user's own files a dataset is read from as they are (an ``h5`` file; a ``fasta`` dataset's
    FASTA and labels): their content, not their time stamps, decides reruns (seqattr.user_files). A
    ``url`` download is pinned by its ``md5`` in config instead."""
    spec = config["datasets"][dataset]
    return dataset_kinds.of(spec).user_files(spec)


def is_user_data(config: dict, dataset: str) -> bool:
    """Whether a dataset is the user's data (a file, a download, a FASTA), checked by rule check_dataset."""
    return dataset_kinds.of(config["datasets"][dataset]).user_data


def weights_user_file(spec: dict, seed: int) -> str | None:
    """A model's weights file of one seed when it is the user's own path (None for a download: its md5 pins it)."""
    entry = weights_entries(spec)[seed - 1]
    return entry if isinstance(entry, str) else None


def splits_read(config: dict, dataset: str) -> list[str]:
    """The splits the runs read from a dataset: all three when one of them trains, the test split otherwise."""
    runs = [run for run, _ in experiment_runs(config)] + [m for *_, members in ensemble_runs(config) for m in members]
    models = expand_ensemble_models(config)
    trains = any("weights" not in models[run.model] for run in runs if run.dataset == dataset)
    return ["train", "valid", "test"] if trains else ["test"]


def weights_entries(spec: dict) -> list:
    """A model's ``weights`` as a list, one entry (a path or ``{url, md5}``) per seed."""
    weights = spec["weights"]
    return weights if isinstance(weights, list) else [weights]


def weights_path(model: str, spec: dict, seed: int) -> str:
    """The weights file of one seed: the given path, or where its download lands (same suffix as the URL)."""
    entry = weights_entries(spec)[seed - 1]
    if isinstance(entry, str):
        return entry
    return f"{DOWNLOADS}/weights/{model}/seed{seed}{Path(entry['url']).suffix}"


def seed_list(seeds) -> list[int]:
    """``n`` means seeds 1..n; a list is taken as it is."""
    return list(range(1, seeds + 1)) if isinstance(seeds, int) else list(seeds)


@dataclass(frozen=True, order=True)
class Run:
    """One trained (or loaded) model: the {dataset}/{model}/{regime}/seed{seed} wildcards."""

    dataset: str
    model: str
    regime: str
    seed: int

    @property
    def path(self) -> str:
        return f"{self.dataset}/{self.model}/{self.regime}/seed{self.seed}"


def ensemble_member(base_model: str, filters: int) -> str:
    """Name of the ensemble member built from ``base_model`` with ``filters`` first-layer filters."""
    return f"{base_model}.f{filters}"


def expand_ensemble_models(config: dict) -> dict:
    """Add a model entry for every ensemble member (base model with its first-layer filter count)."""
    models = dict(config["models"])
    for ensemble in config["ensembles"]:
        for base in ensemble["base_models"]:
            for filters in ensemble["filters"]:
                member = copy.deepcopy(config["models"][base])
                member.setdefault("options", {})["filters"] = filters
                models[ensemble_member(base, filters)] = member
    return models


def experiment_runs(config: dict) -> list[tuple[Run, list[str]]]:
    """Every run of the ``experiments`` section with its attribution methods, without repeats."""
    methods_of: dict[Run, list[str]] = {}
    all_methods = list(config["attribution"]["methods"])
    for experiment in config["experiments"]:
        methods = experiment.get("methods") or all_methods
        for dataset in experiment["datasets"]:
            for model in experiment["models"]:
                for regime in experiment["regimes"]:
                    for seed in seed_list(experiment["seeds"]):
                        known = methods_of.setdefault(Run(dataset, model, regime, seed), [])
                        known.extend(m for m in methods if m not in known)
    return sorted(methods_of.items())


def ensemble_runs(config: dict) -> list[tuple[str, str, str, list[Run]]]:
    """For each ensemble population: (dataset, base model, method, member runs)."""
    populations = []
    for ensemble in config["ensembles"]:
        for dataset in ensemble["datasets"]:
            for base in ensemble["base_models"]:
                members = [
                    Run(dataset, ensemble_member(base, filters), ensemble["regime"], seed)
                    for filters in ensemble["filters"]
                    for seed in seed_list(ensemble["seeds"])
                ]
                populations.append((dataset, base, ensemble["method"], members))
    return populations


def motif_ablation_runs(config: dict) -> list[tuple[Run, list[str]]]:
    """The experiment runs on synthetic data with one output per core motif: those whose outputs
    the in-silico motif ablation (seqattr.motif_ablation) can tell apart."""
    return [
        (run, methods)
        for run, methods in experiment_runs(config)
        if dataset_kinds.of(config["datasets"][run.dataset]).can_ablate_motifs(config["datasets"][run.dataset])
    ]


def motif_runs(config: dict) -> list[tuple[Run, list[str]]]:
    """The runs and methods motif discovery covers: none when ``motifs.enabled`` is false; else the
    experiment runs, only the first ``motifs.max_seeds`` seeds of each dataset/model/regime and only
    the methods of ``motifs.methods`` (all of a run's methods when null)."""
    settings = config["motifs"]
    if not settings["enabled"]:
        return []
    chosen, seeds = [], {}
    for run, methods in experiment_runs(config):
        kept = seeds.setdefault((run.dataset, run.model, run.regime), [])
        if settings["max_seeds"] is not None and len(kept) >= settings["max_seeds"]:
            continue
        methods = [m for m in methods if settings["methods"] is None or m in settings["methods"]]
        if methods:
            kept.append(run.seed)
            chosen.append((run, methods))
    return chosen


def motif_database(config: dict, dataset: str) -> str:
    """The MEME file a dataset's patterns are matched against: its own JASPAR release (synthetic data),
    else ``motifs.jaspar_release``, in ``motifs.collection`` / ``motifs.tax_group``."""
    settings = config["motifs"]
    return (
        f"results/motifs/jaspar/{motif_release(config, dataset)}/{settings['collection']}/{settings['tax_group']}.meme"
    )


def motif_release(config: dict, dataset: str) -> str:
    """The JASPAR release a dataset's patterns are named from: a synthetic dataset's own, else ``motifs.jaspar_release``."""
    spec = config["datasets"][dataset]
    return dataset_kinds.of(spec).motif_release(config, spec)


def motif_references(config: dict, dataset: str, task: int) -> dict:
    """What the patterns of a dataset's output ``task`` are scored against: ``core`` (the synthetic
    core motifs that drive that output) and ``targets`` (``motifs.target_motifs`` of the dataset,
    else a chipseq dataset's ENCODE target name; validation checked that the former name matrices)."""
    spec = config["datasets"][dataset]
    kind = dataset_kinds.of(spec)
    targets = config["motifs"]["target_motifs"].get(dataset)
    return {"core": kind.core_motifs(spec, task), "targets": list(kind.targets(spec) if targets is None else targets)}


def has_ground_truth(config: dict, dataset: str) -> bool:
    """Synthetic data always carries its sequence model; a user's file only when its keys name one."""
    spec = config["datasets"][dataset]
    return dataset_kinds.of(spec).has_ground_truth(spec)


def analysis_plan(config: dict) -> list[dict]:
    """Which analyses this config runs, and for those it skips, why (a table in the report)."""
    datasets = sorted({run.dataset for run, _ in experiment_runs(config)})
    rows = []
    for dataset in datasets:
        spec = config["datasets"][dataset]
        truth = has_ground_truth(config, dataset)
        pretrained = sorted(
            {
                r.model
                for r, _ in experiment_runs(config)
                if r.dataset == dataset and "weights" in config["models"][r.model]
            }
        )
        rows += [
            dict(
                dataset=dataset,
                analysis="training",
                runs="no" if pretrained else "yes",
                why=f"weights given for {', '.join(pretrained)}" if pretrained else f"{spec['kind']} dataset",
            ),
            dict(dataset=dataset, analysis="attribution, correction, angles, consistency KLD", runs="yes", why=""),
            dict(
                dataset=dataset,
                analysis="ground-truth metrics (AUROC, AUPR, cosine, SNR)",
                runs="yes" if truth else "no",
                why="" if truth else "no ground-truth sequence model (model_test) for this dataset",
            ),
        ]
    ensembles = {d for d, _, _, _ in ensemble_runs(config)}
    for dataset in datasets:
        rows.append(
            dict(
                dataset=dataset,
                analysis="ensemble proxy",
                runs="yes" if dataset in ensembles else "no",
                why="" if dataset in ensembles else "no `ensembles:` entry names this dataset",
            )
        )
    motif_datasets = {run.dataset for run, _ in motif_runs(config)}
    for dataset in datasets:
        why = (
            ""
            if dataset in motif_datasets
            else "motifs.enabled is false"
            if not config["motifs"]["enabled"]
            else "motifs.methods selects none of this dataset's methods"
        )
        rows.append(
            dict(
                dataset=dataset,
                analysis="motif discovery (TF-MoDISco, Tomtom against JASPAR)",
                runs="yes" if dataset in motif_datasets else "no",
                why=why,
            )
        )
    return rows


def training_settings(settings: dict | None, regime: dict) -> dict:
    """The run's training settings: config ``training:`` with the regime's own ``training:`` on top.

    This is how one config compares batch sizes, learning rates or epoch budgets (paper 000's grid).
    """
    return {**(settings or {}), **(regime.get("training") or {})}


GUARD_SETTINGS = ("max_val_loss",)  # pass or fail a finished training; change none of its outputs


def trajectory_settings(settings: dict) -> dict:
    """The training settings a trained model depends on: all but the guards (GUARD_SETTINGS). A
    training job's params hold these only, so changing a guard retrains nothing."""
    return {k: v for k, v in settings.items() if k not in GUARD_SETTINGS}


def guard_settings(config: dict, regime: str) -> dict:
    """The guards (GUARD_SETTINGS) of one regime's runs, read from the validated config at job start."""
    settings = training_settings(config["training"], config["regimes"][regime])
    return {k: settings[k] for k in GUARD_SETTINGS if k in settings}
