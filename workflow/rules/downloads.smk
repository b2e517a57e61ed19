rule download_dataset:
    output:
        h5=f"{cfg.DOWNLOADS}/datasets/{{dataset}}.h5",
    log:
        "logs/download_dataset/{dataset}.log",
    wildcard_constraints:
        dataset=built_by("download_dataset"),
    retries: 1
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    params:
        source=dataset_download,
    script:
        "../../scripts/download_url.py"


rule download_weights:
    output:
        weights=f"{cfg.DOWNLOADS}/weights/{{model}}/seed{{seed}}{{suffix}}",
    log:
        "logs/download_weights/{model}/seed{seed}{suffix}.log",
    wildcard_constraints:
        model=pretrained_model_names(),
        suffix=r"\.h5|\.keras",
    retries: 1
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=60,
    params:
        source=weights_download,
    script:
        "../../scripts/download_url.py"
