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
