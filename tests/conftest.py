"""Shared test set-up: quiet TensorFlow, one thread per op so parallel helpers do not fight over 2 cores,
and a SLURM client that answers at once in every run that does not use SLURM."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

# Every `snakemake` start imports the SLURM executor plugin, which asks `scontrol show config` for
# MinJobAge when a SLURM client is installed. With no controller running (this machine between the
# SLURM tests) that question waits 10 s per start, about 8 minutes over the suite. Local runs do not
# use SLURM, so their client is pointed at a configuration whose controller refuses at once; the
# SLURM tests (tests/test_slurm.py) run with the machine's own configuration.
NO_CONTROLLER = Path(tempfile.mkdtemp(prefix="seqattr-tests-")) / "slurm-no-controller.conf"
NO_CONTROLLER.write_text("ClusterName=none\nSlurmctldHost=localhost(127.0.0.1)\nSlurmctldPort=1\nMessageTimeout=1\n")
os.environ.setdefault("SLURM_CONF", str(NO_CONTROLLER))

from helpers.encode_server import encode_server  # noqa: E402, F401 (a fixture: a served fake ENCODE site)
