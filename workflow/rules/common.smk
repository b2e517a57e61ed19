"""Config validation, wildcard constraints and input functions shared by every rule file."""

import functools
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))

from seqattr import config as cfg
from seqattr import dataset_kinds, integrity, user_files

try:
    cfg.check_unique_keys(workflow.configfiles)
    _checked = cfg.validate(config)
except cfg.ConfigError as error:
    raise WorkflowError(str(error)) from None
config.clear()
config.update(_checked)
MODELS = cfg.expand_ensemble_models(config)
RUNS = cfg.experiment_runs(config)
ENSEMBLES = cfg.ensemble_runs(config)
MOTIF_RUNS = cfg.motif_runs(config)

# Damaged HDF5 / .keras / JSON outputs are moved aside (to *.corrupt; seqattr.integrity) by every
# real run: rule all's plan is made after the scan and regenerates them; a run of named targets
# that has jobs scans again before they start and stops, since its plan saw the damaged files.
QUARANTINED = integrity.awaiting_regeneration("results")
for _path in QUARANTINED:
    logger.warning(
        f"{_path} was moved aside as unreadable; rule all (snakemake without targets) regenerates it"
    )


def executes_jobs():
    """Whether this invocation runs jobs (known while the DAG is built): not a dry-run, --touch,
    --unlock, --summary or --report, nor a cluster job's own Snakemake, nor a run another holds the
    locks against (Snakemake refuses that one)."""
    from snakemake_interface_executor_plugins.settings import ExecMode

    return (
        workflow.executor_plugin is not None
        and not workflow.dryrun
        and not workflow.touch
        and workflow.exec_mode == ExecMode.DEFAULT
        and not any(Path(".snakemake/locks").glob("*.lock"))
    )


_SCANNED = []


def scanned_before_planning():
    """The files this run's scan moved aside, scanning once, before rule all's plan is made."""
    if not _SCANNED:
        moved = (
            integrity.quarantine_unreadable("results", integrity.VERIFIED)
            if executes_jobs()
            else []
        )
        _SCANNED.append([str(p) for p in moved])
    return _SCANNED[0]


onstart:
    try:
        integrity.stop_if_damaged("results", integrity.VERIFIED)
    except integrity.DamagedFilesError as error:
        raise WorkflowError(str(error)) from None


# Names the schema accepts are exactly those the wildcards match (one pattern, in the schema).
NAME = cfg.wildcard_pattern("name")


wildcard_constraints:
    dataset=NAME,
    model=NAME,
    regime=NAME,
    seed=r"\d+",
    task=r"\d+",
    method=cfg.wildcard_pattern("method_name"),
    target=r"[A-Za-z0-9_-]+",


RUN_DIR = "{dataset}/{model}/{regime}/seed{seed}"
# One attributed output of a run: maps, analyses, consistency and motifs live under it.
ATTR_DIR = "{dataset}/{model}/{regime}/seed{seed}/task{task}"
TASKS = config["attribution"]["tasks"]


def dataset_config(wildcards):
    return config["datasets"][wildcards.dataset]


def dataset_file(wildcards):
    """The HDF5 file of a dataset: made by the workflow, downloaded, or the user's own file (ancient:
    its content decides reruns, through the ``content`` param)."""
    path = cfg.dataset_path(config, wildcards.dataset)
    return (
        ancient(path)
        if path in cfg.dataset_user_files(config, wildcards.dataset)
        else path
    )


def dataset_content(wildcards):
    """sha256 of each of the user's own files a dataset is read from: a param of every job that reads
    them, so that replacing one reruns what depends on it, whatever its time stamp."""
    return {
        path: user_files.content_digest(path, user_files.DIGESTS)
        for path in cfg.dataset_user_files(config, wildcards.dataset)
    }


def dataset_check(wildcards):
    """The check stamp of a user's dataset, which its first readers wait for; nothing for our own data.

    ancient(): a rerun of the check (its settings changed) does not by itself retrain anything.
    """
    if cfg.is_user_data(config, wildcards.dataset):
        return [ancient(f"results/checks/{wildcards.dataset}.json")]
    return []


def dataset_task(wildcards):
    """The task type a dataset's labels declare (binary or regression)."""
    return config["datasets"][wildcards.dataset]["task"]


def dataset_keys(wildcards):
    """Stored key names of a user's HDF5 dataset (empty for our own files)."""
    return config["datasets"][wildcards.dataset].get("keys", {})


def model_spec(wildcards):
    return MODELS[wildcards.model]


