"""Training regimes: what one optimisation step does to the batch and to the loss.

A regime is built from its config entry ``{"kind": ..., params}`` by :func:`make_regime`.
The training loop calls, per epoch, ``begin_epoch`` and ``phase`` (a step graph is traced per
phase), and per step ``prepare`` (outside the gradient tape: input mixup, noise, PGD) and
``loss`` (inside it). Random draws are stateless, keyed by (seed, optimizer step), so a
resumed run draws exactly what an uninterrupted one would.

Implemented as the papers describe, not as the lab code did: mixup mixes two examples
(``λx + (1 − λ)x[perm]``); manifold mixup and manifold noise draw their layer at every step
as a tensor (input or any hidden block, paper 002 𝒦 = [0, …, L − 1]).
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from seqattr import schema
from seqattr.models import hidden_layer_names, run_logits
from seqattr.tasks import of_model

_KINDS: dict[str, type] = {}  # kind → class, filled by @_kind; REGIMES (the names) is set at the end


def _kind(name: str):
    """Register a regime class under ``name``; its parameters and their defaults are the schema's
    (``$defs/<name>_regime`` in scripts/seqattr/config.schema.yaml), the one place they are written."""

    def add(cls):
        cls.kind = name
        cls.defaults = schema.kind_defaults("regime", name)
        _KINDS[name] = cls
        return cls

    return add


def make_regime(spec: dict) -> "Regime":
    """The regime for a config entry; unknown kinds and parameters are named in the error."""
    spec = dict(spec)
    kind = spec.pop("kind", None)
    if kind not in _KINDS:
        raise ValueError(f"unknown regime kind '{kind}'; allowed: {list(REGIMES)}")
    return _KINDS[kind](**spec)


def model_spec(spec: dict, regime: dict) -> dict:
    """The model spec with the regime's ``init_std`` (if any) turned into a Normal(0, std) initializer."""
    if "init_std" not in regime:
        return spec
    options = {**(spec.get("options") or {}), "initializer": "normal", "init_std": float(regime["init_std"])}
    return {**spec, "options": options}


def beta(key, alpha: float):
    """λ ~ Beta(α, α) as a ratio of two Gamma(α) draws."""
    k1, k2 = tf.unstack(tf.random.experimental.stateless_split(key, 2))
    g1 = tf.random.stateless_gamma([], k1, alpha=alpha)
    g2 = tf.random.stateless_gamma([], k2, alpha=alpha)
    return g1 / (g1 + g2)


def permutation(key, n):
    """A random permutation of range(n)."""
    return tf.argsort(tf.random.stateless_uniform(tf.reshape(n, [1]), key))


def mix(a, lam, perm):
    """λa + (1 − λ)a[perm]."""
    a = tf.cast(a, lam.dtype)
    return lam * a + (1.0 - lam) * tf.gather(a, perm)


@_kind("standard")
class Regime:
    """Plain training: the task type's loss on the logits (BCE or MSE) plus the layers' L2 penalties."""

    defaults: dict = {}  # the kind's parameters and their defaults, set by @_kind from the schema

    def __init__(self, init_std: float | None = None, training: dict | None = None, **params):
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"regime '{self.kind}' does not take {unknown}; it takes "
                f"{sorted(self.defaults) + ['init_std', 'training']}"
            )
        for name, value in {**self.defaults, **params}.items():
            setattr(self, name, value)
        self.model: keras.Model | None = None
        self.variables: list[tf.Variable] = []  # state the checkpoint must carry

    def setup(self, model: keras.Model, seed: int) -> None:
        """Attach to the model before training (creates any state the regime keeps); its output sets the loss."""
        self.model = model
        self.task = of_model(model)

    def phase(self, epoch: int) -> str:
        """Name of the step graph used in this (1-based) epoch."""
        return "train"

    def warmup_epochs(self) -> int:
        """Leading epochs whose validation score neither selects the kept weights nor drives the schedule."""
        return 0

    def begin_epoch(self, epoch: int, optimizer) -> None:
        """Change the model or optimizer at the start of an epoch (two-phase schedule)."""

    def prepare(self, x, y, key, phase: str):
        """Transform the batch outside the gradient tape."""
        return x, y

    def loss(self, x, y, key, phase: str):
        """The objective whose gradient updates the weights."""
        return self.task.loss(y, run_logits(self.model, x, training=True)) + self.l2()

    def l2(self):
        """The layers' kernel penalties (L2)."""
        return tf.add_n(self.model.losses) if self.model.losses else tf.constant(0.0)


