"""Normalisation: batch_norm (with DeZero's misspelt alias batch_nrom) and layer_norm.

``batch_norm`` normalises ``(N, C)`` or ``(N, C, H, W)`` inputs per channel C.
In training (``Config.train``) it uses the batch's statistics and updates the
running ``mean``/``var`` arrays in place; under ``test_mode()`` it uses them.
Its backward is built from differentiable functions, so second derivatives
(in x, gamma and beta) are exact — DeZero's treat 1/std as a constant.
"""

from __future__ import annotations

import inspect
from typing import Any

from dezero_plug.extend import Config
from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import as_input
from dezero_plug.extend import backend_of
from dezero_plug.extend import composite
from dezero_plug.extend import data_of
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl
from dezero_plug.std.broadcast import sum
from dezero_plug.std.reduction import average
from dezero_plug.std.shape import reshape
from dezero_plug.std.shape import transpose

dezero_plug_requires = ("shape", "broadcast", "reduction", "arithmetic")

VariableLike = Any


def _to_rows(x: Any, xp: Any = None) -> Any:
    """(N, C, H, W) -> (N*H*W, C); (N, C) unchanged. Works on raw arrays (xp given) and Variables."""
    if x.ndim == 2:
        return x
    c = x.shape[1]
    if xp is None:
        return reshape(transpose(x, (0, 2, 3, 1)), (-1, c))
    return xp.reshape(xp.permute_dims(x, (0, 2, 3, 1)), (-1, c))


def _from_rows(y: Any, shape: tuple[int, ...], xp: Any = None) -> Any:
    if len(shape) == 2:
        return y
    n, c, h, w = shape
    if xp is None:
        return transpose(reshape(y, (n, h, w, c)), (0, 3, 1, 2))
    return xp.permute_dims(xp.reshape(y, (n, h, w, c)), (0, 3, 1, 2))


class BatchNorm(Function):
    def __init__(self, mean: Any, var: Any, decay: float, eps: float) -> None:
        self.running = (mean, var)  # Variables (rebound) or raw arrays (written in place: mutable backends only)
        self.decay = decay
        self.eps = eps
        self.train = Config.train

    @property
    def avg_mean(self) -> Any:
        return data_of(self.running[0])

    @property
    def avg_var(self) -> Any:
        return data_of(self.running[1])

    def _store(self, holder: Any, value: Any) -> None:
        if isinstance(holder, Variable):
            holder.data = value
        else:
            holder[...] = value  # DeZero's API on raw arrays: batch_norm checked the backend is mutable

    def forward(self, x, gamma, beta):
        if x.ndim not in (2, 4):
            raise ValueError(f"batch_norm: expected (N, C) or (N, C, H, W) input; got shape {tuple(x.shape)}")
        xp = get_array_module(x)
        rows = _to_rows(x, xp)
        if rows.shape[1] != gamma.shape[0]:
            raise ValueError(f"batch_norm: input has {rows.shape[1]} channels but gamma has shape {tuple(gamma.shape)}")
        if self.train:
            mean = xp.mean(rows, axis=0)
            var = xp.var(rows, axis=0)
            m = rows.shape[0]
            adjust = m / max(m - 1.0, 1.0)  # unbiased running variance, as DeZero
            self._store(self.running[0], self.decay * self.avg_mean + (1 - self.decay) * mean)
            self._store(self.running[1], self.decay * self.avg_var + (1 - self.decay) * adjust * var)
        else:
            mean, var = self.avg_mean, self.avg_var
        y = gamma * ((rows - mean) / xp.sqrt(var + self.eps)) + beta
        return _from_rows(y, x.shape, xp)

    def backward(self, gy):
        x, gamma, _ = self.inputs
        rows, g = _to_rows(x), _to_rows(gy)
        gbeta = sum(g, axis=0)
        if not self.train:  # statistics were constants
            inv_std = Variable((self.avg_var + self.eps) ** -0.5)
            xhat = (rows - Variable(self.avg_mean)) * inv_std
            return _from_rows(g * (gamma * inv_std), x.shape), sum(xhat * g, axis=0), gbeta
        m = rows.shape[0]
        xc = rows - average(rows, axis=0)
        inv_std = (average(xc * xc, axis=0) + self.eps) ** -0.5
        xhat = xc * inv_std
        ggamma = sum(xhat * g, axis=0)
        gx = (g - gbeta / m - xhat * ggamma / m) * (gamma * inv_std)
        return _from_rows(gx, x.shape), ggamma, gbeta


