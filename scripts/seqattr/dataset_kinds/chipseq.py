"""ChIP-seq data: peak and background windows of one ENCODE experiment (seqattr.chipseq)."""

from seqattr.dataset_kinds import DatasetKind, register


@register("chipseq")
class ChipSeq(DatasetKind):
    build_rule = "build_chip_dataset"

    def task_count(self, spec):
        return 1

    def targets(self, spec):
        return [spec["target"]]

    def check(self, config, name, spec):
        if spec["source"] not in config["encode"]:
            return (
                f"config error at datasets.{name}.source: '{spec['source']}' is not defined; "
                f"defined are {sorted(config['encode'])}"
            )
        return None