@_kind("mixup")
class Mixup(Regime):
    """Input mixup (paper 002 eq. 2): one λ ~ Beta(α, α) per batch, partner = a batch permutation."""

    def prepare(self, x, y, key, phase):
        k_lambda, k_perm = tf.unstack(tf.random.experimental.stateless_split(key, 2))
        lam, perm = beta(k_lambda, self.alpha), permutation(k_perm, tf.shape(x)[0])
        return mix(x, lam, perm), mix(y, lam, perm)


class _Manifold(Regime):
    """Acts on the input or one hidden block, drawn uniformly at every step.

    The hidden blocks are those :func:`seqattr.models.hidden_layer_names` finds by the zoo's layer
    names (``conv<i>…`` / ``dense<i>…``, ending at ``logits``); a model without any is an error,
    since the regime would silently act on the input alone.
    """

    def setup(self, model, seed):
        super().setup(model, seed)
        if not hidden_layer_names(model):
            raise ValueError(
                f"regime '{self.kind}' acts on hidden representations, but model {model.name} has no hidden blocks "
                "(layers named conv<i>… or dense<i>…, see seqattr.models.hidden_layer_names); use "
                f"'{self.kind.replace('manifold_', 'input_') if self.kind == 'manifold_noise' else 'mixup'}' "
                "for the input alone, or name the model's layers as the zoo does"
            )

    def choices(self) -> int:
        return 1 + len(hidden_layer_names(self.model))

    def draw_layer(self, key):
        return tf.random.stateless_uniform([], key, minval=0, maxval=self.choices(), dtype=tf.int32)

    def at_layer(self, layer, change):
        """A ``run_logits`` hook applying ``change(h)`` only where the block index equals ``layer``."""
        return lambda j, h: tf.cond(tf.equal(layer, j), lambda: change(h), lambda: h)


@_kind("manifold_mixup")
class ManifoldMixup(_Manifold):
    """Manifold mixup (paper 002 eq. 3): mix hidden representations and labels at a random layer."""

    def draws(self, key):
        """(layer, λ, key of the permutation) for one step — the permutation itself needs the batch size."""
        k_layer, k_lambda, k_perm = tf.unstack(tf.random.experimental.stateless_split(key, 3))
        return self.draw_layer(k_layer), beta(k_lambda, self.alpha), k_perm

    def mixed_logits(self, x, y, key, training: bool):
        layer, lam, k_perm = self.draws(key)
        perm = permutation(k_perm, tf.shape(x)[0])
        logits = run_logits(self.model, x, training=training, hook=self.at_layer(layer, lambda h: mix(h, lam, perm)))
        return logits, mix(y, lam, perm)

    def loss(self, x, y, key, phase):
        logits, y_mixed = self.mixed_logits(x, y, key, training=True)
        return self.task.loss(y_mixed, logits) + self.l2()


@_kind("input_noise")
class InputNoise(Regime):
    """Gaussian noise on the one-hot input, x + N(0, σ²), fresh at every step."""

    def prepare(self, x, y, key, phase):
        return x + self.sigma * tf.random.stateless_normal(tf.shape(x), key, dtype=x.dtype), y


@_kind("manifold_noise")
class ManifoldNoise(_Manifold):
    """Gaussian noise N(0, σ²) added to the input or one hidden block, drawn at every step."""

    def loss(self, x, y, key, phase):
        k_layer, k_noise = tf.unstack(tf.random.experimental.stateless_split(key, 2))

        def noisy(h):
            return h + self.sigma * tf.random.stateless_normal(tf.shape(h), k_noise, dtype=h.dtype)

        logits = run_logits(self.model, x, training=True, hook=self.at_layer(self.draw_layer(k_layer), noisy))
        return self.task.loss(y, logits) + self.l2()


MIXED_BATCHES = ("concat", "split")


