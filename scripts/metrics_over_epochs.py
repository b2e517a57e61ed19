"""Ground-truth metrics and test AUROC of every model one run kept during training."""

from seqattr.data import write_tsv
from seqattr.runtime import start_tensorflow_job

log = start_tensorflow_job(snakemake)  # before TensorFlow starts: this job sees its GPU only

from seqattr import ground_truth, over_epochs  # noqa: E402
from seqattr.attribution import test_selection  # noqa: E402
from seqattr.data import read_attrs  # noqa: E402

params = snakemake.params
settings = params.selection
batch_size = snakemake.config["attribution"]["batch_size"]  # the maps do not depend on it: not a param
test, indices = test_selection(snakemake.input.data, settings, params.task, params.task_type, params.key_map)
truth = ground_truth.of_selection(test, read_attrs(snakemake.input.data), indices, params.task)
directory = over_epochs.epochs_dir(snakemake.input.model)
epochs = over_epochs.saved_epochs(directory)
if not epochs:
    raise FileNotFoundError(f"{directory}: no epoch<N>.keras models; the run's training.save_epochs is empty")
table = over_epochs.score_epochs(
    epochs,
    test,
    indices,
    truth,
    params.method,
    settings["target"],
    params.task,
    params.seed,
    params.label,
    batch_size,
    log,
)
write_tsv(table, snakemake.output.table)
