"""Attribution maps of one trained model for the test sequences, with everything later stages need."""

import os

from seqattr.data import write_h5
from seqattr.devices import claim_gpu
from seqattr.runtime import start_logging

log = start_logging(snakemake)
gpu = claim_gpu(jobs_per_gpu=snakemake.params.jobs_per_gpu)  # before TensorFlow starts, so this job sees only its own GPU
log.info("GPU %s", gpu if gpu is not None else "chosen by the scheduler, or none")
os.environ["TF_NUM_INTRAOP_THREADS"] = str(snakemake.threads)  # read when TensorFlow starts

import keras  # noqa: E402

from seqattr.attribution import attribute, test_selection  # noqa: E402

settings = snakemake.params.attribution
method, seed, task = snakemake.params.method, snakemake.params.seed, settings["task"]
test, indices = test_selection(snakemake.input.data, settings, snakemake.params.key_map)
x = test["x"][indices]
model = keras.saving.load_model(snakemake.input.model, compile=False)
log.info("%s on %d test sequences (%s, task %d)", method, len(x), settings["target"], task)
G = attribute(model, x, method, settings["target"], task, settings["batch_size"], seed, log)
arrays = {
    "G": G,
    "indices": indices.astype("int64"),
    "x": x,
    "y": test["y"][indices],
    "prediction": model.predict(x, batch_size=256, verbose=0)[:, task],
}
if "model" in test:
    arrays["model"] = test["model"][indices]
write_h5(snakemake.output.h5, arrays, {"method": method, "target": settings["target"], "task": task, "seed": seed})