def batch_norm(
    x: VariableLike, gamma: VariableLike, beta: VariableLike, mean: Any, var: Any, decay: float = 0.9, eps: float = 2e-5
) -> Variable:
    """Batch normalisation per channel: ``gamma * (x - mean) / sqrt(var + eps) + beta``.

    Args:
        x: ``(N, C)`` or ``(N, C, H, W)``.
        gamma: ``(C,)`` scale.
        beta: ``(C,)`` shift.
        mean: ``(C,)`` running mean, updated in training: a Variable (its ``.data`` is rebound to the
            new statistic, on any backend) or a raw array (DeZero's API: written in place, so only on a
            backend whose arrays are mutable).
        var: ``(C,)`` running variance, as ``mean``.
        decay: weight of the old running statistics.
        eps: added to the variance.

    Raises:
        ValueError: when the input is not 2-d or 4-d, or its channels do not match gamma.
        TypeError: raw-array statistics in training on a backend whose arrays are immutable.
    """
    for name, stat in (("mean", mean), ("var", var)):
        if Config.train and not isinstance(stat, Variable) and not backend_of(stat).mutable_arrays:
            raise TypeError(
                f"batch_norm: the running {name} is a raw {backend_of(stat).name} array, which cannot be updated "
                f"in place; pass it as a Variable (its .data is rebound), as the BatchNorm layer does"
            )
    return BatchNorm(mean, var, decay, eps)(x, gamma, beta)


def batch_nrom(*args: Any, **kwargs: Any) -> Variable:
    """DeZero's misspelt name of ``batch_norm``, kept so book code runs; use ``batch_norm``."""
    return batch_norm(*args, **kwargs)


batch_nrom.__signature__ = inspect.signature(batch_norm)  # type: ignore[attr-defined]  # what help() shows


@composite("layer_norm")
def layer_norm(x: VariableLike, gamma: VariableLike, beta: VariableLike, eps: float = 1e-5) -> Variable:
    """Normalise over the last axis, then scale by ``gamma`` and shift by ``beta`` (both of the last axis's size)."""
    x = as_input("layer_norm", x)
    for what, param in (("gamma", gamma), ("beta", beta)):
        if x.ndim == 0 or tuple(param.shape) != (x.shape[-1],):
            raise ValueError(
                f"layer_norm: {what} must have shape ({x.shape[-1] if x.ndim else '?'},), the size of the last "
                f"axis of x {tuple(x.shape)}; got {tuple(param.shape)}"
            )
    xc = x - average(x, axis=-1, keepdims=True)
    inv_std = (average(xc * xc, axis=-1, keepdims=True) + eps) ** -0.5
    return gamma * (xc * inv_std) + beta


@hookimpl
def dezero_plug_functions():
    return [batch_norm, batch_nrom, layer_norm]


def _bn(mode: str, shape: tuple[int, ...]) -> Any:
    """A batch_norm call on fresh running statistics (the kit calls the op many times)."""
    import numpy as np

    from dezero_plug import backends
    from dezero_plug import test_mode

    def call(x, gamma, beta):
        backend = backends.backend_of(x.data)
        c = shape[1]
        dtype = backend.to_numpy(x.data).dtype
        mean = Variable(backend.from_numpy(np.linspace(-0.2, 0.2, c).astype(dtype)))  # rebound, on any backend
        var = Variable(backend.from_numpy(np.linspace(0.5, 1.5, c).astype(dtype)))
        if mode == "test":
            with test_mode():
                return batch_norm(x, gamma, beta, mean, var)
        return batch_norm(x, gamma, beta, mean, var)

    return call


@hookimpl
def dezero_plug_op_samples():
    return {
        "batch_norm": [
            OpSample((5, 3), (3,), (3,), call=_bn("train", (5, 3)), id="train-2d"),
            OpSample((2, 3, 2, 2), (3,), (3,), call=_bn("train", (2, 3)), id="train-4d"),
            OpSample((4, 3), (3,), (3,), call=_bn("test", (4, 3)), id="test-mode"),
        ],
        "batch_nrom": [OpSample((4, 2), (2,), (2,), call=_bn("train", (4, 2)))],
        "layer_norm": [OpSample((3, 4), (4,), (4,))],
    }
