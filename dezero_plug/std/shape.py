"""Shape ops: reshape, transpose (and the ``T`` property).

They move data without computing on it; each backward undoes the move.
"""

from __future__ import annotations

from typing import Any

from dezero_plug import Function
from dezero_plug import Variable
from dezero_plug import hookimpl
from dezero_plug.backends import get_array_module
from dezero_plug.testing import OpSample

VariableLike = Any


class Reshape(Function):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x):
        try:
            return get_array_module(x).reshape(x, self.shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape an input of shape {tuple(x.shape)} (size {x.size}) to {self.shape}"
            ) from None

    def backward(self, gy):
        (x,) = self.inputs
        return reshape(gy, x.shape)


def reshape(x: VariableLike, shape: tuple[int, ...]) -> Variable:
    """``x`` with a new ``shape`` of the same size (one entry may be -1); ``x`` itself when unchanged.

    Raises:
        ValueError: when the sizes differ, naming both shapes.
    """
    shape = tuple(shape)
    if getattr(x, "shape", None) == shape:
        return x if isinstance(x, Variable) else Variable(x)
    return Reshape(shape)(x)


class Transpose(Function):
    def __init__(self, axes: tuple[int, ...] | None = None) -> None:
        self.axes = axes

    def forward(self, x):
        axes = tuple(range(x.ndim))[::-1] if self.axes is None else self.axes
        if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ValueError(
                f"transpose: axes {self.axes!r} are not a permutation of the {x.ndim} axes of shape {tuple(x.shape)}"
            )
        return get_array_module(x).permute_dims(x, axes)

    def backward(self, gy):
        if self.axes is None:
            return transpose(gy)
        n = len(self.axes)
        inverse = tuple(sorted(range(n), key=lambda i: self.axes[i] % n))
        return transpose(gy, inverse)


def transpose(x: VariableLike, axes: tuple[int, ...] | None = None) -> Variable:
    """Permute the axes of ``x`` (reverse them when ``axes`` is None), like ``np.transpose``."""
    return Transpose(None if axes is None else tuple(axes))(x)


def _reshape_method(self: Variable, *shape: Any) -> Variable:
    """``x.reshape(2, 3)`` or ``x.reshape((2, 3))``: see ``F.reshape``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return reshape(self, shape)


def _transpose_method(self: Variable, *axes: Any) -> Variable:
    """``x.transpose()``, ``x.transpose(1, 0)`` or ``x.transpose((1, 0))``: see ``F.transpose``."""
    if len(axes) == 0:
        return transpose(self)
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)) or axes == (None,):
        axes = axes[0]
    return transpose(self, axes)


@hookimpl
def dezero_plug_functions():
    return [reshape, transpose]


@hookimpl
def dezero_plug_variable_methods():
    return {
        "reshape": _reshape_method,
        "transpose": _transpose_method,
        "T": property(transpose, doc="``x.T``: the transpose (axes reversed)."),
    }


@hookimpl
def dezero_plug_op_samples():
    return {
        "reshape": [
            OpSample((2, 3), kwargs={"shape": (6,)}),
            OpSample((2, 3, 4), kwargs={"shape": (4, -1)}, id="infer"),
            OpSample((2, 3), call=lambda x: x.reshape(3, 2), id="method"),
        ],
        "transpose": [
            OpSample((2, 3)),
            OpSample((2, 3, 4), kwargs={"axes": (1, 2, 0)}, id="axes"),
            OpSample((2, 3, 4), call=lambda x: x.T, id="T-3d"),
            OpSample((2, 3, 4), call=lambda x: x.transpose(2, 0, 1), id="method"),
        ],
    }
