"""The windows of every ChIP-seq dataset: how many each step dropped, left out and kept (a report table)."""

from seqattr import chipseq
from seqattr.data import read_attrs, write_tsv
from seqattr.runtime import start_logging

log = start_logging(snakemake)
counts = {name: read_attrs(path)["counts"] for name, path in zip(snakemake.params.datasets, snakemake.input.h5)}
table = chipseq.counts_table(counts)
log.info("windows:\n%s", table.to_string(index=False))
write_tsv(table, snakemake.output.table)
