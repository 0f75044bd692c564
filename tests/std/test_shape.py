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


def test_concat_of_mismatched_shapes_names_them(asarray):
    with pytest.raises(ValueError, match=r"^concat: shapes \[\(2, 3\), \(2, 4\)\] do not match outside axis 0"):
        F.concat([Variable(asarray(np.ones((2, 3)))), Variable(asarray(np.ones((2, 4))))])


def test_split_into_sections_that_do_not_divide(asarray):
    with pytest.raises(ValueError, match=r"^split: 3 sections do not divide axis 0 of length 4"):
        F.split(Variable(asarray(np.ones((4, 2)))), 3)


def test_squeeze_of_an_axis_that_is_not_1(asarray):
    with pytest.raises(ValueError, match=r"^squeeze: axis 0 of shape \(2, 1\) does not have length 1"):
        F.squeeze(Variable(asarray(np.ones((2, 1)))), axis=0)


def test_expand_dims_past_the_end_appends_the_axis_as_dezero(asarray, to_numpy):
    """DeZero inserts with list.insert: a public DDPM U-Net on DeZero calls expand_dims(x, 3) on a 2-d x (issue 30).
    numpy refuses it; an axis below the front still is refused."""
    x = Variable(asarray(np.arange(6.0).reshape(2, 3)))
    y = F.expand_dims(x, 3)
    assert y.shape == (2, 3, 1)
    np.testing.assert_array_equal(to_numpy(y.data), np.arange(6.0).reshape(2, 3, 1))
    y.backward()
    assert x.grad.shape == (2, 3)
    with pytest.raises(ValueError, match=r"^expand_dims: axis -4 is out of range for an input of 2 dimension"):
        F.expand_dims(x, -4)


def test_get_item_out_of_range_names_index_and_shape(asarray):
    with pytest.raises(IndexError, match=r"^get_item: index 5 is invalid for shape \(3,\)"):
        F.get_item(Variable(asarray(np.ones(3))), 5)


def test_reshape_gradient_of_a_strided_input_has_its_values():
    """A conv's output is an (N, C, H, W) view of channels-last memory: reshape's gradient has its shape and values."""
    x = Variable(np.random.default_rng(0).random((2, 4, 5, 3)).transpose(0, 3, 1, 2))  # (2, 3, 4, 5) view
    y = F.reshape(x, (2, -1))
    gy = np.arange(120.0).reshape(2, 60)
    y.grad = Variable(gy)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, gy.reshape(2, 3, 4, 5))
