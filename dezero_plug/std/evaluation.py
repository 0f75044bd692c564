"""Evaluation: accuracy (not differentiable)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import backend_of
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl
from dezero_plug.extend import raw_input


def accuracy(y: Any, t: Any) -> Variable:
    """Fraction of rows of scores ``y`` (N, C) whose argmax equals the label ``t`` (N,); not differentiable.

    Raises:
        ValueError: when the number of rows and labels differ.
    """
    y = raw_input("accuracy", y, 0)
    t = raw_input("accuracy", t, 1)
    if getattr(y, "ndim", 0) != 2:
        raise ValueError(f"accuracy: scores must have shape (N, C); got {tuple(getattr(y, 'shape', ()))}")
    if backend_of(t).dtype_kind(t.dtype) != "i":
        raise TypeError(f"accuracy: labels must be integer class ids; got dtype {t.dtype}")
    if y.shape[0] != math.prod(t.shape):
        raise ValueError(
            f"accuracy: {y.shape[0]} predictions (scores {tuple(y.shape)}) but {math.prod(t.shape)} labels "
            f"(shape {tuple(t.shape)})"
        )
    xp = get_array_module(y)
    pred = xp.reshape(xp.argmax(y, axis=1), t.shape)
    hits = xp.astype(pred == t, y.dtype if xp.isdtype(y.dtype, "real floating") else xp.float64)
    return Variable(xp.asarray(xp.mean(hits)))


@hookimpl
def dezero_plug_functions():
    return [accuracy]


@hookimpl
def dezero_plug_op_samples():
    return {"accuracy": [OpSample((4, 3), np.array([0, 1, 2, 1]), grad=[])]}
