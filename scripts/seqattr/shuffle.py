"""Seeded shuffles of one-hot sequences: the references of expected gradients and shuffled baselines.

``mononucleotide`` permutes positions (keeps base counts); ``dinucleotide`` keeps every
dinucleotide count, the first and the last base (Altschul & Erickson 1985: a random Eulerian
path through the graph whose edges are the sequence's dinucleotides). All-zero columns (N)
are shuffled as a fifth letter.
"""

from __future__ import annotations

import numpy as np

KINDS = ("mononucleotide", "dinucleotide")


def _symbols(x: np.ndarray) -> np.ndarray:
    """(L, A) one-hot → (L,) integer letters, all-zero columns as letter A."""
    return np.where(x.sum(-1) > 0, x.argmax(-1), x.shape[-1])


def _one_hot(symbols: np.ndarray, alphabet: int) -> np.ndarray:
    table = np.vstack([np.eye(alphabet, dtype=np.float32), np.zeros((1, alphabet), dtype=np.float32)])
    return table[symbols]


def _reaches(last_edge: dict[int, int], start: int, root: int) -> bool:
    """Whether following the chosen last edges from ``start`` arrives at ``root`` without a cycle."""
    seen = set()
    while start != root:
        if start in seen:
            return False
        seen.add(start)
        start = last_edge[start]
    return True


def dinucleotide_shuffle_symbols(symbols: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random sequence with exactly the dinucleotide counts of ``symbols``, same first and last letter."""
    if len(symbols) < 3:
        return symbols.copy()
    edges: dict[int, list[int]] = {}
    for a, b in zip(symbols[:-1], symbols[1:]):
        edges.setdefault(int(a), []).append(int(b))
    root = int(symbols[-1])
    vertices = [v for v in edges if v != root]
    while True:  # a random arborescence of last exits pointing to the final letter
        last_edge = {v: edges[v][rng.integers(len(edges[v]))] for v in vertices}
        if all(_reaches(last_edge, v, root) for v in vertices):
            break
    order: dict[int, list[int]] = {}
    for v, targets in edges.items():
        targets = list(targets)
        if v in last_edge:
            targets.remove(last_edge[v])
        rng.shuffle(targets)
        order[v] = targets + ([last_edge[v]] if v in last_edge else [])
    walk, position = [int(symbols[0])], {v: 0 for v in order}
    for _ in range(len(symbols) - 1):
        v = walk[-1]
        walk.append(order[v][position[v]])
        position[v] += 1
    return np.array(walk)


def shuffle(x: np.ndarray, kind: str = "mononucleotide", n: int = 1, seed: int = 0, offset: int = 0) -> np.ndarray:
    """``n`` shuffles of every sequence of ``x`` (N, L, A) → (N, n, L, A).

    Sequence i draws from its own generator seeded by (seed, offset + i), so results do not
    depend on how the caller batches the sequences.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown shuffle {kind!r}; use one of {KINDS}")
    out = np.empty((len(x), n) + x.shape[1:], dtype=np.float32)
    for i, sequence in enumerate(x):
        rng = np.random.default_rng((seed, offset + i))
        symbols = _symbols(sequence)
        for j in range(n):
            if kind == "mononucleotide":
                shuffled = symbols[rng.permutation(len(symbols))]
            else:
                shuffled = dinucleotide_shuffle_symbols(symbols, rng)
            out[i, j] = _one_hot(shuffled, x.shape[-1])
    return out
