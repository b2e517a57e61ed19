"""Run the workflow through Snakemake in a scratch directory (shared by the whole-workflow tests)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def snakemake_command(workdir: Path, configfile: Path, args, profile: str = "default", cores: int | None = 2):
    """The ``snakemake`` command line of the project's Snakefile in ``workdir`` (targets first in ``args``:
    list-valued options would swallow them), with one of ``profiles/`` and, unless None, ``cores``."""
    command = [SNAKEMAKE, *args, "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir)]
    command += ["--profile", str(ROOT / "profiles" / profile), "--configfile", str(configfile)]
    return command + (["--cores", str(cores)] if cores is not None else [])


def run_snakemake(workdir: Path, configfile: Path, args, timeout: int) -> subprocess.CompletedProcess:
    """``snakemake`` with these arguments (targets first), whatever its exit status."""
    command = snakemake_command(workdir, configfile, args)
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def snakemake(workdir: Path, configfile: Path, *args: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    """``snakemake`` on the project's Snakefile with ``workdir`` as working directory."""
    result = run_snakemake(workdir, configfile, args, timeout)
    if result.returncode != 0:
        logs = (
            "\n".join(f"--- {log}\n{log.read_text()[-3000:]}" for log in sorted((workdir / "logs").rglob("*.log")))
            if (workdir / "logs").exists()
            else ""
        )
        raise AssertionError(f"snakemake failed:\n{result.stderr[-6000:]}\n{logs[-12000:]}")
    return result


def run_config(root: Path, config: dict, name: str = "config.yaml") -> tuple[Path, Path, subprocess.CompletedProcess]:
    """Write ``config`` to ``root / name`` and run the whole workflow on it in a new ``root / "run"``:
    (workdir, configfile, the finished run)."""
    configfile = root / name
    configfile.write_text(yaml.safe_dump(config))
    workdir = root / "run"
    workdir.mkdir()
    return workdir, configfile, snakemake(workdir, configfile)


def snakemake_fails(workdir: Path, configfile: Path, *args: str, timeout: int = 600) -> str:
    """Run a ``snakemake`` that must fail; return its output and every rule log, as one text."""
    result = run_snakemake(workdir, configfile, args, timeout)
    assert result.returncode != 0, f"snakemake succeeded but should have failed:\n{result.stderr[-3000:]}"
    logs = [log.read_text() for log in sorted((workdir / "logs").rglob("*.log"))] if (workdir / "logs").exists() else []
    return "\n".join([result.stdout, result.stderr, *logs])


def report_has(report_zip: Path, figure: Path) -> bool:
    """Whether the ``--report`` archive holds this exact file (the archive renames files, so compare bytes)."""
    import zipfile

    content = Path(figure).read_bytes()
    with zipfile.ZipFile(report_zip) as report:
        return any(info.file_size == len(content) and report.read(info) == content for info in report.infolist())


def planned(finished_run, config: dict, *args: str) -> list[tuple[str, tuple[str, ...]]]:
    """(rule, outputs) of every job a dry-run of ``config`` plans in the finished run."""
    workdir, root, _ = finished_run
    configfile = root / "edit.yaml"
    configfile.write_text(yaml.safe_dump(config))
    result = run_snakemake(workdir, configfile, ["-n", *args], timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    jobs, rule = [], None
    for line in result.stdout.splitlines():
        start = re.match(r"(?:local)?rule (\w+):$", line)
        if start:
            rule = start.group(1)
            jobs.append((rule, ()))
        elif rule and line.startswith("    output: "):
            jobs[-1] = (rule, tuple(line.removeprefix("    output: ").split(", ")))
        elif not line.startswith("    "):
            rule = None
    return jobs


def rules(jobs) -> Counter:
    return Counter(rule for rule, _ in jobs)


def outputs(jobs, rule: str) -> set[str]:
    return {out for name, outs in jobs if name == rule for out in outs}
