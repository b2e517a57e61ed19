"""Pattern logos of one attribution file's motif discovery, raw and corrected, beside their best JASPAR match."""

import pandas as pd

from seqattr.data import read_attrs, read_h5
from seqattr.plots import save
from seqattr.plots.motifs import logo_figure
from seqattr.runtime import start_logging

log = start_logging(snakemake)
arrays = read_h5(snakemake.input.arrays)
attrs = read_attrs(snakemake.input.arrays)
patterns = pd.read_csv(snakemake.input.patterns, sep="\t")
wc = snakemake.wildcards
title = f"{wc.dataset} / {wc.model} / {wc.regime} / seed {wc.seed} / {wc.method}"
log.info("%s: %d patterns, status %s", title, len(patterns), attrs.get("status"))
save(
    logo_figure(arrays, patterns, int(snakemake.params.n), title=title, status=attrs.get("status")),
    snakemake.output.png,
)
