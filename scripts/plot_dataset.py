"""Figure of a simulated dataset (test split)."""

from pathlib import Path

from seqattr.data import read_h5
from seqattr.plots import save
from seqattr.plots.dataset import dataset_figure
from seqattr.runtime import start_logging

log = start_logging(snakemake)
arrays = read_h5(snakemake.input.h5, ["model_test", "motif_index_test", "n_motifs_test"])
name = Path(snakemake.input.h5).stem
positive = (arrays["motif_index_test"] >= 0).any(axis=1)  # holds a core motif that drives a label
figure = dataset_figure(arrays["model_test"], positive, arrays["n_motifs_test"], name)
save(figure, snakemake.output.png)
log.info("dataset figure of %s written to %s", name, snakemake.output.png)
