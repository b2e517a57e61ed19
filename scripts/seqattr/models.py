"""Keras models of the zoo: ``seqattr.architectures`` layouts assembled into networks.

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
"""

from __future__ import annotations

from typing import Callable, Sequence

import keras

from seqattr.architectures import REGISTRY, Conv, Layout, Options, layout
from seqattr.tasks import task_type

__all__ = ["REGISTRY", "build_model", "hidden_layer_names", "logit_model", "run_logits"]


def build_model(spec: dict, input_shape: Sequence[int], n_tasks: int, task: str) -> keras.Model:
    """Build ``spec["architecture"]`` with ``spec["options"]`` for (L, 4) inputs and ``n_tasks`` outputs of type ``task``."""
    return _assemble(layout(spec), tuple(input_shape), int(n_tasks), task_type(task).activation)


def _initializer(options: Options):
    if options.initializer == "normal":
        return keras.initializers.RandomNormal(0.0, 0.05 if options.init_std is None else options.init_std)
    return keras.initializers.get(options.initializer)


def _assemble(arch: Layout, input_shape, n_tasks: int, output_activation: str) -> keras.Model:
    """Chain the hidden blocks, then ``logits`` (Dense, linear) and ``probability`` (the task's activation)."""
    if problem := arch.too_short(input_shape[0]):
        raise ValueError(problem)
    options = arch.options
    regularizer = keras.regularizers.L2(options.l2) if options.l2 else None
    inputs = keras.Input(tuple(input_shape), name="sequence")
    h = inputs
    n_conv = n_dense = 0
    for block, rate in zip(arch.blocks, arch.rates):
        if isinstance(block, Conv):
            n_conv += 1
            prefix = f"conv{n_conv}"
            h = keras.layers.Conv1D(
                block.filters,
                block.kernel_size,
                padding="same",
                use_bias=not options.batch_norm,
                kernel_initializer=_initializer(options),
                kernel_regularizer=regularizer,
                name=prefix,
            )(h)
        else:
            n_dense += 1
            prefix = f"dense{n_dense}"
            if len(h.shape) > 2:
                h = keras.layers.Flatten(name="flatten")(h)
            h = keras.layers.Dense(
                block.units,
                use_bias=not options.batch_norm,
                kernel_initializer=_initializer(options),
                kernel_regularizer=regularizer,
                name=prefix,
            )(h)
        if options.batch_norm:
            h = keras.layers.BatchNormalization(name=f"{prefix}_bn")(h)
        h = keras.layers.Activation(block.activation, name=f"{prefix}_act")(h)
        tail = [keras.layers.Dropout(rate, name=f"{prefix}_dropout")]
        if isinstance(block, Conv) and block.pool > 1:
            pool = keras.layers.MaxPool1D(block.pool, name=f"{prefix}_pool")
            tail = tail + [pool] if block.dropout_first else [pool] + tail
        for layer in tail:
            h = layer(h)
    if len(h.shape) > 2:
        h = keras.layers.Flatten(name="flatten")(h)
    logits = keras.layers.Dense(n_tasks, kernel_initializer=_initializer(options), name="logits")(h)
    probability = keras.layers.Activation(output_activation, name="probability")(logits)
    return keras.Model(inputs, probability, name=arch.name)


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
