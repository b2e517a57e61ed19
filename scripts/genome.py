"""Download the genome FASTA of one assembly, decompress it and index it for pyfaidx."""

from seqattr import genome
from seqattr.runtime import start_logging

log = start_logging(snakemake)
genome.prepare(snakemake.params.url, snakemake.output.fasta, snakemake.output.fai)
