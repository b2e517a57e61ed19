"""Gradient-like attribution maps G (N, L, A) of one model output (paper 004 Methods).

Every method returns a map with the shape of the input, so the gradient correction and the
simplex angle apply to all of them:

* ``saliency`` — ∂f/∂x (signed, not absolute).
* ``integrated_gradients`` — the mean gradient at the ``steps`` midpoints α = (k + ½)/steps of
  the straight path from a baseline (zeros, or a seeded mononucleotide shuffle of x) to x.
  G is that mean path gradient, not multiplied by x − baseline; (x − baseline)·G sums to
  f(x) − f(baseline) up to the midpoint rule's O(1/steps²) error (completeness).
* ``smoothgrad`` — the mean gradient over ``samples`` copies of x + N(0, σ²), σ = 0.1
  (not the σ = 1 of image libraries, which would drown a one-hot input).
* ``expected_gradients`` — integrated-gradient path gradients averaged over ``references``
  shuffles of x (mononucleotide by default, dinucleotide as an option).
* ``ism`` — G[n, l, a] = f(x with base a at l) − f(x), so 0 at the reference base: a
  forward-only reference, not a gradient.

Each method is one compiled graph over a batch of ``batch_size`` sequences times their path
points, noise samples or variants; the only Python loop is over batches of sequences. Random
draws for sequence i come from a generator seeded by (seed, i), so results do not depend on the
batch size.
"""

from __future__ import annotations

import logging

import numpy as np
import tensorflow as tf

from seqattr.data import read_split
from seqattr.shuffle import shuffle

METHODS = ("saliency", "integrated_gradients", "smoothgrad", "expected_gradients", "ism")
TARGETS = ("probability", "logit")
BASELINES = ("zeros", "shuffle")
DEFAULTS = {
    "saliency": {},
    "integrated_gradients": {"steps": 20, "baseline": "zeros"},
    "smoothgrad": {"samples": 25, "sigma": 0.1},
    "expected_gradients": {"references": 10, "steps": 20, "shuffle": "mononucleotide"},
    "ism": {},
}


def output_model(model, target: str = "probability"):
    """The model whose output is attributed: the model itself, or a sub-model ending at its ``logits`` layer."""
    if target == "probability":
        return model
    if target == "logit":
        import keras

        return keras.Model(model.inputs, model.get_layer("logits").output)
    raise ValueError(f"unknown attribution target {target!r}; use one of {TARGETS}")


def method_params(method: dict) -> tuple[str, dict]:
    """The method's kind and its parameters, defaults filled in (parameters of other kinds are ignored)."""
    kind = method.get("kind")
    if kind not in METHODS:
        raise ValueError(f"unknown attribution method {kind!r}; use one of {METHODS}")
    params = {**DEFAULTS[kind], **{k: v for k, v in method.items() if k != "kind"}}
    if params.get("baseline", "zeros") not in BASELINES:
        raise ValueError(f"unknown baseline {params['baseline']!r}; use one of {BASELINES}")
    return kind, params


def path_points(x, references, steps: int):
    """Midpoints of the straight paths from each reference to x: x (n, L, A), references (n, R, L, A) → (n, R·steps, L, A)."""
    alphas = (tf.range(steps, dtype=tf.float32) + 0.5) / steps
    points = references[:, :, None] + alphas[:, None, None] * (x[:, None, None] - references[:, :, None])
    return tf.reshape(points, (tf.shape(x)[0], -1, x.shape[1], x.shape[2]))


def ism_variants(x):
    """Every single-position variant of each sequence: (n, L, A) → (n, L·A, L, A); variant l·A + a has base a at l."""
    length, alphabet = x.shape[1], x.shape[2]
    at = tf.eye(length)[:, None, :, None]  # (L, 1, L, 1): variant (l, ·) rewrites column l
    base = tf.eye(alphabet)[None, :, None, :]  # (1, A, 1, A): variant (·, a) writes base a
    variants = x[:, None, None] * (1 - at) + at * base
    return tf.reshape(variants, (-1, length * alphabet, length, alphabet))


