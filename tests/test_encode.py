"""seqattr.encode, seqattr.download and seqattr.genome against a fake ENCODE portal on 127.0.0.1."""

import hashlib

import pytest

from helpers.encode_server import DNASE, ENCODE4, TARGETS, run_rule_script, write_fasta
from seqattr import download, encode, genome


def _request(site, **overrides):
    return {**site.source_config(), "targets": list(TARGETS), "pinned": {}, **overrides}


def _leftovers(directory):
    return [p.name for p in directory.iterdir() if "partial" in p.name or "download" in p.name]


def test_resolver_picks_the_preferred_file(encode_server):
    table = encode.resolve(_request(encode_server))
    assert list(table.columns) == list(encode.LOCK_COLUMNS)
    assert table.iloc[0]["target"] == "DNase" and table.iloc[0]["accession"] == DNASE
    chosen = table.set_index("target")
    assert {t: chosen.loc[t, "accession"] for t in TARGETS} == encode_server.chosen
    # CTCF has a conservative file in two experiments: the newer one wins; MAX has no conservative file
    assert chosen.loc["CTCF", "output_type"] == "conservative IDR thresholded peaks"
    assert chosen.loc["MAX", "output_type"] == "optimal IDR thresholded peaks"
    assert set(chosen["assembly"]) == {"GRCh38"}
    assert (
        chosen.loc["CTCF", "url"] == f"{encode_server.url}/files/{chosen.loc['CTCF', 'accession']}/@@download/"
        f"{chosen.loc['CTCF', 'accession']}.bed.gz"
    )
    # Arid3 is ARID3A at ENCODE (the fake site knows only that label)
    assert any("target.label=ARID3A" in r for r in encode_server.requests)
    # the lock records where each file comes from: its experiment and biological replicates
    assert {t: chosen.loc[t, "experiment"] for t in TARGETS} == encode_server.experiment
    assert chosen.loc["CTCF", "biological_replicates"] == "1,2"
    assert chosen.loc["DNase", "experiment"] == "" and chosen.loc["DNase", "biological_replicates"] == "1"


def test_encode4_records_follow_encodes_own_preference(encode_server):
    """Several 'IDR thresholded peaks' files: preferred_default wins over output-type order and date;
    without a flagged file, the experiment's default analysis wins over an older analysis' newer file."""
    table = encode.resolve(_request(encode_server, targets=list(ENCODE4))).set_index("target")
    flagged, unflagged = "ATF2", "SRF"
    assert table.loc[flagged, "accession"] == encode_server.chosen[flagged]
    assert table.loc[flagged, "output_type"] == "IDR thresholded peaks"  # third in the output_types list
    assert table.loc[flagged, "biological_replicates"] == "1,2"  # not one of the single-replicate files
    assert table.loc[unflagged, "accession"] == encode_server.chosen[unflagged]
    assert table.loc[unflagged, "output_type"] == "optimal IDR thresholded peaks"  # not the older 'conservative'
    assert table.loc[flagged, "experiment"] == encode_server.experiment[flagged]


def test_one_target_is_resolved_alone(encode_server):
    row = encode.resolve_target({**encode_server.source_config(), "target": "REST", "pinned": None})
    assert list(row["target"]) == ["REST"] and row.iloc[0]["accession"] == encode_server.chosen["REST"]
    assert [r for r in encode_server.requests if "/search/" in r] == [
        r for r in encode_server.requests if "target.label=REST" in r
    ]
    dnase = encode.resolve_target({**encode_server.source_config(), "target": "DNase"})
    assert dnase.iloc[0]["accession"] == DNASE


def test_choice_rules_on_constructed_records():
    def record(
        accession,
        output_type="conservative IDR thresholded peaks",
        assembly="GRCh38",
        status="released",
        date="2020-01-01",
        file_format="bed",
    ):
        return dict(
            accession=accession,
            output_type=output_type,
            assembly=assembly,
            status=status,
            date_created=date,
            file_format=file_format,
            file_type=f"{file_format} narrowPeak",
        )

    files = [
        record("ENCFF1", output_type="pseudoreplicated peaks", date="2024-01-01"),
        record("ENCFF2", date="2019-01-01"),
        record("ENCFF3", date="2021-01-01"),
        record("ENCFF4", date="2024-01-01", status="revoked"),
        record("ENCFF5", date="2024-01-01", assembly="hg19"),
        record("ENCFF6", date="2024-01-01", file_format="bigBed"),
    ]
    pick = encode.choose_peak_file(files, "GRCh38", encode.OUTPUT_TYPES, "T")
    assert pick["accession"] == "ENCFF3"
    assert encode.choose_peak_file(files, "hg19", encode.OUTPUT_TYPES, "T")["accession"] == "ENCFF5"
    only_pseudo = encode.choose_peak_file(files, "GRCh38", ["IDR thresholded peaks", "pseudoreplicated peaks"], "T")
    assert only_pseudo["accession"] == "ENCFF1"
    # ENCODE's preference first: preferred_default, then the experiment's default analysis, then output type
    ranked = [
        record("ENCFF7", output_type="IDR thresholded peaks", date="2018-01-01"),
        record("ENCFF8", output_type="optimal IDR thresholded peaks", date="2018-01-01"),
    ]
    assert encode.choose_peak_file(files + ranked, "GRCh38", encode.OUTPUT_TYPES, "T")["accession"] == "ENCFF3"
    ranked[1]["in_default_analysis"] = True
    for f in files:
        f["in_default_analysis"] = False
    assert encode.choose_peak_file(files + ranked, "GRCh38", encode.OUTPUT_TYPES, "T")["accession"] == "ENCFF8"
    ranked[0]["preferred_default"] = True
    assert encode.choose_peak_file(files + ranked, "GRCh38", encode.OUTPUT_TYPES, "T")["accession"] == "ENCFF7"
    with pytest.raises(encode.EncodeError, match="T: no released narrowPeak file of GRCh38"):
        encode.choose_peak_file(files[3:4], "GRCh38", encode.OUTPUT_TYPES, "T")


