"""Train one {dataset}/{model}/{regime}/seed{seed} model, resuming from its checkpoint if one exists."""

import shutil

from seqattr.data import SPLITS, read_split, write_json
from seqattr.runtime import start_tensorflow_job

log = start_tensorflow_job(snakemake)  # before TensorFlow starts: this job sees its GPU only

from seqattr import config, over_epochs, training  # noqa: E402
from seqattr.models import build_model  # noqa: E402
from seqattr.regimes import model_spec  # noqa: E402

training.set_threads(snakemake.threads, log)
params = snakemake.params
data = {split: read_split(snakemake.input.data, split, getattr(params, "key_map", None)) for split in SPLITS}

training.seed_everything(params.seed)
spec = model_spec(params.model, params.regime)
model = build_model(spec, data["train"]["x"].shape[1:], data["train"]["y"].shape[1], params.task)
log.info("%s: %s, %d parameters, regime %s", params.label, spec, model.count_params(), params.regime)

settings = {**params.training, **config.guard_settings(snakemake.config, snakemake.wildcards.regime)}
result = training.train(
    model,
    data,
    params.regime,
    settings,
    seed=params.seed,
    checkpoint_dir=params.checkpoint_dir,
    history_path=snakemake.output.history,
    epochs_dir=over_epochs.epochs_dir(snakemake.output.model),
    label=params.label,
    log=log,
)
training.save_model(model, snakemake.output.model)
write_json(result.metrics, snakemake.output.metrics)
shutil.rmtree(params.checkpoint_dir, ignore_errors=True)