def _graph(f, kind: str, params: dict, task: int, length: int, alphabet: int):
    """One compiled function (x, extra) → G for a batch of sequences; ``extra`` holds noise or references."""
    one = tf.TensorSpec([None, length, alphabet], tf.float32)
    many = tf.TensorSpec([None, None, length, alphabet], tf.float32)

    def output(inputs):
        return f(inputs, training=False)[:, task]

    def mean_gradient(points):
        """(n, P, L, A) inputs → the gradient averaged over the P points of each sequence."""
        flat = tf.reshape(points, (-1, length, alphabet))
        with tf.GradientTape() as tape:
            tape.watch(flat)
            value = output(flat)
        gradient = tape.gradient(value, flat)
        return tf.reduce_mean(tf.reshape(gradient, tf.shape(points)), axis=1)

    if kind == "ism":
        def ism(x, extra):
            variants = tf.reshape(ism_variants(x), (-1, length, alphabet))
            scores = tf.reshape(output(variants), (-1, length, alphabet))
            return tf.where(x == 1, 0.0, scores - output(x)[:, None, None])  # exactly 0 at the reference base
        return tf.function(ism, input_signature=[one, many])
    if kind == "saliency":
        return tf.function(lambda x, extra: mean_gradient(x[:, None]), input_signature=[one, many])
    if kind == "smoothgrad":
        return tf.function(lambda x, noise: mean_gradient(x[:, None] + noise), input_signature=[one, many])
    steps = params["steps"]
    return tf.function(lambda x, references: mean_gradient(path_points(x, references, steps)),
                       input_signature=[one, many])


def _extra(kind: str, params: dict, x: np.ndarray, seed: int, offset: int) -> np.ndarray:
    """The random part of each sequence's inputs (n, R, L, A): noise, a baseline or references (empty if none)."""
    if kind == "smoothgrad":
        shape = (params["samples"],) + x.shape[1:]
        return np.stack([np.random.default_rng((seed, offset + i)).normal(0, params["sigma"], shape)
                         for i in range(len(x))]).astype(np.float32)
    if kind == "integrated_gradients":
        if params["baseline"] == "zeros":
            return np.zeros_like(x)[:, None]
        return shuffle(x, "mononucleotide", 1, seed, offset)
    if kind == "expected_gradients":
        return shuffle(x, params["shuffle"], params["references"], seed, offset)
    return np.zeros((len(x), 0) + x.shape[1:], dtype=np.float32)


def attribute(model, x, method: dict, target: str = "probability", task: int = 0, batch_size: int = 256,
              seed: int = 0, log: logging.Logger | None = None) -> np.ndarray:
    """The map G (N, L, A) float32 of ``method`` ({"kind": …, params}) for output ``task`` of ``target``.

    ``batch_size`` sequences go through the graph at once, so one call holds batch_size × points
    model inputs (points: 1, ``samples``, ``steps``, ``references`` × ``steps`` or L·A for ISM).
    """
    kind, params = method_params(method)
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"attribution needs one-hot sequences of shape (N, L, A), got {x.shape}")
    f = output_model(model, target)
    tasks = f.outputs[0].shape[-1]
    if not 0 <= task < tasks:
        raise ValueError(f"task {task} is out of range: the model has {tasks} output(s)")
    log = log or logging.getLogger("seqattr")
    graph = _graph(f, kind, params, task, x.shape[1], x.shape[2])
    starts = range(0, len(x), batch_size)
    G = np.empty_like(x)
    for i, start in enumerate(starts, 1):
        batch = x[start : start + batch_size]
        G[start : start + len(batch)] = graph(batch, _extra(kind, params, batch, seed, start)).numpy()
        log.info("%s: batch %d/%d", kind, i, len(starts))
    return G


def select_sequences(y: np.ndarray, which: str = "positives", task: int = 0, max_sequences: int | None = None) -> np.ndarray:
    """Indices of the test sequences to attribute: the positives of ``task`` (or all), the first ``max_sequences``."""
    if which == "positives":
        indices = np.flatnonzero(y[:, task] == 1)
    elif which == "all":
        indices = np.arange(len(y))
    else:
        raise ValueError(f"unknown sequence selection {which!r}; use positives or all")
    return indices if max_sequences is None else indices[:max_sequences]


def test_selection(path, settings: dict, key_map: dict | None = None) -> tuple[dict, np.ndarray]:
    """The test split of a dataset file and the indices of the sequences config ``attribution:`` selects."""
    test = read_split(path, "test", key_map)
    indices = select_sequences(test["y"], settings["sequences"], settings["task"], settings["max_sequences"])
    if not len(indices):
        raise ValueError(f"{path}: no test sequences selected ({settings['sequences']}, task {settings['task']})")
    return test, indices
