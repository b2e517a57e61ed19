"""Consistency figures: SNR against each KLD, and k-mer / angular densities of contrasting models."""

import pandas as pd

from seqattr import data
from seqattr.plots import save
from seqattr.plots.consistency import angular_density_figure, contrast_pairs, kmer_frequency_figure, snr_vs_kld_figure
from seqattr.runtime import start_logging

log = start_logging(snakemake)
selection = pd.read_csv(snakemake.input.selection, sep="\t")
save(snr_vs_kld_figure(selection), snakemake.output.snr_vs_kld)

paths, labels = list(snakemake.input.histograms), list(snakemake.params.labels)
if len(paths) != len(labels):
    raise ValueError(f"{len(paths)} histogram files but {len(labels)} labels")
models = [{**data.read_attrs(path), **data.read_h5(path), "label": label} for path, label in zip(paths, labels)]
pairs = contrast_pairs(models)
log.info("contrasting %s", [(title, a["label"], b["label"]) for title, a, b in pairs])
save(kmer_frequency_figure(pairs), snakemake.output.kmer_frequencies)
save(angular_density_figure(pairs), snakemake.output.angular_density)
