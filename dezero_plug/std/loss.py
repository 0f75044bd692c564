"""Losses: mean_squared_error, mean_absolute_error, softmax_cross_entropy, sigmoid_cross_entropy,
binary_cross_entropy, and the book's mean_squared_error_simple and softmax_cross_entropy_simple.

Shape conventions (DeZero's): scores ``x`` are ``(N, C)`` and labels ``t`` are
integer class ids of shape ``(N,)``; the regression losses sum the squared (or
absolute) differences and divide by ``N = len(diff)``, the batch size.
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
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl
from dezero_plug.extend import raw_input
from dezero_plug.std.activation import sigmoid
from dezero_plug.std.activation import softmax
from dezero_plug.std.broadcast import sum
from dezero_plug.std.broadcast import sum_to
from dezero_plug.std.math import abs
from dezero_plug.std.math import clip
from dezero_plug.std.math import log
from dezero_plug.std.shape import get_item

dezero_plug_requires = ("shape", "broadcast", "arithmetic", "math", "activation")

VariableLike = Any


def _batch(op: str, shape: tuple[int, ...]) -> int:
    """N, the batch size a loss divides by (1 for a 0-d input); an empty batch is refused, naming the op."""
    if not shape:
        return 1
    if shape[0] == 0:
        raise ValueError(f"{op}: the batch is empty (shape {tuple(shape)}): there is nothing to average")
    return shape[0]


class MeanSquaredError(Function):
    def forward(self, x0, x1):
        diff = x0 - x1
        return get_array_module(diff).sum(diff * diff) / _batch("mean_squared_error", diff.shape)

    def backward(self, gy):
        x0, x1 = self.inputs
        diff = x0 - x1
        gx = gy * diff * (2.0 / _batch("mean_squared_error", diff.shape))  # d/dx0 Σ(x0 - x1)^2 / N = 2 (x0 - x1) / N
        return sum_to(gx, x0.shape), sum_to(-gx, x1.shape)  # inputs may broadcast


def mean_squared_error(x0: VariableLike, x1: VariableLike) -> Variable:
    """``sum((x0 - x1) ** 2) / N`` with ``N`` the batch size (DeZero's definition); inputs may broadcast."""
    return MeanSquaredError()(x0, x1)


@composite("mean_squared_error_simple")
def mean_squared_error_simple(x0: VariableLike, x1: VariableLike) -> Variable:
    """The book's teaching version of ``mean_squared_error``, from basic functions."""
    diff = as_input("mean_squared_error_simple", x0, 0) - as_input("mean_squared_error_simple", x1, 1)
    return sum(diff**2) / _batch("mean_squared_error_simple", diff.shape)


@composite("mean_absolute_error")
def mean_absolute_error(x0: VariableLike, x1: VariableLike) -> Variable:
    """``sum(|x0 - x1|) / N``, ``N`` the batch size, as ``mean_squared_error`` divides (not PyTorch's mean)."""
    diff = as_input("mean_absolute_error", x0, 0) - as_input("mean_absolute_error", x1, 1)
    return sum(abs(diff)) / _batch("mean_absolute_error", diff.shape)


def _check_labels(op: str, x: Any, t: Any) -> Any:
    """The labels as a raw integer array of shape (N,) with values in [0, C), else an error naming the op."""
    x = raw_input(op, x, 0)
    t = raw_input(op, t, 1)
    if x.ndim != 2:
        raise ValueError(f"{op}: scores must have shape (N, C); got {tuple(x.shape)}")
    _batch(op, tuple(x.shape))
    if backend_of(t).dtype_kind(t.dtype) != "i":
        raise TypeError(f"{op}: labels must be integer class ids; got dtype {t.dtype}")
    if tuple(t.shape) != (x.shape[0],):
        raise ValueError(
            f"{op}: labels must have shape (N,) = ({x.shape[0]},) for scores of shape {tuple(x.shape)}; "
            f"got {tuple(t.shape)} (flatten them: t.reshape(-1))"
        )
    if t.shape[0]:
        low, high = _label_range(t)
        if low < 0 or high >= x.shape[1]:
            raise ValueError(f"{op}: labels must be class ids in [0, {x.shape[1]}); got values from {low} to {high}")
    return t


def _label_range(t: Any) -> tuple[int, int]:
    """The smallest and largest label."""
    xp = get_array_module(t)
    return int(xp.min(t)), int(xp.max(t))


def _shifted_exp(x: Any) -> tuple[Any, Any, Any]:
    """``z = x - max`` per row (N, C), its ``exp`` (N, C) and their row sums (N, 1): softmax is exp / sums."""
    xp = get_array_module(x)
    z = x - xp.max(x, axis=1, keepdims=True)  # each row's largest score 0: exp cannot overflow
    e = xp.exp(z)
    return z, e, xp.sum(e, axis=1, keepdims=True)


class SoftmaxCrossEntropy(Function):
    # Kept by forward for a plain backward, whose softmax is their quotient: exp(x - max) (N, C) and its
    # row sums (N, 1). A backend kernel's forward may keep neither; backward_arrays recomputes them then.
    exp_scores = exp_sums = None

    def forward(self, x, t):
        xp = get_array_module(x)
        z, self.exp_scores, self.exp_sums = _shifted_exp(x)
        picked = xp.take_along_axis(z, t[:, None], axis=1)  # (N, 1): -log p[t] = log s - z[t]
        return xp.sum(xp.log(self.exp_sums) - picked) / x.shape[0]

    def _onehot(self) -> Any:
        x, t = self.inputs[0].data, self.inputs[1].data
        xp = get_array_module(x)
        classes = xp.arange(x.shape[1], device=t.device)
        return xp.astype(t[:, None] == classes, x.dtype)  # x's dtype: no float64 drift

    def backward(self, gy):
        x = self.inputs[0]
        return (softmax(x) - self._onehot()) * (gy / x.shape[0]), None  # differentiable: double backprop

    def backward_arrays(self, gy):  # softmax from what forward kept: e / s
        x = self.inputs[0].data
        e, s = self.exp_scores, self.exp_sums
        if e is None:  # a kernel's forward ran, or a backward before took them
            _, e, s = _shifted_exp(x)
        return (e / s - self._onehot()) * (gy / x.shape[0]), None


def softmax_cross_entropy(x: VariableLike, t: Any) -> Variable:
    """Mean cross entropy of ``softmax(x)`` against class ids: ``x`` (N, C) scores, ``t`` (N,) integers.

    Raises:
        TypeError: when ``t`` is not integer.
        ValueError: when ``t`` is not of shape (N,) or holds ids outside [0, C).
    """
    return SoftmaxCrossEntropy()(x, _check_labels("softmax_cross_entropy", x, t))


@composite("softmax_cross_entropy_simple")
def softmax_cross_entropy_simple(x: VariableLike, t: Any) -> Variable:
    """The book's teaching version of ``softmax_cross_entropy``, from basic functions."""
    t = _check_labels("softmax_cross_entropy_simple", x, t)
    n = x.shape[0]
    p = clip(softmax(x), 1e-15, 1.0)  # avoid log(0)
    picked = get_item(log(p), (np.arange(n), backend_of(t).to_numpy(t)))
    return -1 * sum(picked) / n


def _as_targets(op: str, x: Any, t: Any) -> Any:
    """Binary targets as a constant of the scores' dtype and shape."""
    data = raw_input(op, x, 0)
    t = raw_input(op, t, 1)
    if math.prod(t.shape) != math.prod(data.shape):
        raise ValueError(f"{op}: targets of shape {tuple(t.shape)} do not match scores of shape {tuple(data.shape)}")
    xp = get_array_module(t)
    return xp.reshape(xp.astype(t, data.dtype), data.shape)


@composite("sigmoid_cross_entropy")
def sigmoid_cross_entropy(x: VariableLike, t: Any) -> Variable:
    """Mean binary cross entropy of ``sigmoid(x)`` against 0/1 targets ``t`` of x's size; divided by N."""
    t = _as_targets("sigmoid_cross_entropy", x, t)
    p = clip(sigmoid(x), 1e-15, 1.0)
    tlog_p = log(p) * t + log(1 - p) * (1 - t)  # Variables on the left: strict arrays do not defer
    return -1 * sum(tlog_p) / _batch("sigmoid_cross_entropy", t.shape)


@composite("binary_cross_entropy")
def binary_cross_entropy(p: VariableLike, t: Any) -> Variable:
    """Mean binary cross entropy of probabilities ``p`` against 0/1 targets ``t``; divided by N."""
    t = _as_targets("binary_cross_entropy", p, t)
    p = clip(p, 1e-15, 0.999)
    tlog_p = log(p) * t + log(1 - p) * (1 - t)
    return -1 * sum(tlog_p) / _batch("binary_cross_entropy", t.shape)


@hookimpl
def dezero_plug_functions():
    return [
        mean_squared_error,
        mean_squared_error_simple,
        mean_absolute_error,
        softmax_cross_entropy,
        softmax_cross_entropy_simple,
        sigmoid_cross_entropy,
        binary_cross_entropy,
    ]


@hookimpl
def dezero_plug_op_samples():
    labels = np.array([2, 0, 1, 2])
    targets = np.array([[1], [0], [1]])
    return {
        "mean_squared_error": [OpSample((4, 3), (4, 3)), OpSample((4, 3), (3,), id="broadcast")],
        "mean_squared_error_simple": [OpSample((4, 3), (4, 3))],
        "mean_absolute_error": [OpSample((4, 3), (4, 3))],
        "softmax_cross_entropy": [OpSample((4, 3), labels)],
        "softmax_cross_entropy_simple": [OpSample((4, 3), labels)],
        "sigmoid_cross_entropy": [OpSample((3, 1), targets)],
        "binary_cross_entropy": [OpSample((3, 1), targets, low=0.1, high=0.9)],
    }
