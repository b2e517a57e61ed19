"""Consistency KLDs (k-mer, k-attr-mean) of one model's attribution maps, plus their distributions."""

import numpy as np
import pandas as pd

from seqattr import data
from seqattr.consistency import consistency
from seqattr.runtime import start_logging

log = start_logging(snakemake)
params = dict(snakemake.params.consistency or {})
label = dict(snakemake.params.label)

maps = data.read_h5(snakemake.input.attributions, ["G", "x"])
G, x = data.to_channels_last(maps["G"]), data.to_channels_last(maps["x"])
if G.shape != x.shape:
    raise data.DatasetError(f"{snakemake.input.attributions}: G {G.shape} and x {x.shape} differ in shape")
test = data.read_split(snakemake.input.data, "test", snakemake.params.key_map)
log.info("%d maps of length %d; k-mer prior from %d test sequences; %s", len(G), G.shape[1], len(test["x"]), params)

result = consistency(G.astype(np.float64), x, test["x"], **params)
log.info("k-mer KLD %.4f, k-attr-mean KLD %.4f", result["kmer_kld"], result["kattr_mean_kld"])

row = {**label, "kmer_kld": result["kmer_kld"], "kattr_mean_kld": result["kattr_mean_kld"], "n_sequences": len(G)}
data.write_tsv(pd.DataFrame([row]), snakemake.output.table)

arrays = {name: value for name, value in result.items() if isinstance(value, np.ndarray)}
scalars = {name: float(value) for name, value in result.items() if not isinstance(value, np.ndarray)}
data.write_h5(snakemake.output.histograms, arrays, {**label, **scalars, "n_sequences": len(G), "params": params})
