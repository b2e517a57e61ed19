"""FASTA + labels datasets: IUPAC codes become zero columns and are counted; every input problem is one line;
a regression model trains on one through Snakemake."""

import gzip
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from seqattr import data, fasta
from seqattr.data import DatasetError
from helpers.workflow_runner import snakemake

RNG = np.random.default_rng(0)


def _write(tmp_path, records, labels, fasta_text=None):
    """A FASTA file of ``records`` (ID → sequence) and a labels TSV of ``labels`` (a DataFrame with an ID column)."""
    fasta_path, labels_path = tmp_path / "seqs.fa", tmp_path / "labels.tsv"
    fasta_path.write_text(
        fasta_text
        if fasta_text is not None
        else "".join(f">{name} some description\n{seq[:30]}\n{seq[30:]}\n" for name, seq in records.items())
    )
    labels.to_csv(labels_path, sep="\t", index=False)
    return {"fasta": str(fasta_path), "labels": str(labels_path), "split": [0.5, 0.25, 0.25], "seed": 1}


def _records(n=20, length=50):
    return {f"seq{i}": "".join(RNG.choice(list("ACGT"), length)) for i in range(n)}


def _labels(names, columns=("dev", "hk"), binary=False):
    values = RNG.integers(0, 2, (len(names), len(columns))) if binary else RNG.normal(size=(len(names), len(columns)))
    return pd.DataFrame({"id": list(names), **{c: values[:, i] for i, c in enumerate(columns)}})


def test_a_fasta_dataset_keeps_labels_with_their_sequences(tmp_path):
    records = _records()
    records["seq3"] = "N" * 5 + records["seq3"][5:].lower()  # lower case is read; N is a zero column
    records["seq7"] = records["seq7"][:10] + "RY" + records["seq7"][12:]
    labels = _labels(records).iloc[::-1]  # the table's order does not matter
    spec = _write(tmp_path, records, labels)
    splits, attrs = fasta.build({**spec, "task": "regression"})
    assert [len(splits[s]["x"]) for s in data.SPLITS] == [10, 5, 5]
    assert attrs["task_names"] == ["dev", "hk"] and attrs["length"] == 50 and attrs["task"] == "regression"
    assert attrs["non_acgt_positions"] == 7 and attrs["non_acgt_sequences"] == 2
    by_id = labels.set_index("id")
    for split in data.SPLITS:
        for x, y in zip(splits[split]["x"], splits[split]["y"]):
            name = next(
                n
                for n, s in records.items()
                if data.decode(x[None])[0] == s.upper().replace("R", "N").replace("Y", "N")
            )
            np.testing.assert_allclose(y, by_id.loc[name].to_numpy(np.float32))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r, labels, t: (r, labels, t.replace(">seq2 ", ">seq1 ")), "seqs.fa: duplicate ID 'seq1'"),
        (lambda r, labels, t: (r, pd.concat([labels, labels.iloc[[4]]]), None), "labels.tsv: duplicate ID 'seq4'"),
        (
            lambda r, labels, t: (r, labels.iloc[1:], None),
            "seqs.fa: 1 sequence\\(s\\) have no row in .*labels.tsv, e.g. 'seq0'",
        ),
        (
            lambda r, labels, t: (r, pd.concat([labels, labels.iloc[[0]].assign(id="extra")]), None),
            "labels.tsv: 1 ID\\(s\\) have no sequence in .*seqs.fa, e.g. 'extra'",
        ),
        (
            lambda r, labels, t: (r, labels.assign(hk=[np.nan] + list(labels["hk"][1:])), None),
            "labels.tsv: ID 'seq0' has no numeric label in column 'hk'",
        ),
        (
            lambda r, labels, t: ({**r, "seq5": r["seq5"][:20] + "X" + r["seq5"][21:]}, labels, None),
            "seqs.fa: sequence 'seq5' has 'X' at position 21, not an IUPAC nucleotide letter",
        ),
        (
            lambda r, labels, t: ({**r, "seq6": r["seq6"][:-1]}, labels, None),
            "seqs.fa: sequence 'seq6' has length 49, the first has 50",
        ),
        (lambda r, labels, t: (r, labels, "ACGT\n" + t), "seqs.fa: line 1: sequence before the first '>' header"),
    ],
)
def test_every_input_problem_is_one_line(tmp_path, change, message):
    records = _records()
    labels = _labels(records)
    text = "".join(f">{name} \n{seq}\n" for name, seq in records.items())
    records, labels, text = change(records, labels, text)
    spec = _write(tmp_path, records, labels, text)
    with pytest.raises(DatasetError, match=message) as error:
        fasta.build({**spec, "task": "regression"})
    assert "\n" not in str(error.value)


