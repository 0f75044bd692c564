"""Layers: Linear, Conv2d, Deconv2d, RNN, LSTM, EmbedID, BatchNorm — DeZero's signatures and initialisation.

Weights are drawn from the backend of the first input (lazy ``in_size``), from
numpy's global generator on CPU, so ``np.random.seed`` reproduces DeZero's
values. Biases start as numpy arrays; ``model.to_gpu()`` moves everything.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.extend import Backend
from dezero_plug.extend import Layer
from dezero_plug.extend import Parameter
from dezero_plug.extend import backend_of
from dezero_plug.extend import data_of
from dezero_plug.extend import default_backend
from dezero_plug.extend import hookimpl
from dezero_plug.extend import init_lazily
from dezero_plug.extend import normal_weights
from dezero_plug.std.activation import sigmoid
from dezero_plug.std.conv import check_window
from dezero_plug.std.conv import conv2d
from dezero_plug.std.conv import deconv2d
from dezero_plug.std.conv import pair
from dezero_plug.std.linalg import embed_id
from dezero_plug.std.linalg import linear
from dezero_plug.std.math import tanh
from dezero_plug.std.norm import batch_norm

dezero_plug_requires = ("arithmetic", "math", "activation", "linalg", "conv", "norm")


def _size(owner: str, name: str, value: Any) -> int:
    """A layer size: a positive int (numpy ints too), else an error naming the layer and argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be a positive int; got {value!r}")
    if value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int; got {value}")
    return int(value)


def _in_size(owner: str, name: str, value: Any) -> int | None:
    """An input size: None (found from the first input) or a layer size, checked as ``_size`` checks it."""
    return None if value is None else _size(owner, name, value)


def _bias(owner: str, size: int, dtype: Any) -> Parameter:
    """A layer's bias ``b``: zeros of ``size``; a MemoryError names the layer and the size."""
    try:
        return Parameter(np.zeros(size, dtype=dtype), name="b")
    except MemoryError as exc:
        raise MemoryError(f"{owner}: a bias of {size} elements: {exc} (check the layer's sizes)") from exc


def _ndim(owner: str, x: Any, allowed: tuple[int, ...], expected: str) -> None:
    shape = tuple(getattr(x, "shape", ()))
    if len(shape) not in allowed:
        raise ValueError(f"{owner}: expected an {expected} input; got shape {shape}")


class Linear(Layer):
    """Fully connected layer ``x @ W + b``: ``x`` (N, in_size) -> (N, out_size); ``in_size`` inferred when None."""

    def __init__(
        self, out_size: int, nobias: bool = False, dtype: Any = np.float32, in_size: int | None = None
    ) -> None:
        super().__init__()
        out_size = _size("Linear", "out_size", out_size)
        in_size = _in_size("Linear", "in_size", in_size)
        self.in_size, self.out_size, self.dtype = in_size, out_size, dtype
        self.W = Parameter(None, name="W")
        if in_size is not None:
            self.W.data = self._make_W(default_backend())
        self.b = None if nobias else _bias("Linear", out_size, dtype)

    def _make_W(self, backend: Backend) -> Any:
        return normal_weights(backend, (self.in_size, self.out_size), self.dtype, float(np.sqrt(1 / self.in_size)))

    def forward(self, x: Any) -> Any:
        _ndim("Linear", x, (2,), "(N, in_size)")
        if self.W.data is None:
            self.in_size = x.shape[1]
        init_lazily(self.W, x, self._make_W)
        init_lazily(self.b, x)
        return linear(x, self.W, self.b)


class Conv2d(Layer):
    """2-d convolution layer: (N, C, H, W) -> (N, out_channels, OH, OW); ``in_channels`` inferred when None."""

    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        pad: Any = 0,
        nobias: bool = False,
        dtype: Any = np.float32,
        in_channels: int | None = None,
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        out_channels = _size(owner, "out_channels", out_channels)
        in_channels = _in_size(owner, "in_channels", in_channels)
        check_window(owner, kernel_size, stride, pad)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.pad, self.dtype = kernel_size, stride, pad, dtype
        self.W = Parameter(None, name="W")
        if in_channels is not None:
            self.W.data = self._make_W(default_backend())
        self.b = None if nobias else _bias(owner, out_channels, dtype)

    def _shape(self) -> tuple[int, ...]:
        kh, kw = pair(self.kernel_size)
        return (self.out_channels, self.in_channels, kh, kw)

    def _make_W(self, backend: Backend) -> Any:
        kh, kw = pair(self.kernel_size)
        return normal_weights(backend, self._shape(), self.dtype, float(np.sqrt(1 / (self.in_channels * kh * kw))))

    op = staticmethod(conv2d)

    def forward(self, x: Any) -> Any:
        _ndim(type(self).__name__, x, (4,), "(N, C, H, W)")
        if self.W.data is None:
            self.in_channels = x.shape[1]
        init_lazily(self.W, x, self._make_W)
        init_lazily(self.b, x)
        return self.op(x, self.W, self.b, self.stride, self.pad)


