"""The table of analyses this config runs, and why any are skipped."""

import pandas as pd

from seqattr.data import write_tsv
from seqattr.runtime import start_logging

log = start_logging(snakemake)
plan = pd.DataFrame(snakemake.params.plan, columns=["dataset", "analysis", "runs", "why"])
log.info("analyses:\n%s", plan.to_string(index=False))
write_tsv(plan, snakemake.output.table)
