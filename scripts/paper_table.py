"""One table of a paper (resources/papers/<name>.tsv) with this run's mean ± SD over seeds beside it."""

from seqattr import data, paper_tables
from seqattr.runtime import start_logging
from seqattr.selection import KLDS, LABELS

log = start_logging(snakemake)
metrics = paper_tables.read_tsv(snakemake.input.metrics, LABELS + ["corrected"])
selection = paper_tables.read_tsv(snakemake.input.selection, LABELS + list(KLDS))
reference = paper_tables.read_tsv(snakemake.input.reference, ["model", "regime"])
ours = paper_tables.with_klds(metrics, selection)
table = paper_tables.compare(reference, ours, snakemake.params.method)
log.info("%s: %d paper rows, %d with runs of ours", snakemake.input.reference, len(table), (table["n_seeds"] > 0).sum())
data.write_tsv(table, snakemake.output.table)
