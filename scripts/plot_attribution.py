"""Logo panels of a few sequences: raw map, angles, corrected map and ground truth (paper 004 Fig. 2)."""

from seqattr import analysis
from seqattr.plots import save
from seqattr.plots.attribution_panel import attribution_figure, top_predictions
from seqattr.runtime import start_logging

log = start_logging(snakemake)
arrays = analysis.read_attributions(snakemake.input.attributions)
rows = top_predictions(arrays["prediction"], int(snakemake.params.n))
log.info("drawing test sequences %s (highest predictions)", list(arrays["indices"][rows]))
titles = [f"test sequence {arrays['indices'][r]} (prediction {arrays['prediction'][r]:.3f})" for r in rows]
ground_truth = arrays["model"][rows] if "model" in arrays else None
save(attribution_figure(arrays["G"][rows], arrays["x"][rows], ground_truth, titles), snakemake.output.png)
