"""A user's own HDF5 dataset, read where it is; its content decides reruns."""

from seqattr.dataset_kinds import DatasetKind, register


@register("h5")
class UserH5(DatasetKind):
    user_data = True

    def path(self, name, spec):
        return spec["path"]

    def user_files(self, spec):
        return [spec["path"]]
