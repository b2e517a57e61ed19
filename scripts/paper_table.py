"""One table of a paper (resources/papers/<name>.tsv) with this run's mean ± SD over seeds beside it, and the
paper's claims on that table (<name>.claims.tsv) checked on its numbers and on ours."""

from seqattr import data, paper_claims, paper_tables
from seqattr.runtime import start_logging
from seqattr.selection import KLDS, LABELS

log = start_logging(snakemake)
metrics = paper_tables.read_tsv(snakemake.input.metrics, LABELS + ["corrected"])
selection = paper_tables.read_tsv(snakemake.input.selection, LABELS + list(KLDS))
reference = paper_tables.read_tsv(snakemake.input.reference, ["model", "regime"])
ours = paper_tables.with_klds(metrics, selection)
min_auroc = snakemake.params.min_auroc
table = paper_tables.compare(reference, ours, snakemake.params.method, min_auroc=min_auroc)
log.info(
    "%s: %d paper rows, %d with runs of ours (%s); %d of %d seeds enter the means",
    snakemake.input.reference,
    len(table),
    (table["n_seeds"] > 0).sum(),
    "every seed" if min_auroc is None else f"test AUROC ≥ {min_auroc:g}",
    table["n_seeds"].sum(),
    table["n_seeds_run"].sum(),
)
tests = paper_tables.read_tsv(snakemake.input.claims, paper_claims.FILE_COLUMNS)
paper_claims.check_claims_file(tests, table, snakemake.input.claims)
claims = paper_claims.claims_table(table, tests)
log.info("claims:\n%s", claims.to_string(index=False))
data.write_tsv(table, snakemake.output.table)
data.write_tsv(claims, snakemake.output.claims)
