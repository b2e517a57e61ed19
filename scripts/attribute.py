"""Attribution maps of one trained model for the test sequences, with everything later stages need."""

import keras
import numpy as np

from seqattr.attribution import attribute, select_sequences
from seqattr.data import read_split, write_h5
from seqattr.runtime import start_logging

log = start_logging(snakemake)
settings = snakemake.params.attribution
method = snakemake.params.method
test = read_split(snakemake.input.data, "test", snakemake.params.key_map)
indices = select_sequences(test["y"], settings["sequences"], settings["task"], settings["max_sequences"])
x = test["x"][indices]
model = keras.saving.load_model(snakemake.input.model, compile=False)
log.info("%s on %d test sequences (%s, task %d)", method, len(x), settings["target"], settings["task"])
G = attribute(model, x, method, settings["target"], settings["task"], settings["batch_size"], snakemake.params.seed, log)
arrays = {
    "G": G,
    "indices": indices,
    "x": x,
    "y": test["y"][indices],
    "prediction": model.predict(x, batch_size=256, verbose=0)[:, settings["task"]],
}
if "model" in test:
    arrays["model"] = test["model"][indices]
attrs = {"method": method, "target": settings["target"], "task": settings["task"], "seed": snakemake.params.seed}
write_h5(snakemake.output.h5, arrays, attrs)
