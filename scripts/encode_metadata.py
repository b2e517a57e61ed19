"""Resolve one target of an ENCODE source (the DNase pool or one TF's peak file) into its lock file.

``params.query`` is what the lock records (target, cell line, assembly, a pinned accession): a
change re-resolves this target. Where and how to look (``encode_url``, ``output_types``) comes
from the config: the lock is written once, and deleting it is how a target is resolved again.
"""

from seqattr import encode
from seqattr.runtime import start_logging

log = start_logging(snakemake)
source = snakemake.config["encode"][snakemake.wildcards.source]
request = {**source, **snakemake.params.query}
table = encode.resolve_target(request)
encode.write_lock(table, snakemake.output.lock)
log.info("wrote %s (%s) to %s", table.iloc[0]["accession"], table.iloc[0]["target"], snakemake.output.lock)
