"""Arithmetic: add, sub, rsub, mul, div, rdiv, neg, pow, rpow, and the Variable operators bound to them.

Binary ops broadcast like numpy; their backward sums each gradient back to its
input's shape (``sum_to``), so ``(3, 4) + (4,)`` gives grads of (3, 4) and (4,).
Python scalars and arrays may stand on either side of an operator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.extend import Elementwise
from dezero_plug.extend import Formula
from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import hookimpl
from dezero_plug.extend import ops_for

dezero_plug_requires = ("broadcast",)

VariableLike = Any  # a Variable, an array of a registered backend, or a Python scalar


class Add(Function):
    shapes = None

    def forward(self, x0, x1):
        if x0.shape != x1.shape:  # kept, so that the gradient needs no input data (linear_simple frees it)
            self.shapes = (x0.shape, x1.shape)
        return x0 + x1

    def backward(self, gy):  # reads no input: one formula for Variables and raw arrays alike
        if self.shapes is None:
            return gy, gy
        ops = ops_for(gy)
        return ops.sum_to(gy, self.shapes[0]), ops.sum_to(gy, self.shapes[1])

    backward_arrays = backward


def add(x0: VariableLike, x1: VariableLike) -> Variable:
    """Elementwise ``x0 + x1`` with numpy broadcasting.

    Args:
        x0: a Variable, an array or a scalar.
        x1: the same, of a shape that broadcasts with ``x0``'s.

    Returns:
        Variable of the broadcast shape.

    Example:
        >>> add(Variable(np.array([1.0, 2.0])), 1.0).data
        array([2., 3.])
    """
    return Add()(x0, x1)


class Sub(Formula):
    def forward(self, x0, x1):
        return x0 - x1

    def gradient(self, ops, gy, x0, x1):
        need0, need1 = self.needs_input_grad
        return (ops.sum_to(gy, x0.shape) if need0 else None), (ops.sum_to(-gy, x1.shape) if need1 else None)


def sub(x0: VariableLike, x1: VariableLike) -> Variable:
    """Elementwise ``x0 - x1`` with numpy broadcasting (``Variable.__sub__``)."""
    return Sub()(x0, x1)


def rsub(x0: VariableLike, x1: VariableLike) -> Variable:
    """Elementwise ``x1 - x0``: the reflected subtraction behind ``2.0 - x``."""
    return Sub()(x1, x0)


class Mul(Formula):
    def forward(self, x0, x1):
        return x0 * x1

    def gradient(self, ops, gy, x0, x1):
        need0, need1 = self.needs_input_grad
        gx0 = ops.sum_to(gy * x1, x0.shape) if need0 else None  # d(x0*x1)/dx0 = x1
        gx1 = ops.sum_to(gy * x0, x1.shape) if need1 else None
        return gx0, gx1


def mul(x0: VariableLike, x1: VariableLike) -> Variable:
    """Elementwise ``x0 * x1`` with numpy broadcasting (``Variable.__mul__``, ``__rmul__``)."""
    return Mul()(x0, x1)


class Div(Formula):
    def forward(self, x0, x1):
        return x0 / x1

    def gradient(self, ops, gy, x0, x1):
        need0, need1 = self.needs_input_grad
        gx0 = ops.sum_to(gy / x1, x0.shape) if need0 else None
        gx1 = ops.sum_to(gy * (-x0 / (x1 * x1)), x1.shape) if need1 else None  # d(a/b)/db = -a/b^2
        return gx0, gx1


def div(x0: VariableLike, x1: VariableLike) -> Variable:
    """Elementwise ``x0 / x1`` with numpy broadcasting (``Variable.__truediv__``)."""
    return Div()(x0, x1)


def rdiv(x0: VariableLike, x1: VariableLike) -> Variable:
    """Elementwise ``x1 / x0``: the reflected division behind ``1.0 / x``."""
    return Div()(x1, x0)


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy

    backward_arrays = backward  # the same formula: -gy is on raw arrays what it is on Variables


def neg(x: VariableLike) -> Variable:
    """Elementwise ``-x`` (``Variable.__neg__``)."""
    return Neg()(x)


class Pow(Elementwise):
    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        return x**self.c

    def derivative(self, ops, x, y):
        return self.c * x ** (self.c - 1)  # d/dx x**c = c·x**(c-1)


def pow(x: VariableLike, c: float) -> Variable:
    """Elementwise ``x ** c`` for a scalar exponent ``c`` (``Variable.__pow__``), as in DeZero.

    Args:
        x: Variable or array.
        c: a Python scalar exponent.

    Raises:
        TypeError: when ``c`` is not a scalar (use ``exp(c * log(x))`` for a variable exponent).
    """
    c = _scalar_exponent("pow", c)
    return Pow(c)(x)


class Rpow(Elementwise):
    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        return self.c**x

    def derivative(self, ops, x, y):
        return y * float(np.log(self.c))  # d/dx c**x = c**x · log c


def rpow(x: VariableLike, c: float) -> Variable:
    """Elementwise ``c ** x`` for a positive scalar base ``c`` (``Variable.__rpow__``)."""
    c = _scalar_exponent("rpow", c)
    return Rpow(c)(x)


def _scalar_exponent(op: str, c: Any) -> float:
    if isinstance(c, np.generic):
        c = c.item()
    if not isinstance(c, (int, float)) or isinstance(c, bool):
        raise TypeError(
            f"{op}: the exponent must be a Python scalar; got {type(c).__name__}. "
            "For a Variable exponent write exp(c * log(x))."
        )
    return c


@hookimpl
def dezero_plug_functions():
    return [add, sub, rsub, mul, div, rdiv, neg, pow, rpow]


@hookimpl
def dezero_plug_variable_methods():
    return {
        "__add__": add,
        "__radd__": add,
        "__sub__": sub,
        "__rsub__": rsub,
        "__mul__": mul,
        "__rmul__": mul,
        "__truediv__": div,
        "__rtruediv__": rdiv,
        "__neg__": neg,
        "__pow__": pow,
        "__rpow__": rpow,
    }


def _broadcast(reference: Any) -> list[OpSample]:
    """Samples of a binary elementwise op: same shapes, a row, an outer product, a 0-d with an array."""
    shapes = {"same": ((3, 4), (3, 4)), "row": ((3, 4), (4,)), "outer": ((3, 1), (1, 4)), "scalar-array": ((), (2, 3))}
    return [OpSample(*pair, id=name, reference=reference, category="elementwise") for name, pair in shapes.items()]


@hookimpl
def dezero_plug_op_samples():
    away_from_zero = dict(low=0.5, high=2.0)
    return {
        "add": [
            *_broadcast(np.add),
            OpSample((2, 3), 2.0, id="const"),
            OpSample((2, 3), 2.0, call=lambda x, c: c + x, id="radd"),
        ],
        "sub": [*_broadcast(np.subtract), OpSample((2, 3), 2.0, call=lambda x, c: c - x, id="rsub")],
        "rsub": [OpSample((2, 3), (3,), category="elementwise")],
        "mul": [*_broadcast(np.multiply), OpSample((2, 3), 3.0, call=lambda x, c: c * x, id="rmul")],
        "div": [
            OpSample((3, 4), (3, 4), **away_from_zero, id="same", reference=np.divide, category="elementwise"),
            OpSample((3, 4), (4,), **away_from_zero, id="row", reference=np.divide, category="elementwise"),
            OpSample((2, 3), 2.0, call=lambda x, c: c / x, **away_from_zero, id="rdiv"),
        ],
        "rdiv": [OpSample((2, 3), (3,), **away_from_zero, category="elementwise")],
        "neg": [
            OpSample((2, 3), reference=np.negative, category="elementwise"),
            OpSample((2, 3), call=lambda x: -x, id="operator"),
        ],
        "pow": [
            OpSample((2, 3), 3, grad=[0], low=0.5, high=2.0, category="elementwise"),
            OpSample((4,), 0.5, low=0.5, high=2.0, call=lambda x, c: x**c, id="operator"),
        ],
        "rpow": [
            OpSample((2, 3), 2.0, grad=[0], category="elementwise"),
            OpSample((3,), 3.0, call=lambda x, c: c**x, id="operator"),
        ],
    }


__all__ = ["add", "div", "mul", "neg", "pow", "rdiv", "rpow", "rsub", "sub"]
