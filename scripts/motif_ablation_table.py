"""Every run's motif ablation in one table, and per run its own outputs' change against the others'."""

import pandas as pd

from seqattr.data import write_tsv
from seqattr.motif_ablation import own_against_others
from seqattr.runtime import start_logging

log = start_logging(snakemake)
table = pd.concat([pd.read_csv(path, sep="\t") for path in snakemake.input.tables], ignore_index=True)
write_tsv(table, snakemake.output.table)
summary = own_against_others(table)
write_tsv(summary, snakemake.output.summary)
log.info("%d rows from %d runs:\n%s", len(table), len(snakemake.input.tables), summary.to_string(index=False))
