"""Core motifs recovered and spurious patterns (or the target TF's rank), raw against corrected, per model."""

import pandas as pd

from seqattr.plots import save
from seqattr.plots.motifs import recovery_figure
from seqattr.runtime import start_logging

log = start_logging(snakemake)
table = pd.read_csv(snakemake.input.table, sep="\t")
log.info("%d rows", len(table))
save(recovery_figure(table), snakemake.output.png)
