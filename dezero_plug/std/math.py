"""Elementwise math: exp, log, sin, cos, tanh, square, sqrt, abs, clip, maximum, minimum, where.

Each backward is built from these same differentiable functions, so every
derivative of every order is available (``sin`` to any order, ``tanh`` too).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from dezero_plug.extend import Elementwise
from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import backend_of
from dezero_plug.extend import composite
from dezero_plug.extend import data_of
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl

dezero_plug_requires = ("broadcast", "arithmetic")

VariableLike = Any


class Exp(Elementwise):
    def forward(self, x):
        return get_array_module(x).exp(x)

    def derivative(self, ops, x, y):
        return y  # d/dx e^x = e^x


def exp(x: VariableLike) -> Variable:
    """Elementwise ``e ** x``; same shape and dtype as ``x``."""
    return Exp()(x)


class Log(Elementwise):
    def forward(self, x):
        return get_array_module(x).log(x)

    def derivative(self, ops, x, y):
        return 1 / x  # d/dx log x = 1/x


def log(x: VariableLike) -> Variable:
    """Elementwise natural logarithm (``x > 0``); same shape and dtype as ``x``."""
    return Log()(x)


class Sin(Elementwise):
    def forward(self, x):
        return get_array_module(x).sin(x)

    def derivative(self, ops, x, y):
        return ops.cos(x)  # d/dx sin x = cos x


def sin(x: VariableLike) -> Variable:
    """Elementwise sine.

    Example:
        >>> x = Variable(np.array(1.0)); y = sin(x); y.backward(); x.grad   # cos(1)
        variable(0.5403023058681398)
    """
    return Sin()(x)


class Cos(Elementwise):
    def forward(self, x):
        return get_array_module(x).cos(x)

    def derivative(self, ops, x, y):
        return -ops.sin(x)  # d/dx cos x = -sin x


def cos(x: VariableLike) -> Variable:
    """Elementwise cosine."""
    return Cos()(x)


class Tanh(Elementwise):
    def forward(self, x):
        return get_array_module(x).tanh(x)

    def derivative(self, ops, x, y):
        return 1 - y * y  # d tanh(x)/dx = 1 - tanh(x)^2


def tanh(x: VariableLike) -> Variable:
    """Elementwise hyperbolic tangent; same shape and dtype as ``x``."""
    return Tanh()(x)


class Square(Elementwise):
    def forward(self, x):
        return x * x

    def derivative(self, ops, x, y):
        return 2 * x  # d/dx x^2 = 2x


def square(x: VariableLike) -> Variable:
    """Elementwise ``x ** 2``."""
    return Square()(x)


class Sqrt(Elementwise):
    def forward(self, x):
        return get_array_module(x).sqrt(x)

    def derivative(self, ops, x, y):
        return 0.5 / y  # d/dx sqrt(x) = 1 / (2 sqrt(x))


def sqrt(x: VariableLike) -> Variable:
    """Elementwise square root (``x >= 0``)."""
    return Sqrt()(x)


class Abs(Function):
    def forward(self, x):
        return get_array_module(x).abs(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy * Variable(get_array_module(x.data).sign(x.data))  # sign(x), 0 at the kink


def abs(x: VariableLike) -> Variable:
    """Elementwise absolute value; its gradient at 0 is 0."""
    return Abs()(x)


class AsType(Function):
    name = "astype"

    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def forward(self, x):
        return get_array_module(x).astype(x, self.dtype)

    def backward(self, gy):  # gy itself: Variable.backward gives a gradient its input's (floating) dtype
        return gy

    backward_arrays = backward


def astype(x: VariableLike, dtype: Any) -> Variable:
    """``x`` converted to ``dtype`` (the Array API's ``astype``; ``x.astype(dtype)``); its gradient is
    converted back to ``x``'s dtype."""
    return AsType(dtype)(x)


def mask_like(condition: Any, like: Any) -> Variable:
    """A 0/1 constant of ``like``'s dtype: the derivative of a piecewise-linear op."""
    return Variable(get_array_module(like).astype(condition, like.dtype))


def masked_array(values: Any, condition: Any) -> Any:
    """``values`` where the bool array ``condition`` (of their shape) holds, else 0: raw arrays.

    The plain backward of a piecewise-linear op (relu, max pooling). On a backend with mutable
    arrays the product is written over the cast condition, this function's own array: one array of
    the values' size to write instead of two (they are cache-cold at that size).
    """
    out = get_array_module(values).astype(condition, values.dtype)
    if out.shape == values.shape and backend_of(out).mutable_arrays:
        out *= values
        return out
    return values * out


class Clip(Function):
    def __init__(self, x_min: float | None, x_max: float | None) -> None:
        self.x_min = x_min
        self.x_max = x_max

    def forward(self, x):
        return get_array_module(x).clip(x, self.x_min, self.x_max)

    def backward(self, gy):
        (x,) = self.inputs
        low = True if self.x_min is None else x.data >= self.x_min
        high = True if self.x_max is None else x.data <= self.x_max
        return gy * mask_like(low & high, x.data)


def clip(x: VariableLike, x_min: float | None, x_max: float | None) -> Variable:
    """``x`` limited to ``[x_min, x_max]`` (None: no bound there, as numpy's); gradient 1 inside, 0 outside.

    Raises:
        TypeError: a bound that is neither a real number nor None; ValueError: ``x_min > x_max``, or no bound.
    """
    for name, bound in (("x_min", x_min), ("x_max", x_max)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, numbers.Real)):
            raise TypeError(f"clip: {name} must be a real number or None; got {bound!r}")
    if x_min is None and x_max is None:
        raise ValueError("clip: x_min and x_max are both None: there is nothing to clip to")
    if x_min is not None and x_max is not None and x_min > x_max:
        raise ValueError(f"clip: x_min {x_min} is greater than x_max {x_max}")
    return Clip(x_min, x_max)(x)


