rule motif_database:
    output:
        meme="results/motifs/jaspar/{release}/{collection}/{tax_group}.meme",
    log:
        "logs/motif_database/{release}/{collection}/{tax_group}.log",
    wildcard_constraints:
        release=r"JASPAR\d{4}",
        collection=r"[A-Z_]+",
        tax_group=r"[a-z]+",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/motif_database.py"


rule motifs:
    input:
        attributions=f"results/attributions/{ATTR_DIR}/{{method}}.h5",
        database=motif_database_file,
    output:
        table=f"results/motifs/{ATTR_DIR}/{{method}}.tsv",
        patterns=f"results/motifs/{ATTR_DIR}/{{method}}.patterns.tsv",
        arrays=f"results/motifs/{ATTR_DIR}/{{method}}.h5",
    log:
        f"logs/motifs/{ATTR_DIR}/{{method}}.log",
    benchmark:
        f"benchmarks/runs/motifs/{ATTR_DIR}/{{method}}.tsv"
    conda:
        "../../envs/workflow.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        settings=motif_settings(),
        references=motif_references,
        label=run_label,
    script:
        "../../scripts/motifs.py"


rule motif_tables:
    input:
        tables=motif_run_paths(
            "results/motifs/{dataset}/{model}/{regime}/seed{seed}/task{task}/{method}.tsv"
        ),
    output:
        table=report(
            "results/tables/motifs.tsv",
            caption="../report/motifs_table.rst",
            category=category("Tables"),
        ),
        summary=report(
            "results/tables/motifs_summary.tsv",
            caption="../report/motifs_summary.rst",
            category=category("Tables"),
        ),
    log:
        "logs/motif_tables.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/motif_tables.py"


rule plot_motifs:
    input:
        arrays=f"results/motifs/{ATTR_DIR}/{{method}}.h5",
        patterns=f"results/motifs/{ATTR_DIR}/{{method}}.patterns.tsv",
    output:
        png=report(
            f"results/figures/motifs/{ATTR_DIR}/{{method}}.png",
            caption="../report/motif_logos.rst",
            category=category("Motif discovery"),
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
        f"logs/plot_motifs/{ATTR_DIR}/{{method}}.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        n=config["motifs"]["plot_patterns"],
    script:
        "../../scripts/plot_motifs.py"


rule plot_motif_summary:
    input:
        table="results/tables/motifs.tsv",
    output:
        png=report(
            "results/figures/motifs/recovery.png",
            caption="../report/motif_recovery.rst",
            category=category("Motif discovery"),
        ),
    log:
        "logs/plot_motif_summary.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/plot_motif_summary.py"
