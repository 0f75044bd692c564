"""Shape ops: reshape, transpose (``T``), get_item, expand_dims, flatten, squeeze, concat, stack, split.

They move data without computing on it; each backward undoes the move (get_item's
through the backend's scatter-add, so repeated indices accumulate).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import as_input
from dezero_plug.extend import backend_of
from dezero_plug.extend import composite
from dezero_plug.extend import data_of
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl
from dezero_plug.extend import normalize_axis
from dezero_plug.extend import ops_for

VariableLike = Any


class Reshape(Function):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x):
        size, known, free = math.prod(x.shape), math.prod(n for n in self.shape if n != -1), self.shape.count(-1)
        fits = size == known if free == 0 else free == 1 and known > 0 and size % known == 0
        if not fits or any(n < -1 for n in self.shape):  # checked here: backends word (and type) it differently
            shown = tuple(x.shape)
            raise ValueError(f"reshape: cannot reshape an input of shape {shown} (size {size}) to {self.shape}")
        return get_array_module(x).reshape(x, self.shape)

    def backward(self, gy):  # reads no input value: one formula for Variables and raw arrays alike
        return ops_for(gy).reshape(gy, self.inputs[0].shape)

    backward_arrays = backward


def reshape(x: VariableLike, shape: tuple[int, ...]) -> Variable:
    """``x`` with a new ``shape`` of the same size (one entry may be -1); ``x`` itself when unchanged.

    Raises:
        ValueError: when the sizes differ, naming both shapes.
    """
    shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
    if not isinstance(shape, (tuple, list)) or not all(isinstance(n, (int, np.integer)) for n in shape):
        raise TypeError(f"reshape: shape must be a tuple of ints; got {shape!r}")
    shape = tuple(int(n) for n in shape)
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
        n = gy.ndim
        inverse = range(n)[::-1] if self.axes is None else sorted(range(n), key=lambda i: self.axes[i] % n)
        return ops_for(gy).transpose(gy, tuple(inverse))

    backward_arrays = backward


def transpose(x: VariableLike, axes: tuple[int, ...] | None = None) -> Variable:
    """Permute the axes of ``x`` (reverse them when ``axes`` is None), like ``np.transpose``."""
    return Transpose(None if axes is None else tuple(axes))(x)


def _unwrap_index(slices: Any) -> Any:
    """The index with Variables unwrapped and numpy index arrays left for the backend to convert."""
    if isinstance(slices, tuple):
        return tuple(_unwrap_index(s) for s in slices)
    if isinstance(slices, (float, complex, str, bytes, np.floating)):
        raise IndexError(
            f"get_item: index {slices!r} is a {type(slices).__name__}; use ints, slices, None, Ellipsis or an "
            "integer or bool array"
        )
    return data_of(slices)


class GetItem(Function):
    def __init__(self, slices: Any) -> None:
        self.slices = slices

    def forward(self, x):
        try:
            return backend_of(x).getitem(x, self.slices)
        except IndexError as exc:
            raise IndexError(f"get_item: index {self.slices!r} is invalid for shape {tuple(x.shape)}: {exc}") from None

    def backward(self, gy):
        (x,) = self.inputs
        return GetItemGrad(self.slices, x.shape)(gy)


class GetItemGrad(Function):
    def __init__(self, slices: Any, in_shape: tuple[int, ...]) -> None:
        self.slices = slices
        self.in_shape = in_shape

    def forward(self, gy):
        xp = get_array_module(gy)
        zeros = xp.zeros(self.in_shape, dtype=gy.dtype, device=gy.device)
        return backend_of(gy).scatter_add(zeros, self.slices, gy)  # repeated indices accumulate

    def backward(self, ggx):
        return get_item(ggx, self.slices)


def get_item(x: VariableLike, slices: Any) -> Variable:
    """``x[slices]`` with numpy's indexing (ints, slices, integer arrays); also ``Variable.__getitem__``.

    Raises:
        IndexError: naming the index and the shape when the index does not fit.
    """
    return GetItem(_unwrap_index(slices))(x)


def expand_dims(x: VariableLike, axis: int) -> Variable:
    """``x`` with a new axis of length 1 inserted at ``axis``; an axis past the end appends it, as DeZero's.

    numpy's rule for an axis in range (``-1`` is the new last axis); past the end, DeZero's ``list.insert``
    (``expand_dims(x, 3)`` of a 2-d ``x`` is ``x[:, :, None]``: real DeZero code relies on it).
    """
    x = as_input("expand_dims", x)
    shape = list(x.shape)
    if axis < -len(shape) - 1:
        raise ValueError(f"expand_dims: axis {axis} is out of range for an input of {len(shape)} dimension(s)")
    shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
    return reshape(x, tuple(shape))


def flatten(x: VariableLike) -> Variable:
    """``x`` reshaped to ``(batch, -1)``: everything but the first axis flattened."""
    x = as_input("flatten", x)
    if x.ndim == 0:
        raise ValueError("flatten: a 0-d input has no batch axis")
    return reshape(x, (x.shape[0], math.prod(x.shape[1:])))  # not -1: ambiguous for an empty batch


@composite("squeeze")
def squeeze(x: VariableLike, axis: int | tuple[int, ...] | None = None) -> Variable:
    """``x`` without the axes of length 1 (only ``axis`` when given; it must have length 1)."""
    x = as_input("squeeze", x)
    shape = tuple(x.shape)
    axes = set(range(len(shape))) if axis is None else set(normalize_axis("squeeze", axis, len(shape)) or ())
    if axis is not None and any(shape[a] != 1 for a in axes):
        raise ValueError(f"squeeze: axis {axis!r} of shape {shape} does not have length 1")
    return reshape(x, tuple(n for i, n in enumerate(shape) if not (i in axes and n == 1)))


class Concat(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        shapes = [tuple(x.shape) for x in xs]
        ndim = len(shapes[0])
        if ndim == 0:
            raise ValueError("concat: 0-d inputs have no axis to join along; use stack")
        (axis,) = normalize_axis("concat", self.axis, ndim) or (0,)
        if any(len(s) != ndim or s[:axis] + s[axis + 1 :] != shapes[0][:axis] + shapes[0][axis + 1 :] for s in shapes):
            raise ValueError(f"concat: shapes {shapes} do not match outside axis {self.axis}")
        return get_array_module(xs[0]).concat(xs, axis=axis)

    def backward(self, gy):
        sizes = [x.shape[self.axis] for x in self.inputs]
        return tuple(split(gy, _offsets(sizes), axis=self.axis)) if len(sizes) > 1 else gy


def concat(xs: list[VariableLike], axis: int = 0) -> Variable:
    """Join Variables along an existing ``axis`` (default 0, as numpy and the Array API).

    Raises:
        ValueError: no inputs, 0-d inputs, an axis out of range, shapes that differ outside ``axis``.
    """
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"concat: expected a list of Variables or arrays; got {type(xs).__name__}")
    if not xs:
        raise ValueError("concat: needs at least one input; got an empty list")
    return Concat(axis)(*xs)


@composite("stack")
def stack(xs: list[VariableLike], axis: int = 0) -> Variable:
    """Join Variables of one shape along a new ``axis`` (default 0)."""
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"stack: expected a list of Variables or arrays; got {type(xs).__name__}")
    if not xs:
        raise ValueError("stack: needs at least one input; got an empty list")
    shapes = [tuple(getattr(x, "shape", ())) for x in xs]
    if len(set(shapes)) > 1:
        raise ValueError(f"stack: inputs must all have one shape; got {shapes}")
    if not -len(shapes[0]) - 1 <= axis <= len(shapes[0]):
        raise ValueError(f"stack: axis {axis} is out of range for inputs of {len(shapes[0])} dimension(s)")
    return concat([expand_dims(x, axis) for x in xs], axis=axis)


class Split(Function):
    def __init__(self, offsets: tuple[int, ...], axis: int) -> None:
        self.offsets = offsets
        self.axis = axis

    def forward(self, x):
        axis, bounds = self._bounds(x.shape)
        head = (slice(None),) * axis
        return tuple(x[head + (slice(a, b), Ellipsis)] for a, b in zip(bounds[:-1], bounds[1:]))

    def backward(self, *gys):
        (x,) = self.inputs
        xp = get_array_module(x.data)
        pieces = [
            gy if gy is not None else Variable(xp.zeros(shape, dtype=x.dtype, device=x.data.device))
            for gy, shape in zip(gys, self._shapes(x.shape))
        ]
        return concat(pieces, axis=self.axis)

    def _bounds(self, shape: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
        """The split axis (non-negative) and the piece boundaries along it, 0 and its length included."""
        axis = self.axis % len(shape)
        return axis, (0, *self.offsets, shape[axis])

    def _shapes(self, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
        axis, bounds = self._bounds(shape)
        return [shape[:axis] + (b - a,) + shape[axis + 1 :] for a, b in zip(bounds[:-1], bounds[1:])]


def _offsets(sizes: list[int]) -> tuple[int, ...]:
    total, offsets = 0, []
    for n in sizes[:-1]:
        total += n
        offsets.append(total)
    return tuple(offsets)


def split(x: VariableLike, indices_or_sections: int | list[int], axis: int = 0) -> tuple[Variable, ...]:
    """Split ``x`` along ``axis`` into equal sections (an int) or at the given indices, like ``np.split``.

    Raises:
        ValueError: when an int does not divide the axis length.
    """
    if len(x.shape) == 0:
        raise ValueError("split: a 0-d input has no axis to split")
    (axis,) = normalize_axis("split", axis, len(x.shape)) or (0,)
    length = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if indices_or_sections <= 0 or length % indices_or_sections:
            raise ValueError(f"split: {indices_or_sections} sections do not divide axis {axis} of length {length}")
        step = length // indices_or_sections
        offsets = tuple(range(step, length, step))
    else:
        offsets = tuple(indices_or_sections)
        if list(offsets) != sorted(offsets) or any(not 0 <= o <= length for o in offsets):
            raise ValueError(
                f"split: indices {list(offsets)} must be sorted and within [0, {length}] (axis {axis} of length "
                f"{length})"
            )
    ys = Split(offsets, axis)(x)
    return ys if isinstance(ys, list) else [ys]


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


def _getitem_method(self: Variable, slices: Any) -> Variable:
    """``x[slices]``: see ``F.get_item``."""
    return get_item(self, slices)


@hookimpl
def dezero_plug_functions():
    return [reshape, transpose, get_item, expand_dims, flatten, squeeze, concat, stack, split]


@hookimpl
def dezero_plug_variable_methods():
    return {
        "reshape": _reshape_method,
        "transpose": _transpose_method,
        "__getitem__": _getitem_method,
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
            OpSample((2, 3), reference=np.transpose, category="shape"),
            OpSample((2, 3, 4), kwargs={"axes": (1, 2, 0)}, id="axes", reference=np.transpose, category="shape"),
            OpSample((2, 3, 4), call=lambda x: x.T, id="T-3d"),
            OpSample((2, 3, 4), call=lambda x: x.transpose(2, 0, 1), id="method"),
        ],
        "get_item": [
            OpSample((3, 4), kwargs={"slices": 1}, id="int"),
            OpSample((3, 4), kwargs={"slices": (slice(None), slice(1, 3))}, id="slices"),
            OpSample((4, 3), kwargs={"slices": np.array([0, 2, 2, 3])}, id="repeated-rows"),
            OpSample((3, 4), kwargs={"slices": (np.array([0, 1, 1]), np.array([3, 2, 2]))}, id="pairs"),
            OpSample((3, 4), call=lambda x: x[:, 1], id="operator"),
        ],
        "expand_dims": [
            OpSample((2, 3), kwargs={"axis": 1}, reference=np.expand_dims, category="shape"),
            OpSample((2, 3), kwargs={"axis": -1}, id="last", reference=np.expand_dims, category="shape"),
        ],
        "flatten": [
            OpSample((2, 3, 4), reference=lambda x: x.reshape(x.shape[0], math.prod(x.shape[1:])), category="shape")
        ],
        "squeeze": [
            OpSample((2, 1, 3, 1), reference=np.squeeze, category="shape"),
            OpSample((2, 1, 3), kwargs={"axis": 1}, id="axis", reference=np.squeeze, category="shape"),
        ],
        "concat": [
            OpSample((2, 3), (4, 3), call=lambda a, b: concat([a, b]), id="axis0"),
            OpSample((2, 3), (2, 1), (2, 2), call=lambda a, b, c: concat([a, b, c], axis=1), id="axis1"),
        ],
        "stack": [OpSample((2, 3), (2, 3), call=lambda a, b: stack([a, b], axis=1))],
        "split": [
            OpSample((4, 3), call=lambda x: split(x, 2), id="sections"),
            OpSample((2, 5), call=lambda x: split(x, [1, 3], axis=1), id="indices"),
            OpSample((4, 3), call=lambda x: split(x, 2)[1], id="one-output-used"),
        ],
    }
