"""Model-selection table (AUROC, SNR, both KLDs, ranks) and the KLD-vs-SNR correlations."""

import pandas as pd

from seqattr import data, selection
from seqattr.runtime import start_logging

log = start_logging(snakemake)
consistency = pd.concat([pd.read_csv(path, sep="\t") for path in snakemake.input.consistency], ignore_index=True)
metrics = pd.read_csv(snakemake.input.metrics, sep="\t")
table = selection.select(consistency, metrics)
unmatched = table["classification_auroc"].isna().sum()
if unmatched:
    log.warning("%d of %d models have no classification metrics; they rank last", unmatched, len(table))
correlations = selection.correlations(table)
log.info(
    "selected per dataset, task and method:\n%s",
    table[table["selection_rank"] == 1][selection.LABELS].to_string(index=False),
)
log.info("KLD vs SNR:\n%s", correlations.to_string(index=False))

data.write_tsv(table, snakemake.output.table)
data.write_tsv(correlations, snakemake.output.correlations)
