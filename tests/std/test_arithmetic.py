"""Arithmetic: what the samples cannot say (bad input, operator plumbing)."""

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Variable
from dezero_plug.std import arithmetic


def test_pow_with_a_variable_exponent_says_how_to_write_it(asarray):
    x = Variable(asarray([1.0, 2.0]))
    with pytest.raises(
        TypeError, match=r"^pow: the exponent must be a Python scalar; got Variable.*exp\(c \* log\(x\)\)"
    ):
        x ** Variable(asarray(2.0))


def test_incompatible_shapes_name_the_op(asarray):
    with pytest.raises(ValueError):
        Variable(asarray(np.ones((2, 3)))) + Variable(asarray(np.ones((4,))))


@pytest.mark.backend("numpy")
def test_scalars_on_either_side():
    x = Variable(np.array(3.0))
    assert [float(v.data) for v in (x + 1, 1 + x, x - 1, 1 - x, x * 2, 2 * x, x / 2, 6 / x, x**2, 2**x, -x)] == [
        4.0,
        4.0,
        2.0,
        -2.0,
        6.0,
        6.0,
        1.5,
        2.0,
        9.0,
        8.0,
        -3.0,
    ]


def test_rsub_and_rdiv_swap_their_operands(asarray, to_numpy):
    a, b = Variable(asarray(6.0)), Variable(asarray(3.0))
    assert float(to_numpy(F.rsub(a, b))) == -3.0 and float(to_numpy(F.rdiv(a, b))) == 0.5


@pytest.mark.backend("numpy")
@pytest.mark.skipif(not arithmetic._ufunc_returns_arrays(), reason="numpy before 2.3 has no ufunc out=...")
@pytest.mark.parametrize("op", [arithmetic.Add, arithmetic.Sub, arithmetic.Mul, arithmetic.Div])
def test_a_0d_operator_on_numpy_gives_an_array_itself(op):
    # The forward, not Function.__call__, makes the 0-d array (out=...): no numpy scalar to convert per op.
    # Planted: forward back to the plain operator returns an np.float64 and fails here.
    a, b = np.array(3.0), np.array(2.0)
    y = op().forward(a, b)
    assert type(y) is np.ndarray and y.shape == ()
    assert float(y) == {"Add": 5.0, "Sub": 1.0, "Mul": 6.0, "Div": 1.5}[op.__name__]
    assert type(arithmetic.Neg().forward(a)) is np.ndarray


@pytest.mark.backend("numpy")
def test_numpy_operators_keep_the_operator_dtypes_and_broadcasting():
    # np.add(..., out=...) in place of +: the same result dtype and shape as the operator gives
    rows, column = np.arange(6, dtype=np.float32).reshape(2, 3), np.array([[2], [4]], dtype=np.int64)
    for op, plain in ((arithmetic.Add, np.add), (arithmetic.Sub, np.subtract), (arithmetic.Mul, np.multiply)):
        y = op().forward(rows, column)
        expected = plain(rows, column)
        assert y.dtype == expected.dtype and y.shape == expected.shape
        np.testing.assert_array_equal(y, expected)
    y = arithmetic.Div().forward(column, np.array(2, dtype=np.int64))
    assert y.dtype == np.float64 and y.shape == (2, 1)