class Maximum(Function):
    pick = "maximum"

    def forward(self, x0, x1):
        return getattr(get_array_module(x0), self.pick)(x0, x1)

    def backward(self, gy):
        from dezero_plug.std.broadcast import sum_to

        x0, x1 = self.inputs
        first = (x0.data >= x1.data) if self.pick == "maximum" else (x0.data <= x1.data)
        y = self.outputs[0]()
        mask0 = mask_like(first, y.data)  # ties go to x0
        gx0 = sum_to(gy * mask0, x0.shape)
        gx1 = sum_to(gy * (1 - mask0), x1.shape)
        return gx0, gx1


class Minimum(Maximum):
    pick = "minimum"


def maximum(x0: VariableLike, x1: VariableLike) -> Variable:
    """Elementwise maximum with broadcasting; at a tie the gradient goes to ``x0``."""
    return Maximum()(x0, x1)


def minimum(x0: VariableLike, x1: VariableLike) -> Variable:
    """Elementwise minimum with broadcasting; at a tie the gradient goes to ``x0``."""
    return Minimum()(x0, x1)


@composite("where")
def where(condition: Any, x0: VariableLike, x1: VariableLike) -> Variable:
    """``x0`` where ``condition`` (a bool array) holds, else ``x1``; gradients flow to the chosen side."""
    condition = data_of(condition)
    if not hasattr(condition, "dtype") or backend_of(condition).dtype_kind(condition.dtype) != "b":
        raise TypeError(
            f"where: condition must be a bool array; got {getattr(condition, 'dtype', type(condition).__name__)}"
        )
    ref = x0.data if isinstance(x0, Variable) else x1.data if isinstance(x1, Variable) else x0
    shapes = [tuple(getattr(v, "shape", ())) for v in (condition, x0, x1)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"where: condition, x0 and x1 of shapes {shapes} do not broadcast together") from None
    mask = mask_like(condition, ref)
    return x0 * mask + x1 * (1 - mask)


@hookimpl
def dezero_plug_functions():
    return [exp, log, sin, cos, tanh, square, sqrt, abs, astype, clip, maximum, minimum, where]


@hookimpl
def dezero_plug_variable_methods():
    def astype_method(self: Variable, dtype: Any) -> Variable:
        """``x.astype(dtype)``: see ``F.astype``."""
        return astype(self, dtype)

    return {"astype": astype_method}


@hookimpl
def dezero_plug_op_samples():
    def unary(reference, low=-1.0, high=1.0):
        return [
            OpSample(shape, low=low, high=high, reference=reference, category="elementwise") for shape in ((3, 4), ())
        ]

    return {
        "exp": unary(np.exp),
        "log": unary(np.log, 0.5, 2.0),
        "sin": unary(np.sin),
        "cos": unary(np.cos),
        "tanh": unary(np.tanh),
        "square": unary(np.square),
        "sqrt": unary(np.sqrt, 0.5, 2.0),
        "abs": [
            OpSample((3, 4), low=0.2, high=1.0, reference=np.abs, category="elementwise"),
            OpSample((5,), low=-1.0, high=-0.2, reference=np.abs, category="elementwise"),
        ],
        "astype": [
            OpSample((3, 4), call=lambda x: x.astype(x.dtype), id="method")
        ],  # f32 <-> f64: tests/test_interop.py
        "clip": [
            OpSample(np.array([-0.9, -0.4, 0.1, 0.45, 0.8]), kwargs={"x_min": -0.5, "x_max": 0.5}),
            OpSample(np.array([-0.9, -0.4, 0.1, 0.45, 0.8]), kwargs={"x_min": None, "x_max": 0.3}, id="upper-only"),
            OpSample(np.array([-0.9, -0.4, 0.1, 0.45, 0.8]), kwargs={"x_min": -0.2, "x_max": None}, id="lower-only"),
        ],
        "maximum": [
            OpSample(np.array([0.1, 0.5, -0.3]), np.array([0.3, 0.2, -0.6])),
            OpSample(np.array([[0.1, 0.9], [-0.5, 0.4]]), np.array([0.3, 0.2]), id="broadcast"),
        ],
        "minimum": [OpSample(np.array([0.1, 0.5, -0.3]), np.array([0.3, 0.2, -0.6]))],
        "where": [OpSample(np.array([True, False, True]), (3,), (3,), grad=[1, 2])],
    }
