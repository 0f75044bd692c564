"""Activations: sigmoid, relu, leaky_relu, softmax, log_softmax, and the book's sigmoid_simple, softmax_simple.

``softmax`` and ``log_softmax`` normalise over ``axis`` (default 1, the class
axis of an ``(N, C)`` batch). Every backward is built from differentiable
functions, so second derivatives are exact (relu's and leaky_relu's are 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.extend import Elementwise
from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import as_input
from dezero_plug.extend import backend_of
from dezero_plug.extend import composite
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl
from dezero_plug.extend import normalize_axis
from dezero_plug.std.broadcast import sum
from dezero_plug.std.math import exp
from dezero_plug.std.math import mask_like
from dezero_plug.std.math import masked_array

dezero_plug_requires = ("broadcast", "arithmetic", "math")

VariableLike = Any


class Sigmoid(Elementwise):
    def forward(self, x):
        return get_array_module(x).tanh(x * 0.5) * 0.5 + 0.5  # stable: no overflow in exp

    def derivative(self, ops, x, y):
        return y * (1 - y)  # d sigmoid/dx = y (1 - y)


def sigmoid(x: VariableLike) -> Variable:
    """Elementwise logistic function ``1 / (1 + exp(-x))``, computed stably."""
    return Sigmoid()(x)


@composite("sigmoid_simple")
def sigmoid_simple(x: VariableLike) -> Variable:
    """The book's teaching version of ``sigmoid``: ``1 / (1 + exp(-x))`` from basic functions."""
    x = as_input("sigmoid_simple", x)
    return 1 / (1 + exp(-x))


class ReLU(Function):
    name = "relu"

    def forward(self, x):
        return get_array_module(x).maximum(x, 0.0)  # a Python scalar: no zeros array, x's dtype kept

    def backward(self, gy):  # one formula, relu_grad: the op on Variables, its forward on raw arrays
        grad = ReLUGrad(self.inputs[0].data > 0)
        return grad(gy) if isinstance(gy, Variable) else grad.forward(gy)

    backward_arrays = backward


class ReLUGrad(Function):
    """``gy`` where the input was positive, else 0: linear in gy, so its own backward is itself."""

    name = "relu_grad"

    def __init__(self, mask: Any) -> None:
        self.mask = mask

    def forward(self, gy):
        return masked_array(gy, self.mask)

    def backward(self, ggx):
        return ReLUGrad(self.mask)(ggx)


def relu(x: VariableLike) -> Variable:
    """Elementwise ``max(x, 0)``; gradient 1 where ``x > 0``, else 0."""
    return ReLU()(x)


class LeakyReLU(Function):
    name = "leaky_relu"

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, x):
        xp = get_array_module(x)
        return xp.where(x > 0, x, x * self.slope)

    def backward(self, gy):
        (x,) = self.inputs
        mask = mask_like(x.data > 0, x.data)
        return gy * (mask + (1 - mask) * self.slope)


def leaky_relu(x: VariableLike, slope: float = 0.2) -> Variable:
    """Elementwise ``x`` where positive, ``slope * x`` elsewhere (DeZero's default slope 0.2)."""
    return LeakyReLU(slope)(x)


@composite("softmax_simple")
def softmax_simple(x: VariableLike, axis: int = 1) -> Variable:
    """The book's teaching version of ``softmax``: ``exp(x) / sum(exp(x))`` (overflows for large x)."""
    x = as_input("softmax_simple", x)
    y = exp(x)
    return y / sum(y, axis=axis, keepdims=True)


class Softmax(Function):
    def __init__(self, axis: int = 1) -> None:
        self.axis = axis

    def forward(self, x):
        _check_floating("softmax", x)
        xp = get_array_module(x)
        axis = normalize_axis("softmax", self.axis, x.ndim)
        y = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
        return y / xp.sum(y, axis=axis, keepdims=True)

    def backward(self, gy):
        y = self.outputs[0]()
        gx = y * gy
        return gx - y * sum(gx, axis=self.axis, keepdims=True)  # y ⊙ (gy - Σ y gy)


def _check_floating(op: str, x: Any) -> None:
    """Refuse integer and bool scores: ``x - max(x)`` would wrap around (uint8) instead of shifting them."""
    if backend_of(x).dtype_kind(x.dtype) not in "fc":
        raise TypeError(
            f"{op}: expected floating-point scores; got dtype {x.dtype}: cast them first (x.astype(np.float32))"
        )


def softmax(x: VariableLike, axis: int = 1) -> Variable:
    """Softmax over ``axis`` (default 1: the classes of an ``(N, C)`` batch), computed stably.

    Raises:
        ValueError: when ``axis`` is out of range.
        TypeError: when ``x`` is not floating point.
    """
    return Softmax(axis)(x)


def logsumexp(x: Any, axis: int = 1) -> Any:
    """``log(sum(exp(x), axis, keepdims=True))`` of a raw array, computed stably (DeZero's helper)."""
    xp = get_array_module(x)
    m = xp.max(x, axis=axis, keepdims=True)
    return m + xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True))


class LogSoftmax(Function):
    def __init__(self, axis: int = 1) -> None:
        self.axis = axis

    def forward(self, x):
        _check_floating("log_softmax", x)
        return x - logsumexp(x, normalize_axis("log_softmax", self.axis, x.ndim))

    def backward(self, gy):
        y = self.outputs[0]()
        return gy - exp(y) * sum(gy, axis=self.axis, keepdims=True)


def log_softmax(x: VariableLike, axis: int = 1) -> Variable:
    """``log(softmax(x))`` over ``axis``, computed stably."""
    return LogSoftmax(axis)(x)


@hookimpl
def dezero_plug_functions():
    return [sigmoid, sigmoid_simple, relu, leaky_relu, softmax, softmax_simple, log_softmax]


@hookimpl
def dezero_plug_op_samples():

    away_from_kink = np.array([[-0.9, -0.3, 0.2], [0.5, -0.6, 0.8]])
    return {
        "sigmoid": [OpSample((3, 4), low=-3, high=3, reference=lambda x: 1 / (1 + np.exp(-x)), category="elementwise")],
        "sigmoid_simple": [OpSample((3, 4), low=-3, high=3)],
        "relu": [OpSample(away_from_kink)],
        "leaky_relu": [OpSample(away_from_kink), OpSample(away_from_kink, kwargs={"slope": 0.1}, id="slope")],
        "softmax": [OpSample((2, 5)), OpSample((2, 3, 4), kwargs={"axis": -1}, id="last-axis")],
        "softmax_simple": [OpSample((2, 5))],
        "log_softmax": [OpSample((2, 5)), OpSample((3, 2), kwargs={"axis": 0}, id="axis0")],
    }
