"""Ground-truth metrics and test AUROC of every model one run kept during training."""

import os

import pandas as pd

from seqattr.data import write_tsv
from seqattr.devices import claim_gpu
from seqattr.runtime import start_logging

log = start_logging(snakemake)
gpu = claim_gpu(jobs_per_gpu=snakemake.config["jobs_per_gpu"])  # before TensorFlow starts
os.environ["TF_NUM_INTRAOP_THREADS"] = str(snakemake.threads)

import keras  # noqa: E402

from seqattr import ground_truth, over_epochs  # noqa: E402
from seqattr.attribution import test_selection  # noqa: E402
from seqattr.data import read_attrs  # noqa: E402

params = snakemake.params
settings = params.selection
batch_size = snakemake.config["attribution"]["batch_size"]  # the maps do not depend on it: not a param
test, indices = test_selection(snakemake.input.data, settings, params.task, params.task_type, params.key_map)
truth = ground_truth.of_selection(test, read_attrs(snakemake.input.data), indices, params.task)
directory = over_epochs.epochs_dir(snakemake.input.model)
epochs = over_epochs.saved_epochs(directory)
if not epochs:
    raise FileNotFoundError(f"{directory}: no epoch<N>.keras models; the run's training.save_epochs is empty")
tables = []
for epoch, path in epochs:
    model = keras.saving.load_model(path, compile=False)
    rows = over_epochs.epoch_rows(model, test, indices, truth, params.method, settings, params.task, params.seed, params.label,
                                  batch_size)
    tables.append(rows.assign(epoch=epoch))
    log.info("epoch %d: test AUROC %.4f, raw interpretability AUROC %.4f", epoch, rows["classification_auroc"].iloc[0],
             rows["interpretability_auroc"].iloc[0])
write_tsv(pd.concat(tables, ignore_index=True), snakemake.output.table)
