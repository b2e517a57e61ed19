"""Adding an attribution method touches one library module plus the schema: shown on a copy of the project."""

import filecmp
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
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


def test_a_new_attribution_method_is_one_module_and_the_schema(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    pristine = tmp_path / "pristine"
    shutil.copytree(copy, pristine)
    _add_the_method(copy)
    assert _changed_files(pristine, copy) == {"scripts/seqattr/attribution.py", "scripts/seqattr/config.schema.yaml"}

    config = yaml.safe_load((ROOT / "tests" / "configs" / "tiny.yaml").read_text())
    config["attribution"]["methods"] = {"saliency": {"kind": "saliency"}, "half": {"kind": "half_saliency"}}
    env = {"PYTHONPATH": str(copy / "scripts"), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    env["SLURM_CONF"] = "/nonexistent"  # no scheduler probe
    done = subprocess.run([sys.executable, "-c", CHECK, json.dumps(config)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["scale"] == 0.5  # the default comes from the schema entry
    assert result["max_difference"] < 1e-6  # the gradient at x / 2

    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    dry = subprocess.run(
        [SNAKEMAKE, "-n", "--snakefile", str(copy / "Snakefile"), "--directory", str(tmp_path / "run")]
        + ["--configfile", str(configfile), "--cores", "1"],
        env=env,
        capture_output=True,
        text=True,
        cwd=copy,
    )
    assert dry.returncode == 0, dry.stderr[-3000:]
    planned = re.findall(r"results/attributions/\S+/(\w+)\.h5", dry.stdout)
    assert set(planned) == {"saliency", "half"}  # the workflow plans the new method's maps
