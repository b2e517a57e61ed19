"""A user's own files decide reruns by content (seqattr.user_files): digests, their cache, which files."""

import hashlib
import os
import re
from pathlib import Path

import pytest

from seqattr import config as cfg
from seqattr import user_files


def test_the_digest_is_the_files_sha256_and_follows_its_content_not_its_time_stamp(tmp_path, monkeypatch):
    path, cache = tmp_path / "mine.h5", tmp_path / "digests.json"
    path.write_bytes(b"first version")
    hashed = []
    real = user_files._sha256
    monkeypatch.setattr(user_files, "_sha256", lambda p: hashed.append(p) or real(p))
    first = user_files.content_digest(path, cache)
    assert first == hashlib.sha256(b"first version").hexdigest()
    assert user_files.content_digest(path, cache) == first and len(hashed) == 1  # unchanged: remembered
    stat = path.stat()
    path.write_bytes(b"other version")  # replaced by a file of the same size and an older time stamp
    os.utime(path, ns=(stat.st_atime_ns - 10**12, stat.st_mtime_ns - 10**12))
    assert user_files.content_digest(path, cache) == hashlib.sha256(b"other version").hexdigest()
    os.utime(path)  # touched: the stat changes, the digest does not
    assert user_files.content_digest(path, cache) == hashlib.sha256(b"other version").hexdigest()
    assert len(hashed) == 3
    assert user_files.content_digest(tmp_path / "missing.h5", cache) is None
    cache.write_text("{not json")
    assert user_files.content_digest(path, cache) == hashlib.sha256(b"other version").hexdigest()


def test_the_user_files_of_each_dataset_kind(tmp_path):
    weights = tmp_path / "w.h5"
    weights.write_bytes(b"weights")
    config = {
        "datasets": {
            "own": {"kind": "h5", "path": "data/mine.h5"},
            "seqs": {"kind": "fasta", "fasta": "seqs.fa.gz", "labels": "labels.tsv"},
            "lab": {"kind": "url", "url": "https://example.org/x.h5", "md5": "0" * 32},
            "sim": {"kind": "synthetic"},
        }
    }
    assert {d: cfg.dataset_user_files(config, d) for d in config["datasets"]} == {
        "own": ["data/mine.h5"],
        "seqs": ["seqs.fa.gz", "labels.tsv"],
        "lab": [],
        "sim": [],
    }
    spec = {"weights": [{"url": "https://example.org/1.h5", "md5": "0" * 32}, str(weights)]}
    assert cfg.weights_user_file(spec, 1) is None and cfg.weights_user_file(spec, 2) == str(weights)


@pytest.mark.parametrize(
    "rule_file", ["attribution", "consistency", "data", "evaluation", "pretrained", "studies", "training"]
)
def test_every_rule_reading_a_dataset_file_carries_its_content(rule_file):
    """The content param is what reruns a job after its user file changed (its input is ancient())."""
    text = (Path(__file__).resolve().parents[1] / "workflow" / "rules" / f"{rule_file}.smk").read_text()
    for rule in re.split(r"(?m)^(?=rule )", text):
        if "data=dataset_file," in rule:
            assert "content=dataset_content," in rule, rule.splitlines()[0]
