"""What every rule script needs: its log file, and the arguments Snakemake hands it."""

from __future__ import annotations

import logging
import os
import sys


def start_logging(snakemake) -> logging.Logger:
    """Send stderr — Python's and that of native libraries such as TensorFlow — and the
    ``seqattr`` logger to the rule's log file (if it declares one)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    if snakemake.log:
        handle = open(snakemake.log[0], "a", buffering=1)
        os.dup2(handle.fileno(), 2)
        sys.stderr = handle
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        force=True,
    )
    return logging.getLogger("seqattr")


def start_tensorflow_job(snakemake) -> logging.Logger:
    """:func:`start_logging`, then what a TensorFlow job must do before TensorFlow starts: claim its
    GPU (``seqattr.devices``: this job sees that GPU only) and size TensorFlow's thread pool to the
    job's threads. Call it first, and import TensorFlow (or a module that does) only after it."""
    from seqattr.devices import claim_gpu

    log = start_logging(snakemake)
    gpu = claim_gpu(jobs_per_gpu=snakemake.config["jobs_per_gpu"])
    log.info("GPU %s", gpu if gpu is not None else "chosen by the scheduler, or none")
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(snakemake.threads)
    return log
