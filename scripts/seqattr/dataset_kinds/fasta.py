"""A user's FASTA and label file, turned into the workflow's HDF5 layout (seqattr.fasta)."""

from seqattr.dataset_kinds import DatasetKind, register


@register("fasta")
class Fasta(DatasetKind):
    build_rule = "fasta_dataset"
    user_data = True

    def user_files(self, spec):
        return [spec["fasta"], spec["labels"]]