@_kind("adversarial")
class Adversarial(Regime):
    """PGD adversarial training in an L∞ ball (papers 002, 003): clean → mixed → adversarial epochs.

    Perturbations are found with the model in inference mode (no dropout, no batch-statistics
    updates) from δ = 0 by ``iterations`` signed-gradient steps (:meth:`step_sizes`), each
    projected onto [−ε, ε] and, with ``clip_inputs``, x + δ onto the one-hot range [0, 1]
    (paper 003's code). A mixed batch is the clean batch followed by its adversarial copy
    (``concat``, paper 002: twice the batch size) or its first half clean and its last ⌊n/2⌋
    examples adversarial (``split``, paper 003: the batch size stays). The clean epochs are a
    warm-up: the kept weights come from an epoch that trained on adversarial examples.
    """

    def __init__(self, **params):
        super().__init__(**params)
        if self.mixed_batch not in MIXED_BATCHES:
            raise ValueError(f"adversarial mixed_batch must be one of {list(MIXED_BATCHES)}, got {self.mixed_batch!r}")

    def phase(self, epoch):
        if epoch <= self.clean_epochs:
            return "clean"
        return "mixed" if epoch <= self.clean_epochs + self.mixed_epochs else "adversarial"

    def warmup_epochs(self):
        return self.clean_epochs

    def step_sizes(self) -> list[float]:
        """PGD step i (from 0): ``step_size``, or step_size / (1 + i / step_decay) when step_decay is set.

        Paper 003's code steps by 0.1 / (i + 10): step_size 0.01, step_decay 10.
        """
        decay = self.step_decay
        return [self.step_size / (1 + i / decay) if decay else self.step_size for i in range(self.iterations)]

    def perturb(self, x, y):
        delta = tf.zeros_like(x)
        for size in self.step_sizes():
            with tf.GradientTape() as tape:
                tape.watch(delta)
                loss = self.task.loss(y, run_logits(self.model, x + delta, training=False))
            delta = tf.clip_by_value(delta + size * tf.sign(tape.gradient(loss, delta)), -self.epsilon, self.epsilon)
            if self.clip_inputs:
                delta = tf.clip_by_value(x + delta, 0.0, 1.0) - x
        return tf.stop_gradient(x + delta)

    def prepare(self, x, y, key, phase):
        if phase == "clean":
            return x, y
        if phase == "adversarial":
            return self.perturb(x, y), y
        if self.mixed_batch == "split":
            n_clean = tf.shape(x)[0] - tf.shape(x)[0] // 2
            return tf.concat([x[:n_clean], self.perturb(x[n_clean:], y[n_clean:])], 0), y
        return tf.concat([x, self.perturb(x, y)], 0), tf.concat([y, y], 0)


WEIGHTED = (keras.layers.Conv1D, keras.layers.Dense)


@_kind("spectral_norm")
class SpectralNorm(Regime):
    """Penalty λ/2 Σ σ(W)² over every Conv1D and Dense kernel (paper 002, Yoshida & Miyato 2017).

    σ(W) is the largest singular value of the kernel flattened to (k·C_in, C_out), estimated by
    power iteration with a persistent vector u per kernel (``power_iterations`` per step, after
    a warm start at set-up).
    """

    warm_start = 100

    def setup(self, model, seed):
        super().setup(model, seed)
        self.kernels = [layer.kernel for layer in model.layers if isinstance(layer, WEIGHTED)]
        draws = [tf.random.stateless_normal([int(w.shape[-1])], [seed, i]) for i, w in enumerate(self.kernels)]
        self.variables = [tf.Variable(tf.math.l2_normalize(u), trainable=False) for u in draws]
        self.sigmas(self.warm_start)

    def sigmas(self, iterations: int):
        """Largest singular value of every kernel; updates the persistent vectors."""
        out = []
        for kernel, u_var in zip(self.kernels, self.variables):
            w = tf.reshape(tf.convert_to_tensor(kernel), [-1, kernel.shape[-1]])
            u = u_var
            for _ in range(iterations):
                v = tf.math.l2_normalize(tf.linalg.matvec(w, u))
                u = tf.math.l2_normalize(tf.linalg.matvec(w, v, transpose_a=True))
            u_var.assign(u)
            u, v = tf.stop_gradient(u), tf.stop_gradient(v)
            out.append(tf.tensordot(v, tf.linalg.matvec(w, u), 1))
        return out

    def penalty(self):
        return 0.5 * self.strength * tf.add_n([s * s for s in self.sigmas(self.power_iterations)])

    def loss(self, x, y, key, phase):
        return super().loss(x, y, key, phase) + self.penalty()


