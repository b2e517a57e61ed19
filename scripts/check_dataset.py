"""Check a user's HDF5 dataset before any model is trained on or scored with it; the stamp records its sizes."""

from seqattr.data import check_dataset, write_json
from seqattr.runtime import start_logging

log = start_logging(snakemake)
params = snakemake.params
summary = check_dataset(snakemake.input.data, params.key_map, params.splits, params.task, params.positives)
log.info("%s: %s", snakemake.input.data, summary)
write_json(summary, snakemake.output.stamp)
