"""Reductions built on sum: average/mean, var, max, min, and the Variable methods max/min/mean.

Shape conventions: ``axis`` is None (all axes), an int or a tuple of ints,
negative allowed. ``sum``, ``sum_to`` and ``broadcast_to`` are in broadcast.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import as_input
from dezero_plug.extend import composite
from dezero_plug.extend import distinct_values
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl
from dezero_plug.extend import normalize_axis
from dezero_plug.std.broadcast import Axis
from dezero_plug.std.broadcast import broadcast_to
from dezero_plug.std.broadcast import reduction_method
from dezero_plug.std.broadcast import sum
from dezero_plug.std.shape import reshape

dezero_plug_requires = ("shape", "broadcast", "arithmetic")

VariableLike = Any


def _average(op: str, x: VariableLike, axis: Axis, keepdims: bool) -> Variable:
    x = as_input(op, x)
    axes = normalize_axis(op, axis, x.ndim)
    count = x.size if axes is None else _product(x.shape[a] for a in axes)
    if count == 0:
        raise ValueError(f"{op}: cannot average over no elements (input of shape {tuple(x.shape)}, axis {axis!r})")
    return sum(x, axis, keepdims) / count


def average(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """Arithmetic mean over ``axis`` (all axes when None); ``mean`` is the same function under numpy's name."""
    return _average("average", x, axis, keepdims)


def mean(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """Arithmetic mean over ``axis`` (all axes when None); DeZero calls it ``average``."""
    return _average("mean", x, axis, keepdims)


@composite("var")
def var(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """Population variance (numpy's ``ddof=0``) over ``axis``; differentiable to any order."""
    x = as_input("var", x)
    normalize_axis("var", axis, x.ndim)
    centred = x - average(x, axis, keepdims=True)
    return average(centred * centred, axis, keepdims)


def _product(values: Any) -> int:
    total = 1
    for v in values:
        total *= v
    return total


def max_backward_shape(x: Any, axis: Axis) -> tuple[int, ...]:
    """The shape of a max/min result with the reduced axes kept as 1 (DeZero's helper; negative axes work)."""
    axes = normalize_axis("max", axis, x.ndim)
    if axes is None:
        return (1,) * x.ndim
    return tuple(1 if i in axes else n for i, n in enumerate(x.shape))


class Max(Function):
    reduce = "max"

    def __init__(self, axis: Axis = None, keepdims: bool = False) -> None:
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x):
        axis = normalize_axis(self.reduce, self.axis, x.ndim)
        return getattr(get_array_module(x), self.reduce)(x, axis=axis, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]
        y = self.outputs[0]()
        shape = max_backward_shape(x, self.axis)
        xp = get_array_module(x.data)
        cond = xp.astype(x.data == xp.reshape(y.data, shape), x.dtype)  # every maximal element gets gy
        return broadcast_to(reshape(gy, shape), x.shape) * cond


class Min(Max):
    reduce = "min"


def max(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """Maximum over ``axis``; the gradient goes to every element equal to the maximum."""
    return Max(axis, keepdims)(x)


def min(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """Minimum over ``axis``; the gradient goes to every element equal to the minimum."""
    return Min(axis, keepdims)(x)


@hookimpl
def dezero_plug_functions():
    return {
        "average": average,
        "mean": mean,
        "var": var,
        "max": max,
        "min": min,
    }


@hookimpl
def dezero_plug_variable_methods():
    return {
        "max": reduction_method(max, "max"),
        "min": reduction_method(min, "min"),
        "mean": reduction_method(mean, "mean"),
    }


@hookimpl
def dezero_plug_op_samples():
    return {
        "average": [
            OpSample((3, 4), reference=np.mean, category="reduction"),
            OpSample((2, 3, 4), kwargs={"axis": (0, 2)}, id="axes", reference=np.mean, category="reduction"),
        ],
        "mean": [
            OpSample((3, 4), kwargs={"axis": 1, "keepdims": True}, reference=np.mean, category="reduction"),
            OpSample((3, 4), call=lambda x: x.mean(axis=0), id="method"),
        ],
        "var": [
            OpSample((3, 4), reference=np.var, category="reduction"),
            OpSample((3, 4), kwargs={"axis": 0}, id="axis0", reference=np.var, category="reduction"),
        ],
        # distinct values (a permutation) keep the maximum away from ties, where max is not differentiable
        "max": [
            OpSample(distinct_values((3, 4))),
            OpSample(distinct_values((3, 4)), kwargs={"axis": 1}, id="axis1"),
            OpSample(distinct_values((2, 3, 4)), kwargs={"axis": -1, "keepdims": True}, id="negative-axis"),
            OpSample(distinct_values((3, 4)), call=lambda x: x.max(axis=0), id="method"),
        ],
        "min": [
            OpSample(distinct_values((3, 4))),
            OpSample(distinct_values((2, 3, 4)), kwargs={"axis": -2}, id="negative-axis"),
            OpSample(distinct_values((3, 4)), call=lambda x: x.min(axis=1), id="method"),
        ],
    }
