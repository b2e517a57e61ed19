"""Figure of a simulated dataset (test split)."""

from seqattr.data import read_h5
from seqattr.plots import save
from seqattr.plots.dataset import dataset_figure
from seqattr.runtime import start_logging

log = start_logging(snakemake)
arrays = read_h5(snakemake.input.h5, ["model_test", "y_test", "n_motifs_test"])
figure = dataset_figure(arrays["model_test"], arrays["y_test"], arrays["n_motifs_test"], snakemake.wildcards.dataset)
save(figure, snakemake.output.png)
