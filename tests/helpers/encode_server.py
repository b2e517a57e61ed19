"""A fake ENCODE portal on 127.0.0.1 for tests: ENCODE-format JSON, gzipped narrowPeak files, a genome.

Use it as a pytest fixture (registered for every test by tests/conftest.py) or as a context
manager around a site it builds in a directory::

    with EncodeSite.build(tmp_path / "encode") as site:
        site.url               # base URL, e.g. http://127.0.0.1:43121
        site.source_config()   # an ``encode:`` config entry pointing at the site
        site.chosen["CTCF"]    # the accession a correct resolver picks

The directory it builds is served as it is:

    search/<label>.json                        /search/?type=Experiment&…&target.label=<label>
    experiments/<ENCSR>.json                   /experiments/<ENCSR>/?format=json
    files/<ENCFF>.json                         /files/<ENCFF>/?format=json
    files/<ENCFF>/@@download/<ENCFF>.bed.gz    the peak file
    genome/<assembly>.fa.gz                    the genome

The generated world plants one motif per TF at its peak summits, and holds the cases the
dataset builder must handle: a peak at a chromosome start, a peak in a run of N, a repeated
peak line and a peak on a chromosome the genome lacks. Decoy files (other assembly, archived,
bigBed, less preferred output types, an older experiment) test the file choice; the ``ENCODE4``
targets have ENCODE4-style records (several 'IDR thresholded peaks' files, one ``preferred_default``,
and a ``default_analysis`` beside an older analysis), where ENCODE's own preference decides.
``site.faults[path]`` queues "corrupt", "truncate" or "error" answers for the next requests of
that URL path (``file_server.FileSite``, which also serves any other file of the directory).

``run_rule_script`` runs one of the in vivo rule scripts in a subprocess with a stand-in for
the ``snakemake`` object, so its contract is tested without a workflow.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from helpers.file_server import FileSite

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
TARGETS = ("CTCF", "MAX", "ATF2", "Arid3", "BACH1", "GABPA", "ZNF24", "ELK1", "SRF", "REST")
LABELS = {"Arid3": "ARID3A"}
DNASE = "ENCFF235KUD"
CELL_LINE = "GM12878"
SEARCH_FILTERS = {"type": "Experiment", "assay_title": "TF ChIP-seq", "status": "released"}
# Targets published as ENCODE4 experiments (several 'IDR thresholded peaks' files, one preferred_default,
# a default analysis beside an older one); for the last, no file is flagged and the default analysis decides.
ENCODE4 = ("ATF2", "GABPA", "SRF")
ENCODE4_UNFLAGGED = ("SRF",)


def write_fasta(path: Path, genome: dict[str, str], width: int = 60) -> None:
    """Write sequences as FASTA (gzip when the name ends in .gz) with fixed line width."""
    lines = []
    for name, sequence in genome.items():
        lines.append(f">{name}")
        lines += [sequence[i : i + width] for i in range(0, len(sequence), width)]
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with (gzip.open if path.suffix == ".gz" else open)(path, "wt") as handle:
        handle.write(text)


def write_peaks(path: Path, peaks: list[tuple]) -> None:
    """Write (chrom, start, end[, summit offset]) tuples as gzipped narrowPeak (plain BED without a summit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as handle:
        for i, (chrom, start, end, *summit) in enumerate(peaks):
            extra = [f"peak{i}", "1000", ".", "5.0", "10.0", "8.0", str(summit[0])] if summit else []
            handle.write("\t".join([chrom, str(start), str(end), *extra]) + "\n")


def random_genome(rng: np.random.Generator, lengths: dict[str, int]) -> dict[str, str]:
    """Uniform random ACGT sequences of the given lengths, some in lower case (soft-masked)."""
    genome = {}
    for name, length in lengths.items():
        sequence = "".join(rng.choice(list("ACGT"), length))
        genome[name] = sequence[:500] + sequence[500:800].lower() + sequence[800:]
    return genome


@dataclass
class EncodeSite(FileSite):
    """A built site directory and, inside ``with``, the server answering for it."""

    assembly: str = "GRCh38"
    cell_line: str = CELL_LINE
    chosen: dict[str, str] = field(default_factory=dict)
    experiment: dict[str, str] = field(default_factory=dict)  # target → the chosen file's experiment
    genome: dict[str, str] = field(default_factory=dict)
    peaks: dict[str, list[tuple]] = field(default_factory=dict)
    dnase: list[tuple] = field(default_factory=list)
    _counter: int = 0

    # -- building -----------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        root: Path,
        targets=TARGETS,
        n_peaks: int = 60,
        n_dnase: int = 300,
        chrom_lengths: dict[str, int] | None = None,
        assembly: str = "GRCh38",
        seed: int = 0,
    ) -> "EncodeSite":
        """Generate a genome, ChIP peaks with planted motifs, DNase peaks and the JSON around them."""
        site = cls(Path(root), assembly=assembly)
        rng = np.random.default_rng(seed)
        lengths = chrom_lengths or {"chr1": 40000, "chr2": 30000}
        genome = {name: list(seq) for name, seq in random_genome(rng, lengths).items()}
        first = next(iter(lengths))
        genome[first][2000:2300] = "N" * 300
        for target in targets:
            motif = "".join(rng.choice(list("ACGT"), 12))
            peaks = []
            for _ in range(n_peaks):
                chrom = str(rng.choice(list(lengths)))
                width = int(rng.integers(150, 400))
                start = int(rng.integers(3000, lengths[chrom] - width - 200))
                summit = int(rng.integers(20, width - 20))
                genome[chrom][start + summit - 6 : start + summit + 6] = motif
                peaks.append((chrom, start, start + width, summit))
            # edge cases: off the chromosome start, inside the N run, a repeated line, an unknown chromosome
            peaks += [(first, 0, 120, 30), (first, 2100, 2250, 50), peaks[0], ("chrEBV", 100, 400, 150)]
            site.peaks[target] = peaks
        for _ in range(n_dnase):
            chrom = str(rng.choice(list(lengths)))
            start = int(rng.integers(0, lengths[chrom] - 300))
            site.dnase.append((chrom, start, start + int(rng.integers(100, 300)), 50))
        site.genome = {name: "".join(seq) for name, seq in genome.items()}
        write_fasta(site.root / "genome" / f"{assembly}.fa.gz", site.genome)
        site._publish()
        return site

    def _accession(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter:03d}TST"

    def _write_json(self, relative: str, content: dict) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))

    def _file(
        self,
        peaks,
        output_type,
        assembly=None,
        status="released",
        file_format="bed",
        date="2020-01-01",
        accession=None,
        replicates=(1, 2),
        preferred=False,
        experiment=None,
    ) -> dict:
        """Write one peak file and its record; return the record."""
        accession = accession or self._accession("ENCFF")
        href = f"/files/{accession}/@@download/{accession}.bed.gz"
        path = self.root / href.lstrip("/")
        write_peaks(path, peaks)
        record = {
            "@id": f"/files/{accession}/",
            "accession": accession,
            "file_format": file_format,
            "file_type": f"{file_format} narrowPeak",
            "output_type": output_type,
            "assembly": assembly or self.assembly,
            "status": status,
            "md5sum": hashlib.md5(path.read_bytes()).hexdigest(),
            "href": href,
            "date_created": date,
            "biological_replicates": list(replicates),
        }
        if preferred:
            record["preferred_default"] = True
        if experiment:
            record["dataset"] = f"/experiments/{experiment}/"
        self._write_json(f"files/{accession}.json", record)
        return record

    def _experiment(self, target: str, files: list[dict], accession=None, analyses=()) -> dict:
        """An experiment record; ``analyses`` are lists of its files, the first being the default analysis."""
        accession = accession or self._accession("ENCSR")
        experiment = {
            "@id": f"/experiments/{accession}/",
            "accession": accession,
            "assay_title": "TF ChIP-seq",
            "status": "released",
            "target": {"label": LABELS.get(target, target)},
            "biosample_ontology": {"term_name": self.cell_line},
            "files": files,
        }
        if analyses:
            ids = [f"/analyses/{self._accession('ENCAN')}/" for _ in analyses]
            experiment["analyses"] = [
                {"@id": i, "status": "released", "files": [f["@id"] for f in group]} for i, group in zip(ids, analyses)
            ]
            experiment["default_analysis"] = ids[0]
        self._write_json(f"experiments/{accession}.json", experiment)
        return experiment

    def _encode4_experiment(self, target: str, peaks, decoys: list[dict], preferred: bool) -> list[dict]:
        """An ENCODE4-style experiment: its default analysis has several 'IDR thresholded peaks' files
        (replicates 1 and 2 pooled, and each alone), one of them preferred_default when ``preferred``, and
        an 'optimal' file; an older analysis of the same experiment has a newer 'conservative' file.

        With ``preferred`` the pooled file is chosen (preferred_default before output type); without, the
        default analysis' 'optimal' file (default analysis before output type and date)."""
        accession = self._accession("ENCSR")
        half = peaks[: len(peaks) // 2]
        pooled = self._file(
            peaks if preferred else half,
            "IDR thresholded peaks",
            date="2020-11-01",
            preferred=preferred,
            experiment=accession,
        )
        singles = [
            self._file(half, "IDR thresholded peaks", date="2020-11-02", replicates=[r], experiment=accession)
            for r in (1, 2)
        ]
        optimal = self._file(
            half if preferred else peaks, "optimal IDR thresholded peaks", date="2020-11-03", experiment=accession
        )
        older = self._file(half, "conservative IDR thresholded peaks", date="2023-01-15", experiment=accession)
        files = [*decoys, pooled, *singles, optimal, older]
        self._experiment(target, files, accession, analyses=([pooled, *singles, optimal], [older]))
        self.chosen[target] = (pooled if preferred else optimal)["accession"]
        self.experiment[target] = accession
        return [self._search_hit(accession, target)]

    def _search_hit(self, accession: str, target: str) -> dict:
        return {
            "@id": f"/experiments/{accession}/",
            "accession": accession,
            "assay_title": "TF ChIP-seq",
            "status": "released",
            "target": {"label": LABELS.get(target, target)},
        }

    def _publish(self) -> None:
        """Files, experiments and search results; decoys around each chosen file."""
        other = "hg19" if self.assembly == "GRCh38" else "GRCh38"
        self._file(self.dnase, "peaks", date="2011-01-01", accession=DNASE, replicates=[1])
        for i, (target, peaks) in enumerate(self.peaks.items()):
            half = peaks[: len(peaks) // 2]
            decoys = [
                self._file(half, "conservative IDR thresholded peaks", assembly=other, date="2023-01-01"),
                self._file(half, "conservative IDR thresholded peaks", status="archived", date="2023-02-01"),
                self._file(half, "conservative IDR thresholded peaks", file_format="bigBed", date="2023-03-01"),
                self._file(half, "pseudoreplicated peaks", date="2023-04-01"),
            ]
            if target in ENCODE4:
                graph = self._encode4_experiment(target, peaks, decoys, preferred=target not in ENCODE4_UNFLAGGED)
            else:
                preferred = "optimal IDR thresholded peaks" if i % 2 else "conservative IDR thresholded peaks"
                chosen = self._file(peaks, preferred, date="2022-06-01")
                if preferred == "conservative IDR thresholded peaks":
                    decoys.append(self._file(half, "optimal IDR thresholded peaks", date="2023-05-01"))
                experiments = [self._experiment(target, [*decoys, chosen])]
                if i == 0:  # an older experiment of the same target with an equally preferred file
                    experiments.append(self._experiment(target, [self._file(half, preferred, date="2016-01-01")]))
                self.chosen[target] = chosen["accession"]
                self.experiment[target] = experiments[0]["accession"]
                graph = [self._search_hit(e["accession"], target) for e in experiments]
            self._write_json(f"search/{LABELS.get(target, target)}.json", {"@graph": graph, "total": len(graph)})

    # -- serving ------------------------------------------------------------------------------

    def source_config(self, **overrides) -> dict:
        """An ``encode:`` config entry that points at this site."""
        return {
            "cell_line": self.cell_line,
            "dnase_accession": DNASE,
            "assembly": self.assembly,
            "encode_url": self.url,
            "genome_url": {self.assembly: self.genome_url()},
            "retries": 2,
            **overrides,
        }

    def genome_url(self) -> str:
        return f"{self.url}/genome/{self.assembly}.fa.gz"

    def resolve_path(self, path: str, query: dict[str, str]) -> Path | None:
        """The file answering a request, or None (404)."""
        parts = [p for p in path.split("/") if p]
        if parts == ["search"]:
            wanted = {**SEARCH_FILTERS, "biosample_ontology.term_name": self.cell_line}
            if any(query.get(k) != v for k, v in wanted.items()):
                return None
            candidate = self.root / "search" / f"{query.get('target.label')}.json"
        elif len(parts) == 2 and parts[0] in ("experiments", "files"):
            candidate = self.root / parts[0] / f"{parts[1]}.json"
        else:
            return super().resolve_path(path, query)
        inside = candidate.resolve().is_relative_to(self.root.resolve())
        return candidate if inside and candidate.is_file() else None


@pytest.fixture
def encode_server(tmp_path_factory):
    """A served fake ENCODE site (all ten TFs of paper 004), torn down after the test."""
    with EncodeSite.build(tmp_path_factory.mktemp("encode")) as site:
        yield site


_SCRIPT_RUNNER = """
import json, runpy, sys

class Section(dict):
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

snakemake = type("Snakemake", (), {})()
for key, value in json.loads(sys.argv[2]).items():
    setattr(snakemake, key, Section(value) if isinstance(value, dict) else value)
runpy.run_path(sys.argv[1], init_globals={"snakemake": snakemake}, run_name="__main__")
"""


def run_rule_script(name: str, **sections) -> None:
    """Run ``scripts/<name>`` with ``snakemake.input/params/output/log/…`` taken from ``sections``."""
    command = [sys.executable, "-c", _SCRIPT_RUNNER, str(SCRIPTS / name), json.dumps({"threads": 1, **sections})]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    log = Path(sections["log"][0]).read_text() if Path(sections["log"][0]).exists() else ""
    assert result.returncode == 0, f"{name} failed:\n{result.stderr[-3000:]}\n{log[-3000:]}"
