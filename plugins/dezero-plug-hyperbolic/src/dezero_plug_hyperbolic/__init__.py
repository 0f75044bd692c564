"""Hyperbolic functions for dezero_plug: sinh, cosh, asinh, hypot, logcosh, and Variable.sinh / Variable.cosh.

A complete op plugin in one file: Function classes, public functions, the
hook implementations that export them, and the samples the conformance kit
turns into tests. Three patterns to copy:

* one input, elementwise (``sinh``, ``cosh``, ``asinh``): ``backward`` only;
* two inputs that broadcast (``hypot``): each gradient summed back to its
  input's shape, with a plain ``backward_arrays`` beside the differentiable one;
* a reduction with ``axis=`` and ``keepdims=`` (``logcosh``): the axis checked
  with ``normalize_axis``, the gradient reshaped back with ``sum_backward_shape``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import dezero_plug.functions as F
from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl
from dezero_plug.extend import normalize_axis
from dezero_plug.extend import sum_backward_shape
from dezero_plug.extend import sum_to_array

__version__ = "0.1.0"


class Sinh(Function):
    def forward(self, x):
        return get_array_module(x).sinh(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy * cosh(x)  # d/dx sinh x = cosh x


def sinh(x: Any) -> Variable:
    """Elementwise hyperbolic sine; same shape and dtype as ``x``."""
    return Sinh()(x)


class Cosh(Function):
    def forward(self, x):
        return get_array_module(x).cosh(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy * sinh(x)  # d/dx cosh x = sinh x


def cosh(x: Any) -> Variable:
    """Elementwise hyperbolic cosine; same shape and dtype as ``x``."""
    return Cosh()(x)


class Asinh(Function):
    def forward(self, x):
        return get_array_module(x).asinh(x)

    def backward(self, gy):
        (x,) = self.inputs
        return gy / (x * x + 1) ** 0.5  # d/dx asinh x = 1 / sqrt(x^2 + 1)


def asinh(x: Any) -> Variable:
    """Elementwise inverse hyperbolic sine; same shape and dtype as ``x``."""
    return Asinh()(x)


class Hypot(Function):
    """sqrt(x0**2 + x1**2); the inputs broadcast against each other, as numpy's ``hypot``."""

    def forward(self, x0, x1):
        return get_array_module(x0).hypot(x0, x1)

    def backward(self, gy):
        x0, x1 = self.inputs
        y = self.outputs[0]()  # the output, held weakly: None once the caller dropped it
        y = hypot(x0, x1) if y is None else y
        # d/dx0 = x0 / y: broadcast gy to the output's shape, then sum back to each input's shape
        return F.sum_to(gy * x0 / y, x0.shape), F.sum_to(gy * x1 / y, x1.shape)

    def backward_arrays(self, gy):
        x0, x1 = (v.data for v in self.inputs)
        y = get_array_module(x0).hypot(x0, x1)
        g0 = sum_to_array(gy * x0 / y, x0.shape) if self.needs_input_grad[0] else None
        g1 = sum_to_array(gy * x1 / y, x1.shape) if self.needs_input_grad[1] else None
        return g0, g1


def hypot(x0: Any, x1: Any) -> Variable:
    """Elementwise ``sqrt(x0**2 + x1**2)``; shapes broadcast, the result has the broadcast shape."""
    return Hypot()(x0, x1)


class LogCosh(Function):
    """sum(log(cosh(x))) over ``axis``: a smooth L1 (quadratic near 0, linear far away)."""

    def __init__(self, axis: Any, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        xp = get_array_module(x)
        axes = normalize_axis("logcosh", self.axis, x.ndim)
        # log(cosh(x)) = |x| + log1p(exp(-2|x|)) - log(2): no overflow for large |x|
        a = xp.abs(x)
        return xp.sum(a + xp.log1p(xp.exp(-2 * a)) - math.log(2.0), axis=axes, keepdims=self.keepdims)

    def backward(self, gy):
        (x,) = self.inputs
        shape = sum_backward_shape(gy.shape, x.shape, self.axis, self.keepdims)
        return F.broadcast_to(F.reshape(gy, shape), x.shape) * F.tanh(x)  # d/dx log cosh x = tanh x


def logcosh(x: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Variable:
    """Sum of ``log(cosh(x))`` over ``axis`` (None: all axes), as ``F.sum`` reduces; ``keepdims`` keeps them as 1."""
    return LogCosh(axis, keepdims)(x)


def _logcosh_reference(x, axis=None, keepdims=False):
    return np.sum(np.log(np.cosh(x)), axis=axis, keepdims=keepdims)


@hookimpl
def dezero_plug_functions():
    return [sinh, cosh, asinh, hypot, logcosh]


@hookimpl
def dezero_plug_variable_methods():
    return {"sinh": sinh, "cosh": cosh}


@hookimpl
def dezero_plug_op_samples():
    return {
        "sinh": [
            OpSample((3, 4), reference=np.sinh, category="elementwise"),
            OpSample((), call=lambda x: x.sinh(), id="method"),
        ],
        "cosh": [
            OpSample((3, 4), reference=np.cosh, category="elementwise"),
            OpSample((2,), call=lambda x: x.cosh(), id="method"),
        ],
        "asinh": [OpSample((3, 4), low=-2.0, high=2.0, reference=np.arcsinh, category="elementwise")],
        "hypot": [
            OpSample((3, 4), (3, 4), low=0.5, high=2.0, reference=np.hypot, category="elementwise"),
            OpSample((3, 4), (4,), low=0.5, high=2.0, reference=np.hypot, id="broadcast", category="elementwise"),
        ],
        "logcosh": [
            OpSample((3, 4), reference=_logcosh_reference, category="reduction"),
            OpSample((3, 4), kwargs={"axis": 1}, category="reduction", reference=_logcosh_reference, id="axis1"),
            OpSample(
                (2, 3, 4),
                kwargs={"axis": (0, 2), "keepdims": True},
                category="reduction",
                reference=_logcosh_reference,
                id="keepdims",
            ),
        ],
    }
