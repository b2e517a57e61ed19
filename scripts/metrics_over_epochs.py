"""Ground-truth metrics and test AUROC of every model one run kept during training."""

import os

import pandas as pd

from seqattr.data import read_split, write_tsv
from seqattr.devices import claim_gpu
from seqattr.runtime import start_logging

log = start_logging(snakemake)
gpu = claim_gpu(jobs_per_gpu=snakemake.params.jobs_per_gpu)  # before TensorFlow starts
os.environ["TF_NUM_INTRAOP_THREADS"] = str(snakemake.threads)

import keras  # noqa: E402

from seqattr import over_epochs  # noqa: E402
from seqattr.attribution import select_sequences  # noqa: E402

params = snakemake.params
settings = params.attribution
test = read_split(snakemake.input.data, "test", params.key_map)
indices = select_sequences(test["y"], settings["sequences"], settings["task"], settings["max_sequences"])
epochs = over_epochs.saved_epochs(params.epochs_dir)
if not epochs:
    raise FileNotFoundError(f"{params.epochs_dir}: no epoch<N>.keras models; the run's training.save_epochs is empty")
tables = []
for epoch, path in epochs:
    model = keras.saving.load_model(path, compile=False)
    rows = over_epochs.epoch_rows(model, test, indices, params.method, settings, params.seed, params.label)
    tables.append(rows.assign(epoch=epoch))
    log.info("epoch %d: test AUROC %.4f, raw interpretability AUROC %.4f", epoch, rows["classification_auroc"].iloc[0],
             rows["interpretability_auroc"].iloc[0])
write_tsv(pd.concat(tables, ignore_index=True), snakemake.output.table)
