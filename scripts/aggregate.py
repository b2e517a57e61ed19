"""The metrics table of every run × method × raw/corrected, and the reproduction table of paper 004."""

import pandas as pd

from seqattr import aggregate
from seqattr.data import write_tsv
from seqattr.runtime import start_logging

log = start_logging(snakemake)
tables = [pd.read_csv(path, sep="\t") for path in snakemake.input.tables]
scores = aggregate.classification(snakemake.input.metrics, snakemake.params.runs, snakemake.params.tasks)
table = aggregate.metrics_table(tables, scores)
log.info(
    "%d analysis tables → %d rows; %d without classification scores",
    len(tables),
    len(table),
    table["classification_auroc"].isna().sum(),
)
write_tsv(table, snakemake.output.table)
samples = [aggregate.sample_positions(path) for path in snakemake.input.angles]
claims = aggregate.reproduction(table, samples, snakemake.params.gradient_methods, sequence_tables=tables)
log.info("paper 004 claims:\n%s", claims.to_string(index=False))
write_tsv(claims, snakemake.output.reproduction)