def test_default_analysis_membership():
    experiment = {
        "default_analysis": "/analyses/ENCAN2/",
        "analyses": [
            {"@id": "/analyses/ENCAN1/", "files": ["/files/A/"]},
            {"@id": "/analyses/ENCAN2/", "files": ["/files/B/"]},
        ],
    }
    assert encode.in_default_analysis(experiment, {"@id": "/files/B/"}) is True
    assert encode.in_default_analysis(experiment, {"@id": "/files/A/"}) is False
    assert encode.in_default_analysis(experiment, {"@id": "/files/C/", "analyses": [{"@id": "/analyses/ENCAN2/"}]})
    assert encode.in_default_analysis({}, {"@id": "/files/A/"}) is None


def test_pinned_accession_skips_the_search(encode_server):
    pinned = encode_server.chosen["GABPA"]
    table = encode.resolve(_request(encode_server, targets=["CTCF"], pinned={"CTCF": pinned}))
    assert table.set_index("target").loc["CTCF", "accession"] == pinned
    assert not any("/search/" in r for r in encode_server.requests)


def test_pinned_file_of_another_assembly_is_refused(encode_server):
    hg19 = next(p for p in (encode_server.root / "files").glob("*.json") if '"hg19"' in p.read_text()).stem
    with pytest.raises(encode.EncodeError, match=f"CTCF: pinned {hg19} is hg19, not GRCh38"):
        encode.resolve(_request(encode_server, targets=["CTCF"], pinned={"CTCF": hg19}))


def test_config_assembly_must_match_the_dnase_file(encode_server):
    with pytest.raises(encode.EncodeError, match=f"{DNASE} .* is GRCh38 but the config's assembly is hg19"):
        encode.resolve(_request(encode_server, assembly="hg19"))


def test_unknown_target_and_unreachable_portal(encode_server):
    with pytest.raises(encode.EncodeError, match="NOPE: no released TF ChIP-seq experiment"):
        encode.resolve(_request(encode_server, targets=["NOPE"]))
    with pytest.raises(encode.EncodeError, match="ENCFF000NONE.*HTTP 404"):
        encode.resolve(_request(encode_server, dnase_accession="ENCFF000NONE"))


def test_lock_table_round_trip(tmp_path, encode_server):
    table = encode.resolve(_request(encode_server, targets=["SRF"]))
    encode.write_lock(table, tmp_path / "lock.tsv")
    back = encode.read_lock(tmp_path / "lock.tsv")
    assert back.equals(table.astype(str))
    accession = encode_server.chosen["SRF"]
    assert encode.lock_entry(back, "SRF") == encode.lock_entry(back, accession)
    with pytest.raises(encode.EncodeError, match="0 rows for 'REST'"):
        encode.lock_entry(back, "REST")
    (tmp_path / "bad.tsv").write_text("target\taccession\nCTCF\tENCFF1\n")
    with pytest.raises(encode.EncodeError, match="lacks columns"):
        encode.read_lock(tmp_path / "bad.tsv")


def _peak_file(site, target="CTCF"):
    accession = site.chosen[target]
    path = f"/files/{accession}/@@download/{accession}.bed.gz"
    md5 = hashlib.md5((site.root / path.lstrip("/")).read_bytes()).hexdigest()
    return accession, path, md5


def test_corrupted_download_is_retried(tmp_path, encode_server):
    accession, path, md5 = _peak_file(encode_server)
    encode_server.faults[path] = ["corrupt", "error"]
    dest = tmp_path / "peaks.bed.gz"
    assert download.download(encode_server.url + path, dest, md5=md5, retries=3, label=accession, backoff=0) == md5
    assert download.md5sum(dest) == md5
    assert sum(r == path for r in encode_server.requests) == 3
    assert _leftovers(tmp_path) == []


