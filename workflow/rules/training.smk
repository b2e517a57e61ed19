rule train_model:
    input:
        data=dataset_file,
        checked=dataset_check,
    output:
        model=f"results/models/{RUN_DIR}/model.keras",
        history=f"results/models/{RUN_DIR}/history.tsv",
        metrics=f"results/models/{RUN_DIR}/test_metrics.json",
    log:
        f"logs/train_model/{RUN_DIR}.log",
    benchmark:
        f"benchmarks/runs/train_model/{RUN_DIR}.tsv"
    wildcard_constraints:
        model=trained_model_names(),
    conda:
        gpu_software("conda")
    container:
        gpu_software("container")
    threads: 1  # one TensorFlow thread per job: see docs/decisions.md, "Threads"
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=1,
    params:
        content=dataset_content,
        model=model_spec,
        regime=regime_spec,
        training=run_training,
        seed=lambda wc: int(wc.seed),
        checkpoint_dir=lambda wc: f"results/checkpoints/{wc.dataset}/{wc.model}/{wc.regime}/seed{wc.seed}",
        key_map=dataset_keys,
        task=dataset_task,
        label=lambda wc: f"{wc.dataset}/{wc.model}/{wc.regime}/seed{wc.seed}",
    script:
        "../../scripts/train_model.py"
