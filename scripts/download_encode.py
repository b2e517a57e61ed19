"""Download one file of a lock table (chosen by accession or by target name) and verify its md5."""

from seqattr import download, encode
from seqattr.runtime import start_logging

log = start_logging(snakemake)
retries = snakemake.config["encode"][snakemake.wildcards.source]["retries"]  # how, not what: not a param
key = snakemake.params.get("accession") or snakemake.params.target
entry = encode.lock_entry(encode.read_lock(snakemake.input.lock), key)
log.info("%s (%s): %s, md5 %s", entry["accession"], entry["target"], entry["url"], entry["md5sum"])
download.download(entry["url"], snakemake.output.file, md5=entry["md5sum"], retries=retries, label=entry["accession"])