def test_persistent_md5_mismatch_names_the_accession(tmp_path, encode_server):
    accession, path, md5 = _peak_file(encode_server)
    encode_server.faults[path] = ["corrupt"] * 3
    dest = tmp_path / "peaks.bed.gz"
    with pytest.raises(download.DownloadError, match=f"{accession}: .*after 3 attempts.*md5 mismatch"):
        download.download(encode_server.url + path, dest, md5=md5, retries=3, label=accession, backoff=0)
    assert list(tmp_path.iterdir()) == []


def test_truncated_download_leaves_nothing_behind(tmp_path, encode_server):
    accession, path, md5 = _peak_file(encode_server)
    encode_server.faults[path] = ["truncate"] * 2
    with pytest.raises(download.DownloadError, match="ended after"):
        download.download(encode_server.url + path, tmp_path / "a.bed.gz", retries=2, label=accession, backoff=0)
    assert list(tmp_path.iterdir()) == []
    # without an md5 the announced length still catches it; a later whole answer succeeds
    encode_server.faults[path] = ["truncate"]
    assert download.download(encode_server.url + path, tmp_path / "b.bed.gz", retries=2, backoff=0) == md5


def test_missing_file_is_not_retried(tmp_path, encode_server):
    with pytest.raises(download.DownloadError, match="ENCFF999XXX: .* HTTP 404"):
        download.download(f"{encode_server.url}/files/x.bed.gz", tmp_path / "x", retries=5, label="ENCFF999XXX")
    assert encode_server.requests.count("/files/x.bed.gz") == 1


def test_genome_is_decompressed_and_indexed(tmp_path, encode_server):
    fasta, fai = tmp_path / "GRCh38.fa", tmp_path / "GRCh38.fa.fai"
    sizes = genome.prepare(encode_server.genome_url(), fasta, fai)
    assert sizes == {name: len(seq) for name, seq in encode_server.genome.items()}
    loaded = genome.load(fasta)
    assert loaded["chr2"][1000:1100] == encode_server.genome["chr2"][1000:1100].upper()
    assert [line.split("\t")[:2] for line in fai.read_text().splitlines()] == [[k, str(v)] for k, v in sizes.items()]
    assert _leftovers(tmp_path) == []


def test_plain_fasta_is_accepted_and_other_files_refused(tmp_path, encode_server):
    write_fasta(encode_server.root / "genome" / "plain.fa", {"chrZ": "ACGT" * 50})
    sizes = genome.prepare(f"{encode_server.url}/genome/plain.fa", tmp_path / "z.fa", tmp_path / "z.fa.fai")
    assert sizes == {"chrZ": 200}
    accession = encode_server.chosen["CTCF"]
    with pytest.raises(ValueError, match="not a FASTA file"):
        genome.prepare(
            f"{encode_server.url}/files/{accession}/@@download/{accession}.bed.gz",
            tmp_path / "bed.fa",
            tmp_path / "bed.fa.fai",
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["z.fa", "z.fa.fai"]


def test_truncated_genome_leaves_nothing_behind(tmp_path, encode_server):
    encode_server.faults["/genome/GRCh38.fa.gz"] = ["truncate"]
    with pytest.raises(download.DownloadError, match="genome g.fa: .*ended after"):
        genome.prepare(encode_server.genome_url(), tmp_path / "g.fa", tmp_path / "g.fa.fai", retries=1)
    assert list(tmp_path.iterdir()) == []


def test_chromosome_names_must_overlap():
    assert genome.check_chromosomes(["chr1", "chrEBV"], ["chr1", "chr2"], "peaks.bed") == {"chrEBV"}
    with pytest.raises(ValueError, match="peaks.bed: none of its chromosomes.*differ only by a 'chr' prefix"):
        genome.check_chromosomes(["chr1", "chr2"], ["1", "2", "X"], "peaks.bed")
    with pytest.raises(ValueError, match="none of its chromosomes") as error:
        genome.check_chromosomes(["chr1"], ["scaffold_1"], "peaks.bed")
    assert "prefix" not in str(error.value)


def test_download_script_reads_url_and_md5_from_the_lock(tmp_path, encode_server):
    lock = tmp_path / "lock.tsv"
    encode.write_lock(encode.resolve(_request(encode_server, targets=["ELK1"])), lock)
    out = tmp_path / "downloads" / "ELK1.bed.gz"
    run_rule_script(
        "download_encode.py",
        input={"lock": str(lock)},
        params={"target": "ELK1"},
        wildcards={"source": "local", "target": "ELK1"},
        config={"encode": {"local": {"retries": 2}}},  # how to download: not a param
        output={"file": str(out)},
        log=[str(tmp_path / "download.log")],
    )
    _, _, md5 = _peak_file(encode_server, "ELK1")
    assert download.md5sum(out) == md5
    assert encode_server.chosen["ELK1"] in (tmp_path / "download.log").read_text()
