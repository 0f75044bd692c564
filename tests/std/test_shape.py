"""Shape ops: errors that name the op and the shapes."""

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Variable


def test_reshape_to_another_size_names_both_shapes(asarray):
    with pytest.raises(ValueError, match=r"^reshape: cannot reshape an input of shape \(2, 3\) \(size 6\) to \(4,\)"):
        F.reshape(Variable(asarray(np.ones((2, 3)))), (4,))


def test_transpose_with_bad_axes_names_them(asarray):
    with pytest.raises(
        ValueError, match=r"^transpose: axes \(0, 0\) are not a permutation of the 2 axes of shape \(2, 3\)"
    ):
        F.transpose(Variable(asarray(np.ones((2, 3)))), (0, 0))


def test_reshape_to_the_same_shape_returns_the_variable(asarray):
    x = Variable(asarray(np.ones((2, 3))))
    assert F.reshape(x, (2, 3)) is x and x.reshape((2, 3)) is x


def test_T_reverses_all_axes_of_a_3d_variable(asarray):
    assert Variable(asarray(np.ones((2, 3, 4)))).T.shape == (4, 3, 2)
