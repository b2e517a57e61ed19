"""The accelerator check runs on a CPU in its small mode: one table, device maps equal to CPU maps."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from helpers.workflow_runner import ROOT


def test_gpu_check_small_mode_writes_its_table(tmp_path):
    out = tmp_path / "gpu_check.tsv"
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", "benchmarks/gpu_check.sh", "--small", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    table = pd.read_csv(out, sep="\t")
    paper = yaml.safe_load((ROOT / "config" / "paper_004.yaml").read_text())
    attributed = table[table["step"] == "attribute"]
    assert set(attributed["model"]) == set(paper["models"])  # paper 004's four models
    assert {m: set(g["method"]) for m, g in attributed.groupby("model")} == {
        m: set(paper["attribution"]["methods"]) for m in paper["models"]
    }
    trained = table[table["step"] != "attribute"]
    assert sorted(trained["step"].unique()) == ["train: 2 in one process", "train: 2 process(es) at once"]
    assert len(trained) == 2 * len(paper["models"])
    assert (trained["seeds_per_hour"] > 0).all() and (attributed["sequences_per_second"] > 0).all()
    assert (attributed["relative_error"] == 0).all()  # on a CPU both arms run the same kernels
    assert "largest relative map difference device / CPU: 0" in done.stdout
