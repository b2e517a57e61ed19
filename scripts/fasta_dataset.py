"""One dataset from a FASTA file and its labels table into HDF5."""

from seqattr import fasta
from seqattr.data import write_dataset
from seqattr.runtime import start_logging

log = start_logging(snakemake)
splits, attrs = fasta.build(snakemake.params.dataset)
log.info(
    "%d sequences of %d nt, %d tasks (%s); %d non-ACGT positions in %d sequences",
    attrs["n_sequences"],
    attrs["length"],
    len(attrs["task_names"]),
    attrs["task"],
    attrs["non_acgt_positions"],
    attrs["non_acgt_sequences"],
)
write_dataset(snakemake.output.h5, splits, attrs)
