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
