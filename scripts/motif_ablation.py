"""In-silico motif ablation of one trained model on its synthetic test split (seqattr.motif_ablation)."""

from seqattr.runtime import start_tensorflow_job

log = start_tensorflow_job(snakemake)  # before TensorFlow starts: this job sees its GPU only

import keras  # noqa: E402

from seqattr import motif_ablation  # noqa: E402
from seqattr.data import read_attrs, read_split, write_tsv  # noqa: E402
from seqattr.ground_truth import task_motifs_of  # noqa: E402

test = read_split(snakemake.input.data, "test")
model = keras.saving.load_model(snakemake.input.model, compile=False)
table = motif_ablation.ablation_table(
    lambda x: model.predict(x, batch_size=256, verbose=0),
    test["x"],
    test["motif_index"],
    test["model"],
    task_motifs_of(read_attrs(snakemake.input.data)),
    snakemake.params.seed,
)
for key, value in reversed(snakemake.params.label.items()):
    table.insert(0, key, value)
write_tsv(table, snakemake.output.table)
log.info("%s:\n%s", snakemake.params.label, motif_ablation.own_against_others(table).to_string(index=False))
