from seqattr import simulate


rule simulate_synthetic:
    output:
        h5="results/data/{dataset}.h5",
    log:
        "logs/simulate_synthetic/{dataset}.log",
    benchmark:
        "benchmarks/runs/simulate_synthetic/{dataset}.tsv"
    wildcard_constraints:
        dataset=built_by("simulate_synthetic"),
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        dataset=dataset_config,
        # a changed generator regenerates the data of the layouts it changed (seqattr.simulate.version)
        version=lambda wc: simulate.version(dataset_config(wc)),
    script:
        "../../scripts/simulate_synthetic.py"


rule fasta_dataset:
    input:
        fasta=lambda wc: ancient(dataset_config(wc)["fasta"]),
        labels=lambda wc: ancient(dataset_config(wc)["labels"]),
    output:
        h5="results/data/{dataset}.h5",
    log:
        "logs/fasta_dataset/{dataset}.log",
    wildcard_constraints:
        dataset=built_by("fasta_dataset"),
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        dataset=dataset_config,
        content=dataset_content,
    script:
        "../../scripts/fasta_dataset.py"


rule plot_dataset:
    input:
        h5="results/data/{dataset}.h5",
    output:
        png=report(
            "results/figures/data/{dataset}.png",
            caption="../report/dataset.rst",
            category=category("Data"),
            labels={"dataset": "{dataset}"},
        ),
    log:
        "logs/plot_dataset/{dataset}.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/plot_dataset.py"


rule check_dataset:
    input:
        data=dataset_file,
    output:
        stamp="results/checks/{dataset}.json",
    log:
        "logs/check_dataset/{dataset}.log",
    wildcard_constraints:
        dataset=user_datasets(),
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        content=dataset_content,
        key_map=dataset_keys,
        task_type=dataset_task,
        splits=lambda wc: cfg.splits_read(config, wc.dataset),
        tasks=TASKS,
        positives=config["attribution"]["sequences"] == "positives",
    script:
        "../../scripts/check_dataset.py"