def regime_spec(wildcards):
    return config["regimes"][wildcards.regime]


def method_spec(wildcards):
    return config["attribution"]["methods"][wildcards.method]


# What a job's outputs depend on is its `params` (Snakemake reruns a job whose params change);
# how it runs — GPU slots (jobs_per_gpu), attribution batch_size (maps are batch-size invariant),
# retries — is read by the script from `snakemake.config`, so changing it reruns nothing.
ATTRIBUTION_SELECTION = {
    key: config["attribution"][key] for key in ("target", "sequences", "max_sequences")
}


def attributed_task(wildcards):
    """The output index one attribution job differentiates (the `task` wildcard)."""
    return int(wildcards.task)


def run_training(wildcards):
    """The training settings one run's model depends on: config `training:` with its regime's own on
    top, less the guards (the training script reads those from config)."""
    return cfg.trajectory_settings(
        cfg.training_settings(config["training"], config["regimes"][wildcards.regime])
    )


def gpu_software(key):
    """The conda env (absolute) or container of the GPU rules (training, attribution)."""
    if key == "conda":
        return str(Path(workflow.basedir) / config["gpu_conda_env"])
    return config["gpu_container"] or config["container"]


def run_label(wildcards):
    """The wildcards of one analysis as a plain dict (written into tables)."""
    return {k: (int(v) if k in ("seed", "task") else v) for k, v in wildcards.items()}


def run_paths(pattern, with_methods=True, runs=None, first_seed=False):
    """``pattern`` formatted for every run of ``runs`` (default: all configured runs), and with
    ``with_methods`` for each attributed task and method; with ``first_seed`` only each
    dataset/model/regime's first seed there (the logo figures)."""
    seen, paths = set(), []
    for run, methods in RUNS if runs is None else runs:
        key = (run.dataset, run.model, run.regime)
        if first_seed and key in seen:
            continue
        seen.add(key)
        fields = dict(
            dataset=run.dataset, model=run.model, regime=run.regime, seed=run.seed
        )
        if not with_methods:
            paths.append(pattern.format(**fields))
            continue
        paths += [
            pattern.format(**fields, task=t, method=m) for t in TASKS for m in methods
        ]
    return paths


def motif_run_paths(pattern, first_seed=False):
    """``pattern`` for every run, task and method of motif discovery (first seeds only with ``first_seed``)."""
    return run_paths(pattern, runs=MOTIF_RUNS, first_seed=first_seed)


def motif_database_file(wildcards):
    """The MEME file of the JASPAR release this dataset's patterns are matched against."""
    return cfg.motif_database(config, wildcards.dataset)


def motif_settings():
    """The settings the motif jobs' outputs depend on: not which runs, how many logos, or the
    JASPAR release, collection and tax group (the database file is an input)."""
    skip = ("enabled", "methods", "max_seeds", "target_motifs", "plot_patterns")
    skip += ("jaspar_release", "collection", "tax_group")
    return {k: v for k, v in config["motifs"].items() if k not in skip}


def motif_references(wildcards):
    """Core motif IDs driving one output (synthetic data) and target TF motifs (in vivo) of one dataset."""
    return cfg.motif_references(config, wildcards.dataset, int(wildcards.task))


def synthetic_datasets():
    """The datasets the generator makes (they have a sequence-model figure and are Fig. 1d's reference)."""
    return dataset_kinds.built_by(config, "simulate_synthetic")


def motif_ablation_paths(pattern):
    """``pattern`` for every run the in-silico motif ablation covers (cfg.motif_ablation_runs)."""
    return run_paths(pattern, with_methods=False, runs=cfg.motif_ablation_runs(config))


def chip_datasets():
    """The ChIP-seq datasets the runs use, in config order."""
    used = {r.dataset for r, _ in RUNS} | {d for d, *_ in ENSEMBLES}
    return [
        n for n in dataset_kinds.built_by(config, "build_chip_dataset") if n in used
    ]


def wildcard_of(names):
    """A wildcard regex matching exactly these dataset names (or nothing)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!)"


def built_by(builder):
    """The ``dataset`` wildcard of a builder of datasets: the datasets whose kind it builds."""
    return wildcard_of(dataset_kinds.built_by(config, builder))


def user_datasets():
    """The ``dataset`` wildcard of the user's datasets (checked by check_dataset)."""
    return wildcard_of([n for n in config["datasets"] if cfg.is_user_data(config, n)])


def ground_truth_runs():
    return [r for r, _ in RUNS if cfg.has_ground_truth(config, r.dataset)]


