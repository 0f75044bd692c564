"""Arithmetic: what the samples cannot say (bad input, operator plumbing)."""

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Variable
from dezero_plug.registry import REGISTRY
from dezero_plug.std import arithmetic
from dezero_plug.std import numpy_kernels


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


def _numpy_kernel(op):
    """The forward the numpy backend registered for ``op`` (dezero_plug.std.numpy_kernels)."""
    return lambda *xs: REGISTRY.kernels[op]["numpy"].forward(op(), *xs)


ZERO_D_FORWARDS = {  # op -> (numpy's kernel on the 0-d arrays 3.0 and 2.0, expected)
    "add": (arithmetic.Add, 5.0),
    "sub": (arithmetic.Sub, 1.0),
    "mul": (arithmetic.Mul, 6.0),
    "div": (arithmetic.Div, 1.5),
    "neg": (arithmetic.Neg, -3.0),
}


@pytest.mark.backend("numpy")
@pytest.mark.skipif(not numpy_kernels._ufunc_returns_arrays(), reason="numpy before 2.3 has no ufunc out=...")
@pytest.mark.parametrize("name", sorted(ZERO_D_FORWARDS))
def test_a_0d_operator_on_numpy_gives_an_array_itself(name):
    # numpy's kernel, not Function.__call__, makes the 0-d array (out=...): no numpy scalar to convert per op.
    # Planted: the kernel back to the plain operator returns an np.float64 and fails here.
    op, expected = ZERO_D_FORWARDS[name]
    y = _numpy_kernel(op)(*((np.array(3.0), np.array(2.0)) if op is not arithmetic.Neg else (np.array(3.0),)))
    assert type(y) is np.ndarray and y.shape == () and float(y) == expected
    operands = (Variable(np.array(3.0)), 2.0)[: 1 if op is arithmetic.Neg else 2]
    assert type(op()(*operands).data) is np.ndarray  # and the call runs it


@pytest.mark.backend("numpy")
@pytest.mark.skipif(not numpy_kernels._ufunc_returns_arrays(), reason="numpy before 2.3 has no ufunc out=...")
def test_numpy_kernels_give_what_the_operators_give():
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
            y, expected = _numpy_kernel(op)(a, b), np.asarray(operator(a, b))
            assert y.dtype == expected.dtype and y.shape == expected.shape, (op.__name__, a.dtype, b.dtype)
            np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(_numpy_kernel(arithmetic.Neg)(rows), -rows)
    add = arithmetic.Add()
    REGISTRY.kernels[arithmetic.Add]["numpy"].forward(add, rows, column)
    assert add.shapes == ((2, 3), (2, 1))  # what its backward sums the gradients back to
