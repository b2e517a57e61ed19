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

Methods form a registry (``METHODS``, like the model zoo and the training regimes): a method is
one class decorated with ``@register("name")`` whose parameters and defaults are the schema's
``$defs/<name>_method`` (scripts/seqattr/config.schema.yaml); config/README.md says how to add one.
"""

from __future__ import annotations

import logging

import numpy as np
import tensorflow as tf

from seqattr import schema
from seqattr.data import read_split
from seqattr.shuffle import shuffle

METHODS: dict[str, type["Method"]] = {}  # kind → class, filled by @register
TARGETS = tuple(schema.properties("attribution")["target"]["enum"])
BASELINES = tuple(schema.kind_properties("method", "integrated_gradients")["baseline"]["enum"])
SETTINGS = schema.defaults("attribution")  # target, tasks, sequences, max_sequences, batch_size, plot_sequences
FIRST_TASK = SETTINGS["tasks"][0]


def register(name: str):
    """Add a method class under ``name``; its parameters and their defaults come from the schema."""

    def add(cls):
        cls.kind = name
        cls.parameters = sorted(schema.kind_properties("method", name))
        cls.defaults = schema.kind_defaults("method", name)
        METHODS[name] = cls
        return cls

    return add


def output_model(model, target: str = SETTINGS["target"]):
    """The model whose output is attributed: the model itself, or a sub-model ending at its ``logits`` layer."""
    if target == "probability":
        return model
    if target == "logit":
        import keras

        return keras.Model(model.inputs, model.get_layer("logits").output)
    raise ValueError(f"unknown attribution target {target!r}; use one of {TARGETS}")


class Method:
    """A gradient-like map: the mean input gradient of the attributed output over ``points``.

    A subclass sets what differs: the random part of each sequence's inputs (``extra``, drawn in
    NumPy from a generator seeded by (seed, sequence index)) and the model inputs built from a batch
    and its extra part inside the graph (``points``). A method that is not a gradient (ISM)
    overrides ``compute`` and sets ``forward_only``.
    """

    kind: str = ""
    parameters: list[str] = []
    defaults: dict = {}
    forward_only = False  # a forward-only reference map: no gradient correction (docs/decisions.md, ISM)

    def __init__(self, **params):
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            raise ValueError(f"attribution method '{self.kind}' does not take {unknown}; it takes {self.parameters}")
        self.params = {**self.defaults, **params}
        for name, value in self.params.items():
            setattr(self, name, value)

    def extra(self, x: np.ndarray, seed: int, offset: int) -> np.ndarray:
        """The random part of each sequence's inputs (n, R, L, A): noise, a baseline or references (none here)."""
        return np.zeros((len(x), 0) + x.shape[1:], dtype=np.float32)

    def points(self, x, extra):
        """The model inputs (n, P, L, A) whose gradients are averaged into each sequence's map."""
        return x[:, None]

    def compute(self, output, x, extra):
        """G for one batch, inside the graph; ``output`` maps (m, L, A) inputs to the attributed (m,) output."""
        points = self.points(x, extra)
        length, alphabet = x.shape[1], x.shape[2]
        flat = tf.reshape(points, (-1, length, alphabet))
        with tf.GradientTape() as tape:
            tape.watch(flat)
            value = output(flat)
        gradient = tape.gradient(value, flat)
        return tf.reduce_mean(tf.reshape(gradient, tf.shape(points)), axis=1)


def make_method(spec: dict) -> Method:
    """The method of a config entry ``{"kind": …, params}``; unknown kinds and parameters are named."""
    spec = dict(spec)
    kind = spec.pop("kind", None)
    if kind not in METHODS:
        raise ValueError(f"unknown attribution method {kind!r}; use one of {list(METHODS)}")
    return METHODS[kind](**spec)


