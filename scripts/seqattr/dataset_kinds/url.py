"""An HDF5 dataset downloaded from a URL, verified by its md5 (which pins it: no content digest)."""

from seqattr.dataset_kinds import DOWNLOADS, DatasetKind, register


@register("url")
class Download(DatasetKind):
    build_rule = "download_dataset"
    user_data = True

    def path(self, name, spec):
        return f"{DOWNLOADS}/datasets/{name}.h5"
