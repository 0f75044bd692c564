"""Reductions: errors that name the op, axis and shapes."""

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Variable


def test_sum_axis_out_of_range_names_the_op(asarray):
    with pytest.raises(ValueError, match=r"^sum: axis 2 is out of range for an input of 2 dimension\(s\)"):
        F.sum(Variable(asarray(np.ones((2, 3)))), axis=2)


def test_sum_to_a_shape_that_does_not_broadcast(asarray):
    with pytest.raises(ValueError, match=r"^sum_to: cannot sum an input of shape \(2, 3\) down to \(2,\)"):
        F.sum_to(Variable(asarray(np.ones((2, 3)))), (2,))


def test_broadcast_to_an_incompatible_shape(asarray):
    with pytest.raises(ValueError, match=r"^broadcast_to: cannot broadcast shape \(2,\) to \(3, 3\)"):
        F.broadcast_to(Variable(asarray(np.ones(2))), (3, 3))


def test_sum_of_all_gives_a_0d_variable(asarray):
    y = F.sum(Variable(asarray(np.ones((2, 3)))))
    assert y.shape == () and y.ndim == 0


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_and_min_backward_with_a_negative_axis(asarray, to_numpy, op):
    # DeZero's max_backward_shape breaks for negative axes.
    data = np.array([[1.0, 5.0, 3.0], [7.0, 2.0, 4.0]])
    x = Variable(asarray(data))
    getattr(F, op)(x, axis=-1).sum().backward()
    pick = np.argmax(data, axis=1) if op == "max" else np.argmin(data, axis=1)
    expected = np.zeros_like(data)
    expected[np.arange(2), pick] = 1.0
    np.testing.assert_array_equal(to_numpy(x.grad), expected)


def test_mean_is_average_and_var_is_population_variance(asarray, to_numpy):
    x = Variable(asarray(np.array([[1.0, 2.0], [3.0, 6.0]])))
    np.testing.assert_allclose(to_numpy(F.mean(x, axis=1).data), to_numpy(F.average(x, axis=1).data))
    with pytest.raises(ValueError, match=r"^mean: axis 2 is out of range"):  # each names itself
        F.mean(x, axis=2)
    with pytest.raises(ValueError, match=r"^average: axis 2 is out of range"):
        F.average(x, axis=2)
    np.testing.assert_allclose(to_numpy(F.var(x, axis=0)), [1.0, 4.0])
