"""Load a trained model from the user's weights file instead of training one, and score it on the test split."""

import os

from seqattr import training
from seqattr.data import read_split, write_json
from seqattr.models import build_model, logit_model
from seqattr.pretrained import load_weights
from seqattr.runtime import start_logging
from seqattr.tasks import of_model

log = start_logging(snakemake)
test = read_split(snakemake.input.data, "test", snakemake.params.key_map)
model = build_model(snakemake.params.model, test["x"].shape[1:], test["y"].shape[1], snakemake.params.task)
model = load_weights(model, snakemake.input.weights)
log.info("loaded %s into %s", snakemake.input.weights, snakemake.params.model["architecture"])
metrics = of_model(model).evaluate(test["y"], logit_model(model).predict(test["x"], batch_size=256, verbose=0))
metrics["weights"] = os.path.abspath(snakemake.input.weights)
log.info("test metrics %s", metrics)
training.save_model(model, snakemake.output.model)
write_json(metrics, snakemake.output.metrics)
