rule aggregate:
    input:
        tables=run_paths(
            "results/analysis/{dataset}/{model}/{regime}/seed{seed}/task{task}/{method}.tsv"
        ),
        angles=run_paths(
            "results/analysis/{dataset}/{model}/{regime}/seed{seed}/task{task}/{method}.angles.h5"
        ),
        metrics=run_paths(
            "results/models/{dataset}/{model}/{regime}/seed{seed}/test_metrics.json",
            with_methods=False,
        ),
    output:
        table=report(
            "results/tables/metrics.tsv",
            caption="../report/metrics_table.rst",
            category=category("Tables"),
        ),
        reproduction=report(
            "results/tables/reproduction_004.tsv",
            caption="../report/reproduction.rst",
            category=category("Tables"),
        ),
    log:
        "logs/aggregate.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        runs=[
            dict(dataset=r.dataset, model=r.model, regime=r.regime, seed=r.seed)
            for r, _ in RUNS
        ],
        tasks=TASKS,
        gradient_methods=gradient_methods(),
    script:
        "../../scripts/aggregate.py"


rule plot_evaluation:
    input:
        table="results/tables/metrics.tsv",
        reproduction="results/tables/reproduction_004.tsv",
        angles=study_method_angle_files(),
    output:
        **{
            name: report(
                f"results/figures/evaluation/{name}.png",
                caption=f"../report/{name}.rst",
                category=category("Ground-truth evaluation"),
            )
            for name in [
                "scatter",
                "improvement",
                "angle_density",
                "improvement_vs_angle",
                "large_angles",
                "claims_004",
            ]
        },
    log:
        "logs/plot_evaluation.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        method=study_method(),
    script:
        "../../scripts/plot_evaluation.py"


rule paper_table:
    input:
        metrics="results/tables/metrics.tsv",
        selection="results/tables/selection.tsv",
        reference=f"{workflow.basedir}/resources/papers/{{table}}.tsv",
        claims=f"{workflow.basedir}/resources/papers/{{table}}.claims.tsv",
    output:
        table=report(
            "results/tables/{table}.tsv",
            caption="../report/paper_table.rst",
            category=category("Tables"),
        ),
        claims=report(
            "results/tables/{table}_claims.tsv",
            caption="../report/paper_claims.rst",
            category=category("Tables"),
        ),
    log:
        "logs/paper_table/{table}.log",
    wildcard_constraints:
        table=r"paper_\d+_table\d+",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        method=study_method,
        min_auroc=config["paper_tables_min_test_auroc"],
    script:
        "../../scripts/paper_table.py"


rule analysis_plan:
    output:
        table=report(
            "results/tables/analyses.tsv",
            caption="../report/analyses.rst",
            category=category("Tables"),
        ),
    log:
        "logs/analysis_plan.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        plan=cfg.analysis_plan(config),
    script:
        "../../scripts/analysis_plan.py"


rule motif_ablation:
    input:
        model=f"results/models/{RUN_DIR}/model.keras",
        data=dataset_file,
        checked=dataset_check,
    output:
        table=f"results/analysis/{RUN_DIR}/motif_ablation.tsv",
    log:
        f"logs/motif_ablation/{RUN_DIR}.log",
    benchmark:
        f"benchmarks/runs/motif_ablation/{RUN_DIR}.tsv"
    conda:
        gpu_software("conda")
    container:
        gpu_software("container")
    threads: 1  # one TensorFlow thread per job: see docs/decisions.md, "Threads"
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=1,
    params:
        content=dataset_content,
        seed=lambda wc: int(wc.seed),
        label=lambda wc: dict(
            dataset=wc.dataset, model=wc.model, regime=wc.regime, seed=int(wc.seed)
        ),
    script:
        "../../scripts/motif_ablation.py"


rule motif_ablation_table:
    input:
        tables=motif_ablation_paths(f"results/analysis/{RUN_DIR}/motif_ablation.tsv"),
    output:
        table=report(
            "results/tables/motif_ablation.tsv",
            caption="../report/motif_ablation.rst",
            category=category("Tables"),
        ),
        summary="results/tables/motif_ablation_summary.tsv",
    log:
        "logs/motif_ablation_table.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../../scripts/motif_ablation_table.py"