class Deconv2d(Conv2d):
    """Transposed 2-d convolution layer: weights (in_channels, out_channels, KH, KW)."""

    op = staticmethod(deconv2d)

    def _shape(self) -> tuple[int, ...]:
        kh, kw = pair(self.kernel_size)
        return (self.in_channels, self.out_channels, kh, kw)


class RNN(Layer):
    """Elman RNN cell: ``h = tanh(x W_x + b + h W_h)``; call once per time step, ``reset_state`` between sequences."""

    def __init__(self, hidden_size: int, in_size: int | None = None) -> None:
        super().__init__()
        hidden_size = _size("RNN", "hidden_size", hidden_size)
        in_size = _in_size("RNN", "in_size", in_size)
        self.x2h = Linear(hidden_size, in_size=in_size)
        self.h2h = Linear(hidden_size, in_size=hidden_size, nobias=True)  # DeZero passes in_size here: a bug
        self.h: Any = None

    def reset_state(self) -> None:
        self.h = None

    def forward(self, x: Any) -> Any:
        h_new = tanh(self.x2h(x)) if self.h is None else tanh(self.x2h(x) + self.h2h(self.h))
        self.h = h_new
        return h_new


class LSTM(Layer):
    """LSTM cell (forget, input, output gates and the update); call once per time step."""

    def __init__(self, hidden_size: int, in_size: int | None = None) -> None:
        super().__init__()
        H, I = _size("LSTM", "hidden_size", hidden_size), _in_size("LSTM", "in_size", in_size)
        self.x2f, self.x2i, self.x2o, self.x2u = (Linear(H, in_size=I) for _ in range(4))
        self.h2f, self.h2i, self.h2o, self.h2u = (Linear(H, in_size=H, nobias=True) for _ in range(4))
        self.reset_state()

    def reset_state(self) -> None:
        self.h: Any = None
        self.c: Any = None

    def forward(self, x: Any) -> Any:
        if self.h is None:
            f, i, o, u = sigmoid(self.x2f(x)), sigmoid(self.x2i(x)), sigmoid(self.x2o(x)), tanh(self.x2u(x))
        else:
            f = sigmoid(self.x2f(x) + self.h2f(self.h))
            i = sigmoid(self.x2i(x) + self.h2i(self.h))
            o = sigmoid(self.x2o(x) + self.h2o(self.h))
            u = tanh(self.x2u(x) + self.h2u(self.h))
        c_new = i * u if self.c is None else (f * self.c) + (i * u)
        h_new = o * tanh(c_new)
        self.h, self.c = h_new, c_new
        return h_new


class EmbedID(Layer):
    """Embedding table ``W`` (in_size, out_size): integer ids of any shape -> their rows."""

    def __init__(self, in_size: int, out_size: int, dtype: Any = np.float32) -> None:
        super().__init__()
        in_size, out_size = _size("EmbedID", "in_size", in_size), _size("EmbedID", "out_size", out_size)
        self.W = Parameter(normal_weights(default_backend(), (in_size, out_size), dtype, 1.0), name="W")

    def __call__(self, x: Any) -> Any:
        init_lazily(self.W, x)
        return embed_id(x, self.W)


class BatchNorm(Layer):
    """Batch normalisation over channels; running statistics are parameters too (saved, never trained)."""

    def __init__(self) -> None:
        super().__init__()
        self.avg_mean = Parameter(None, name="avg_mean")
        self.avg_var = Parameter(None, name="avg_var")
        self.gamma = Parameter(None, name="gamma")
        self.beta = Parameter(None, name="beta")

    def _init_params(self, x: Any) -> None:
        data = data_of(x)
        xp, c, dtype, device = backend_of(data).xp, data.shape[1], data.dtype, data.device
        self.avg_mean.data = xp.zeros((c,), dtype=dtype, device=device)
        self.avg_var.data = xp.ones((c,), dtype=dtype, device=device)
        self.gamma.data = xp.ones((c,), dtype=dtype, device=device)
        self.beta.data = xp.zeros((c,), dtype=dtype, device=device)

    def __call__(self, x: Any) -> Any:
        _ndim("BatchNorm", x, (2, 4), "(N, C) or (N, C, H, W)")
        if self.avg_mean.data is None:
            self._init_params(x)
        return batch_norm(x, self.gamma, self.beta, self.avg_mean, self.avg_var)


@hookimpl
def dezero_plug_layers():
    return [Linear, Conv2d, Deconv2d, RNN, LSTM, EmbedID, BatchNorm]
