"""The pip pins, the conda environments and the container recipes describe the same software."""

import re
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import requires
from pathlib import Path

import yaml

from seqattr import schema

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]+\])?==(\S+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(3)
    return pins


def _env_pins(name):
    env = yaml.safe_load((ROOT / "envs" / name).read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return env, _pins(pip)


def test_requirements_are_all_pinned():
    lines = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(_pins(lines)) == len(lines)


def test_conda_envs_match_requirements():
    wanted = _pins((ROOT / "requirements.txt").read_text().splitlines())
    for name in ("workflow.yaml", "workflow-gpu.yaml"):
        env, pins = _env_pins(name)
        assert pins == wanted, name
        assert "python=3.11" in env["dependencies"]
        assert any(str(d).startswith("bedtools=") for d in env["dependencies"]) and "bioconda" in env["channels"]
    gpu = yaml.safe_load((ROOT / "envs" / "workflow-gpu.yaml").read_text())
    assert "tensorflow[and-cuda]==" + wanted["tensorflow"] in gpu["dependencies"][-1]["pip"]


def test_envs_are_generated_from_requirements():
    """`make envs` writes them; a pin edited in requirements.txt alone is caught here."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "envs" / "generate.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_library_declares_the_pinned_dependencies():
    """pyproject.toml reads its dependencies from requirements.txt (a wheel's metadata lists every pin)."""
    wanted = _pins((ROOT / "requirements.txt").read_text().splitlines())
    assert _pins(requires("seqattr") or []) == wanted


def test_containers_are_built_from_the_envs():
    for recipe, env in (("workflow.def", "workflow.yaml"), ("workflow-gpu.def", "workflow-gpu.yaml")):
        text = (ROOT / "containers" / recipe).read_text()
        assert f"envs/{env} /opt/envs/{env}" in text
        assert f"-f /opt/envs/{env}" in text


def test_every_rule_declares_env_log_threads_resources():
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        rules = re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]
        for rule in rules:
            name = rule.split(":")[0]
            for directive in ("conda:", "log:", "threads:", "resources:"):
                assert f"    {directive}" in rule, f"{smk.name}: rule {name} has no {directive}"


def test_the_config_schema_ships_inside_the_library(tmp_path):
    """A wheel of the library holds the schema (package data), so an installed seqattr validates configs
    without the repository's other folders (the containers copy only scripts/seqattr)."""
    assert schema.SCHEMA.parent.name == "seqattr" and schema.SCHEMA.exists()
    source = tmp_path / "source"
    (source / "scripts").mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "requirements.txt"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "scripts" / "seqattr", source / "scripts" / "seqattr", ignore=shutil.ignore_patterns("__pycache__")
    )
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(source),
            "-w",
            str(tmp_path / "wheel"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "wheel").glob("seqattr-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("seqattr/config.schema.yaml") == schema.SCHEMA.read_bytes()