def path_points(x, references, steps: int):
    """Midpoints of the straight paths from each reference to x: x (n, L, A), references (n, R, L, A) → (n, R·steps, L, A)."""
    alphas = (tf.range(steps, dtype=tf.float32) + 0.5) / steps
    points = references[:, :, None] + alphas[:, None, None] * (x[:, None, None] - references[:, :, None])
    return tf.reshape(points, (tf.shape(x)[0], -1, x.shape[1], x.shape[2]))


def ism_variants(x, position):
    """The variants of each sequence at one position: (n, L, A) → (n, A, L, A); variant a has base a there."""
    length, alphabet = x.shape[1], x.shape[2]
    at = tf.one_hot(position, length)[None, None, :, None]  # (1, 1, L, 1): column ``position`` is rewritten
    base = tf.eye(alphabet)[None, :, None, :]  # (1, A, 1, A): variant a writes base a
    return x[:, None] * (1 - at) + at * base


@register("saliency")
class Saliency(Method):
    """∂f/∂x, signed."""


@register("integrated_gradients")
class IntegratedGradients(Method):
    """The mean gradient at ``steps`` midpoints from a baseline (zeros or a mononucleotide shuffle) to x."""

    def __init__(self, **params):
        super().__init__(**params)
        if self.baseline not in BASELINES:
            raise ValueError(f"unknown baseline {self.baseline!r}; use one of {BASELINES}")

    def extra(self, x, seed, offset):
        if self.baseline == "zeros":
            return np.zeros_like(x)[:, None]
        return shuffle(x, "mononucleotide", 1, seed, offset)

    def points(self, x, extra):
        return path_points(x, extra, self.steps)


@register("smoothgrad")
class SmoothGrad(Method):
    """The mean gradient over ``samples`` copies of x + N(0, sigma²)."""

    def extra(self, x, seed, offset):
        shape = (self.samples,) + x.shape[1:]
        return np.stack(
            [np.random.default_rng((seed, offset + i)).normal(0, self.sigma, shape) for i in range(len(x))]
        ).astype(np.float32)

    def points(self, x, extra):
        return x[:, None] + extra


@register("expected_gradients")
class ExpectedGradients(Method):
    """Integrated-gradient path gradients averaged over ``references`` shuffles of x."""

    def extra(self, x, seed, offset):
        return shuffle(x, self.shuffle, self.references, seed, offset)

    def points(self, x, extra):
        return path_points(x, extra, self.steps)


@register("ism")
class ISM(Method):
    """f(x with base a at l) − f(x) for every single-nucleotide substitution; 0 at the reference base."""

    forward_only = True

    def compute(self, output, x, extra):
        """One position at a time, so a call holds n·A variants, not n·L·A (600 nt: 2,400 per sequence)."""
        length, alphabet = x.shape[1], x.shape[2]

        def scores_at(position):
            return tf.reshape(output(tf.reshape(ism_variants(x, position), (-1, length, alphabet))), (-1, alphabet))

        scores = tf.map_fn(scores_at, tf.range(length), fn_output_signature=tf.float32)  # (L, n, A)
        scores = tf.transpose(scores, (1, 0, 2))
        return tf.where(x == 1, 0.0, scores - output(x)[:, None, None])  # exactly 0 at the reference base


def _graph(f, method: Method, task: int, length: int, alphabet: int):
    """One compiled function (x, extra) → G for a batch of sequences."""
    one = tf.TensorSpec([None, length, alphabet], tf.float32)
    many = tf.TensorSpec([None, None, length, alphabet], tf.float32)

    def output(inputs):
        return f(inputs, training=False)[:, task]

    return tf.function(lambda x, extra: method.compute(output, x, extra), input_signature=[one, many])


