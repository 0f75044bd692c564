"""Arithmetic: what the samples cannot say (bad input, operator plumbing)."""

import numpy as np
import pytest

import dezero_plug.functions as F
from dezero_plug import Variable


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
