"""Linear algebra: shape errors name the op and both shapes."""

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Variable


def test_matmul_shapes_that_do_not_align(asarray):
    with pytest.raises(ValueError, match=r"^matmul: shapes \(3, 4\) and \(5, 6\) do not align \(4 != 5\)"):
        F.matmul(Variable(asarray(np.ones((3, 4)))), Variable(asarray(np.ones((5, 6)))))


def test_linear_shapes_that_do_not_align(asarray):
    with pytest.raises(ValueError, match=r"^linear: shapes \(2, 3\) and \(4, 5\) do not align"):
        F.linear(Variable(asarray(np.ones((2, 3)))), asarray(np.ones((4, 5))))


def test_embed_id_needs_integer_ids(asarray):
    with pytest.raises(TypeError, match=r"^embed_id: ids must be an integer array; got dtype"):
        F.embed_id(asarray(np.array([0.0, 1.0])), Variable(asarray(np.ones((3, 2)))))


def test_embed_id_gradient_accumulates_repeated_ids(asarray, to_numpy):
    W = Variable(asarray(np.ones((3, 2))))
    F.embed_id(asarray(np.array([0, 2, 2])), W).sum().backward()
    np.testing.assert_array_equal(to_numpy(W.grad), [[1, 1], [0, 0], [2, 2]])


def test_bias_gradients_are_column_sums_whatever_the_batches_before(asarray, to_numpy):
    # sum_rows keeps one ones vector per size: a second batch of the same size, or one of another size in
    # between, must get the same sums (a kept vector written into, or mixed up by size, would not)
    rng = np.random.default_rng(0)
    for n in (3, 5, 3, 5):
        x, w, b = (Variable(asarray(a)) for a in (rng.standard_normal((n, 4)), np.ones((4, 2)), np.zeros(2)))
        scale = asarray(rng.standard_normal((n, 2)))
        F.sum(F.linear(x, w, b) * scale).backward()
        np.testing.assert_allclose(to_numpy(b.grad.data), to_numpy(scale).sum(axis=0), rtol=1e-12)