class Attributor:
    """``method``'s maps of output ``task`` of ``target`` for sequences of shape ``(L, A)``, traced once.

    The graph reads the model's variables, so after ``model.load_weights(...)`` (same architecture,
    other weights: the per-epoch models one run kept) it gives the new weights' maps without being
    traced again.
    """

    def __init__(
        self, model, method: dict, shape: tuple[int, int], target: str = SETTINGS["target"], task: int = FIRST_TASK
    ):
        self.method = make_method(method)
        f = output_model(model, target)
        expected = tuple(f.inputs[0].shape[1:])
        if len(expected) != 2 or any(e is not None and e != got for e, got in zip(expected, shape)):
            raise ValueError(
                f"sequences of shape {tuple(shape)} (L, A) do not fit model {model.name}, built for "
                f"{expected}; the dataset's length must be the one the model was trained on"
            )
        tasks = f.outputs[0].shape[-1]
        if not 0 <= task < tasks:
            raise ValueError(f"task {task} is out of range: the model has {tasks} output(s)")
        self.shape = tuple(shape)
        self.graph = _graph(f, self.method, task, *self.shape)

    def __call__(
        self, x, batch_size: int = SETTINGS["batch_size"], seed: int = 0, log: logging.Logger | None = None
    ) -> np.ndarray:
        """The map G (N, L, A) float32 of one-hot sequences ``x``, ``batch_size`` sequences per graph call."""
        x = np.asarray(x, dtype=np.float32)
        if x.shape[1:] != self.shape:
            raise ValueError(f"sequences of shape {x.shape[1:]} given to an attributor built for {self.shape}")
        log = log or logging.getLogger("seqattr")
        starts = range(0, len(x), batch_size)
        G = np.empty_like(x)
        for i, start in enumerate(starts, 1):
            batch = x[start : start + batch_size]
            G[start : start + len(batch)] = self.graph(batch, self.method.extra(batch, seed, start)).numpy()
            log.info("%s: batch %d/%d", self.method.kind, i, len(starts))
        return G


def attribute(
    model,
    x,
    method: dict,
    target: str = SETTINGS["target"],
    task: int = FIRST_TASK,
    batch_size: int = SETTINGS["batch_size"],
    seed: int = 0,
    log: logging.Logger | None = None,
) -> np.ndarray:
    """The map G (N, L, A) float32 of ``method`` ({"kind": …, params}) for output ``task`` of ``target``.

    ``batch_size`` sequences go through the graph at once, so one call holds batch_size × points
    model inputs (points: 1, ``samples``, ``steps``, ``references`` × ``steps``; ISM: A at a time, L times).
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"attribution needs one-hot sequences of shape (N, L, A), got {x.shape}")
    return Attributor(model, method, x.shape[1:], target, task)(x, batch_size, seed, log)


def select_sequences(
    y: np.ndarray,
    which: str = SETTINGS["sequences"],
    task: int = FIRST_TASK,
    max_sequences: int | None = SETTINGS["max_sequences"],
    *,
    task_type: str,
) -> np.ndarray:
    """Indices of the test sequences to attribute for output ``task``, the first ``max_sequences``:
    all, or its positives — label 1 (binary), or a target above the split's median (regression:
    the upper half, the sequences where that output has something to explain)."""
    y = np.asarray(y).reshape(len(y), -1)
    if which == "positives":
        column = y[:, task]
        indices = np.flatnonzero(column == 1 if task_type == "binary" else column > np.median(column))
    elif which == "all":
        indices = np.arange(len(y))
    else:
        raise ValueError(f"unknown sequence selection {which!r}; use positives or all")
    return indices if max_sequences is None else indices[:max_sequences]


def test_selection(
    path, settings: dict, task: int, task_type: str, key_map: dict | None = None
) -> tuple[dict, np.ndarray]:
    """The test split of a dataset file and the indices of the sequences ``settings`` (config ``attribution:``:
    ``sequences``, ``max_sequences``) selects for output ``task`` of a ``task_type`` dataset."""
    test = read_split(path, "test", key_map)
    indices = select_sequences(test["y"], settings["sequences"], task, settings["max_sequences"], task_type=task_type)
    if not len(indices):
        raise ValueError(f"{path}: no test sequences selected ({settings['sequences']}, task {task})")
    return test, indices
