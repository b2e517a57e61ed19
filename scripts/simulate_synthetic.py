"""Simulate one synthetic billboard dataset into HDF5."""

from seqattr.data import write_dataset
from seqattr.runtime import start_logging
from seqattr.simulate import simulate

log = start_logging(snakemake)
splits, attrs = simulate(snakemake.params.dataset)
for name, parts in splits.items():
    log.info("%s: %d sequences, %d positive", name, len(parts["y"]), int(parts["y"].sum()))
write_dataset(snakemake.output.h5, splits, attrs)
