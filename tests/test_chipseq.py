"""seqattr.chipseq: peaks → balanced windows, with every drop counted, checked against bedtools itself."""

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from helpers.encode_server import DNASE, random_genome, run_rule_script, write_fasta, write_peaks
from seqattr import chipseq, data, encode

pytestmark = pytest.mark.skipif(
    shutil.which("bedtools") is None, reason="bedtools not found on PATH: run scripts/install_system_deps.sh"
)

CHIP = [
    ("chr1", 2000, 2300, 150),  # window [2050, 2250)
    ("chr1", 2600, 2800, 50),
    ("chr1", 3000, 3400, 300),
    ("chr2", 500, 700, -1),  # no summit: the midpoint
    ("chr2", 1500, 1700, 20),
    ("chr2", 2500, 2800, 100),
    ("chr2", 3000, 3200, 80),
    ("chr1", 0, 100, 50),  # window starts before 0
    ("chr2", 3900, 4000, 90),  # window ends after 4000
    ("chr1", 1000, 1080, 40),  # window in the N run
    ("chr1", 2000, 2300, 150),  # repeated line
    ("chrEBV", 10, 200, 50),  # not in the genome
]
FREE_CENTRES = {
    "chr1": [300, 500, 700, 1500, 1700, 3700, 3900, 4100, 4300, 4500, 4700],
    "chr2": [1000, 1200, 2000, 2200, 3500, 3700],
}
DNASE_PEAKS = [
    ("chr1", 2250, 2350),  # overlaps a ChIP peak
    ("chr2", 650, 800),  # overlaps a ChIP peak
    ("chr1", 2310, 2330),  # no peak overlap, but its window overlaps one
    ("chr2", 1750, 1760),  # likewise
    ("chr1", 4940, 4960),  # window off the end
    ("chr1", 1240, 1260),  # window in the N run
] + [(chrom, c - 10, c + 10) for chrom, centres in FREE_CENTRES.items() for c in centres]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("chip")
    genome = random_genome(np.random.default_rng(3), {"chr1": 5000, "chr2": 4000})
    genome["chr1"] = genome["chr1"][:1000] + "N" * 300 + genome["chr1"][1300:]
    write_fasta(root / "genome.fa", genome)
    write_peaks(root / "chip.bed.gz", CHIP)
    write_peaks(root / "dnase.bed.gz", DNASE_PEAKS)
    return root, genome


def _build(world, **options):
    root, _ = world
    return chipseq.build(root / "chip.bed.gz", root / "dnase.bed.gz", root / "genome.fa", **options)


def test_summit_or_midpoint_centres_the_window(world):
    peaks = chipseq.read_peaks(world[0] / "chip.bed.gz")
    assert list(peaks["centre"][:4]) == [2150, 2650, 3300, 600]
    plain = chipseq.read_peaks(world[0] / "dnase.bed.gz")
    assert list(plain["centre"][:2]) == [2300, 725]
    assert chipseq.windows(peaks[:1], 200).iloc[0].tolist() == ["chr1", 2050, 2250]


def test_drops_are_counted(world):
    counts = _build(world).counts
    assert counts["positive"] == {
        "peaks": 12,
        "duplicate": 1,
        "unknown_chromosome": 1,
        "off_chromosome": 2,
        "contains_N": 1,
        "downsampled": 0,
        "kept": 7,
    }
    assert counts["negative"] == {
        "peaks": 23,
        "overlap_chip_peak": 2,
        "window_overlaps_positive": 2,
        "duplicate": 0,
        "unknown_chromosome": 0,
        "off_chromosome": 1,
        "contains_N": 1,
        "downsampled": 10,
        "kept": 7,
    }


def _bed(path, table):
    table[["chrom", "start", "end"]].to_csv(path, sep="\t", header=False, index=False)
    return str(path)


def _bedtools_overlaps(a, b):
    command = ["bedtools", "intersect", "-u", "-a", a, "-b", b]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()


def test_negatives_never_overlap_positives_per_bedtools(world, tmp_path):
    chip = _bed(tmp_path / "chip.bed", pd.DataFrame(CHIP[:7], columns=["chrom", "start", "end", "s"]))
    for seed in range(8):  # several down-samplings of the negatives
        table = _build(world, seed=seed).windows
        positives = _bed(tmp_path / "pos.bed", table[table.label == 1])
        negatives = _bed(tmp_path / "neg.bed", table[table.label == 0])
        assert _bedtools_overlaps(negatives, positives) == []
        assert _bedtools_overlaps(negatives, chip) == []
    # the check can fail: the unfiltered DNase windows do overlap the positives
    every = chipseq.windows(chipseq.read_peaks(world[0] / "dnase.bed.gz"), 200)
    assert len(_bedtools_overlaps(_bed(tmp_path / "all.bed", every[every.start >= 0]), positives)) >= 2


def test_classes_are_balanced_and_split(world):
    dataset = _build(world)
    labels = np.concatenate([dataset.splits[s]["y"][:, 0] for s in data.SPLITS])
    assert (labels == 1).sum() == (labels == 0).sum() == 7
    assert [len(dataset.splits[s]["y"]) for s in data.SPLITS] == [10, 1, 3]
    capped = _build(world, max_per_class=3)
    assert capped.counts["positive"]["kept"] == capped.counts["negative"]["kept"] == 3
    assert capped.counts["positive"]["downsampled"] == 4


def test_sequences_are_the_fasta_slices(world):
    _, genome = world
    dataset = _build(world)
    for row in dataset.windows.itertuples():
        assert row.sequence == genome[row.chrom][row.start : row.end].upper()
        assert row.end - row.start == 200
    for split in data.SPLITS:
        part = dataset.windows[dataset.windows.split == split]
        assert data.decode(dataset.splits[split]["x"]) == list(part.sequence)
        np.testing.assert_array_equal(dataset.splits[split]["y"][:, 0], part.label)


