"""Shuffles keep base (and dinucleotide) counts, really permute, and are seeded per sequence."""

from collections import Counter

import numpy as np
import pytest

from seqattr.data import decode, one_hot
from seqattr.shuffle import shuffle

RNG = np.random.default_rng(0)
SEQUENCES = ["".join(RNG.choice(list("ACGT"), 120)) for _ in range(6)] + ["ACGTNNACGTTTGCA" * 8]
X = one_hot(SEQUENCES)


def _dinucleotides(s):
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


@pytest.mark.parametrize("kind", ["mononucleotide", "dinucleotide"])
def test_counts_are_kept_and_sequences_change(kind):
    shuffled = shuffle(X, kind, n=3, seed=1)
    assert shuffled.shape == (len(X), 3) + X.shape[1:]
    for original, copies in zip(SEQUENCES, shuffled):
        for copy in decode(copies):
            assert Counter(copy) == Counter(original)
            assert copy != original
            if kind == "dinucleotide":
                assert _dinucleotides(copy) == _dinucleotides(original)
                assert copy[0] == original[0] and copy[-1] == original[-1]


def test_mononucleotide_shuffle_breaks_dinucleotides_sometimes():
    copies = decode(shuffle(X[:1], "mononucleotide", n=5, seed=2)[0])
    assert any(_dinucleotides(c) != _dinucleotides(SEQUENCES[0]) for c in copies)


def test_seeded_and_independent_of_batching():
    whole = shuffle(X, "dinucleotide", n=2, seed=5)
    np.testing.assert_array_equal(whole, shuffle(X, "dinucleotide", n=2, seed=5))
    np.testing.assert_array_equal(whole[3:], shuffle(X[3:], "dinucleotide", n=2, seed=5, offset=3))
    assert not np.array_equal(whole, shuffle(X, "dinucleotide", n=2, seed=6))


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown shuffle"):
        shuffle(X, "trinucleotide")
