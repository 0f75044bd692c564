"""Raw-array helpers for broadcasting gradients and for ``axis=`` arguments (no graph is recorded).

An op's ``backward_arrays`` sums a gradient down to an input's shape with
``sum_to_array``; a reduction checks its ``axis`` with ``normalize_axis``.
Their differentiable counterparts (``F.sum_to``, ``F.broadcast_to``) are ops,
in ``dezero_plug/std/broadcast.py``. Plugins import these from ``dezero_plug.extend``.
"""

from __future__ import annotations

import operator
from typing import Any

from dezero_plug.backends import get_array_module


def normalize_axis(op: str, axis: Any, ndim: int) -> tuple[int, ...] | None:
    """``axis`` (an int, numpy integer or tuple of them) as a tuple of non-negative ints, or None for all.

    A 0-d input takes axis 0 or -1 and gives None: reducing it over "its one axis" leaves it as is.

    Raises:
        TypeError: ``axis`` is not integer, naming the op.
        ValueError: an axis out of range, naming the op and the input's number of dimensions.
    """
    if axis is None:
        return None
    try:
        axes = tuple(operator.index(a) for a in axis) if isinstance(axis, (tuple, list)) else (operator.index(axis),)
    except TypeError:
        raise TypeError(f"{op}: axis must be an int or a tuple of ints; got {axis!r}") from None
    for a in axes:
        if not (-ndim <= a < ndim or (ndim == 0 and a in (0, -1))):
            raise ValueError(f"{op}: axis {axis!r} is out of range for an input of {ndim} dimension(s)")
    if ndim and len({a % ndim for a in axes}) != len(axes):
        raise ValueError(f"{op}: axis {axis!r} names an axis more than once")
    return tuple(a % ndim for a in axes) if ndim else None


def sum_backward_shape(
    gy_shape: tuple[int, ...], x_shape: tuple[int, ...], axis: Any, keepdims: bool
) -> tuple[int, ...]:
    """The shape a sum's gradient takes to broadcast back to ``x_shape``: the summed axes put back as 1."""
    ndim = len(x_shape)
    axes = normalize_axis("sum", axis, ndim)
    if keepdims or ndim == 0:
        return tuple(gy_shape)
    if axes is None:
        return (1,) * ndim
    shape = list(gy_shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return tuple(shape)


def sum_to_array(x: Any, shape: tuple[int, ...]) -> Any:
    """Sum a raw array down to ``shape`` (which must broadcast to ``x.shape``)."""
    xp = get_array_module(x)
    lead = x.ndim - len(shape)
    if lead and x.shape[lead:] == tuple(shape):  # a bias's gradient: only leading axes to sum
        return xp.sum(x, axis=tuple(range(lead)))
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1)
    y = xp.sum(x, axis=axes, keepdims=True) if axes else x
    return xp.reshape(y, shape) if lead or y.shape != shape else y
