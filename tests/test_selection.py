"""seqattr.selection and the consistency figures: ranks, correlations and contrast pairs on constructed tables."""

import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from seqattr import consistency, data, selection
from seqattr.plots.consistency import contrast_pairs

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"

#            model  kmer  kattr  auroc  snr
SYNTHETIC = [
    ("m1", 1.0, 0.8, 0.98, 3.0),
    ("m2", 0.5, 0.6, 0.99, 2.0),
    ("m3", 0.2, 0.3, 0.97, 1.0),
    ("m4", 0.8, 0.1, 0.96, 1.5),
]
CHIP = [("m1", 0.3, 0.4, 0.90), ("m2", 0.1, 0.2, 0.95)]


def _tables(task=0):
    label = {"regime": "standard", "seed": 1, "task": task, "method": "saliency"}
    consistency_rows, metric_rows = [], []
    for model, kmer, kattr, auroc, snr in SYNTHETIC:
        consistency_rows.append(
            {
                "dataset": "synthetic",
                "model": model,
                **label,
                "kmer_kld": kmer,
                "kattr_mean_kld": kattr,
                "n_sequences": 100,
            }
        )
        for corrected, value in (("raw", snr), ("corrected", 10 * snr)):
            metric_rows.append(
                {
                    "dataset": "synthetic",
                    "model": model,
                    **label,
                    "corrected": corrected,
                    "classification_auroc": auroc,
                    "classification_aupr": auroc,
                    "snr": value,
                }
            )
    for model, kmer, kattr, auroc in CHIP:
        consistency_rows.append(
            {"dataset": "chip", "model": model, **label, "kmer_kld": kmer, "kattr_mean_kld": kattr, "n_sequences": 100}
        )
        metric_rows.append(
            {
                "dataset": "chip",
                "model": model,
                **label,
                "corrected": "raw",
                "classification_auroc": auroc,
                "classification_aupr": auroc,
                "snr": np.nan,
            }
        )
    return pd.DataFrame(consistency_rows), pd.DataFrame(metric_rows)


def test_ranks_combine_generalisation_and_consistency():
    table = selection.select(*_tables())
    synthetic = table[table["dataset"] == "synthetic"].set_index("model")
    assert synthetic["rank_auroc"].to_dict() == {"m2": 1, "m1": 2, "m3": 3, "m4": 4}
    assert synthetic["rank_consistency"].to_dict() == {"m1": 1.0, "m2": 2.5, "m4": 3.0, "m3": 3.5}
    assert synthetic["selection_score"].to_dict() == {"m1": 1.5, "m2": 1.75, "m3": 3.25, "m4": 3.5}
    assert synthetic["selection_rank"].to_dict() == {"m1": 1, "m2": 2, "m3": 3, "m4": 4}
    assert synthetic["snr"].to_dict() == {"m1": 3.0, "m2": 2.0, "m3": 1.0, "m4": 1.5}  # raw maps, not corrected
    # chip is ranked on its own: m1 is more consistent, m2 generalises better → tie broken by k-attr-mean KLD
    chip = table[table["dataset"] == "chip"].set_index("model")
    assert chip["selection_score"].tolist() == [1.5, 1.5]
    assert chip["selection_rank"].to_dict() == {"m1": 1, "m2": 2}


def test_each_task_is_ranked_on_its_own():
    one, two = _tables(task=0), _tables(task=1)
    two[1]["classification_auroc"] = 2 - two[1]["classification_auroc"]  # task 1: the AUROC order reversed
    table = selection.select(*(pd.concat(parts, ignore_index=True) for parts in zip(one, two)))
    ranks = table[table["dataset"] == "synthetic"].set_index(["task", "model"])["rank_auroc"]
    assert ranks.loc[0].to_dict() == {"m2": 1, "m1": 2, "m3": 3, "m4": 4}
    assert ranks.loc[1].to_dict() == {"m4": 1, "m3": 2, "m1": 3, "m2": 4}
    assert set(selection.correlations(table)["task"]) == {0, 1}


def test_models_without_metrics_rank_last():
    kld, metrics = _tables()
    table = selection.select(kld, metrics[metrics["model"] != "m1"])
    synthetic = table[table["dataset"] == "synthetic"].set_index("model")
    assert np.isnan(synthetic.loc["m1", "classification_auroc"])
    assert synthetic.loc["m1", "rank_auroc"] == 4


