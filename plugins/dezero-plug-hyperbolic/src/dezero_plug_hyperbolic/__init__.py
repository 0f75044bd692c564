"""Hyperbolic functions for dezero_plug: sinh, cosh, asinh, and Variable.sinh / Variable.cosh.

A complete op plugin in one file: Function classes, public functions, the
hook implementations that export them, and the samples the conformance kit
turns into tests.
"""

from __future__ import annotations

from typing import Any

from dezero_plug import Function
from dezero_plug import Variable
from dezero_plug import hookimpl
from dezero_plug.backends import get_array_module
from dezero_plug.testing import OpSample

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


@hookimpl
def dezero_plug_functions():
    return [sinh, cosh, asinh]


@hookimpl
def dezero_plug_variable_methods():
    return {"sinh": sinh, "cosh": cosh}


@hookimpl
def dezero_plug_op_samples():
    return {
        "sinh": [OpSample((3, 4)), OpSample((), call=lambda x: x.sinh(), id="method")],
        "cosh": [OpSample((3, 4)), OpSample((2,), call=lambda x: x.cosh(), id="method")],
        "asinh": [OpSample((3, 4), low=-2.0, high=2.0)],
    }
