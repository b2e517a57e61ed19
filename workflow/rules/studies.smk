rule plot_study:
    input:
        table="results/tables/metrics.tsv",
        angles=lambda wc: [p for p, _ in sweep_angle_files(wc.sweep)],
    output:
        summary=report(
            "results/tables/study_{sweep}.tsv",
            caption="../report/study_table.rst",
            category=category("Studies"),
        ),
        claims=report(
            "results/tables/study_{sweep}_claims.tsv",
            caption="../report/study_claims.rst",
            category=category("Studies"),
        ),
        figure=report(
            "results/figures/studies/{sweep}.png",
            caption="../report/study_figure.rst",
            category=category("Studies"),
        ),
        angles=report(
            "results/figures/studies/{sweep}_angles.png",
            caption="../report/study_angles.rst",
            category=category("Studies"),
        ),
    log:
        "logs/plot_study/{sweep}.log",
    wildcard_constraints:
        sweep="init_std|angle_regularization",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        values=sweep_regime_values,
        method=study_method,
        angle_regimes=lambda wc: [r for _, r in sweep_angle_files(wc.sweep)],
    script:
        "../../scripts/plot_study.py"


rule metrics_over_epochs:
    input:
        model=f"results/models/{RUN_DIR}/model.keras",
        data=dataset_file,
        checked=dataset_check,
    output:
        table=f"results/over_epochs/{ATTR_DIR}/{{method}}.tsv",
    log:
        f"logs/metrics_over_epochs/{ATTR_DIR}/{{method}}.log",
    conda:
        gpu_software("conda")
    container:
        gpu_software("container")
    threads: 2
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
        label=run_label,
    script:
        "../../scripts/metrics_over_epochs.py"


rule plot_over_epochs:
    input:
        tables=over_epochs_paths(),
    output:
        table=report(
            "results/tables/over_epochs.tsv",
            caption="../report/over_epochs_table.rst",
            category=category("Studies"),
        ),
        figure=report(
            "results/figures/studies/over_epochs.png",
            caption="../report/over_epochs.rst",
            category=category("Studies"),
        ),
    log:
        "logs/plot_over_epochs.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/plot_over_epochs.py"