def test_missing_columns_are_named():
    kld, metrics = _tables()
    with pytest.raises(ValueError, match="metrics table: missing columns \\['corrected'\\]"):
        selection.select(kld, metrics.drop(columns="corrected"))


def test_correlations_with_snr_only_where_there_is_one():
    table = selection.select(*_tables())
    result = selection.correlations(table).set_index("kld")
    assert set(result["dataset"]) == {"synthetic"}
    assert result["n"].tolist() == [4, 4]
    # hand-computed rank differences (0, 1, 0, −1) and (0, 0, 1, −1): ρ = 1 − 6·2 / (4·15)
    assert result.loc["k-mer", "spearman"] == pytest.approx(0.8)
    assert result.loc["k-attr-mean", "spearman"] == pytest.approx(0.8)
    snr = [row[4] for row in SYNTHETIC]
    assert result.loc["k-mer", "pearson"] == pytest.approx(np.corrcoef(snr, [row[1] for row in SYNTHETIC])[0, 1])


def test_contrast_pairs_pick_most_and_least_consistent_per_group():
    models = [
        {
            "dataset": "synthetic",
            "task": 0,
            "method": "saliency",
            "kmer_kld": 0.5,
            "kattr_mean_kld": 0.6,
            "label": "mid",
        },
        {
            "dataset": "synthetic",
            "task": 0,
            "method": "saliency",
            "kmer_kld": 1.0,
            "kattr_mean_kld": 0.8,
            "label": "best",
        },
        {
            "dataset": "synthetic",
            "task": 0,
            "method": "saliency",
            "kmer_kld": 0.1,
            "kattr_mean_kld": 0.2,
            "label": "worst",
        },
        {"dataset": "chip", "task": 0, "method": "saliency", "kmer_kld": 0.1, "kattr_mean_kld": 0.2, "label": "alone"},
    ]
    pairs = contrast_pairs(models)
    assert [(title, a["label"], b["label"]) for title, a, b in pairs] == [
        ("synthetic · task 0 · saliency", "best", "worst")
    ]


def _run(script: str, **namespaces):
    snakemake = SimpleNamespace(**{k: SimpleNamespace(**v) for k, v in namespaces.items()}, log=[])
    runpy.run_path(str(SCRIPTS / script), init_globals={"snakemake": snakemake})


def test_select_and_plot_scripts(tmp_path):
    kld, metrics = _tables()
    paths = []
    for i, (_, row) in enumerate(kld.iterrows()):
        paths.append(str(tmp_path / f"c{i}.tsv"))
        row.to_frame().T.to_csv(paths[-1], sep="\t", index=False)
    metrics.to_csv(tmp_path / "metrics.tsv", sep="\t", index=False)
    _run(
        "select_models.py",
        input={"consistency": paths, "metrics": str(tmp_path / "metrics.tsv")},
        output={"table": str(tmp_path / "selection.tsv"), "correlations": str(tmp_path / "corr.tsv")},
    )
    written = pd.read_csv(tmp_path / "selection.tsv", sep="\t")
    assert written[written["selection_rank"] == 1]["model"].tolist() == ["m1", "m1"]
    assert pd.read_csv(tmp_path / "corr.tsv", sep="\t")["spearman"].tolist() == pytest.approx([0.8, 0.8])

    rng = np.random.default_rng(0)
    x = data.one_hot(["".join(rng.choice(list("ACGT"), 60)) for _ in range(20)])
    histograms = []
    for i, scale in enumerate((1.0, 0.1)):
        G = rng.normal(size=x.shape) + 5 * x * (np.arange(60) % 20 < 6)[None, :, None] * scale
        result = consistency.consistency(G, x, k=3)
        arrays = {k: v for k, v in result.items() if isinstance(v, np.ndarray)}
        attrs = {
            "dataset": "synthetic",
            "task": 0,
            "method": "saliency",
            "kmer_kld": result["kmer_kld"],
            "kattr_mean_kld": result["kattr_mean_kld"],
        }
        histograms.append(str(tmp_path / f"h{i}.h5"))
        data.write_h5(histograms[-1], arrays, attrs)
    outputs = {name: str(tmp_path / f"{name}.png") for name in ("snr_vs_kld", "kmer_frequencies", "angular_density")}
    _run(
        "plot_consistency.py",
        input={"selection": str(tmp_path / "selection.tsv"), "histograms": histograms},
        params={"labels": ["a", "b"]},
        output=outputs,
    )
    for path in outputs.values():
        assert Path(path).read_bytes()[:4] == b"\x89PNG" and Path(path).with_suffix(".pdf").exists()
