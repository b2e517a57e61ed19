"""Simulate one synthetic billboard dataset into HDF5."""

from seqattr.data import write_dataset
from seqattr.runtime import start_logging
from seqattr.simulate import simulate

log = start_logging(snakemake)
splits, attrs = simulate(snakemake.params.dataset)
for name, parts in splits.items():
    positive = int((parts["motif_index"] >= 0).any(axis=1).sum())  # holds a core motif that drives a label
    log.info(
        "%s: %d sequences, %d with a label-driving core motif, %d output(s) (%s)",
        name,
        len(parts["y"]),
        positive,
        parts["y"].shape[1],
        attrs["task"],
    )
write_dataset(snakemake.output.h5, splits, attrs)