def test_binary_labels_must_be_zero_or_one(tmp_path):
    records = _records()
    spec = _write(tmp_path, records, _labels(records, binary=True))
    splits, _ = fasta.build({**spec, "task": "binary"})
    assert set(np.unique(splits["train"]["y"])) <= {0.0, 1.0}
    spec = _write(tmp_path, records, _labels(records))
    with pytest.raises(DatasetError, match="binary task, but ID 'seq0' has label .* in column 'dev' \\(0 or 1"):
        fasta.build({**spec, "task": "binary"})


def _checked(tmp_path, spec, task="binary", **options):
    """The dataset check the workflow runs on a FASTA dataset's HDF5 file before training."""
    splits, attrs = fasta.build({"task": task, **spec})
    path = tmp_path / "built.h5"
    data.write_dataset(path, splits, attrs)
    return data.check_dataset(path, task_type=task, **options)


def test_a_fasta_dataset_is_checked_before_training(tmp_path):
    records = _records(n=40)
    spec = _write(tmp_path, records, _labels(records, columns=("bound",), binary=True))
    assert _checked(tmp_path, spec)["splits"]["train"]["sequences"] == 20
    with pytest.raises(DatasetError, match="attribution.tasks: task 2 does not exist: y_test has 1 task"):
        _checked(tmp_path, spec, tasks=(2,))
    unbound = pd.DataFrame({"id": list(records), "bound": 0})  # every label 0
    with pytest.raises(DatasetError, match="y_train has no positive of task 0"):
        _checked(tmp_path, _write(tmp_path, records, unbound))
    few = _records(n=3)  # too few for a validation split
    with pytest.raises(DatasetError, match="x_valid is empty"):
        _checked(tmp_path, _write(tmp_path, few, _labels(few, columns=("bound",))), task="regression")


def test_a_gzipped_or_bgzipped_fasta_is_read_and_other_binary_is_named(tmp_path):
    records = _records(n=6)
    spec = _write(tmp_path, records, _labels(records))
    plain = fasta.read_fasta(spec["fasta"])
    gzipped = tmp_path / "seqs.fa.gz"
    with open(spec["fasta"], "rb") as source, gzip.open(gzipped, "wb") as target:
        target.write(source.read())
    assert fasta.read_fasta(gzipped) == plain
    blocks = tmp_path / "members.fa.gz"  # bgzip's layout: a series of gzip members (blocks)
    text = open(spec["fasta"], "rb").read()
    blocks.write_bytes(gzip.compress(text[:100]) + gzip.compress(text[100:]))
    assert fasta.read_fasta(blocks) == plain
    binary = tmp_path / "seqs.fa.xz"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(DatasetError, match=f"{binary}: not a FASTA text file"):
        fasta.read_fasta(binary)
    truncated = tmp_path / "cut.fa.gz"
    truncated.write_bytes(gzipped.read_bytes()[:-20])
    with pytest.raises(DatasetError, match=f"{truncated}: not a FASTA text file"):
        fasta.read_fasta(truncated)


@pytest.mark.workflow
def test_a_regression_model_trains_on_a_fasta_dataset(tmp_path):
    """Through Snakemake: the fasta rule, then training with MSE and selection on mean Pearson r."""
    records = _records(n=200, length=100)
    gc = np.array([sum(c in "GC" for c in s) / 100 for s in records.values()])
    labels = pd.DataFrame({"id": list(records), "gc": (gc - gc.mean()) / gc.std(), "at": (gc.mean() - gc) / gc.std()})
    spec = _write(tmp_path, records, labels)
    config = {
        "datasets": {"mine": {"kind": "fasta", "task": "regression", **spec}},
        "models": {"m": {"architecture": "local_net", "options": {"dropout": 0.0}}},
        "training": {"epochs": 3, "batch_size": 20, "learning_rate": 0.01},
        "experiments": [{"datasets": ["mine"], "models": ["m"], "seeds": 1}],
    }
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    snakemake(tmp_path, configfile, "results/models/mine/m/standard/seed1/test_metrics.json")
    assert data.read_attrs(tmp_path / "results" / "data" / "mine.h5")["task"] == "regression"
    assert json.loads((tmp_path / "results/checks/mine.json").read_text())["tasks"] == 2  # checked before training
    metrics = json.loads((tmp_path / "results/models/mine/m/standard/seed1/test_metrics.json").read_text())
    assert metrics["task_type"] == "regression" and [row["task"] for row in metrics["per_task"]] == [0, 1]
    assert np.isfinite(metrics["pearson"]) and np.isfinite(metrics["mse"])
    history = pd.read_csv(tmp_path / "results/models/mine/m/standard/seed1/history.tsv", sep="\t")
    assert "val_pearson" in history and metrics["best_epoch"] == int(history["val_pearson"].idxmax()) + 1
