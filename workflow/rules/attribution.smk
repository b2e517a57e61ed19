rule attribute:
    input:
        model=f"results/models/{RUN_DIR}/model.keras",
        data=dataset_file,
        checked=dataset_check,
    output:
        h5=f"results/attributions/{ATTR_DIR}/{{method}}.h5",
    log:
        f"logs/attribute/{ATTR_DIR}/{{method}}.log",
    benchmark:
        f"benchmarks/runs/attribute/{ATTR_DIR}/{{method}}.tsv"
    conda:
        gpu_software("conda")
    container:
        gpu_software("container")
    threads: 1  # one TensorFlow thread per job: see docs/decisions.md, "Threads"
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=1,
    params:
        content=dataset_content,
        method=method_spec,
        selection=ATTRIBUTION_SELECTION,
        task=attributed_task,
        task_type=dataset_task,
        key_map=dataset_keys,
        seed=lambda wc: int(wc.seed),
    script:
        "../../scripts/attribute.py"


rule analyze:
    input:
        attributions=f"results/attributions/{ATTR_DIR}/{{method}}.h5",
    output:
        table=f"results/analysis/{ATTR_DIR}/{{method}}.tsv",
        angles=f"results/analysis/{ATTR_DIR}/{{method}}.angles.h5",
    log:
        f"logs/analyze/{ATTR_DIR}/{{method}}.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        label=run_label,
    script:
        "../../scripts/analyze.py"


rule plot_attribution:
    input:
        attributions=f"results/attributions/{ATTR_DIR}/{{method}}.h5",
    output:
        png=report(
            f"results/figures/attribution/{ATTR_DIR}/{{method}}.png",
            caption="../report/attribution_panel.rst",
            category=category("Attribution maps"),
            subcategory="{dataset}",
            labels={
                "model": "{model}",
                "regime": "{regime}",
                "seed": "{seed}",
                "task": "{task}",
                "method": "{method}",
            },
        ),
    log:
        f"logs/plot_attribution/{ATTR_DIR}/{{method}}.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n=config["attribution"]["plot_sequences"],
    script:
        "../../scripts/plot_attribution.py"
