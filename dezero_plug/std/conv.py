"""Convolution and pooling: conv2d, deconv2d, pooling (max), average_pooling, im2col, col2im,
and the book's conv2d_simple and pooling_simple.

Shape conventions (DeZero's): images are ``(N, C, H, W)``; conv2d weights are
``(OC, C, KH, KW)``, deconv2d weights ``(C, OC, KH, KW)``; ``kernel_size``,
``stride`` and ``pad`` are an int or an ``(h, w)`` pair. ``im2col`` gives
``(N, C, KH, KW, OH, OW)`` (or ``(N*OH*OW, C*KH*KW)`` with ``to_matrix``).

im2col is a strided sliding-window view; col2im sums patches back by KH·KW
strided adds on backends with mutable arrays, one scatter-add over a cached
index on the others. conv2d and deconv2d work channels-last inside (see
``_patches``): their outputs are ``(N, C, H, W)`` views of channels-last memory,
which the next elementwise op and convolution keep, as a hand-written numpy CNN
does. Every differentiable backward is built from these functions, so conv,
deconv and both poolings have exact second derivatives (DeZero's weight
gradient and max pooling stop at first and second order).
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import numpy as np

from dezero_plug.extend import Config
from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import as_input
from dezero_plug.extend import backend_of
from dezero_plug.extend import composite
from dezero_plug.extend import distinct_values
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl
from dezero_plug.std.broadcast import broadcast_to
from dezero_plug.std.broadcast import sum
from dezero_plug.std.linalg import add_bias
from dezero_plug.std.linalg import linear
from dezero_plug.std.linalg import sum_rows
from dezero_plug.std.math import masked_array
from dezero_plug.std.reduction import max as max_
from dezero_plug.std.shape import reshape
from dezero_plug.std.shape import transpose

dezero_plug_requires = ("shape", "broadcast", "reduction", "arithmetic", "math", "linalg")

VariableLike = Any
Pair = int | tuple[int, int]


# --------------------------------------------------------------------------- size helpers (DeZero's utils)
def pair(x: Pair, op: str = "pair", what: str = "the value") -> tuple[int, int]:
    """``x`` as an ``(h, w)`` pair: an int is used for both.

    Raises:
        TypeError: ``x`` is neither an int nor a pair of ints, naming ``op`` and ``what`` it was.
    """
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return (int(x), int(x))
    if isinstance(x, (tuple, list)) and len(x) == 2 and all(isinstance(v, (int, np.integer)) for v in x):
        return (int(x[0]), int(x[1]))
    raise TypeError(f"{op}: {what} must be an int or a pair of ints; got {x!r}")


def check_window(op: str, kernel_size: Pair | None, stride: Pair, pad: Pair, pooling: bool = False) -> None:
    """Refuse a window no op can use: kernel or stride below 1, negative padding, and for pooling a
    padding over half the kernel (PyTorch's rule: a window made of padding only has no value).

    Raises:
        TypeError: a size that is not an int or a pair of ints.
        ValueError: a size out of range, naming the op, the argument and its value.
    """
    sizes = {"stride": (pair(stride, op, "stride"), 1)}
    if kernel_size is not None:
        sizes["kernel_size"] = (pair(kernel_size, op, "kernel_size"), 1)
    sizes["pad"] = (pair(pad, op, "pad"), 0)
    for what, (value, low) in sizes.items():
        if min(value) < low:
            raise ValueError(f"{op}: {what} must be at least {low}; got {value if value[0] != value[1] else value[0]}")
    if pooling and kernel_size is not None:
        (kh, kw), (ph, pw) = sizes["kernel_size"][0], sizes["pad"][0]
        if ph > kh // 2 or pw > kw // 2:
            raise ValueError(
                f"{op}: pad {(ph, pw)} is more than half of kernel_size {(kh, kw)}: windows made only of "
                "padding would have no value (PyTorch's rule)"
            )


def get_conv_outsize(input_size: int, kernel_size: int, stride: int, pad: int) -> int:
    """Output length of a convolution: ``(input + 2 pad - kernel) // stride + 1``."""
    return (input_size + pad * 2 - kernel_size) // stride + 1


def get_deconv_outsize(size: int, k: int, s: int, p: int) -> int:
    """Output length of a transposed convolution: ``s (size - 1) + k - 2 p``."""
    return s * (size - 1) + k - 2 * p


def _geometry(op: str, shape: tuple[int, ...], kernel_size: Pair, stride: Pair, pad: Pair) -> tuple[int, ...]:
    if len(shape) != 4:
        raise ValueError(f"{op}: expected an (N, C, H, W) input; got shape {tuple(shape)}")
    (kh, kw), (sh, sw), (ph, pw) = pair(kernel_size), pair(stride), pair(pad)
    oh, ow = get_conv_outsize(shape[2], kh, sh, ph), get_conv_outsize(shape[3], kw, sw, pw)
    if oh <= 0 or ow <= 0 or sh <= 0 or sw <= 0:
        raise ValueError(
            f"{op}: kernel {(kh, kw)} with stride {(sh, sw)} and pad {(ph, pw)} "
            f"does not fit an input of shape {tuple(shape)}"
        )
    return kh, kw, sh, sw, ph, pw, oh, ow


# --------------------------------------------------------------------------- array-level im2col / col2im
def im2col_array(
    img: Any,
    kernel_size: Pair,
    stride: Pair,
    pad: Pair,
    to_matrix: bool = True,
    pad_value: float = 0.0,
    op: str = "im2col",
) -> Any:
    """Patches of a raw ``(N, C, H, W)`` array as ``(N, C, KH, KW, OH, OW)``, by a strided sliding-window view.

    ``op`` names the op in errors (the kernel does not fit the input).
    """
    kh, kw, sh, sw, ph, pw, oh, ow = _geometry(op, img.shape, kernel_size, stride, pad)
    n, c, h, w = img.shape
    xp = get_array_module(img)
    backend = backend_of(img)
    if ph or pw:  # a new padded array: the backend's arrays may be immutable
        img = backend.pad(img, ((0, 0), (0, 0), (ph, ph), (pw, pw)), pad_value)
    windows = backend.sliding_window_view(img, (kh, kw), (2, 3))  # N, C, H', W', KH, KW
    windows = windows[:, :, 0 : (oh - 1) * sh + 1 : sh, 0 : (ow - 1) * sw + 1 : sw, ...]
    col = xp.permute_dims(windows, (0, 1, 4, 5, 2, 3))
    if to_matrix:
        col = xp.reshape(xp.permute_dims(col, (0, 4, 5, 1, 2, 3)), (n * oh * ow, -1))
    return col


@functools.lru_cache(maxsize=16)
def _col2im_index(shape: tuple[int, ...], kernel: tuple[int, ...]) -> np.ndarray:
    """For each element of an (N, C, KH, KW, OH, OW) col: its flat position in the padded image."""
    n, c, h, w = shape
    kh, kw, sh, sw, ph, pw, oh, ow = kernel
    hp, wp = h + 2 * ph, w + 2 * pw
    rows = np.arange(kh)[:, None, None, None] + sh * np.arange(oh)[None, None, :, None]
    cols = np.arange(kw)[None, :, None, None] + sw * np.arange(ow)[None, None, None, :]
    spatial = rows * wp + cols  # KH, KW, OH, OW
    planes = (np.arange(n * c) * (hp * wp)).reshape(n, c, 1, 1, 1, 1)
    return (planes + spatial).ravel()


def col2im_array(
    col: Any, img_shape: tuple[int, ...], kernel_size: Pair, stride: Pair, pad: Pair, to_matrix: bool = True
) -> Any:
    """The adjoint of im2col: sum every patch back into a raw ``(N, C, H, W)`` image.

    On a backend with mutable arrays: KH·KW strided adds into a new image (as a hand-written
    numpy program does; numpy's ``add.at`` is much slower); otherwise one scatter-add.
    """
    n, c, h, w = img_shape
    geometry = _geometry("col2im", img_shape, kernel_size, stride, pad)
    kh, kw, sh, sw, ph, pw, oh, ow = geometry
    xp = get_array_module(col)
    if to_matrix:
        col = xp.permute_dims(xp.reshape(col, (n, oh, ow, c, kh, kw)), (0, 3, 4, 5, 1, 2))
    hp, wp = h + 2 * ph, w + 2 * pw
    if backend_of(col).mutable_arrays:
        img = xp.zeros((n, c, hp, wp), dtype=col.dtype, device=col.device)  # this function's own array
        rows, cols = (oh - 1) * sh + 1, (ow - 1) * sw + 1
        for i in range(kh):
            for j in range(kw):
                img[:, :, i : i + rows : sh, j : j + cols : sw] += col[:, :, i, j, ...]
        return img[:, :, ph : ph + h, pw : pw + w]
    index = _col2im_index(tuple(img_shape), geometry)
    flat = xp.zeros((n * c * hp * wp,), dtype=col.dtype, device=col.device)
    flat = backend_of(col).scatter_add(flat, index, xp.reshape(col, (-1,)))
    return xp.reshape(flat, (n, c, hp, wp))[:, :, ph : ph + h, pw : pw + w]


# --------------------------------------------------------------------------- im2col / col2im functions
class Im2col(Function):
    def __init__(self, kernel_size: Pair, stride: Pair, pad: Pair, to_matrix: bool) -> None:
        self.kernel_size, self.stride, self.pad, self.to_matrix = kernel_size, stride, pad, to_matrix

    def forward(self, x):
        return im2col_array(x, self.kernel_size, self.stride, self.pad, self.to_matrix)

    def backward(self, gy):
        (x,) = self.inputs
        return col2im(gy, x.shape, self.kernel_size, self.stride, self.pad, self.to_matrix)


def im2col(x: VariableLike, kernel_size: Pair, stride: Pair = 1, pad: Pair = 0, to_matrix: bool = True) -> Variable:
    """Patches of an ``(N, C, H, W)`` image under each kernel position.

    Returns:
        ``(N, C, KH, KW, OH, OW)``, or ``(N*OH*OW, C*KH*KW)`` when ``to_matrix``.

    Raises:
        ValueError: when the input is not 4-d or the kernel does not fit it.
    """
    check_window("im2col", kernel_size, stride, pad)
    return Im2col(kernel_size, stride, pad, to_matrix)(x)


class Col2im(Function):
    def __init__(
        self, input_shape: tuple[int, ...], kernel_size: Pair, stride: Pair, pad: Pair, to_matrix: bool
    ) -> None:
        self.input_shape = tuple(input_shape)
        self.kernel_size, self.stride, self.pad, self.to_matrix = kernel_size, stride, pad, to_matrix

    def forward(self, x):
        return col2im_array(x, self.input_shape, self.kernel_size, self.stride, self.pad, self.to_matrix)

    def backward(self, gy):
        return im2col(gy, self.kernel_size, self.stride, self.pad, self.to_matrix)


def col2im(
    x: VariableLike,
    input_shape: tuple[int, ...],
    kernel_size: Pair,
    stride: Pair = 1,
    pad: Pair = 0,
    to_matrix: bool = True,
) -> Variable:
    """The adjoint of ``im2col``: patches summed back into an image of ``input_shape`` (N, C, H, W)."""
    check_window("col2im", kernel_size, stride, pad)
    return Col2im(input_shape, kernel_size, stride, pad, to_matrix)(x)


# --------------------------------------------------------------------------- conv2d / deconv2d
def _check_bias(op: str, W: Any, b: Any, axis: int) -> None:
    """A bias must have one value per output channel: shape (OC,)."""
    if b is not None and tuple(b.shape) != (W.shape[axis],):
        raise ValueError(
            f"{op}: the bias must have shape ({W.shape[axis]},), one value per output channel of W "
            f"{tuple(W.shape)}; got {tuple(b.shape)}"
        )


def _check_channels(op: str, x: Any, W: Any, axis: int) -> None:
    if W.ndim != 4:
        raise ValueError(f"{op}: expected a 4-d weight; got shape {tuple(W.shape)}")
    if x.ndim == 4 and x.shape[1] != W.shape[axis]:
        raise ValueError(
            f"{op}: input of shape {tuple(x.shape)} has {x.shape[1]} channels but the weight of shape "
            f"{tuple(W.shape)} expects {W.shape[axis]}"
        )


# Channels-last inside: an (N, C, H, W) image is read as its (N, H, W, C) view, so that the C values of a
# pixel are one contiguous run; the patches are KH·KW shifted copies, the convolution one GEMM of
# (N·OH·OW, KH·KW·C) patches by (KH·KW·C, OC) weights, and the output the (N, OC, OH, OW) view of the
# (N·OH·OW, OC) product (no copy back: numpy's elementwise ops keep a view's memory order).
def _patches(x: Any, geometry: tuple[int, ...]) -> Any:
    """(N, C, H, W) -> (N·OH·OW, KH·KW·C): one row per output pixel, columns ordered (kh, kw, c)."""
    kh, kw, sh, sw, ph, pw, oh, ow = geometry
    xp = get_array_module(x)
    n, c = x.shape[:2]
    img = xp.permute_dims(x, (0, 2, 3, 1))
    if ph or pw:
        img = backend_of(x).pad(img, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    rows, cols = (oh - 1) * sh + 1, (ow - 1) * sw + 1
    shifted = [img[:, i : i + rows : sh, j : j + cols : sw, :] for i in range(kh) for j in range(kw)]
    if backend_of(x).mutable_arrays:  # copied into place: numpy's stack pays for its generality
        col = xp.empty((n, oh, ow, kh * kw, c), dtype=x.dtype, device=x.device)
        for k, window in enumerate(shifted):
            col[:, :, :, k, :] = window
    else:
        col = xp.stack(shifted, axis=3)
    return xp.reshape(col, (n * oh * ow, kh * kw * c))


def _sum_patches(g: Any, shape: tuple[int, ...], geometry: tuple[int, ...]) -> Any:
    """The adjoint of ``_patches``: per window position (KH·KW, N·OH·OW, C) -> the (N, C, H, W) image.

    Each position's slab is contiguous, so the KH·KW strided adds run over whole (OW, C) rows.
    """
    kh, kw, sh, sw, ph, pw, oh, ow = geometry
    n, c, h, w = shape
    xp = get_array_module(g)
    g = xp.reshape(g, (kh, kw, n, oh, ow, c))
    if not backend_of(g).mutable_arrays:  # one scatter-add (see col2im_array)
        return col2im_array(xp.permute_dims(g, (2, 5, 0, 1, 3, 4)), shape, (kh, kw), (sh, sw), (ph, pw), False)
    img = xp.zeros((n, h + 2 * ph, w + 2 * pw, c), dtype=g.dtype, device=g.device)  # this function's own
    rows, cols = (oh - 1) * sh + 1, (ow - 1) * sw + 1
    for i in range(kh):
        for j in range(kw):
            img[:, i : i + rows : sh, j : j + cols : sw, :] += g[i, j, ...]
    return xp.permute_dims(img[:, ph : ph + h, pw : pw + w, :], (0, 3, 1, 2))


def _window_weights(W: Any) -> Any:
    """(A, B, KH, KW) -> (KH·KW, A, B): per window position, the matrix taking A channels to B."""
    xp = get_array_module(W)
    a, b, kh, kw = W.shape
    return xp.reshape(xp.permute_dims(W, (2, 3, 0, 1)), (kh * kw, a, b))


def _channels_last_rows(y: Any) -> Any:
    """(N, C, H, W) -> (N·H·W, C): free when ``y`` is a view of channels-last memory (a conv's output).

    A view that stays strided (a broadcast gradient, from ``sum``) is made contiguous by its backend:
    numpy's matmul of a zero-strided operand takes its non-BLAS loop.
    """
    xp = get_array_module(y)
    return backend_of(y).contiguous(xp.reshape(xp.permute_dims(y, (0, 2, 3, 1)), (-1, y.shape[1])))


def _weight_rows(W: Any) -> Any:
    """(A, B, KH, KW) -> (A, KH·KW·B): a conv2d (or deconv2d) weight in the patches' column order."""
    xp = get_array_module(W)
    return xp.reshape(xp.permute_dims(W, (0, 2, 3, 1)), (W.shape[0], -1))


def _image(rows: Any, n: int, oh: int, ow: int) -> Any:
    """(N·OH·OW, C) -> the (N, C, OH, OW) view."""
    xp = get_array_module(rows)
    return xp.permute_dims(xp.reshape(rows, (n, oh, ow, -1)), (0, 3, 1, 2))


class Conv2d(Function):
    def __init__(self, stride: Pair = 1, pad: Pair = 0) -> None:
        self.stride = pair(stride)
        self.pad = pair(pad)

    def forward(self, x, W, b=None):
        geometry = _geometry("conv2d", x.shape, tuple(W.shape[2:]) if W.ndim == 4 else 1, self.stride, self.pad)
        _check_channels("conv2d", x, W, 1)
        _check_bias("conv2d", W, b, 0)
        xp = get_array_module(x)
        col = _patches(x, geometry)  # N·OH·OW, KH·KW·C
        self.col = col if Config.enable_backprop else None  # the weight gradient reuses the copied patches
        y = add_bias(xp.matmul(col, xp.matrix_transpose(_weight_rows(W))), b)
        return _image(y, x.shape[0], *geometry[6:])

    def backward(self, gy):
        x, W = self.inputs[:2]
        needs = self.needs_input_grad
        gx = deconv2d(gy, W, None, self.stride, self.pad, outsize=x.shape[2:]) if needs[0] else None
        col, self.col = self.col, None  # handed over once: a second backward makes its own
        gW = Conv2dGradW(tuple(W.shape[2:]), self.stride, self.pad, col)(x, gy) if needs[1] else None
        if len(self.inputs) == 2:
            return gx, gW
        return gx, gW, sum(gy, axis=(0, 2, 3)) if needs[2] else None

    def backward_arrays(self, gy):
        x, W = self.inputs[0].data, self.inputs[1].data
        needs = self.needs_input_grad
        xp = get_array_module(gy)
        geometry = _geometry("conv2d", x.shape, tuple(W.shape[2:]), self.stride, self.pad)
        rows = _channels_last_rows(gy)  # N·OH·OW, OC
        gx = _sum_patches(xp.matmul(rows, _window_weights(W)), x.shape, geometry) if needs[0] else None
        col, self.col = self.col, None
        gW = _weight_gradient(x, rows, W.shape, geometry, col) if needs[1] else None
        if len(self.inputs) == 2:
            return gx, gW
        return gx, gW, sum_rows(rows) if needs[2] else None


def _weight_gradient(x: Any, rows: Any, shape: tuple[int, ...], geometry: tuple[int, ...], col: Any) -> Any:
    """conv2d's weight gradient (OC, C, KH, KW) from its input ``x`` and output gradient ``rows`` (N·OH·OW, OC)."""
    xp = get_array_module(x)
    if col is None or type(col) is not type(x):  # none kept (or kept on another backend): copy the patches again
        col = _patches(x, geometry)
    oc, c, kh, kw = shape
    gW = xp.matmul(xp.matrix_transpose(col), rows)  # KH·KW·C, OC: BLAS's faster orientation of this product
    return xp.permute_dims(xp.reshape(gW, (kh, kw, c, oc)), (3, 2, 0, 1))


def conv2d(
    x: VariableLike, W: VariableLike, b: VariableLike | None = None, stride: Pair = 1, pad: Pair = 0
) -> Variable:
    """2-d convolution (cross-correlation): ``x`` (N, C, H, W), ``W`` (OC, C, KH, KW), ``b`` (OC,) -> (N, OC, OH, OW).

    Raises:
        ValueError: when shapes or channels do not match, naming them.
    """
    check_window("conv2d", None, stride, pad)
    return Conv2d(stride, pad)(x, W) if b is None else Conv2d(stride, pad)(x, W, b)


class Deconv2d(Function):
    def __init__(self, stride: Pair = 1, pad: Pair = 0, outsize: Pair | None = None) -> None:
        self.stride = pair(stride)
        self.pad = pair(pad)
        self.outsize = outsize

    def forward(self, x, W, b=None):
        if x.ndim != 4:
            raise ValueError(f"deconv2d: expected an (N, C, H, W) input; got shape {tuple(x.shape)}")
        _check_channels("deconv2d", x, W, 0)
        _check_bias("deconv2d", W, b, 1)
        xp = get_array_module(x)
        (sh, sw), (ph, pw) = self.stride, self.pad
        _, oc, kh, kw = W.shape
        n, _, h, w = x.shape
        if self.outsize is None:
            out_h, out_w = get_deconv_outsize(h, kh, sh, ph), get_deconv_outsize(w, kw, sw, pw)
        else:
            out_h, out_w = pair(self.outsize)
        if out_h < 1 or out_w < 1:  # a pad larger than the output the stride and kernel give
            raise ValueError(
                f"deconv2d: the output size would be {(out_h, out_w)} for an input of {(h, w)} with kernel "
                f"{(kh, kw)}, stride {(sh, sw)} and pad {(ph, pw)}: it must be at least 1 (a smaller pad)"
            )
        # the adjoint of conv2d: the (N, OC, OH, OW) image whose conv2d with W gives x's (H, W)
        geometry = _geometry("deconv2d", (n, oc, out_h, out_w), (kh, kw), self.stride, self.pad)
        if geometry[6:] != (h, w):
            raise ValueError(
                f"deconv2d: outsize {(out_h, out_w)} does not map back to the input's {(h, w)} with kernel "
                f"{(kh, kw)}, stride {(sh, sw)} and pad {(ph, pw)}"
            )
        y = _sum_patches(xp.matmul(_channels_last_rows(x), _window_weights(W)), (n, oc, out_h, out_w), geometry)
        return y if b is None else y + xp.reshape(b, (1, -1, 1, 1))

    def backward(self, gy):
        x, W = self.inputs[:2]
        needs = self.needs_input_grad
        gx = conv2d(gy, W, None, self.stride, self.pad) if needs[0] else None
        gW = Conv2dGradW(tuple(W.shape[2:]), self.stride, self.pad)(gy, x) if needs[1] else None
        if len(self.inputs) == 2:
            return gx, gW
        return gx, gW, sum(gy, axis=(0, 2, 3)) if needs[2] else None


def deconv2d(
    x: VariableLike,
    W: VariableLike,
    b: VariableLike | None = None,
    stride: Pair = 1,
    pad: Pair = 0,
    outsize: Pair | None = None,
) -> Variable:
    """Transposed convolution: ``x`` (N, C, H, W), ``W`` (C, OC, KH, KW), ``b`` (OC,) -> (N, OC, OH, OW).

    ``outsize`` fixes (OH, OW) when several sizes map to the same input size.
    """
    check_window("deconv2d", None, stride, pad)
    return Deconv2d(stride, pad, outsize)(x, W) if b is None else Deconv2d(stride, pad, outsize)(x, W, b)


class Conv2dGradW(Function):
    """The weight gradient of conv2d(a, W) for upstream gradient b; bilinear in (a, b)."""

    def __init__(self, kernel_size: tuple[int, int], stride: Pair, pad: Pair, col: Any = None) -> None:
        self.kernel_size, self.stride, self.pad = kernel_size, stride, pad
        self.col = col  # the forward's patches of ``a`` as (N·OH·OW, KH·KW·C), when it kept them

    def forward(self, a, b):
        geometry = _geometry("conv2d", a.shape, self.kernel_size, self.stride, self.pad)
        col, self.col = self.col, None  # the forward's (N·OH·OW, KH·KW·C) patches, used once
        return _weight_gradient(a, _channels_last_rows(b), (b.shape[1], a.shape[1], *self.kernel_size), geometry, col)

    def backward(self, ggW):
        a, b = self.inputs
        ga = deconv2d(b, ggW, None, self.stride, self.pad, outsize=a.shape[2:])  # adjoint of a -> conv2d(a, ggW)
        gb = conv2d(a, ggW, None, self.stride, self.pad)
        return ga, gb


@composite("conv2d_simple")
def conv2d_simple(
    x: VariableLike, W: VariableLike, b: VariableLike | None = None, stride: Pair = 1, pad: Pair = 0
) -> Variable:
    """The book's teaching version of ``conv2d``: im2col, then ``linear``, then a reshape."""
    x = as_input("conv2d_simple", x, 0)
    W = as_input("conv2d_simple", W, 1)
    check_window("conv2d_simple", None, stride, pad)
    _geometry("conv2d_simple", x.shape, tuple(W.shape[2:]) if W.ndim == 4 else 1, stride, pad)
    n, _, h, w = x.shape
    oc, _, kh, kw = W.shape
    (sh, sw), (ph, pw) = pair(stride), pair(pad)
    oh, ow = get_conv_outsize(h, kh, sh, ph), get_conv_outsize(w, kw, sw, pw)
    col = im2col(x, (kh, kw), stride, pad, to_matrix=True)
    weight = transpose(reshape(W, (oc, -1)))
    t = linear(col, weight, b)
    return transpose(reshape(t, (n, oh, ow, oc)), (0, 3, 1, 2))


# --------------------------------------------------------------------------- pooling
def _tiles(pool: Any, shape: tuple[int, ...]) -> tuple[int, int] | None:
    """``(kh, kw)`` when the windows tile the input exactly (stride = kernel, no padding, sides divisible)."""
    (kh, kw), (sh, sw), (ph, pw) = pair(pool.kernel_size), pair(pool.stride), pair(pool.pad)
    if (kh, kw) == (sh, sw) and ph == pw == 0 and len(shape) == 4 and shape[2] % kh == 0 and shape[3] % kw == 0:
        return kh, kw
    return None


def _tile(x: Any, k: int, kh: int, kw: int) -> Any:
    """The (N, C, OH, OW) view of element ``k`` (row-major in the window) of every tiling window."""
    i, j = divmod(k, kw)
    return x[:, :, i::kh, j::kw]


class Pooling(Function):
    def __init__(self, kernel_size: Pair, stride: Pair = 1, pad: Pair = 0) -> None:
        self.kernel_size, self.stride, self.pad = kernel_size, stride, pad

    def forward(self, x):
        xp = get_array_module(x)
        tiles = _tiles(self, x.shape)
        if tiles is not None:  # the common 2x2 stride 2: the maximum of strided views, no patch array
            kh, kw = tiles
            best = _tile(x, 0, kh, kw)
            for k in range(1, kh * kw):
                best = xp.maximum(best, _tile(x, k, kh, kw))
            self.best, self.window_masks = best, None  # the masks: made by the first backward that needs them
            return best
        col = im2col_array(x, self.kernel_size, self.stride, self.pad, False, -float("inf"), op="pooling")
        n, c, kh, kw, oh, ow = col.shape
        col = xp.reshape(col, (n, c, kh * kw, oh, ow))
        self.indexes = xp.argmax(col, axis=2)  # padding is -inf: it never wins
        return xp.max(col, axis=2)

    def backward(self, gy):
        return PoolingGrad(self)(gy)

    def backward_arrays(self, gy):
        return PoolingGrad(self).forward(gy)  # the same arrays, without a Variable and an op call around them

    def masks(self) -> list[Any]:
        """For tiling windows: per window position k, where the window's first maximum sits (bool, (N, C, OH, OW))."""
        if self.window_masks is None:
            x, (kh, kw) = self.inputs[0].data, pair(self.kernel_size)
            in_place = backend_of(x).mutable_arrays  # each hit is this method's own array, taken from k = 2 on
            taken, masks, last = None, [], kh * kw - 1
            for k in range(kh * kw):
                hit = _tile(x, k, kh, kw) == self.best
                if taken is not None:  # a tie goes to the first, as argmax would
                    if in_place:
                        hit &= ~taken
                    else:
                        hit = hit & ~taken
                if k < last:
                    if in_place and k >= 2:
                        taken |= hit
                    else:
                        taken = hit if taken is None else taken | hit
                masks.append(hit)
            self.window_masks = masks
        return self.window_masks


class PoolingGrad(Function):
    """Routes each gradient to the argmax of its window; linear, with PoolingWithIndexes as its adjoint."""

    def __init__(self, pool: Pooling) -> None:
        self.pool = pool
        self.input_shape = tuple(pool.inputs[0].shape)

    def forward(self, gy):
        xp = get_array_module(gy)
        n, c, oh, ow = gy.shape
        kh, kw = pair(self.pool.kernel_size)
        if _tiles(self.pool, self.input_shape) is not None and backend_of(gy).mutable_arrays:
            masks = self.pool.masks()  # first: they read all of x, which would push a zeroed gx out of cache
            gy = backend_of(gy).laid_out_like(gy, masks[0])  # a flatten's gradient meets channels-last masks
            gx = xp.zeros_like(self.pool.inputs[0].data, dtype=gy.dtype)  # x's memory order (numpy); shares in place
            for k, mask in enumerate(masks):
                i, j = divmod(k, kw)
                gx[:, :, i::kh, j::kw] = masked_array(gy, mask)
            return gx
        if _tiles(self.pool, self.input_shape) is not None:  # immutable arrays: laid back out by one copy
            shares = xp.stack([masked_array(gy, mask) for mask in self.pool.masks()])
            shares = xp.permute_dims(xp.reshape(shares, (kh, kw, n, c, oh, ow)), (2, 3, 4, 0, 5, 1))
            return xp.reshape(shares, self.input_shape)
        gcol = _argmax_onehot(self.pool.indexes, kh * kw, gy.dtype) * xp.expand_dims(gy, axis=2)
        gcol = xp.reshape(gcol, (n, c, kh, kw, oh, ow))
        return col2im_array(gcol, self.input_shape, (kh, kw), self.pool.stride, self.pool.pad, to_matrix=False)

    def backward(self, ggx):
        return PoolingWithIndexes(self.pool)(ggx)


class PoolingWithIndexes(Function):
    """Picks, in each window, the element at the recorded argmax (the adjoint of PoolingGrad)."""

    def __init__(self, pool: Pooling) -> None:
        self.pool = pool

    def forward(self, x):
        xp = get_array_module(x)
        tiles = _tiles(self.pool, x.shape)
        if tiles is not None:
            kh, kw = tiles
            picked = [_tile(x, k, kh, kw) * xp.astype(m, x.dtype) for k, m in enumerate(self.pool.masks())]
            return functools.reduce(operator.add, picked)
        col = im2col_array(x, self.pool.kernel_size, self.pool.stride, self.pool.pad, to_matrix=False)
        n, c, kh, kw, oh, ow = col.shape
        col = xp.reshape(col, (n, c, kh * kw, oh, ow))
        return xp.sum(col * _argmax_onehot(self.pool.indexes, kh * kw, x.dtype), axis=2)

    def backward(self, gy):
        return PoolingGrad(self.pool)(gy)


def _argmax_onehot(indexes: Any, size: int, dtype: Any) -> Any:
    """(N, C, OH, OW) argmax ids -> (N, C, size, OH, OW) one-hot of ``dtype``."""
    xp = get_array_module(indexes)
    ids = xp.reshape(xp.arange(size, device=indexes.device), (1, 1, size, 1, 1))
    return xp.astype(xp.expand_dims(indexes, axis=2) == ids, dtype)


def pooling(x: VariableLike, kernel_size: Pair, stride: Pair = 1, pad: Pair = 0) -> Variable:
    """Max pooling over ``kernel_size`` windows of an ``(N, C, H, W)`` input; padding never wins (-inf).

    Raises:
        ValueError: kernel_size or stride below 1, pad below 0 or over half the kernel, a kernel that does
            not fit the input.
    """
    check_window("pooling", kernel_size, stride, pad, pooling=True)
    return Pooling(kernel_size, stride, pad)(x)


@composite("pooling_simple")
def pooling_simple(x: VariableLike, kernel_size: Pair, stride: Pair = 1, pad: Pair = 0) -> Variable:
    """The book's teaching version of ``pooling``: im2col then ``max`` (pads with 0, as in the book)."""
    x = as_input("pooling_simple", x)
    check_window("pooling_simple", kernel_size, stride, pad, pooling=True)
    _geometry("pooling_simple", x.shape, kernel_size, stride, pad)
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = pair(kernel_size), pair(stride), pair(pad)
    oh, ow = get_conv_outsize(h, kh, sh, ph), get_conv_outsize(w, kw, sw, pw)
    col = reshape(im2col(x, kernel_size, stride, pad, to_matrix=True), (-1, kh * kw))
    y = max_(col, axis=1)
    return transpose(reshape(y, (n, oh, ow, c)), (0, 3, 1, 2))


class AveragePooling(Function):
    def __init__(self, kernel_size: Pair, stride: Pair = 1, pad: Pair = 0) -> None:
        self.kernel_size, self.stride, self.pad = kernel_size, stride, pad

    def forward(self, x):
        col = im2col_array(x, self.kernel_size, self.stride, self.pad, False, op="average_pooling")
        return get_array_module(x).mean(col, axis=(2, 3))

    def backward(self, gy):
        (x,) = self.inputs
        n, c, oh, ow = gy.shape
        kh, kw = pair(self.kernel_size)
        share = reshape(gy / (kh * kw), (n, c, 1, 1, oh, ow))  # each window element gets 1/(KH KW)
        gcol = broadcast_to(share, (n, c, kh, kw, oh, ow))
        return col2im(gcol, x.shape, self.kernel_size, self.stride, self.pad, to_matrix=False)


def average_pooling(x: VariableLike, kernel_size: Pair, stride: Pair = 1, pad: Pair = 0) -> Variable:
    """Average pooling over ``kernel_size`` windows (padding counts as zeros, as in DeZero)."""
    check_window("average_pooling", kernel_size, stride, pad, pooling=True)
    return AveragePooling(kernel_size, stride, pad)(x)


@hookimpl
def dezero_plug_functions():
    return [conv2d, deconv2d, conv2d_simple, pooling, pooling_simple, average_pooling, im2col, col2im]


@hookimpl
def dezero_plug_op_samples():
    return {
        "conv2d": [
            OpSample((2, 3, 5, 5), (4, 3, 3, 3), (4,), id="bias"),
            OpSample((1, 2, 6, 5), (3, 2, 3, 2), kwargs={"stride": 2, "pad": 1}, id="stride-pad-rect"),
        ],
        "deconv2d": [
            OpSample((2, 3, 3, 3), (3, 2, 3, 3), (2,), id="bias"),
            OpSample((1, 2, 3, 4), (2, 3, 2, 3), kwargs={"stride": 2, "pad": 1}, id="stride-pad-rect"),
        ],
        "conv2d_simple": [OpSample((2, 2, 4, 4), (3, 2, 3, 3), (3,), kwargs={"pad": 1})],
        "pooling": [
            OpSample(distinct_values((2, 2, 4, 4), 0), kwargs={"kernel_size": 2, "stride": 2}),
            OpSample(
                distinct_values((1, 2, 5, 4), 1), kwargs={"kernel_size": (3, 2), "stride": 1, "pad": 1}, id="pad-rect"
            ),
        ],
        "pooling_simple": [OpSample(distinct_values((1, 2, 4, 4), 2), kwargs={"kernel_size": 2, "stride": 2})],
        "average_pooling": [
            OpSample((2, 2, 4, 4), kwargs={"kernel_size": 2, "stride": 2}),
            OpSample((1, 2, 5, 6), kwargs={"kernel_size": (3, 2), "stride": (1, 2), "pad": 1}, id="rect"),
        ],
        "im2col": [
            OpSample((1, 2, 4, 4), kwargs={"kernel_size": 3, "pad": 1}),
            OpSample((2, 1, 5, 4), kwargs={"kernel_size": (2, 3), "stride": 2, "to_matrix": False}, id="tensor"),
        ],
        "col2im": [
            OpSample((16, 18), kwargs={"input_shape": (1, 2, 4, 4), "kernel_size": 3, "pad": 1}),
            OpSample(
                (2, 1, 2, 3, 2, 1),
                kwargs={"input_shape": (2, 1, 5, 4), "kernel_size": (2, 3), "stride": 2, "to_matrix": False},
                id="tensor",
            ),
        ],
    }
