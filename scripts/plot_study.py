"""Summarise one regime sweep (init σ or angle-regularisation strength): table, claims and figures."""

import numpy as np
import pandas as pd

from seqattr import data, studies
from seqattr.plots import save
from seqattr.plots.studies import angle_distribution_figure, sweep_figure
from seqattr.runtime import start_logging

log = start_logging(snakemake)
sweep = snakemake.wildcards.sweep
values = dict(snakemake.params.values)  # regime name → swept value
metrics = pd.read_csv(snakemake.input.table, sep="\t")
per_seed = studies.per_seed_values(metrics, values, sweep, method=snakemake.params.method)
summary = studies.mean_sem_over_seeds(per_seed)
log.info("%s sweep over %d values, %d models", sweep, len(values), summary["model"].nunique())
data.write_tsv(summary, snakemake.output.summary)
data.write_tsv(studies.claims(per_seed, sweep), snakemake.output.claims)
save(sweep_figure(summary, sweep), snakemake.output.figure)

angles_by_value: dict[float, list] = {}
for path, regime in zip(snakemake.input.angles, snakemake.params.angle_regimes):
    angles_by_value.setdefault(values[regime], []).append(data.read_h5(path, ["angles"])["angles"].ravel())
save(
    angle_distribution_figure(
        {v: np.concatenate(a) for v, a in angles_by_value.items()}, studies.SWEEPS[sweep]["label"]
    ),
    snakemake.output.angles,
)
