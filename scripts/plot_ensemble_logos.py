"""Logos of one ensemble member, raw and corrected, beside the ensemble-average map (paper 004 Fig. 4)."""

import numpy as np

from seqattr import analysis
from seqattr.data import DatasetError, read_h5
from seqattr.plots import save
from seqattr.plots.attribution_panel import attribution_figure, top_predictions
from seqattr.runtime import start_logging

log = start_logging(snakemake)
member = analysis.read_attributions(snakemake.input.member)
ensemble = read_h5(snakemake.input.ensemble, ["E", "indices"])
if not np.array_equal(ensemble["indices"], member["indices"]):
    raise DatasetError(f"{snakemake.input.member}: its test sequences differ from those of {snakemake.input.ensemble}")
rows = top_predictions(member["prediction"], int(snakemake.params.n))
log.info("drawing test sequences %s of %s", list(member["indices"][rows]), snakemake.input.member)
titles = [f"test sequence {member['indices'][r]} (prediction {member['prediction'][r]:.3f})" for r in rows]
figure = attribution_figure(member["G"][rows], member["x"][rows], titles=titles, E=ensemble["E"][rows])
save(figure, snakemake.output.png)
