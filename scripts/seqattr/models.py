"""The model zoo: a registry of CNN architectures built from a config spec.

``build_model({"architecture": name, "options": {...}}, input_shape, n_tasks, task)`` returns a
Keras model whose last Dense layer is ``logits`` (linear) followed by an Activation layer
``probability`` (the model output), so attribution can differentiate either. The output's
activation is the task type's (``seqattr.tasks``): sigmoid for binary tasks, linear (the identity)
for regression, where ``probability`` keeps its name and equals ``logits``.

Every architecture is a chain of hidden blocks. A convolutional block is
``conv{i}`` → [``conv{i}_bn``] → ``conv{i}_act`` → ``conv{i}_dropout`` / ``conv{i}_pool``,
a dense block ``dense{i}`` → [``dense{i}_bn``] → ``dense{i}_act`` → ``dense{i}_dropout``.
Batch normalisation sits before the activation and replaces the layer's bias (as in the lab's
code, so released weights line up layer by layer). Every block has a Dropout layer, even at
rate 0, so a training regime can switch the rate (paper 000's two-phase schedule).

cnn_shallow follows paper 001 appendix A: BN in all three hidden layers, dropout 0.1 after
the first and 0.2 after the second convolutional block, none after the dense layer (the
appendix lists two rates; the lab's code also put 0.5 there — ``dropout: [0.1, 0.2, 0.5]``
reproduces that). In the lab-derived architectures dropout comes before max-pooling, as in
the lab's layer helpers; baseline_cnn follows paper 000 appendix A's listing literally.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

import keras

from seqattr.tasks import task_type

REGISTRY: dict[str, Callable[..., keras.Model]] = {}
ACTIVATIONS = ("relu", "exponential")
INITIALIZERS = ("he_normal", "glorot_uniform", "normal")


def register(name: str):
    """Decorator adding a builder ``fn(input_shape, n_tasks, **options) -> keras.Model`` ending in ``logits``."""

    def add(builder):
        REGISTRY[name] = builder
        return builder

    return add


def build_model(spec: dict, input_shape: Sequence[int], n_tasks: int, task: str) -> keras.Model:
    """Build ``spec["architecture"]`` with ``spec["options"]`` for (L, 4) inputs and ``n_tasks`` outputs of type ``task``.

    The registered builder makes everything up to ``logits``; the task type adds ``probability``.
    """
    name = spec.get("architecture")
    if name not in REGISTRY:
        raise ValueError(f"unknown architecture '{name}'; allowed: {sorted(REGISTRY)}")
    activation = task_type(task).activation
    body = REGISTRY[name](tuple(input_shape), int(n_tasks), **dict(spec.get("options") or {}))
    output = keras.layers.Activation(activation, name="probability")(body.output)
    return keras.Model(body.input, output, name=body.name)


@dataclass(frozen=True)
class Options:
    """The options every architecture accepts (config ``models.<name>.options``)."""

    activation: str = "relu"
    filters: int = 24
    kernel_size: int = 19
    batch_norm: bool = True
    dropout: float | Sequence[float] | None = None
    l2: float = 1e-6
    initializer: str = "he_normal"
    init_std: float | None = None
    width: float = 1.0

    def rates(self, defaults: Sequence[float]) -> list[float]:
        """One dropout rate per hidden block: the architecture's defaults, a scalar for all, or a list."""
        if self.dropout is None:
            return list(defaults)
        if isinstance(self.dropout, (int, float)):
            return [float(self.dropout)] * len(defaults)
        if len(self.dropout) != len(defaults):
            raise ValueError(f"dropout needs {len(defaults)} rates (one per hidden block), got {list(self.dropout)}")
        return [float(rate) for rate in self.dropout]

    def scaled(self, units: int) -> int:
        return max(1, round(units * self.width))

    def kernel_initializer(self):
        if self.init_std is not None and self.initializer != "normal":
            raise ValueError(f"init_std needs initializer 'normal', got '{self.initializer}'")
        if self.initializer == "normal":
            return keras.initializers.RandomNormal(0.0, 0.05 if self.init_std is None else self.init_std)
        return keras.initializers.get(self.initializer)


def _options(defaults: dict, given: dict) -> Options:
    allowed = Options.__dataclass_fields__
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(f"unknown model options {unknown}; allowed: {sorted(allowed)}")
    options = replace(Options(**defaults), **given)
    if "init_std" in given and "initializer" not in given:
        options = replace(options, initializer="normal")
    if options.activation not in ACTIVATIONS:
        raise ValueError(f"activation '{options.activation}' is not one of {list(ACTIVATIONS)}")
    if options.initializer not in INITIALIZERS:
        raise ValueError(f"initializer '{options.initializer}' is not one of {list(INITIALIZERS)}")
    return options