@_kind("angle_regularization")
class AngleRegularization(Regime):
    """Paper 001 §5.7 as the lab trained it: strength × mean over sequences of ‖α‖₂ over positions.

    α is each position's angle (degrees, :func:`simplex_angles`) between the simplex and the
    input gradient of the model output (the sigmoid; the linear output for regression), summed
    over tasks — the penalty of the lab's code, on whose scale its strengths
    (config/paper_001_anglereg.yaml) were chosen. The penalty's
    weight gradient needs second-order derivatives: the input gradient is taken on an inner
    tape inside the training step's tape.
    """

    def loss(self, x, y, key, phase):
        if not self.strength:
            return super().loss(x, y, key, phase)
        with tf.GradientTape() as inner:
            inner.watch(x)
            logits = run_logits(self.model, x, training=True)
            total = tf.reduce_sum(self.task.output(logits))
        grad = inner.gradient(total, x)
        return self.task.loss(y, logits) + self.l2() + self.strength * angle_penalty(grad)


SINE_LIMIT = 1.0 - 1e-7  # arcsin's derivative is infinite at ±1 (gradients along (1, 1, 1, 1))


def simplex_angles(grad, eps: float = 1e-20):
    """α in degrees per position of a (N, L, 4) gradient: arcsin(Σ_a G_a / (2‖G‖)), 0 for a zero gradient.

    Each sequence's gradient is first divided by its largest entry (angles do not change with
    scale; a saturated sigmoid's tiny gradients would otherwise underflow when squared), eps
    keeps 0/0 finite and |sin α| is capped at SINE_LIMIT so that the derivative stays finite.
    """
    scale = tf.reduce_max(tf.abs(grad), axis=[1, 2], keepdims=True)
    grad = grad / tf.stop_gradient(tf.where(scale > 0, scale, tf.ones_like(scale)))
    norm = tf.sqrt(tf.reduce_sum(tf.square(grad), -1) + eps)
    sine = tf.clip_by_value(tf.reduce_sum(grad, -1) / (2.0 * norm), -SINE_LIMIT, SINE_LIMIT)
    return tf.asin(sine) * (180.0 / math.pi)


def angle_penalty(grad, eps: float = 1e-12):
    """Mean over sequences of the L2 norm over positions of their angles in degrees (paper 001 §5.7).

    eps keeps the norm's derivative finite where every angle is 0.
    """
    return tf.reduce_mean(tf.sqrt(tf.reduce_sum(tf.square(simplex_angles(grad)), -1) + eps))


@_kind("two_phase")
class TwoPhase(Regime):
    """Paper 000 §5: ``phase1_epochs`` at ``phase1_lr`` without dropout, then ``phase2_lr`` with dropout.

    In phase 2 every convolutional block's dropout rate becomes ``phase2_dropout`` and dense
    blocks keep the rate the model was built with (the paper keeps 0.5 on the dense layer).
    Changing a rate changes the traced graph, so the two phases are separate step graphs.
    """

    def setup(self, model, seed):
        super().setup(model, seed)
        self.dropouts = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
        self.built_rates = {layer.name: layer.rate for layer in self.dropouts}
        if not any(layer.name.startswith("conv") for layer in self.dropouts):
            raise ValueError(f"two_phase needs convolutional dropout layers; model {model.name} has none")

    def phase(self, epoch):
        return "phase1" if epoch <= self.phase1_epochs else "phase2"

    def begin_epoch(self, epoch, optimizer):
        first = self.phase(epoch) == "phase1"
        for layer in self.dropouts:
            conv = layer.name.startswith("conv")
            layer.rate = 0.0 if first else (self.phase2_dropout if conv else self.built_rates[layer.name])
        if epoch == self.phase1_epochs + 1:
            optimizer.learning_rate.assign(self.phase2_lr)
        elif epoch == 1:
            optimizer.learning_rate.assign(self.phase1_lr)


@_kind("two_phase_manifold_mixup")
class TwoPhaseManifoldMixup(TwoPhase, ManifoldMixup):
    """Paper 000 Table 2's "Manifold" rows: the two-phase schedule with manifold mixup in both phases."""


REGIMES = tuple(_KINDS)
