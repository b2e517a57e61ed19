"""Gradient-like attribution maps G (N, L, A) of one model output (paper 004 Methods).

Every method returns a map with the shape of the input, so the gradient correction and the
simplex angle apply to all of them:

* ``saliency`` — ∂f/∂x.
* ``integrated_gradients`` — the mean gradient at ``steps`` midpoints of the straight path from a
  baseline (zeros or a shuffle of x) to x; (x − baseline)·G then sums to f(x) − f(baseline)
  up to the midpoint rule's O(1/steps²) error (completeness).
* ``smoothgrad`` — the mean gradient over ``samples`` copies of x + N(0, σ²) (σ = 0.1, not the
  σ = 1 of image libraries).
* ``expected_gradients`` — integrated-gradient path gradients averaged over ``references``
  shuffles of x (mononucleotide by default, dinucleotide as an option) and their paths.
* ``ism`` — Δf for every single-nucleotide substitution (0 at the reference base): a
  forward-only reference, not a gradient.

Sequences are processed in chunks of at most ``batch_size`` model inputs (sequences × points on
a path or noise samples), each chunk one call of one compiled graph. Random draws for sequence i
come from a generator seeded by (seed, i), so results do not depend on the batch size.
"""

from __future__ import annotations

import logging

import numpy as np
import tensorflow as tf

from seqattr.shuffle import shuffle

METHODS = ("saliency", "integrated_gradients", "smoothgrad", "expected_gradients", "ism")
TARGETS = ("probability", "logit")
DEFAULTS = {
    "integrated_gradients": {"steps": 20, "baseline": "zeros"},
    "smoothgrad": {"samples": 25, "sigma": 0.1},
    "expected_gradients": {"references": 10, "steps": 20, "shuffle": "mononucleotide"},
}


def output_model(model, target: str = "probability"):
    """The model whose output is attributed: the model itself, or its ``logits`` layer."""
    if target == "probability":
        return model
    if target == "logit":
        import keras

        return keras.Model(model.inputs, model.get_layer("logits").output)
    raise ValueError(f"unknown attribution target {target!r}; use one of {TARGETS}")


def _gradient_function(model, task: int, length: int, alphabet: int):
    """A compiled graph: inputs (B, L, A) → ∂f_task/∂inputs."""

    @tf.function(input_signature=[tf.TensorSpec([None, length, alphabet], tf.float32)])
    def gradient(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            output = model(inputs, training=False)[:, task]
        return tape.gradient(output, inputs)

    return gradient


def _predict_function(model, task: int, length: int, alphabet: int):
    @tf.function(input_signature=[tf.TensorSpec([None, length, alphabet], tf.float32)])
    def predict(inputs):
        return model(inputs, training=False)[:, task]

    return predict


def path_points(x: np.ndarray, baselines: np.ndarray, steps: int) -> np.ndarray:
    """Midpoints of the straight paths: (n, R, L, A) and baselines (n, R, L, A) → (n, R, steps, L, A)."""
    alphas = ((np.arange(steps) + 0.5) / steps).astype(np.float32)[:, None, None]
    return baselines[:, :, None] + alphas * (x[:, None, None] - baselines[:, :, None])


def _inputs(kind: str, params: dict, x: np.ndarray, seed: int, offset: int) -> np.ndarray:
    """The model inputs whose gradients are averaged for each sequence: (n, points, L, A)."""
    n = len(x)
    if kind == "saliency":
        return x[:, None]
    if kind == "smoothgrad":
        noise = np.stack([
            np.random.default_rng((seed, offset + i)).normal(0, params["sigma"], (params["samples"],) + x.shape[1:])
            for i in range(n)
        ]).astype(np.float32)
        return x[:, None] + noise
    if kind == "integrated_gradients":
        if params["baseline"] == "zeros":
            baselines = np.zeros_like(x)[:, None]
        elif params["baseline"] == "shuffle":
            baselines = shuffle(x, "mononucleotide", 1, seed, offset)
        else:
            raise ValueError(f"unknown baseline {params['baseline']!r}; use zeros or shuffle")
        return path_points(x, baselines, params["steps"]).reshape(n, -1, *x.shape[1:])
    if kind == "expected_gradients":
        references = shuffle(x, params["shuffle"], params["references"], seed, offset)
        return path_points(x, references, params["steps"]).reshape(n, -1, *x.shape[1:])
    raise ValueError(f"unknown attribution method {kind!r}; use one of {METHODS}")


def ism_variants(x: np.ndarray) -> np.ndarray:
    """Every single-position variant of each sequence: (n, L, A) → (n, L·A, L, A), variant (l, a) has base a at l."""
    n, length, alphabet = x.shape
    variants = np.repeat(x[:, None, None], length, axis=1).repeat(alphabet, axis=2).copy()
    positions = np.arange(length)
    variants[:, positions, :, positions, :] = np.eye(alphabet, dtype=x.dtype)
    return variants.reshape(n, length * alphabet, length, alphabet)


def _chunks(n: int, per_sequence: int, batch_size: int):
    size = max(1, batch_size // per_sequence)
    return [(start, min(start + size, n)) for start in range(0, n, size)]


def attribute(model, x, method: dict, target: str = "probability", task: int = 0, batch_size: int = 1024,
              seed: int = 0, log: logging.Logger | None = None) -> np.ndarray:
    """The map G (N, L, A) of ``method`` ({"kind": …, params}) for output ``task`` of ``target``."""
    kind = method["kind"]
    if kind not in METHODS:
        raise ValueError(f"unknown attribution method {kind!r}; use one of {METHODS}")
    params = {**DEFAULTS.get(kind, {}), **{k: v for k, v in method.items() if k != "kind"}}
    x = np.asarray(x, dtype=np.float32)
    n, length, alphabet = x.shape
    f = output_model(model, target)
    log = log or logging.getLogger("seqattr")
    G = np.empty_like(x)
    if kind == "ism":
        predict = _predict_function(f, task, length, alphabet)
        chunks = _chunks(n, length * alphabet, batch_size)
        for i, (start, stop) in enumerate(chunks, 1):
            variants = ism_variants(x[start:stop])
            flat = variants.reshape(-1, length, alphabet)
            scores = predict(tf.constant(flat)).numpy().reshape(stop - start, length, alphabet)
            reference = predict(tf.constant(x[start:stop])).numpy()
            G[start:stop] = scores - reference[:, None, None]
            log.info("ism: batch %d/%d", i, len(chunks))
        return G
    gradient = _gradient_function(f, task, length, alphabet)
    points = _inputs(kind, params, x[:1], seed, 0).shape[1]
    chunks = _chunks(n, points, batch_size)
    for i, (start, stop) in enumerate(chunks, 1):
        inputs = _inputs(kind, params, x[start:stop], seed, start)
        grads = gradient(tf.constant(inputs.reshape(-1, length, alphabet))).numpy()
        G[start:stop] = grads.reshape(stop - start, points, length, alphabet).mean(axis=1)
        if i % 10 == 0 or i == len(chunks):
            log.info("%s: batch %d/%d", kind, i, len(chunks))
    return G


def select_sequences(y: np.ndarray, which: str = "positives", task: int = 0, max_sequences: int | None = None) -> np.ndarray:
    """Indices of the test sequences to attribute: the positives of ``task`` (or all), the first ``max_sequences``."""
    if which == "positives":
        indices = np.flatnonzero(y[:, task] == 1)
    elif which == "all":
        indices = np.arange(len(y))
    else:
        raise ValueError(f"unknown sequence selection {which!r}; use positives or all")
    return indices[:max_sequences] if max_sequences else indices
