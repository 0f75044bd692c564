"""Activations: relu's plain backward masks by its input, and never writes into its gy."""

import numpy as np

import dezero_plug.functions as F
from dezero_plug import Variable
from dezero_plug.extend import get_array_module
from dezero_plug.std.activation import ReLU

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


class _CarelessReLU(ReLU):
    def backward_arrays(self, gy):  # the planted bug: masks gy in place, though another gradient may hold it
        x = self.inputs[0].data
        gy *= get_array_module(x).astype(x > 0, gy.dtype)
        return gy


def _shared_gy_after(asarray, to_numpy, relu):
    # add hands one array to both its inputs: relu's gy is c's gradient too, and must stay unmasked
    x, c = Variable(asarray(VALUES)), Variable(asarray(np.zeros_like(VALUES)))
    F.sum((relu(x) + c) * 3.0).backward()
    return to_numpy(x.grad.data), to_numpy(c.grad.data)


def test_relu_leaves_a_gy_that_another_gradient_holds(asarray, to_numpy, backend):
    gx, gc = _shared_gy_after(asarray, to_numpy, ReLU())
    np.testing.assert_array_equal(gx, 3.0 * EXPECTED)
    np.testing.assert_array_equal(gc, np.full(VALUES.shape, 3.0))
    if backend.mutable_arrays:  # the test sees the bug it guards against
        _, careless = _shared_gy_after(asarray, to_numpy, _CarelessReLU())
        assert not (careless == 3.0).all()
