"""Metrics over training, pooled over seeds: one table and one figure."""

import pandas as pd

from seqattr import over_epochs
from seqattr.data import write_tsv
from seqattr.plots import save
from seqattr.plots.studies import over_epochs_figure
from seqattr.runtime import start_logging

log = start_logging(snakemake)
table = pd.concat([pd.read_csv(path, sep="\t") for path in snakemake.input.tables], ignore_index=True)
summary = over_epochs.mean_sd_over_seeds(table)
log.info("%d runs, epochs %d–%d", len(snakemake.input.tables), summary["epoch"].min(), summary["epoch"].max())
write_tsv(summary, snakemake.output.table)
save(over_epochs_figure(summary), snakemake.output.figure)
