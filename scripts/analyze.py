"""Correction, angles and (with a ground truth) interpretability metrics of one attribution file."""

from seqattr import analysis
from seqattr.data import write_h5, write_tsv
from seqattr.runtime import start_logging

log = start_logging(snakemake)
label = dict(snakemake.params.label)
arrays = analysis.read_attributions(snakemake.input.attributions)
kind = analysis.method_kind(snakemake.input.attributions)
forward_only = analysis.is_forward_only(snakemake.input.attributions)
log.info(
    "%s: %d %s maps of length %d, ground truth: %s",
    label,
    len(arrays["G"]),
    kind,
    arrays["G"].shape[1],
    "model" in arrays,
)
task_type = analysis.task_type(snakemake.input.attributions)
table, positions = analysis.per_sequence_analysis(arrays, label, forward_only, task_type)
write_tsv(table, snakemake.output.table)
write_h5(snakemake.output.angles, positions, label)
summary = table.drop(columns=list(analysis.LABELS) + ["index"]).mean(numeric_only=True)
log.info("means over sequences:\n%s", summary.to_string())
