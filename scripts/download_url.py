"""Fetch one file named in config by URL, verified by its md5 (a dataset or a weights file)."""

from seqattr.download import download
from seqattr.runtime import start_logging

log = start_logging(snakemake)
source = snakemake.params.source
download(source["url"], snakemake.output[0], md5=source["md5"], label=source["label"])
