"""Ensemble proxy of one TF × base model × method: ensemble map, distances, reduction by angle."""

from seqattr import ensemble
from seqattr.data import write_h5, write_tsv
from seqattr.runtime import start_logging

log = start_logging(snakemake)
members = list(snakemake.input.attributions)
label = dict(snakemake.params.label)
log.info("%s: %d members", label, len(members))
result = ensemble.ensemble_and_distances(members)
write_h5(snakemake.output.ensemble, result, {**label, "members": members, "reference": "uncorrected ensemble"})
table = ensemble.difference_reduction(result["d_before"], result["d_after"], result["angles"])
for key, value in reversed(label.items()):
    table.insert(0, key, value)
write_tsv(table, snakemake.output.reduction)
overall = ensemble.overall_reduction(result["d_before"], result["d_after"])
log.info("ensemble difference reduction %.3f over %d positions", overall, table["count"].sum())