@dataclass(frozen=True)
class Conv:
    filters: int
    kernel_size: int
    pool: int = 1
    activation: str = "relu"
    dropout_first: bool = True  # dropout before max-pooling (False: after)


@dataclass(frozen=True)
class Dense:
    units: int
    activation: str = "relu"


def _assemble(name: str, input_shape, n_tasks: int, blocks: list, rates: list[float], options: Options) -> keras.Model:
    """Chain the hidden blocks, then ``logits`` (Dense, linear)."""
    regularizer = keras.regularizers.L2(options.l2) if options.l2 else None
    inputs = keras.Input(tuple(input_shape), name="sequence")
    h, length = inputs, input_shape[0]
    n_conv = n_dense = 0
    for block, rate in zip(blocks, rates):
        if isinstance(block, Conv):
            n_conv += 1
            prefix = f"conv{n_conv}"
            h = keras.layers.Conv1D(block.filters, block.kernel_size, padding="same", use_bias=not options.batch_norm,
                                    kernel_initializer=options.kernel_initializer(), kernel_regularizer=regularizer,
                                    name=prefix)(h)
        else:
            n_dense += 1
            prefix = f"dense{n_dense}"
            if len(h.shape) > 2:
                h = keras.layers.Flatten(name="flatten")(h)
            h = keras.layers.Dense(block.units, use_bias=not options.batch_norm,
                                   kernel_initializer=options.kernel_initializer(), kernel_regularizer=regularizer,
                                   name=prefix)(h)
        if options.batch_norm:
            h = keras.layers.BatchNormalization(name=f"{prefix}_bn")(h)
        h = keras.layers.Activation(block.activation, name=f"{prefix}_act")(h)
        tail = [keras.layers.Dropout(rate, name=f"{prefix}_dropout")]
        if isinstance(block, Conv) and block.pool > 1:
            if length < block.pool:
                raise ValueError(f"{name}: input length {input_shape[0]} is too short for max-pooling of size "
                                 f"{block.pool} in block {prefix}")
            length //= block.pool
            pool = keras.layers.MaxPool1D(block.pool, name=f"{prefix}_pool")
            tail = tail + [pool] if block.dropout_first else [pool] + tail
        for layer in tail:
            h = layer(h)
    if len(h.shape) > 2:
        h = keras.layers.Flatten(name="flatten")(h)
    logits = keras.layers.Dense(n_tasks, kernel_initializer=options.kernel_initializer(), name="logits")(h)
    return keras.Model(inputs, logits, name=name)


@register("cnn_shallow")
def cnn_shallow(input_shape, n_tasks, **given) -> keras.Model:
    """Paper 001 App. A: conv 24×19 (act) → pool 50 → conv 48×3 → pool 2 → dense 96."""
    o = _options({}, given)
    blocks = [Conv(o.scaled(o.filters), o.kernel_size, 50, o.activation), Conv(o.scaled(48), 3, 2), Dense(o.scaled(96))]
    return _assemble("cnn_shallow", input_shape, n_tasks, blocks, o.rates([0.1, 0.2, 0.0]), o)


@register("cnn_deep")
def cnn_deep(input_shape, n_tasks, **given) -> keras.Model:
    """Paper 001 App. A: conv 24×19 (act) → conv 32×7 → pool 4 → conv 48×7 → pool 4 → conv 64×3 → pool 3
    → dense 96; BN, dropout 0.1 … 0.5."""
    o = _options({}, given)
    blocks = [Conv(o.scaled(o.filters), o.kernel_size, 1, o.activation), Conv(o.scaled(32), 7, 4),
              Conv(o.scaled(48), 7, 4), Conv(o.scaled(64), 3, 3), Dense(o.scaled(96))]
    return _assemble("cnn_deep", input_shape, n_tasks, blocks, o.rates([0.1, 0.2, 0.3, 0.4, 0.5]), o)


@register("local_net")
def local_net(input_shape, n_tasks, **given) -> keras.Model:
    """Paper 003 LocalNet: conv 24×19 (act) → pool 50 → dense 96; regularised variant by default."""
    o = _options({}, given)
    blocks = [Conv(o.scaled(o.filters), o.kernel_size, 50, o.activation), Dense(o.scaled(96))]
    return _assemble("local_net", input_shape, n_tasks, blocks, o.rates([0.1, 0.5]), o)


@register("dist_net")
def dist_net(input_shape, n_tasks, **given) -> keras.Model:
    """Paper 003 DistNet: conv 24×7 (act) → conv 32×9 → pool 3 → conv 48×6 → pool 4 → conv 64×4 → pool 3
    → dense 96; regularised variant by default."""
    o = _options({"kernel_size": 7}, given)
    blocks = [Conv(o.scaled(o.filters), o.kernel_size, 1, o.activation), Conv(o.scaled(32), 9, 3),
              Conv(o.scaled(48), 6, 4), Conv(o.scaled(64), 4, 3), Dense(o.scaled(96))]
    return _assemble("dist_net", input_shape, n_tasks, blocks, o.rates([0.1, 0.2, 0.3, 0.4, 0.5]), o)


