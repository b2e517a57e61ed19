"""The model zoo as plain block lists: what each architecture is, without Keras.

``layout(spec)`` turns a config model entry into its options, hidden blocks and one dropout
rate per block; ``seqattr.models.build_model`` assembles exactly that into a Keras model.
Config validation reads the same layout (the number of dropout rates, the shortest input the
max-pooling allows: ``Layout.too_short``) without starting TensorFlow.

cnn_shallow follows paper 001 appendix A: dropout 0.1 after the first and 0.2 after the second
convolutional block, none after the dense layer (the appendix lists two rates; the lab's code
also put 0.5 there — ``dropout: [0.1, 0.2, 0.5]`` reproduces that). In the lab-derived
architectures dropout comes before max-pooling, as in the lab's layer helpers; baseline_cnn
follows paper 000 appendix A's listing literally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, Sequence

ACTIVATIONS = ("relu", "exponential")
INITIALIZERS = ("he_normal", "glorot_uniform", "normal")


class OptionError(ValueError):
    """A model option the architecture cannot take; ``option`` names it (config ``models.<name>.options.<option>``)."""

    def __init__(self, option: str, message: str):
        super().__init__(message)
        self.option = option


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
            raise OptionError(
                "dropout", f"dropout needs {len(defaults)} rates (one per hidden block), got {list(self.dropout)}"
            )
        return [float(rate) for rate in self.dropout]

    def scaled(self, units: int) -> int:
        return max(1, round(units * self.width))


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


@dataclass(frozen=True)
class Layout:
    """One architecture with its options: hidden blocks in order and a dropout rate for each."""

    name: str
    options: Options
    blocks: list
    rates: list[float]

    def too_short(self, length: int) -> str | None:
        """Why inputs of ``length`` are too short for the max-pooling, or None when they fit.

        Each pooling floor-divides the length and needs at least its own size, so the shortest
        input is the product of the pool sizes.
        """
        pools = [block.pool for block in self.blocks if isinstance(block, Conv) and block.pool > 1]
        if length >= math.prod(pools):
            return None
        return (
            f"inputs of {length} nt are too short for {self.name}'s max-pooling {' × '.join(map(str, pools))} "
            f"(it needs at least {math.prod(pools)})"
        )


REGISTRY: dict[str, Callable[[dict], Layout]] = {}


def register(name: str):
    """Decorator adding an architecture ``fn(options: dict) -> Layout`` under ``name``."""

    def add(layout_of):
        REGISTRY[name] = layout_of
        return layout_of

    return add


def layout(spec: dict) -> Layout:
    """The layout of a config model entry ``{"architecture": name, "options": {...}}``; ValueError when invalid."""
    name = spec.get("architecture")
    if name not in REGISTRY:
        raise ValueError(f"unknown architecture '{name}'; allowed: {sorted(REGISTRY)}")
    return REGISTRY[name](dict(spec.get("options") or {}))


def _options(defaults: dict, given: dict) -> Options:
    allowed = Options.__dataclass_fields__
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise OptionError(unknown[0], f"unknown model options {unknown}; allowed: {sorted(allowed)}")
    options = replace(Options(**defaults), **given)
    if "init_std" in given and "initializer" not in given:
        options = replace(options, initializer="normal")
    if options.activation not in ACTIVATIONS:
        raise OptionError("activation", f"activation '{options.activation}' is not one of {list(ACTIVATIONS)}")
    if options.initializer not in INITIALIZERS:
        raise OptionError("initializer", f"initializer '{options.initializer}' is not one of {list(INITIALIZERS)}")
    if options.init_std is not None and options.initializer != "normal":
        raise OptionError("init_std", f"init_std needs initializer 'normal', got '{options.initializer}'")
    return options


@register("cnn_shallow")
def cnn_shallow(given: dict) -> Layout:
    """Paper 001 App. A: conv 24×19 (act) → pool 50 → conv 48×3 → pool 2 → dense 96."""
    o = _options({}, given)
    blocks = [Conv(o.scaled(o.filters), o.kernel_size, 50, o.activation), Conv(o.scaled(48), 3, 2), Dense(o.scaled(96))]
    return Layout("cnn_shallow", o, blocks, o.rates([0.1, 0.2, 0.0]))


@register("cnn_deep")
def cnn_deep(given: dict) -> Layout:
    """Paper 001 App. A: conv 24×19 (act) → conv 32×7 → pool 4 → conv 48×7 → pool 4 → conv 64×3 → pool 3
    → dense 96; BN, dropout 0.1 … 0.5."""
    o = _options({}, given)
    blocks = [
        Conv(o.scaled(o.filters), o.kernel_size, 1, o.activation),
        Conv(o.scaled(32), 7, 4),
        Conv(o.scaled(48), 7, 4),
        Conv(o.scaled(64), 3, 3),
        Dense(o.scaled(96)),
    ]
    return Layout("cnn_deep", o, blocks, o.rates([0.1, 0.2, 0.3, 0.4, 0.5]))


@register("local_net")
def local_net(given: dict) -> Layout:
    """Paper 003 LocalNet: conv 24×19 (act) → pool 50 → dense 96; regularised variant by default."""
    o = _options({}, given)
    blocks = [Conv(o.scaled(o.filters), o.kernel_size, 50, o.activation), Dense(o.scaled(96))]
    return Layout("local_net", o, blocks, o.rates([0.1, 0.5]))


@register("dist_net")
def dist_net(given: dict) -> Layout:
    """Paper 003 DistNet: conv 24×7 (act) → conv 32×9 → pool 3 → conv 48×6 → pool 4 → conv 64×4 → pool 3
    → dense 96; regularised variant by default."""
    o = _options({"kernel_size": 7}, given)
    blocks = [
        Conv(o.scaled(o.filters), o.kernel_size, 1, o.activation),
        Conv(o.scaled(32), 9, 3),
        Conv(o.scaled(48), 6, 4),
        Conv(o.scaled(64), 4, 3),
        Dense(o.scaled(96)),
    ]
    return Layout("dist_net", o, blocks, o.rates([0.1, 0.2, 0.3, 0.4, 0.5]))


@register("baseline_cnn")
def baseline_cnn(given: dict) -> Layout:
    """Paper 000 App. A, width factor f: conv 24f×19 → conv 32f×7 → pool 4 → conv 48f×5 → pool 4
    → conv 64f×5 → pool 4 → dense 96f.

    Dropout r (0.1) after each convolution — before the pool in block 2, after it in blocks 3
    and 4, as listed — and 0.5 after the dense layer; no batch normalisation by default.
    """
    o = _options({"batch_norm": False}, given)
    blocks = [
        Conv(o.scaled(o.filters), o.kernel_size, 1, o.activation),
        Conv(o.scaled(32), 7, 4),
        Conv(o.scaled(48), 5, 4, dropout_first=False),
        Conv(o.scaled(64), 5, 4, dropout_first=False),
        Dense(o.scaled(96)),
    ]
    return Layout("baseline_cnn", o, blocks, o.rates([0.1, 0.1, 0.1, 0.1, 0.5]))


@register("deepstarr")
def deepstarr(given: dict) -> Layout:
    """DeepSTARR (de Almeida et al. 2022): conv 256×7 (act) → conv 60×3 → conv 60×5 → conv 120×3, each with BN,
    relu and max-pool 2 → dense 256 → dense 256, dropout 0.4 after each dense block; no L2, Glorot-uniform
    initialisation (Keras' default, as the published model was trained). Its 249-nt enhancers and two
    activities (developmental, housekeeping) are the paper's data; the output count is the dataset's."""
    o = _options({"filters": 256, "kernel_size": 7, "l2": 0.0, "initializer": "glorot_uniform"}, given)
    blocks = [
        Conv(o.scaled(o.filters), o.kernel_size, 2, o.activation),
        Conv(o.scaled(60), 3, 2),
        Conv(o.scaled(60), 5, 2),
        Conv(o.scaled(120), 3, 2),
        Dense(o.scaled(256)),
        Dense(o.scaled(256)),
    ]
    return Layout("deepstarr", o, blocks, o.rates([0.0, 0.0, 0.0, 0.0, 0.4, 0.4]))


@register("basset")
def basset(given: dict) -> Layout:
    """Basset (Kelley et al. 2016): conv 300×19 (act) → pool 3 → conv 200×11 → pool 4 → conv 200×7 → pool 4,
    each with BN and relu → dense 1000 → dense 1000, dropout 0.3 after each dense block; no L2. The paper's
    600-nt DNase sites and 164 cell types are its data; the output count is the dataset's. Convolutions are
    'same'-padded like the rest of the zoo (the Torch original was unpadded)."""
    o = _options({"filters": 300, "kernel_size": 19, "l2": 0.0}, given)
    blocks = [
        Conv(o.scaled(o.filters), o.kernel_size, 3, o.activation),
        Conv(o.scaled(200), 11, 4),
        Conv(o.scaled(200), 7, 4),
        Dense(o.scaled(1000)),
        Dense(o.scaled(1000)),
    ]
    return Layout("basset", o, blocks, o.rates([0.0, 0.0, 0.0, 0.3, 0.3]))
