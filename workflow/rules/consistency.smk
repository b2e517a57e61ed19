rule consistency:
    input:
        attributions=f"results/attributions/{ATTR_DIR}/{{method}}.h5",
        data=dataset_file,
    output:
        table=f"results/consistency/{ATTR_DIR}/{{method}}.tsv",
        histograms=f"results/consistency/{ATTR_DIR}/{{method}}.h5",
    log:
        f"logs/consistency/{ATTR_DIR}/{{method}}.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        content=dataset_content,
        consistency=config["consistency"],
        key_map=dataset_keys,
        label=run_label,
    script:
        "../../scripts/consistency.py"


rule select_models:
    input:
        consistency=run_paths(
            "results/consistency/{dataset}/{model}/{regime}/seed{seed}/task{task}/{method}.tsv"
        ),
        metrics="results/tables/metrics.tsv",
    output:
        table=report(
            "results/tables/selection.tsv",
            caption="../report/selection.rst",
            category=category("Tables"),
        ),
        correlations=report(
            "results/tables/consistency_correlations.tsv",
            caption="../report/consistency_correlations.rst",
            category=category("Tables"),
        ),
    log:
        "logs/select_models.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/select_models.py"


rule plot_consistency:
    input:
        selection="results/tables/selection.tsv",
        histograms=run_paths(
            "results/consistency/{dataset}/{model}/{regime}/seed{seed}/task{task}/{method}.h5"
        ),
    output:
        **{
            name: report(
                f"results/figures/consistency/{name}.png",
                caption=f"../report/{name}.rst",
                category=category("Consistency"),
            )
            for name in ["snr_vs_kld", "kmer_frequencies", "angular_density"]
        },
    log:
        "logs/plot_consistency.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        labels=run_paths("{dataset}/{model}/{regime}/seed{seed}/task{task}/{method}"),
    script:
        "../../scripts/plot_consistency.py"