@register("baseline_cnn")
def baseline_cnn(input_shape, n_tasks, **given) -> keras.Model:
    """Paper 000 App. A, width factor f: conv 24f×19 → conv 32f×7 → pool 4 → conv 48f×5 → pool 4
    → conv 64f×5 → pool 4 → dense 96f.

    Dropout r (0.1) after each convolution — before the pool in block 2, after it in blocks 3
    and 4, as listed — and 0.5 after the dense layer; no batch normalisation by default.
    """
    o = _options({"batch_norm": False}, given)
    blocks = [Conv(o.scaled(o.filters), o.kernel_size, 1, o.activation), Conv(o.scaled(32), 7, 4),
              Conv(o.scaled(48), 5, 4, dropout_first=False), Conv(o.scaled(64), 5, 4, dropout_first=False),
              Dense(o.scaled(96))]
    return _assemble("baseline_cnn", input_shape, n_tasks, blocks, o.rates([0.1, 0.1, 0.1, 0.1, 0.5]), o)


@register("deepstarr")
def deepstarr(input_shape, n_tasks, **given) -> keras.Model:
    """DeepSTARR (de Almeida et al. 2022): conv 256×7 (act) → conv 60×3 → conv 60×5 → conv 120×3, each with BN,
    relu and max-pool 2 → dense 256 → dense 256, dropout 0.4 after each dense block; no L2, Glorot-uniform
    initialisation (Keras' default, as the published model was trained). Its 249-nt enhancers and two
    activities (developmental, housekeeping) are the paper's data; the output count is the dataset's."""
    o = _options({"filters": 256, "kernel_size": 7, "l2": 0.0, "initializer": "glorot_uniform"}, given)
    blocks = [Conv(o.scaled(o.filters), o.kernel_size, 2, o.activation), Conv(o.scaled(60), 3, 2),
              Conv(o.scaled(60), 5, 2), Conv(o.scaled(120), 3, 2), Dense(o.scaled(256)), Dense(o.scaled(256))]
    return _assemble("deepstarr", input_shape, n_tasks, blocks, o.rates([0.0, 0.0, 0.0, 0.0, 0.4, 0.4]), o)


@register("basset")
def basset(input_shape, n_tasks, **given) -> keras.Model:
    """Basset (Kelley et al. 2016): conv 300×19 (act) → pool 3 → conv 200×11 → pool 4 → conv 200×7 → pool 4,
    each with BN and relu → dense 1000 → dense 1000, dropout 0.3 after each dense block; no L2. The paper's
    600-nt DNase sites and 164 cell types are its data; the output count is the dataset's. Convolutions are
    'same'-padded like the rest of the zoo (the Torch original was unpadded)."""
    o = _options({"filters": 300, "kernel_size": 19, "l2": 0.0}, given)
    blocks = [Conv(o.scaled(o.filters), o.kernel_size, 3, o.activation), Conv(o.scaled(200), 11, 4),
              Conv(o.scaled(200), 7, 4), Dense(o.scaled(1000)), Dense(o.scaled(1000))]
    return _assemble("basset", input_shape, n_tasks, blocks, o.rates([0.0, 0.0, 0.0, 0.3, 0.3]), o)


def logit_model(model: keras.Model) -> keras.Model:
    """The same input mapped to the ``logits`` layer's output (attribution with target=logit)."""
    return keras.Model(model.input, model.get_layer("logits").output, name=f"{model.name}_logits")


def _block(layer_name: str) -> str | None:
    head = layer_name.split("_")[0]
    return head if head.startswith(("conv", "dense")) and head[-1].isdigit() else None


def hidden_layer_names(model: keras.Model) -> list[str]:
    """Names of the layers that end each hidden block, in order (the hidden representations h_1 … h_K)."""
    names = [layer.name for layer in model.layers]
    return [n for n, nxt in zip(names, names[1:] + [""]) if _block(n) and _block(n) != _block(nxt)]


def run_logits(model: keras.Model, x, *, training: bool, hook: Callable | None = None):
    """Logits computed layer by layer; ``hook(j, h)`` may replace the input (j = 0) or block j's output.

    This is how regimes reach hidden representations (manifold mixup / noise) inside one
    graph: the hook receives the block index and can choose, with a tensor, where to act.
    """
    hidden = hidden_layer_names(model)
    h = hook(0, x) if hook else x
    for layer in model.layers[1:]:
        h = layer(h, training=training)
        if layer.name == "logits":
            return h
        if hook and layer.name in hidden:
            h = hook(hidden.index(layer.name) + 1, h)
    raise ValueError(f"model {model.name} has no layer named 'logits'")
