rule ensemble:
    input:
        attributions=ensemble_members,
    output:
        ensemble="results/ensemble/{dataset}/{model}/task{task}/{method}.h5",
        reduction="results/ensemble/{dataset}/{model}/task{task}/{method}.tsv",
    log:
        "logs/ensemble/{dataset}/{model}/task{task}/{method}.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        label=run_label,
    script:
        "../../scripts/ensemble.py"


rule plot_ensemble:
    input:
        reductions=ensemble_paths(
            "results/ensemble/{dataset}/{model}/task{task}/{method}.tsv"
        ),
        ensembles=ensemble_paths(
            "results/ensemble/{dataset}/{model}/task{task}/{method}.h5"
        ),
        table="results/tables/metrics.tsv",
    output:
        **{
            name: report(
                f"results/figures/ensemble/{name}.png",
                caption=f"../report/ensemble_{name}.rst",
                category=category("In vivo ensemble proxy"),
            )
            for name in ["angle_density", "reduction", "large_angles"]
        },
        claims="results/tables/ensemble_claims.tsv",
    log:
        "logs/plot_ensemble.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        labels=ensemble_paths("{dataset} {model} task{task} {method}"),
        synthetic=synthetic_datasets(),
    script:
        "../../scripts/plot_ensemble.py"


rule plot_ensemble_logos:
    input:
        member=lambda wc: ensemble_members(wc)[0],
        ensemble="results/ensemble/{dataset}/{model}/task{task}/{method}.h5",
    output:
        png=report(
            "results/figures/ensemble/logos/{dataset}/{model}/task{task}/{method}.png",
            caption="../report/ensemble_logos.rst",
            category=category("In vivo ensemble proxy"),
            labels={
                "dataset": "{dataset}",
                "model": "{model}",
                "task": "{task}",
                "method": "{method}",
            },
        ),
    log:
        "logs/plot_ensemble_logos/{dataset}/{model}/task{task}/{method}.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n=config["attribution"]["plot_sequences"],
    script:
        "../../scripts/plot_ensemble_logos.py"
