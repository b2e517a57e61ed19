rule encode_metadata:
    output:
        lock="resources/encode/{source}/{target}.tsv",
    log:
        "logs/encode_metadata/{source}/{target}.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        query=encode_query,
    script:
        "../../scripts/encode_metadata.py"


rule download_encode:
    input:
        lock="resources/encode/{source}/{target}.tsv",
    output:
        file="resources/downloads/encode/{source}/{target}.bed.gz",
    log:
        "logs/download_encode/{source}/{target}.log",
    retries: 1
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    params:
        target="{target}",
    script:
        "../../scripts/download_encode.py"


rule genome:
    output:
        fasta="resources/downloads/genome/{assembly}.fa",
        fai="resources/downloads/genome/{assembly}.fa.fai",
    log:
        "logs/genome/{assembly}.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        url=genome_url,
    script:
        "../../scripts/genome.py"


rule build_chip_dataset:
    input:
        peaks=lambda wc: chip_download(wc, dataset_config(wc)["target"]),
        negatives=lambda wc: chip_download(wc, "DNase"),
        locks=lambda wc: [
            encode_lock(dataset_config(wc)["source"], dataset_config(wc)["target"]),
            encode_lock(dataset_config(wc)["source"], "DNase"),
        ],
        fasta=lambda wc: f"resources/downloads/genome/{chip_source(wc)['assembly']}.fa",
    output:
        h5="results/data/{dataset}.h5",
    log:
        "logs/build_chip_dataset/{dataset}.log",
    wildcard_constraints:
        dataset=built_by("build_chip_dataset"),
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        target=lambda wc: dataset_config(wc)["target"],
        dataset=dataset_config,
    script:
        "../../scripts/build_chip_dataset.py"


rule chip_windows:
    input:
        h5=[f"results/data/{name}.h5" for name in chip_datasets()],
    output:
        table=report(
            "results/tables/chip_windows.tsv",
            caption="../report/chip_windows.rst",
            category=category("Tables"),
        ),
    log:
        "logs/chip_windows.log",
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        datasets=chip_datasets(),
    script:
        "../../scripts/chip_windows.py"
