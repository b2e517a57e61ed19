#!/usr/bin/env bash
# The accelerator check (benchmarks/gpu_check.py): paper 004's four models trained 1, 4 and 16 seeds
# at once and 16 in one process, each attribution method timed, device maps against CPU maps, one
# table (benchmarks/gpu_check.tsv). `--small` runs it at toy sizes, on a CPU too.
#
# Python: the project's .venv if there is one, else $PYTHON, else python3; it needs TensorFlow (the
# CUDA build on a GPU: pip install "tensorflow[and-cuda]==$(grep -oP '^tensorflow==\K.*' requirements.txt)")
# and the packages in requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[[ -x .venv/bin/python ]] && python=.venv/bin/python
if ! "$python" -c "import tensorflow, keras, yaml, pandas" 2>/dev/null; then
    echo "gpu_check: $python cannot import tensorflow, keras, yaml and pandas." >&2
    echo "Install them first (requirements.txt; TensorFlow's CUDA build on a GPU), or run 'make setup'." >&2
    exit 3
fi
"$python" -c "import tensorflow as tf; print('TensorFlow', tf.__version__, 'GPUs:', tf.config.list_physical_devices('GPU'))" 2>/dev/null
export PYTHONPATH="scripts${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" benchmarks/gpu_check.py "$@"
