ruleorder: import_model > train_model


rule import_model:
    input:
        data=dataset_file,
        checked=dataset_check,
        weights=pretrained_weights,
    output:
        model=f"results/models/{RUN_DIR}/model.keras",
        metrics=f"results/models/{RUN_DIR}/test_metrics.json",
    log:
        f"logs/import_model/{RUN_DIR}.log",
    wildcard_constraints:
        model=pretrained_model_names(),
    conda:
        "../../envs/workflow.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        content=dataset_content,
        weights_content=weights_content,
        model=model_spec,
        key_map=dataset_keys,
        task=dataset_task,
    script:
        "../../scripts/import_model.py"
