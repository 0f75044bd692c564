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


ZERO_D_FORWARDS = {  # op -> (forward on the 0-d arrays 3.0 and 2.0, expected)
    "add": (lambda a, b: arithmetic.Add().forward(a, b), 5.0),
    "sub": (lambda a, b: arithmetic.Sub().forward(a, b), 1.0),
    "mul": (lambda a, b: arithmetic.Mul().forward(a, b), 6.0),
    "div": (lambda a, b: arithmetic.Div().forward(a, b), 1.5),
    "neg": (lambda a, b: arithmetic.Neg().forward(a), -3.0),
}


@pytest.mark.backend("numpy")
@pytest.mark.skipif(arithmetic._ARRAY_OUT is None, reason="numpy before 2.3 has no ufunc out=...")
@pytest.mark.parametrize("name", sorted(ZERO_D_FORWARDS))
def test_a_0d_operator_on_numpy_gives_an_array_itself(name):
    # The forward, not Function.__call__, makes the 0-d array (out=...): no numpy scalar to convert per op.
    # Planted: forward back to the plain operator returns an np.float64 and fails here.
    forward, expected = ZERO_D_FORWARDS[name]
    y = forward(np.array(3.0), np.array(2.0))
    assert type(y) is np.ndarray and y.shape == () and float(y) == expected


@pytest.mark.backend("numpy")
def test_numpy_ufunc_forwards_give_what_the_operators_give():
    # np.add(..., out=...) in place of +: the operator's values, dtype and broadcast shape
    rows, column = np.arange(6, dtype=np.float32).reshape(2, 3), np.array([[2], [4]], dtype=np.int64)
    pairs = [(rows, column), (column, np.array(2, dtype=np.int64)), (np.array(3.0), np.array(2.0, np.float32))]
    for op, operator in (
        (arithmetic.Add, lambda a, b: a + b),
        (arithmetic.Sub, lambda a, b: a - b),
        (arithmetic.Mul, lambda a, b: a * b),
        (arithmetic.Div, lambda a, b: a / b),
    ):
        for a, b in pairs:
            y, expected = op().forward(a, b), np.asarray(operator(a, b))
            assert y.dtype == expected.dtype and y.shape == expected.shape, (op.__name__, a.dtype, b.dtype)
            np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(arithmetic.Neg().forward(rows), -rows)
