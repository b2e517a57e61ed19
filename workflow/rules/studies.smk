rule plot_study:
    input:
        table="results/tables/metrics.tsv",
        angles=lambda wc: [p for p, _ in sweep_angle_files(wc.sweep)],
    output:
        summary=report(
            "results/tables/study_{sweep}.tsv",
            caption="../report/study_table.rst",
            category="7. Studies",
        ),
        claims=report(
            "results/tables/study_{sweep}_claims.tsv",
            caption="../report/study_claims.rst",
            category="7. Studies",
        ),
        figure=report(
            "results/figures/studies/{sweep}.png",
            caption="../report/study_figure.rst",
            category="7. Studies",
        ),
        angles=report(
            "results/figures/studies/{sweep}_angles.png",
            caption="../report/study_angles.rst",
            category="7. Studies",
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
        regimes=config["regimes"],
        method=study_method,
        angle_regimes=lambda wc: [r for _, r in sweep_angle_files(wc.sweep)],
    script:
        "../../scripts/plot_study.py"
