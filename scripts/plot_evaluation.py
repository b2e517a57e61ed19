"""Figures of the ground-truth evaluation: scatter, improvement, angle densities, improvement vs angle, large angles,
and paper 004's claims with their intervals."""

import pandas as pd

from seqattr.aggregate import sample_positions
from seqattr.plots import evaluation, save
from seqattr.plots.claims import claims_figure
from seqattr.runtime import start_logging

log = start_logging(snakemake)
table = pd.read_csv(snakemake.input.table, sep="\t")
samples = [sample_positions(path) for path in snakemake.input.angles]
method = snakemake.params.method
log.info("%d table rows, %d angle files; angle figures show %s", len(table), len(samples), method)
save(evaluation.scatter_figure(table), snakemake.output.scatter)
save(evaluation.improvement_figure(table), snakemake.output.improvement)
save(evaluation.angle_density_figure(samples, method), snakemake.output.angle_density)
save(evaluation.improvement_vs_angle_figure(samples, method), snakemake.output.improvement_vs_angle)
save(evaluation.large_angles_figure(samples, method), snakemake.output.large_angles)
claims = pd.read_csv(snakemake.input.reproduction, sep="\t")
save(claims_figure(claims, "Paper 004's claims in this run: effect and 95 % interval"), snakemake.output.claims_004)
