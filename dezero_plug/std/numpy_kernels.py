"""Kernels of the numpy backend: numpy's own calls where an op's Array-API forward pays for generality.

* arithmetic (``+ - * /`` and negation): numpy gives a 0-d result as a numpy scalar, which
  Function.__call__ must then turn back into a 0-d array; a ufunc called with ``out=...``
  (numpy 2.3 and later) returns the 0-d array itself. Scalar code (the book's first steps)
  runs these by the thousand.
* softmax cross entropy: numpy's methods and integer-array indexing; its plain backward in place.

Registered through ``dezero_plug_kernels`` as any backend plugin's kernels are (the cupy
plugin's softmax_cross_entropy is the other example); only arrays of the numpy backend run
them. A kernel returns what the op's ``forward`` returns and sets what its backward reads.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from dezero_plug.extend import Kernel
from dezero_plug.extend import hookimpl
from dezero_plug.std.arithmetic import Add
from dezero_plug.std.arithmetic import Div
from dezero_plug.std.arithmetic import Mul
from dezero_plug.std.arithmetic import Neg
from dezero_plug.std.arithmetic import Sub
from dezero_plug.std.loss import SoftmaxCrossEntropy

dezero_plug_requires = ("numpy_backend", "arithmetic", "loss")


def _ufunc_returns_arrays() -> bool:
    """Whether numpy's ufuncs take ``out=...`` (numpy 2.3+): then a 0-d result is returned as an array."""
    try:
        return type(np.add(np.zeros(()), 0.0, out=...)) is np.ndarray
    except TypeError:  # numpy before 2.3: "return arrays must be of ArrayType"
        return False


def add_forward(function: Add, x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    if x0.shape != x1.shape:  # the shapes Add.forward keeps for its backward
        function.shapes = (x0.shape, x1.shape)
    return np.add(x0, x1, out=...)


def _binary(ufunc: np.ufunc) -> Any:
    def forward(function: Any, x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
        return ufunc(x0, x1, out=...)

    forward.__name__ = f"{ufunc.__name__}_forward"
    return forward


def neg_forward(function: Neg, x: np.ndarray) -> np.ndarray:
    return np.negative(x, out=...)


def softmax_cross_entropy_forward(function: SoftmaxCrossEntropy, x: np.ndarray, t: np.ndarray) -> Any:
    """SoftmaxCrossEntropy.forward with numpy's methods and integer-array indexing.

    The Array-API forward calls ``np.max``, ``np.sum`` and ``np.take_along_axis``, which are
    Python-level wrappers; the methods and ``z[rows, t]`` are C calls. ``t`` is checked by softmax_cross_entropy.
    """
    z = x - x.max(axis=1, keepdims=True)  # (N, C), each row's largest score 0
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)  # (N, 1)
    function.exp_scores, function.exp_sums = e, s  # the plain backward's softmax is e / s
    n = x.shape[0]
    return (np.log(s[:, 0]) - z[np.arange(n), t]).sum() / n


@functools.lru_cache(maxsize=8)
def _row_ids(n: int) -> np.ndarray:
    """``0 .. n-1``, made once per batch size: the row of each label."""
    rows = np.arange(n)
    rows.flags.writeable = False
    return rows


def softmax_cross_entropy_backward(function: SoftmaxCrossEntropy, gy: np.ndarray) -> tuple[np.ndarray, None]:
    """SoftmaxCrossEntropy's plain backward as the plain-numpy program computes it: in place, in the
    forward's own exp array (taken: a second backward recomputes it), with no one-hot matrix."""
    e, s = function.exp_scores, function.exp_sums
    if type(e) is not np.ndarray:  # the forward kept none (a backward before took them): the op's own
        return SoftmaxCrossEntropy.backward_arrays(function, gy)
    function.exp_scores = function.exp_sums = None
    n = e.shape[0]
    e /= s
    e[_row_ids(n), function.inputs[1].data] -= 1
    e *= gy / n
    return e, None


@hookimpl
def dezero_plug_kernels():
    kernels: dict[tuple[type, str], Any] = {
        (SoftmaxCrossEntropy, "numpy"): Kernel(softmax_cross_entropy_forward, softmax_cross_entropy_backward)
    }
    if _ufunc_returns_arrays():
        kernels[Add, "numpy"] = add_forward
        kernels[Neg, "numpy"] = neg_forward
        for op, ufunc in ((Sub, np.subtract), (Mul, np.multiply), (Div, np.divide)):
            kernels[op, "numpy"] = _binary(ufunc)
    return kernels
