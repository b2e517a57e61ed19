"""Build one TF's balanced ChIP-seq dataset (HDF5, the synthetic data's format plus ENCODE provenance)."""

from seqattr import chipseq
from seqattr.runtime import start_logging

log = start_logging(snakemake)
dataset = chipseq.make_dataset(
    snakemake.input.peaks,
    snakemake.input.negatives,
    snakemake.input.fasta,
    list(snakemake.input.locks),
    snakemake.params.target,
    snakemake.params.dataset,
    snakemake.output.h5,
)
log.info("%s: %s", snakemake.output.h5, {name: len(part["y"]) for name, part in dataset.splits.items()})
