"""Resolve the ENCODE files of one source (DNase pool + one peak file per TF) into its lock table."""

from seqattr import encode
from seqattr.runtime import start_logging

log = start_logging(snakemake)
table = encode.resolve(snakemake.params.chipseq)
encode.write_lock(table, snakemake.output.lock)
log.info("wrote %d files to %s", len(table), snakemake.output.lock)
