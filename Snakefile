"""seqattr: trustworthy attribution maps for genomics deep learning.

Run `snakemake --cores 2` for the default config, `--configfile config/paper_004.yaml` for a
paper, and `snakemake --report results/report.html` for the captioned HTML report.
"""

from snakemake.utils import min_version

min_version("9.0")


# The default config, unless `--configfile` names another one (which then replaces it, not merges).
if not workflow.overwrite_configfiles:

    configfile: f"{workflow.basedir}/config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


container: config["container"]


include: "workflow/rules/data.smk"
include: "workflow/rules/downloads.smk"
include: "workflow/rules/encode.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/pretrained.smk"
include: "workflow/rules/attribution.smk"
include: "workflow/rules/evaluation.smk"
include: "workflow/rules/consistency.smk"
include: "workflow/rules/ensemble.smk"
include: "workflow/rules/studies.smk"
include: "workflow/rules/motifs.smk"


rule all:
    default_target: True
    input:
        final_outputs,