def chip_source(wildcards):
    return config["encode"][config["datasets"][wildcards.dataset]["source"]]


def ensemble_members(wildcards):
    """Attribution files (of the wildcards' task) of one ensemble population."""
    for dataset, base, method, members in ENSEMBLES:
        if (dataset, base, method) == (
            wildcards.dataset,
            wildcards.model,
            wildcards.method,
        ):
            return [
                f"results/attributions/{r.path}/task{wildcards.task}/{method}.h5"
                for r in members
            ]
    raise WorkflowError(
        f"no ensemble {wildcards.dataset}/{wildcards.model}/{wildcards.method} in config"
    )


def ensemble_paths(pattern):
    """``pattern`` for every ensemble population and attributed task."""
    return [
        pattern.format(dataset=d, model=b, task=t, method=m)
        for d, b, m, _ in ENSEMBLES
        for t in TASKS
    ]


def encode_lock(source, target):
    """The lock file of one target of an ENCODE source (the DNase pool is the target 'DNase')."""
    return f"resources/encode/{source}/{target}.tsv"


def encode_query(wildcards):
    """What one lock records, the params of its encode_metadata job: a change re-resolves that target.

    How the file is looked up (encode_url, output_types, retries) is not in it: a lock is written
    once, and re-resolving is deleting it (config/README.md)."""
    spec = config["encode"][wildcards.source]
    if wildcards.target == "DNase":
        return dict(
            target="DNase",
            dnase_accession=spec["dnase_accession"],
            assembly=spec["assembly"],
        )
    return dict(
        target=wildcards.target,
        cell_line=spec["cell_line"],
        assembly=spec["assembly"],
        pinned=spec["pinned"].get(wildcards.target),
    )


def genome_url(wildcards):
    for spec in config["encode"].values():
        if spec["assembly"] == wildcards.assembly:
            return spec["genome_url"][wildcards.assembly]
    raise WorkflowError(f"no encode source uses assembly {wildcards.assembly}")


def chip_download(wildcards, target):
    return f"resources/downloads/encode/{dataset_config(wildcards)['source']}/{target}.bed.gz"


def final_outputs(wildcards):
    """Everything the config asks for: tables, figures and their inputs, and any quarantined file (an
    input function, so that the scan runs when the DAG is built, knowing whether jobs will run).
    """
    outputs = sorted(set(QUARANTINED) | set(scanned_before_planning()))
    outputs += [f"results/figures/data/{d}.png" for d in synthetic_datasets()]
    outputs += ["results/tables/analyses.tsv"]
    if chip_datasets():
        outputs += ["results/tables/chip_windows.tsv"]
    if motif_ablation_paths(RUN_DIR):
        outputs += ["results/tables/motif_ablation.tsv"]
    outputs += ["results/tables/metrics.tsv", "results/tables/reproduction_004.tsv"]
    outputs += run_paths(
        "results/figures/attribution/{dataset}/{model}/{regime}/seed{seed}/task{task}/{method}.png",
        first_seed=True,
    )
    outputs += [
        "results/tables/selection.tsv",
        "results/tables/consistency_correlations.tsv",
    ]
    outputs += [
        f"results/figures/consistency/{n}.png"
        for n in ("snr_vs_kld", "kmer_frequencies", "angular_density")
    ]
    if ground_truth_runs():
        outputs += list(rules.plot_evaluation.output)
    if ENSEMBLES:
        outputs += list(rules.plot_ensemble.output)
        outputs += ensemble_paths(
            "results/figures/ensemble/logos/{dataset}/{model}/task{task}/{method}.png"
        )
    outputs += [
        f"results/tables/{name}{suffix}.tsv"
        for name in config["paper_tables"]
        for suffix in ("", "_claims")
    ]
    if MOTIF_RUNS:
        outputs += [
            "results/tables/motifs.tsv",
            "results/tables/motifs_summary.tsv",
            "results/figures/motifs/recovery.png",
        ]
        outputs += motif_run_paths(
            "results/figures/motifs/{dataset}/{model}/{regime}/seed{seed}/task{task}/{method}.png",
            first_seed=True,
        )
    if over_epochs_paths():
        outputs += ["results/figures/studies/over_epochs.png"]
    for sweep in active_sweeps():
        outputs += [
            f"results/figures/studies/{sweep}.png",
            f"results/tables/study_{sweep}_claims.tsv",
        ]
    return outputs


def active_sweeps():
    """The regime sweeps this config runs: those with at least two swept values."""
    from seqattr import studies

    return [
        s
        for s in studies.SWEEPS
        if len(set(studies.sweep_values(config["regimes"], s).values())) >= 2
    ]


