"""Adding an attribution method or a dataset kind touches one library module plus the schema: shown on a
copy of the project, which validates, computes and plans with the addition."""

import filecmp
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from helpers.workflow_runner import ROOT, SNAKEMAKE

SKIP = shutil.ignore_patterns(".git", ".venv", "results", "logs", ".snakemake", "runs", "__pycache__", "*.egg-info")

NEW_METHOD = '''

@register("half_saliency")
class HalfSaliency(Method):
    """The gradient at x · scale: a user's method, added here and in the schema only."""

    def points(self, x, extra):
        return x[:, None] * self.scale
'''
SCHEMA_KIND = "ism]}"
SCHEMA_BRANCH = """      - if: {required: [kind], properties: {kind: {const: ism}}}
        then: {$ref: "#/$defs/ism_method"}
"""
SCHEMA_DEF = """  ism_method:
"""

CHECK = """
import json, sys
import numpy as np
from seqattr import config, attribution
from seqattr.models import build_model
from seqattr.training import seed_everything
checked = config.validate(json.loads(sys.argv[1]))
seed_everything(0)
model = build_model({"architecture": "cnn_shallow", "options": {}}, (200, 4), 1, "binary")
x = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (3, 200))]
ours = attribution.attribute(model, x, checked["attribution"]["methods"]["half"])
reference = attribution.attribute(model, x * 0.5, {"kind": "saliency"})
print(json.dumps({"max_difference": float(np.abs(ours - reference).max()),
                  "scale": checked["attribution"]["methods"]["half"].get("scale")}))
"""


def _add_the_method(copy: Path) -> None:
    module = copy / "scripts" / "seqattr" / "attribution.py"
    module.write_text(module.read_text() + NEW_METHOD)
    schema = copy / "scripts" / "seqattr" / "config.schema.yaml"
    text = schema.read_text()
    assert text.count(SCHEMA_KIND) == 1 and text.count(SCHEMA_BRANCH) == 1 and text.count(SCHEMA_DEF) == 1
    text = text.replace(SCHEMA_KIND, "ism, half_saliency]}")
    text = text.replace(
        SCHEMA_BRANCH,
        SCHEMA_BRANCH
        + """      - if: {required: [kind], properties: {kind: {const: half_saliency}}}
        then: {$ref: "#/$defs/half_saliency_method"}
""",
    )
    text = text.replace(
        SCHEMA_DEF,
        """  half_saliency_method:
    description: The gradient at x times `scale`.
    properties:
      scale: {type: number, exclusiveMinimum: 0, default: 0.5}

"""
        + SCHEMA_DEF,
    )
    schema.write_text(text)


def _changed_files(a: Path, b: Path) -> set[str]:
    changed, stack = set(), [filecmp.dircmp(a, b, ignore=[".git", ".venv", "__pycache__"])]
    while stack:
        node = stack.pop()
        changed |= {
            str(Path(node.right, name).relative_to(b)) for name in node.diff_files + node.left_only + node.right_only
        }
        stack += node.subdirs.values()
    return changed


def _extended_copy(tmp_path: Path, extend) -> tuple[Path, set[str]]:
    """A copy of the project changed by ``extend(copy)``, and the files that differ from the original."""
    copy, pristine = tmp_path / "project", tmp_path / "pristine"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    shutil.copytree(copy, pristine)
    extend(copy)
    return copy, _changed_files(pristine, copy)


def _environment(copy: Path) -> dict:
    """The copy's library first on the path; no scheduler probe."""
    return {
        "PYTHONPATH": str(copy / "scripts"),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "SLURM_CONF": "/nonexistent",
    }


def _plan(copy: Path, run: Path, config: dict) -> str:
    """A dry-run of the copy's workflow on ``config`` in ``run``: its output."""
    configfile = run.parent / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    command = [SNAKEMAKE, "-n", "--snakefile", str(copy / "Snakefile"), "--directory", str(run)]
    dry = subprocess.run(
        command + ["--configfile", str(configfile), "--cores", "1"],
        env=_environment(copy),
        capture_output=True,
        text=True,
        cwd=copy,
    )
    assert dry.returncode == 0, dry.stderr[-3000:]
    return dry.stdout


def test_a_new_attribution_method_is_one_module_and_the_schema(tmp_path):
    copy, changed = _extended_copy(tmp_path, _add_the_method)
    assert changed == {"scripts/seqattr/attribution.py", "scripts/seqattr/config.schema.yaml"}

    config = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())
    config["attribution"]["methods"] = {"saliency": {"kind": "saliency"}, "half": {"kind": "half_saliency"}}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, json.dumps(config)], env=_environment(copy), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["scale"] == 0.5  # the default comes from the schema entry
    assert result["max_difference"] < 1e-6  # the gradient at x / 2

    output = _plan(copy, tmp_path / "run", config)
    planned = re.findall(r"results/attributions/\S+/(\w+)\.h5", output)
    assert set(planned) == {"saliency", "half"}  # the workflow plans the new method's maps


NEW_KIND = '''"""A user's HDF5 file named after the dataset in a shared folder: a kind added here and in the schema only."""

from seqattr.dataset_kinds import DatasetKind, register


@register("shared_h5")
class SharedH5(DatasetKind):
    user_data = True

    def path(self, name, spec):
        return f"{spec['folder']}/{name}.h5"

    def user_files(self, spec):
        return [self.path(spec["name"], spec)]
'''


def _add_the_kind(copy: Path) -> None:
    (copy / "scripts" / "seqattr" / "dataset_kinds" / "shared_h5.py").write_text(NEW_KIND)
    schema = copy / "scripts" / "seqattr" / "config.schema.yaml"
    text = schema.read_text()
    branch = """      - if: {properties: {kind: {const: fasta}}}
        then: {$ref: "#/$defs/fasta_dataset"}
"""
    assert text.count("url, fasta]}") == 1 and text.count(branch) == 1 and text.count("  h5_dataset:\n") == 1
    text = text.replace("url, fasta]}", "url, fasta, shared_h5]}")
    text = text.replace(
        branch,
        branch
        + """      - if: {properties: {kind: {const: shared_h5}}}
        then: {$ref: "#/$defs/shared_h5_dataset"}
""",
    )
    text = text.replace(
        "  h5_dataset:\n",
        """  shared_h5_dataset:
    description: A user's HDF5 file <folder>/<name>.h5.
    required: [folder, name]
    properties:
      folder: {type: string}
      name: {type: string}

  h5_dataset:
""",
    )
    schema.write_text(text)


def test_a_new_dataset_kind_is_one_module_and_the_schema(tmp_path):
    copy, changed = _extended_copy(tmp_path, _add_the_kind)
    assert changed == {
        "scripts/seqattr/dataset_kinds/shared_h5.py",
        "scripts/seqattr/config.schema.yaml",
    }
    run = tmp_path / "run"
    (run / "shared").mkdir(parents=True)
    (run / "shared" / "lab.h5").write_bytes(b"the user's file")  # planning reads its content digest only
    config = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())
    config["datasets"] = {"lab": {"kind": "shared_h5", "folder": "shared", "name": "lab"}}
    config["experiments"] = [{"datasets": ["lab"], "models": ["cnn_shallow_relu"], "regimes": ["standard"], "seeds": 1}]
    output = _plan(copy, run, config)
    assert "rule check_dataset:" in output  # the user's file is checked before anything reads it
    assert "input: shared/lab.h5" in output and "rule train_model:" in output
