"""Figures of the in vivo ensemble proxy (angle densities, reduction against angle, large-angle fractions) and
its claims table (the reduction's trend with |angle| and its ceiling)."""

import pandas as pd

from seqattr import claims, ensemble
from seqattr.data import read_h5, write_tsv
from seqattr.plots import save
from seqattr.plots.ensemble import angle_density_figure, large_angles_figure, reduction_figure
from seqattr.runtime import start_logging

log = start_logging(snakemake)
labels = list(snakemake.params.labels)
tables = {label: pd.read_csv(path, sep="\t") for label, path in zip(labels, snakemake.input.reductions)}
densities, fractions, claim_rows = {}, {}, []
for label, path in zip(labels, snakemake.input.ensembles):
    arrays = read_h5(path, ["angles", "angles_ensemble", "E", "d_before", "d_after"])
    claim = ensemble.reduction_claim(tables[label], arrays["E"], arrays["d_before"], arrays["d_after"])
    claim_rows.append({"label": label, **claim})
    log.info("%s: ρ %.3f [%.3f, %.3f] %s", label, claim["effect"], claim["low"], claim["high"], claim["verdict"])
    densities[label] = (ensemble.angle_density(arrays["angles"]), ensemble.angle_density(arrays["angles_ensemble"]))
    fractions[label] = ensemble.large_angle_fractions(arrays["angles"])
    log.info("%s: %s", label, fractions[label])
write_tsv(claims.table(claim_rows, ensemble.CLAIM_COLUMNS), snakemake.output.claims)
save(angle_density_figure(densities), snakemake.output.angle_density)
save(reduction_figure(tables), snakemake.output.reduction)
synthetic = ensemble.synthetic_fractions(pd.read_csv(snakemake.input.table, sep="\t"), snakemake.params.synthetic)
save(large_angles_figure(fractions, synthetic), snakemake.output.large_angles)