def gradient_methods():
    """The configured methods whose map is the input gradient itself (kind saliency): paper 004's
    angles are angles of the gradient, and its lab computes them from saliency maps alone.
    """
    methods = config["attribution"]["methods"]
    return [name for name, spec in methods.items() if spec["kind"] == "saliency"]


def study_method(wildcards=None):
    """The attribution method the sweep figures use: the first saliency method, else the first."""
    return (gradient_methods() or list(config["attribution"]["methods"]))[0]


def study_method_angle_files():
    """The analysis angles files of every run, task and seed attributed with the study method."""
    name = f"{study_method()}.angles.h5"
    pattern = "results/analysis/{dataset}/{model}/{regime}/seed{seed}/task{task}/{method}.angles.h5"
    return [path for path in run_paths(pattern) if Path(path).name == name]


STUDY_TASK = TASKS[
    0
]  # the sweeps and the metrics over epochs follow the first attributed task


def sweep_regime_values(wildcards):
    """Regime name → swept value of one sweep's regimes (all that its figures need of `regimes:`)."""
    from seqattr import studies

    return studies.sweep_values(config["regimes"], wildcards.sweep)


def sweep_angle_files(sweep):
    """(angles file, regime) of every run of the sweep's regimes, for the study's method."""
    from seqattr import studies

    regimes = studies.sweep_values(config["regimes"], sweep)
    method = study_method()
    return [
        (f"results/analysis/{r.path}/task{STUDY_TASK}/{method}.angles.h5", r.regime)
        for r, methods in RUNS
        if r.regime in regimes and method in methods
    ]


def over_epochs_paths():
    """Per-run tables of metrics over training: trained runs with a ground truth that keep epochs."""
    method = study_method()
    return [
        f"results/over_epochs/{r.path}/task{STUDY_TASK}/{method}.tsv"
        for r in ground_truth_runs()
        if "weights" not in MODELS[r.model]
        and cfg.training_settings(config["training"], config["regimes"][r.regime])[
            "save_epochs"
        ]
    ]


def pretrained_model_names():
    """A wildcard regex matching the models that load weights instead of training (or nothing)."""
    names = [re.escape(name) for name, spec in MODELS.items() if "weights" in spec]
    return "|".join(names) if names else "(?!)"


def trained_model_names():
    """A wildcard regex matching every model name except those with weights: they are never trained."""
    return rf"(?!(?:{pretrained_model_names()})/){NAME}"


def pretrained_weights(wildcards):
    """The weights file of one seed (seed n uses the n-th entry; checked at validation); the user's
    own path is ancient: its content decides reruns (``weights_content``)."""
    spec, seed = MODELS[wildcards.model], int(wildcards.seed)
    path = cfg.weights_path(wildcards.model, spec, seed)
    return ancient(path) if cfg.weights_user_file(spec, seed) else path


def weights_content(wildcards):
    """sha256 of a seed's weights file when it is the user's own (a download is pinned by its md5)."""
    path = cfg.weights_user_file(MODELS[wildcards.model], int(wildcards.seed))
    return path and user_files.content_digest(path, user_files.DIGESTS)


def weights_download(wildcards):
    """URL and md5 of one downloaded weights file."""
    seed = int(wildcards.seed)
    entry = cfg.weights_entries(MODELS[wildcards.model])[seed - 1]
    return dict(entry, label=f"models.{wildcards.model}.weights (seed {seed})")


def dataset_download(wildcards):
    """URL and md5 of one downloaded dataset."""
    spec = config["datasets"][wildcards.dataset]
    return dict(url=spec["url"], md5=spec["md5"], label=f"datasets.{wildcards.dataset}")


@functools.cache
def report_categories():
    """The report's categories this config fills, in their order (so their numbers have no gaps);
    worked out once, for the 25 report items that ask."""
    shown = {
        "Data": bool(synthetic_datasets()),
        "Tables": True,
        "Attribution maps": True,
        "Ground-truth evaluation": bool(ground_truth_runs()),
        "Consistency": True,
        "In vivo ensemble proxy": bool(ENSEMBLES),
        "Studies": bool(over_epochs_paths() or active_sweeps()),
        "Motif discovery": bool(MOTIF_RUNS),
    }
    return [name for name, present in shown.items() if present]


def category(name):
    """A report category's title, numbered among those this config fills."""
    shown = report_categories()
    return f"{shown.index(name) + 1}. {name}" if name in shown else name
