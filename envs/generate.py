"""Write envs/workflow.yaml and envs/workflow-gpu.yaml from the pins in requirements.txt (`make envs`).

requirements.txt is the one list of Python pins; this file holds the conda-only ones (the
interpreter, pip, bedtools). The GPU environment differs only in TensorFlow's CUDA extra.
`python envs/generate.py --check` exits non-zero when a committed file differs from what it would write.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONDA_PINS = ["python=3.11", "pip=25.3", "bedtools=2.31.1"]
CHANNELS = ["conda-forge", "bioconda", "nodefaults"]
ENVIRONMENTS = {"workflow.yaml": ("seqattr", ""), "workflow-gpu.yaml": ("seqattr-gpu", "[and-cuda]")}


def requirements() -> list[str]:
    """The pinned lines of requirements.txt, comments and blank lines dropped."""
    lines = (line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines())
    return [line for line in lines if line]


def render(name: str) -> str:
    """The text of one environment file."""
    env_name, tensorflow_extra = ENVIRONMENTS[name]
    pins = [pin.replace("tensorflow==", f"tensorflow{tensorflow_extra}==", 1) for pin in requirements()]
    lines = [
        f"# {env_name}: generated from the pins in requirements.txt by envs/generate.py (`make envs`).",
        f"name: {env_name}",
        "channels:",
        *(f"  - {channel}" for channel in CHANNELS),
        "dependencies:",
        *(f"  - {pin}" for pin in CONDA_PINS),
        "  - pip:",
        *(f"      - {pin}" for pin in pins),
    ]
    return "\n".join(lines) + "\n"


def main(check: bool) -> int:
    stale = []
    for name in ENVIRONMENTS:
        path = ROOT / "envs" / name
        if check:
            if not path.exists() or path.read_text() != render(name):
                stale.append(name)
        else:
            path.write_text(render(name))
    if stale:
        print(f"envs/{', envs/'.join(stale)} differ from requirements.txt: run `make envs`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
