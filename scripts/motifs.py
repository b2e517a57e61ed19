"""TF-MoDISco on one attribution file's raw and corrected maps; patterns matched to JASPAR with Tomtom."""

import os

# Before numba loads: starting its thread pool here (numba.set_num_threads) would keep TF-MoDISco from
# compiling its kernels into numba's cache in forked children, and every job would compile them again.
os.environ["NUMBA_NUM_THREADS"] = str(snakemake.threads)

import pandas as pd

from seqattr import analysis, motifs
from seqattr.data import write_h5, write_tsv
from seqattr.runtime import start_logging

log = start_logging(snakemake)
label = dict(snakemake.params.label)
settings = dict(snakemake.params.settings)
references = dict(snakemake.params.references)

arrays = analysis.read_attributions(snakemake.input.attributions)
kind = analysis.method_kind(snakemake.input.attributions)
database = motifs.read_meme(snakemake.input.database)
core = references["core"]
missing = [c for c in core if c not in {m.id for m in database}]
if missing:
    raise ValueError(f"core motifs {missing} of dataset {label['dataset']} are not in {snakemake.input.database}")
targets = motifs.find_motifs(database, references["targets"])
if references["targets"] and not targets:  # an ENCODE target name JASPAR lacks (motifs.target_motifs is validated)
    log.warning(
        "no motif of %s is named %s (dataset %s): no target rank (set motifs.target_motifs.%s to JASPAR IDs or names)",
        snakemake.input.database,
        references["targets"],
        label["dataset"],
        label["dataset"],
    )
log.info(
    "%s: %d %s maps of length %d; %d database motifs; core %s; targets %s; %s",
    label,
    len(arrays["G"]),
    kind,
    arrays["G"].shape[1],
    len(database),
    core or "-",
    targets or "-",
    settings,
)

rows, patterns, tracks = motifs.discover_motifs(
    arrays["G"],
    arrays["x"],
    kind,
    database,
    settings,
    core_ids=core,
    target_ids=targets,
    model=arrays.get("model"),
    log=log,
)
write_tsv(motifs.labelled(pd.DataFrame(rows), label), snakemake.output.table)
write_tsv(motifs.labelled(patterns, label), snakemake.output.patterns)
write_h5(
    snakemake.output.arrays,
    tracks,
    {
        **label,
        "settings": settings,
        "core": core,
        "targets": targets,
        "status": {r["version"]: r["status"] for r in rows},
    },
)
