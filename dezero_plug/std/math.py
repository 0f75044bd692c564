"""Elementwise math: exp, log, sin, cos, tanh, square, sqrt, abs.

Each backward is built from these same differentiable functions, so every
derivative of every order is available (``sin`` to any order, ``tanh`` too).
"""

from __future__ import annotations

from typing import Any

from dezero_plug import Function
from dezero_plug import Variable
from dezero_plug import hookimpl
from dezero_plug.backends import get_array_module
from dezero_plug.testing import OpSample

VariableLike = Any


class Exp(Function):
    def forward(self, x):
        return get_array_module(x).exp(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * y  # d/dx e^x = e^x


def exp(x: VariableLike) -> Variable:
    """Elementwise ``e ** x``; same shape and dtype as ``x``."""
    return Exp()(x)


class Log(Function):
    def forward(self, x):
        return get_array_module(x).log(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy / x  # d/dx log x = 1/x


def log(x: VariableLike) -> Variable:
    """Elementwise natural logarithm (``x > 0``); same shape and dtype as ``x``."""
    return Log()(x)


class Sin(Function):
    def forward(self, x):
        return get_array_module(x).sin(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy * cos(x)


def sin(x: VariableLike) -> Variable:
    """Elementwise sine.

    Example:
        >>> x = Variable(np.array(1.0)); y = sin(x); y.backward(); x.grad   # cos(1)
        variable(0.5403023058681398)
    """
    return Sin()(x)


class Cos(Function):
    def forward(self, x):
        return get_array_module(x).cos(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy * -sin(x)


def cos(x: VariableLike) -> Variable:
    """Elementwise cosine."""
    return Cos()(x)


class Tanh(Function):
    def forward(self, x):
        return get_array_module(x).tanh(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * (1 - y * y)  # d tanh(x)/dx = 1 - tanh(x)^2


def tanh(x: VariableLike) -> Variable:
    """Elementwise hyperbolic tangent; same shape and dtype as ``x``."""
    return Tanh()(x)


class Square(Function):
    def forward(self, x):
        return x * x

    def backward(self, gy):
        (x,) = self.inputs
        return gy * 2 * x


def square(x: VariableLike) -> Variable:
    """Elementwise ``x ** 2``."""
    return Square()(x)


class Sqrt(Function):
    def forward(self, x):
        return get_array_module(x).sqrt(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy / (2 * y)  # d/dx sqrt(x) = 1 / (2 sqrt(x))


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


@hookimpl
def dezero_plug_functions():
    return [exp, log, sin, cos, tanh, square, sqrt, abs]


@hookimpl
def dezero_plug_op_samples():
    general = [OpSample((3, 4)), OpSample(())]
    positive = [OpSample((3, 4), low=0.5, high=2.0), OpSample((), low=0.5, high=2.0)]
    return {
        "exp": general,
        "log": positive,
        "sin": general,
        "cos": general,
        "tanh": general,
        "square": general,
        "sqrt": positive,
        "abs": [OpSample((3, 4), low=0.2, high=1.0), OpSample((5,), low=-1.0, high=-0.2)],
    }
