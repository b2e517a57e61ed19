"""Synthetic data: the billboard generator's sequences, labels and sequence model (DESIGN §4)."""

from seqattr import jaspar
from seqattr.dataset_kinds import DatasetKind, register


@register("synthetic")
class Synthetic(DatasetKind):
    build_rule = "simulate_synthetic"

    def task_count(self, spec):
        from seqattr.simulate import task_count

        return task_count(spec)

    def has_ground_truth(self, spec):
        return True

    def motif_release(self, config, spec):
        return spec["jaspar_release"]

    def core_motifs(self, spec, task):
        from seqattr.simulate import task_motifs

        return [spec["core_motifs"][i] for i in task_motifs(spec)[task]]

    def can_ablate_motifs(self, spec):
        return self.task_count(spec) > 1

    def check(self, config, name, spec):
        unknown = [m for m in spec["core_motifs"] if m not in jaspar.vertebrate_pwms(spec["jaspar_release"])]
        if unknown:
            return (
                f"config error at datasets.{name}.core_motifs: {unknown} are not CORE vertebrate "
                f"matrices of {spec['jaspar_release']}"
            )
        effects, core = len(spec["effects"]), len(spec["core_motifs"])
        if spec["task"] == "regression" and effects != core:
            return (
                f"config error at datasets.{name}.effects: {effects} effects for {core} core motifs; "
                "a regression dataset needs one per core motif, in the order of core_motifs"
            )
        return None
