"""Activations: relu's plain backward masks by its output, and falls back on its input when that is gone."""

import numpy as np

import dezero_plug.functions as F
from dezero_plug import Variable

# zeros and negative zeros get no gradient (relu'(0) = 0, as the book, PyTorch and Chainer); NaN neither
VALUES = np.array([[-2.0, -0.0, 0.0, 1e-30], [3.0, np.nan, -1e-30, 0.5]])
EXPECTED = np.array([[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]])


def test_relu_plain_backward_is_one_exactly_where_the_input_is_positive(asarray, to_numpy):
    x = Variable(asarray(VALUES))
    y = F.relu(x)
    F.sum(y * 3.0).backward()
    np.testing.assert_array_equal(to_numpy(x.grad.data), 3.0 * EXPECTED)


def test_relu_plain_backward_uses_the_input_when_the_output_data_was_released(asarray, to_numpy):
    # A composite may release an intermediate that the next op's backward does not need, as the book's
    # linear_simple does: relu's backward must not depend on its output's data being there.
    x = Variable(asarray(VALUES))
    y = F.relu(x)
    z = F.sum(y + 1.0)
    y.data = None
    z.backward()
    np.testing.assert_array_equal(to_numpy(x.grad.data), EXPECTED)


def test_relu_plain_and_differentiable_backwards_agree(asarray, to_numpy):
    plain, graph = Variable(asarray(VALUES)), Variable(asarray(VALUES))
    F.sum(F.relu(plain) * 2.0).backward()
    F.sum(F.relu(graph) * 2.0).backward(create_graph=True)
    np.testing.assert_array_equal(to_numpy(plain.grad.data), to_numpy(graph.grad.data))
