"""Attribution maps of one trained model for the test sequences, with everything later stages need.

``params`` hold what the maps depend on (the method's spec, the selection: target, sequences,
max_sequences; the attributed output ``task`` and the dataset's task type; the seed); how the
job runs — ``attribution.batch_size`` (the maps do not depend on it) and ``jobs_per_gpu`` — is
read from the config, so changing it reruns nothing.
"""

from seqattr.data import write_h5
from seqattr.runtime import start_tensorflow_job

log = start_tensorflow_job(snakemake)  # before TensorFlow starts: this job sees its GPU only

import keras  # noqa: E402

from seqattr import ground_truth  # noqa: E402
from seqattr.attribution import attribute, make_method, test_selection  # noqa: E402
from seqattr.data import read_attrs  # noqa: E402

selection = snakemake.params.selection
params = snakemake.params
method, seed, task = params.method, params.seed, params.task
batch_size = snakemake.config["attribution"]["batch_size"]
test, indices = test_selection(snakemake.input.data, selection, task, params.task_type, params.key_map)
x = test["x"][indices]
model = keras.saving.load_model(snakemake.input.model, compile=False)
log.info("%s on %d test sequences (%s, task %d, %d per batch)", method, len(x), selection["target"], task, batch_size)
G = attribute(model, x, method, selection["target"], task, batch_size, seed, log)
arrays = {
    "G": G,
    "indices": indices.astype("int64"),
    "x": x,
    "y": test["y"][indices, task],
    "prediction": model.predict(x, batch_size=256, verbose=0)[:, task],
}
if "model" in test:  # the ground truth of this output: its own motifs' columns (seqattr.ground_truth)
    arrays["model"] = ground_truth.of_selection(test, read_attrs(snakemake.input.data), indices, task)
attrs = {
    "method": method,
    "forward_only": make_method(method).forward_only,
    "target": selection["target"],
    "task": task,
    "task_type": params.task_type,
    "seed": seed,
}
write_h5(snakemake.output.h5, arrays, attrs)
