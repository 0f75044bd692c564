"""Sum and broadcasting: sum, sum_to, broadcast_to — each other's backward, with no arithmetic in them.

Shape conventions: ``axis`` is None (all axes), an int or a tuple of ints,
negative allowed; ``sum_to(x, shape)`` sums ``x`` down to a shape it
broadcasts from. The other reductions (average, var, max, min) are in
reduction.py, because their backwards need arithmetic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl
from dezero_plug.extend import normalize_axis
from dezero_plug.extend import ops_for
from dezero_plug.extend import sum_backward_shape
from dezero_plug.extend import sum_to_array

dezero_plug_requires = ("shape",)

VariableLike = Any
Axis = int | tuple[int, ...] | None


class Sum(Function):
    def __init__(self, axis: Axis, keepdims: bool) -> None:
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x):
        axis = normalize_axis("sum", self.axis, x.ndim)
        return get_array_module(x).sum(x, axis=axis, keepdims=self.keepdims)

    def backward(self, gy):  # reads no input value: one formula for Variables and raw arrays alike
        ops, shape = ops_for(gy), self.inputs[0].shape
        return ops.broadcast_to(ops.reshape(gy, sum_backward_shape(gy.shape, shape, self.axis, self.keepdims)), shape)

    backward_arrays = backward


def sum(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """Sum over ``axis`` (all axes when None), keeping reduced axes as 1 when ``keepdims``.

    Raises:
        ValueError: when ``axis`` is out of range for ``x``.
    """
    return Sum(axis, keepdims)(x)


class SumTo(Function):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = tuple(shape)

    def forward(self, x):
        if not _broadcastable(self.shape, x.shape):
            raise ValueError(f"sum_to: cannot sum an input of shape {tuple(x.shape)} down to {self.shape}")
        return sum_to_array(x, self.shape)

    def backward(self, gy):
        return ops_for(gy).broadcast_to(gy, self.inputs[0].shape)

    backward_arrays = backward


def sum_to(x: VariableLike, shape: tuple[int, ...]) -> Variable:
    """Sum ``x`` down to ``shape`` (the inverse of broadcasting); returns ``x`` when shapes match."""
    if getattr(x, "shape", None) == tuple(shape):
        return x if isinstance(x, Variable) else Variable(x)
    return SumTo(shape)(x)


class BroadcastTo(Function):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = tuple(shape)

    def forward(self, x):
        if not _broadcastable(x.shape, self.shape):
            raise ValueError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} to {self.shape}")
        return get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, gy):
        return ops_for(gy).sum_to(gy, self.inputs[0].shape)

    backward_arrays = backward


def broadcast_to(x: VariableLike, shape: tuple[int, ...]) -> Variable:
    """Broadcast ``x`` to ``shape`` (numpy rules); returns ``x`` when shapes match."""
    if getattr(x, "shape", None) == tuple(shape):
        return x if isinstance(x, Variable) else Variable(x)
    return BroadcastTo(shape)(x)


def _broadcastable(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    if len(small) > len(big):
        return False
    return all(s in (1, b) for s, b in zip(small[::-1], big[::-1]))


def reduction_method(op: Any, name: str) -> Any:
    """The Variable method ``x.<name>(axis=None, keepdims=False)`` calling ``op``.

    numpy's functions hand an object that is not an array to its method (``np.mean(v)`` calls
    ``v.mean(axis=None, dtype=None, out=None)``): they get a Variable back, differentiable. numpy's
    ``dtype=`` and ``out=`` have no meaning for a new Variable and are refused when given.
    """

    def method(
        self: Variable, axis: Axis = None, keepdims: bool = False, *, dtype: Any = None, out: Any = None
    ) -> Variable:
        if dtype is not None or out is not None:
            raise TypeError(
                f"x.{name}: numpy's dtype= and out= are not taken (got dtype={dtype!r}, out={type(out).__name__}): "
                f"F.{name}(x) returns a new Variable; for a numpy result use np.{name}(x.data, ...)"
            )
        return op(self, axis, keepdims)

    method.__name__ = name
    method.__doc__ = f"``x.{name}(axis=None, keepdims=False)``: see ``F.{name}``."
    return method


@hookimpl
def dezero_plug_functions():
    return [sum, sum_to, broadcast_to]


@hookimpl
def dezero_plug_variable_methods():
    return {"sum": reduction_method(sum, "sum")}


@hookimpl
def dezero_plug_op_samples():
    return {
        "sum": [
            OpSample((3, 4), id="all", reference=np.sum, category="reduction"),
            OpSample((3, 4), kwargs={"axis": 0}, id="axis0", reference=np.sum, category="reduction"),
            OpSample(
                (2, 3, 4),
                kwargs={"axis": (0, 2), "keepdims": True},
                id="keepdims",
                reference=np.sum,
                category="reduction",
            ),
            OpSample((2, 3, 4), kwargs={"axis": -1}, id="negative-axis", reference=np.sum, category="reduction"),
            OpSample((3, 4), call=lambda x: x.sum(axis=1), id="method"),
        ],
        "sum_to": [
            OpSample((3, 4), kwargs={"shape": (1, 4)}, id="rows"),
            OpSample((2, 3, 4), kwargs={"shape": (3, 1)}, id="lead"),
        ],
        "broadcast_to": [OpSample((1, 4), kwargs={"shape": (3, 4)}), OpSample((3,), kwargs={"shape": (2, 3)})],
    }
