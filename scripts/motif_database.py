"""One JASPAR release / collection / tax group as a MEME-format file, checked by a Tomtom search.

The check (the first motif must find itself, rank 1 on its own strand) also compiles memelite's
Tomtom kernels into numba's on-disk cache once, before the motif jobs that all need them start.
"""

from seqattr import motifs
from seqattr.data import atomic_write
from seqattr.runtime import start_logging

log = start_logging(snakemake)
wc = snakemake.wildcards
database = motifs.jaspar_motifs(wc.release, wc.collection, wc.tax_group)
with atomic_write(snakemake.output.meme) as partial:
    motifs.write_meme(partial, database, source=f"{wc.release} {wc.collection} {wc.tax_group}, pyjaspar")
    back = motifs.read_meme(partial)
    if [m.id for m in back] != [m.id for m in database]:
        raise ValueError(f"{partial}: read back {len(back)} motifs of the {len(database)} written")
    found = motifs.match([back[0].pwm], back)
    if found["rank"][0, 0] != 1 or found["strand"][0, 0] != 0:
        raise ValueError(f"Tomtom check failed: {back[0].id} ranks {found['rank'][0, 0]} against itself")
log.info(
    "%d %s %s %s motifs; Tomtom finds %s itself (p = %.2g)",
    len(database),
    wc.release,
    wc.collection,
    wc.tax_group,
    back[0].id,
    found["p"][0, 0],
)
