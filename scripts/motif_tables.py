"""All motif-discovery rows in one table, and raw against corrected over seeds."""

import pandas as pd

from seqattr.data import write_tsv
from seqattr.motifs import summary_table
from seqattr.runtime import start_logging

log = start_logging(snakemake)
table = pd.concat([pd.read_csv(path, sep="\t") for path in snakemake.input.tables], ignore_index=True)
write_tsv(table, snakemake.output.table)
summary = summary_table(table)
write_tsv(summary, snakemake.output.summary)
log.info(
    "%d rows from %d files; status counts %s",
    len(table),
    len(snakemake.input.tables),
    table["status"].value_counts().to_dict(),
)
if len(summary):
    log.info(
        "raw against corrected (means over seeds):\n%s",
        summary[["model", "method", "metric", "n_seeds", "raw_mean", "corrected_mean"]].to_string(index=False),
    )
