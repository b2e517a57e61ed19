"""Check a user's HDF5 dataset before any model is trained on or scored with it; the stamp records its sizes."""

from seqattr.data import check_dataset, write_json
from seqattr.runtime import start_logging

log = start_logging(snakemake)
params = snakemake.params
summary = check_dataset(
    snakemake.input.data,
    task_type=params.task_type,
    key_map=params.key_map,
    splits=params.splits,
    tasks=params.tasks,
    positives=params.positives,
)
log.info("%s: %s", snakemake.input.data, summary)
write_json(summary, snakemake.output.stamp)