def test_seeded_and_reproducible(world):
    first, again, other = _build(world, seed=5), _build(world, seed=5), _build(world, seed=6)
    pd.testing.assert_frame_equal(first.windows, again.windows)
    assert not first.windows.equals(other.windows)


def test_chromosome_naming_mismatch_is_an_error(world, tmp_path):
    _, genome = world
    write_fasta(tmp_path / "ensembl.fa", {name.removeprefix("chr"): seq for name, seq in genome.items()})
    with pytest.raises(ValueError, match="chip.bed.gz: none of its chromosomes.*'chr' prefix"):
        chipseq.build(world[0] / "chip.bed.gz", world[0] / "dnase.bed.gz", tmp_path / "ensembl.fa")


def test_download_that_differs_from_the_lock_is_refused(world, tmp_path):
    root, _ = world
    row = {
        "assembly": "GRCh38",
        "output_type": "x",
        "md5sum": "0" * 32,
        "url": "u",
        "experiment": "ENCSR1",
        "biological_replicates": "1,2",
    }
    lock = pd.DataFrame([{"target": t, "accession": a, **row} for t, a in (("CTCF", "ENCFF1"), ("DNase", "ENCFF2"))])
    encode.write_lock(lock, tmp_path / "lock.tsv")
    with pytest.raises(data.DatasetError, match="chip.bed.gz: md5 differs from ENCFF1"):
        chipseq.make_dataset(
            root / "chip.bed.gz",
            root / "dnase.bed.gz",
            root / "genome.fa",
            tmp_path / "lock.tsv",
            "CTCF",
            {},
            tmp_path / "out.h5",
        )
    assert not (tmp_path / "out.h5").exists()


def test_in_vivo_scripts_end_to_end(tmp_path, encode_server):
    """encode_metadata (one lock per target) → download_encode → genome → build_chip_dataset, as the rules call them."""
    log = [str(tmp_path / "log.txt")]
    config = {"encode": {"gm12878": {**encode_server.source_config(), "pinned": {}}}}
    locks, files = {}, {}
    for target in ("CTCF", "DNase"):
        locks[target] = str(tmp_path / f"resources/encode/gm12878/{target}.tsv")
        query = (
            {"target": "DNase", "dnase_accession": DNASE, "assembly": "GRCh38"}
            if target == "DNase"
            else {"target": target, "cell_line": "GM12878", "assembly": "GRCh38", "pinned": None}
        )
        run_rule_script(
            "encode_metadata.py",
            params={"query": query},
            wildcards={"source": "gm12878", "target": target},
            config=config,
            output={"lock": locks[target]},
            log=log,
        )
        files[target] = str(tmp_path / f"downloads/{target}.bed.gz")
        run_rule_script(
            "download_encode.py",
            input={"lock": locks[target]},
            params={"target": target},
            wildcards={"source": "gm12878", "target": target},
            config=config,
            output={"file": files[target]},
            log=log,
        )
    fasta = tmp_path / "genome/GRCh38.fa"
    run_rule_script(
        "genome.py",
        params={"url": encode_server.genome_url()},
        output={"fasta": str(fasta), "fai": f"{fasta}.fai"},
        log=log,
    )
    h5 = tmp_path / "data/ctcf.h5"
    options = {
        "kind": "chipseq",
        "target": "CTCF",
        "source": "gm12878",
        "length": 200,
        "split": [0.7, 0.1, 0.2],
        "seed": 1,
        "max_per_class": None,
        "max_dropped_fraction": 0.1,
    }
    run_rule_script(
        "build_chip_dataset.py",
        input={
            "peaks": files["CTCF"],
            "negatives": files["DNase"],
            "fasta": str(fasta),
            "locks": [locks["CTCF"], locks["DNase"]],
        },
        params={"target": "CTCF", "dataset": options},
        output={"h5": str(h5)},
        log=log,
    )
    lock = list(locks.values())

    attrs = data.read_attrs(h5)
    entries = encode.read_locks(lock).set_index("target")
    assert attrs["accessions"] == {"peaks": encode_server.chosen["CTCF"], "negatives": DNASE}
    assert attrs["experiment"] == encode_server.experiment["CTCF"] and attrs["biological_replicates"] == "1,2"
    assert attrs["md5"]["peaks"] == entries.loc["CTCF", "md5sum"]
    assert attrs["assembly"] == "GRCh38" and attrs["target"] == "CTCF"
    kept = attrs["counts"]["positive"]["kept"]
    assert kept == attrs["counts"]["negative"]["kept"] == 60  # the site's 64 peaks less its 4 planted bad ones
    test = data.read_split(h5, "test")
    assert test["x"].shape == (round(0.2 * 2 * kept), 200, 4) and test["y"].shape == (len(test["x"]), 1)
    total = sum(len(data.read_split(h5, s)["y"]) for s in data.SPLITS)
    assert total == 2 * kept

    table_path = tmp_path / "tables/chip_windows.tsv"
    run_rule_script(
        "chip_windows.py",
        input={"h5": [str(h5)]},
        params={"datasets": ["ctcf"]},
        output={"table": str(table_path)},
        log=log,
    )
    table = pd.read_csv(table_path, sep="\t").set_index("class")
    assert table.loc["positive", "unknown_chromosome"] == attrs["counts"]["positive"]["unknown_chromosome"] == 1
    assert table.loc["positive", "kept"] == table.loc["negative", "kept"] == kept
    assert table.loc["positive", "dropped_fraction"] == pytest.approx(4 / 64)
    assert attrs["max_dropped_fraction"] == 0.1
