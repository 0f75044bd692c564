"""Linear algebra: matmul, linear, linear_simple (the book's teaching version), embed_id.

Shape conventions: ``x`` is ``(N, in)`` (or a batch of matrices), ``W`` is
``(in, out)``, ``b`` is ``(out,)``; ``embed_id`` looks rows of ``W`` up by integer ids.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from dezero_plug.extend import Formula
from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import backend_of
from dezero_plug.extend import composite
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl
from dezero_plug.extend import raw_input
from dezero_plug.std.broadcast import sum_to
from dezero_plug.std.shape import get_item

dezero_plug_requires = ("shape", "broadcast", "arithmetic")

VariableLike = Any


def _check_matmul(op: str, a: Any, b: Any, least: int = 2) -> None:
    if a.ndim < least or b.ndim < least:
        raise ValueError(
            f"{op}: expected inputs of at least {least} dimensions; got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    inner = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if a.shape[-1] != inner:
        raise ValueError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} do not align ({a.shape[-1]} != {inner})")


def _swap_last(ndim: int) -> tuple[int, ...]:
    """The axes of a matrix transpose (of each matrix in a batch): the last two swapped."""
    axes = list(range(ndim))
    axes[-2], axes[-1] = axes[-1], axes[-2]
    return tuple(axes)


def product(a: Any, b: Any) -> Any:
    """``a @ b`` of raw arrays (the standard's operator: no namespace lookup), mixed dtypes first promoted as the
    Array API promotes them: numpy would, torch's ``@`` refuses float32 @ float64."""
    if a.dtype != b.dtype:
        xp = get_array_module(a)
        dtype = xp.result_type(a, b)
        a, b = xp.astype(a, dtype), xp.astype(b, dtype)
    return a @ b


def add_bias(y: Any, b: Any) -> Any:
    """``y + b`` for a raw product ``y`` (rows, out) the calling op just made, ``b`` (out,) or None.

    In place where the backend's arrays are mutable and nothing would change dtype or shape:
    ``y`` is the op's own new array, and the sum then costs no second (rows, out) array.
    """
    if b is None:
        return y
    if b.dtype == y.dtype and b.shape == y.shape[-1:] and backend_of(y).mutable_arrays:
        y += b
        return y
    return y + b


def sum_rows(rows: Any) -> Any:
    """The column sums of (P, out) rows (a bias gradient), as one matrix-vector product.

    numpy sums axis 0 of a narrow array several times slower (an inner loop of ``out``
    elements per row); its axis-0 sum is sequential anyway, so the product is as accurate.
    """
    backend = backend_of(rows)
    n, dtype, device = rows.shape[0], rows.dtype, rows.device
    if backend.mutable_arrays:  # see _ones
        return _ones(backend.xp, n, dtype, device) @ rows
    return backend.xp.ones((n,), dtype=dtype, device=device) @ rows


@functools.lru_cache(maxsize=16)
def _ones(xp: Any, n: int, dtype: Any, device: Any) -> Any:
    """A ones vector of ``n`` for ``sum_rows``, made once per (module, size, dtype, device).

    A conv bias gradient's has N·OH·OW elements (25,088 for benchmarks/' 28x28 CNN, batch 32), and
    numpy fills a new one element by element each step, as the plain-numpy program does not. Only for
    backends with mutable, so concrete, arrays (an immutable backend's may be a tracer, as under
    ``jax.jit``). Never written: read-only where its backend can make it so (``Backend.freeze``), so
    that a slip raises instead of summing wrong.
    """
    ones = xp.ones((n,), dtype=dtype, device=device)
    backend_of(ones).freeze(ones)
    return ones


class MatMul(Formula):
    name = "matmul"

    def forward(self, x, W):
        _check_matmul("matmul", x, W, least=1)
        return get_array_module(x).matmul(x, W)

    def gradient(self, ops, gy, x, W):
        if x.ndim == 1 or W.ndim == 1:
            return _vector_gradient(self, ops, gy, x, W)
        need_x, need_W = self.needs_input_grad
        gx = ops.sum_to(ops.matmul(gy, ops.transpose(W, _swap_last(W.ndim))), x.shape) if need_x else None  # gy W^T
        gW = ops.sum_to(ops.matmul(ops.transpose(x, _swap_last(x.ndim)), gy), W.shape) if need_W else None  # x^T gy
        return gx, gW


def _vector_gradient(op: MatMul, ops: Any, gy: Any, x: Any, W: Any) -> tuple[Any, Any]:
    """MatMul's gradient when ``x`` or ``W`` is 1-d. numpy's rule makes a 1-d x a row (1, n) and a 1-d W a column
    (n, 1) and drops those axes from the product: the gradient of the matrices, reshaped back."""
    row, column = x.ndim == 1, W.ndim == 1
    shape = tuple(gy.shape) + ((1,) if column else ())
    shape = shape[:-1] + (1,) + shape[-1:] if row else shape
    x2 = ops.reshape(x, (1, *x.shape)) if row else x
    W2 = ops.reshape(W, (*W.shape, 1)) if column else W
    gx, gW = MatMul.gradient(op, ops, ops.reshape(gy, shape), x2, W2)
    return (None if gx is None else ops.reshape(gx, x.shape)), (None if gW is None else ops.reshape(gW, W.shape))


def matmul(x: VariableLike, W: VariableLike) -> Variable:
    """Matrix product ``x @ W`` as numpy's: of matrices, batches of them (broadcast), 1-D vectors (an inner product).

    Raises:
        ValueError: when the inner dimensions differ, naming both shapes.

    Example:
        >>> matmul(Variable(np.ones((2, 3))), np.ones((3, 4))).shape
        (2, 4)
    """
    return MatMul()(x, W)


class Linear(Function):
    def forward(self, x, W, b=None):
        if x.ndim != 2 or W.ndim != 2:  # backward transposes them with .T: batches of matrices are matmul's
            raise ValueError(
                f"linear: expected x (N, in) and W (in, out); got shapes {tuple(x.shape)} and {tuple(W.shape)} "
                "(for batches of matrices use matmul, then add the bias)"
            )
        _check_matmul("linear", x, W)
        return add_bias(product(x, W), b)

    def backward(self, gy):
        x, W = self.inputs[:2]
        needs = self.needs_input_grad
        gx = matmul(gy, W.T) if needs[0] else None
        gW = matmul(x.T, gy) if needs[1] else None
        if len(self.inputs) == 2:
            return gx, gW
        gb = sum_to(gy, self.inputs[2].shape) if needs[2] else None
        return gx, gW, gb

    def backward_arrays(self, gy):  # x (N, in), W (in, out), gy (N, out): 2-D, as backward's .T assumes
        x, W = self.inputs[0].data, self.inputs[1].data
        needs = self.needs_input_grad
        gx = product(gy, W.T) if needs[0] else None
        gW = product(x.T, gy) if needs[1] else None
        if len(self.inputs) == 2:
            return gx, gW
        return gx, gW, sum_rows(gy) if needs[2] else None


def linear(x: VariableLike, W: VariableLike, b: VariableLike | None = None) -> Variable:
    """``x @ W + b`` in one op: ``x`` (N, in), ``W`` (in, out), ``b`` (out,) or None.

    Raises:
        ValueError: when ``x`` and ``W`` do not align.
    """
    return Linear()(x, W) if b is None else Linear()(x, W, b)


@composite("linear_simple")
def linear_simple(x: VariableLike, W: VariableLike, b: VariableLike | None = None) -> Variable:
    """The book's teaching version of ``linear``: a matmul then an add (frees the product's data early)."""
    t = matmul(x, W)
    if b is None:
        return t
    y = t + b
    t.data = None  # the add's backward only needs shapes: release the intermediate array
    return y


def embed_id(x: Any, W: VariableLike) -> Variable:
    """Rows of ``W`` (vocabulary, dim) picked by the integer ids ``x`` (any shape); ``W[x]``."""
    ids = raw_input("embed_id", x, 0)
    if backend_of(ids).dtype_kind(ids.dtype) != "i":
        raise TypeError(f"embed_id: ids must be an integer array; got dtype {ids.dtype}")
    if len(W.shape) != 2:
        raise ValueError(f"embed_id: W must be a (vocabulary, dim) table; got shape {tuple(W.shape)}")
    if math.prod(ids.shape):  # an id outside the table is refused: numpy's indexing would wrap -1 to the last row
        xp = backend_of(ids).xp
        low, high = int(xp.min(ids)), int(xp.max(ids))
        if low < 0 or high >= W.shape[0]:
            raise IndexError(
                f"embed_id: ids must be in [0, {W.shape[0]}) for a table of {W.shape[0]} rows; "
                f"got ids from {low} to {high}"
            )
    return get_item(W, ids)


@hookimpl
def dezero_plug_functions():
    return [matmul, linear, linear_simple, embed_id]


@hookimpl
def dezero_plug_variable_methods():
    def dot(self: Variable, other: VariableLike) -> Variable:
        """``x.dot(W)``: see ``F.matmul``."""
        return matmul(self, other)

    def matmul_method(self: Variable, other: VariableLike) -> Variable:
        """``x.matmul(W)``: see ``F.matmul``."""
        return matmul(self, other)

    def rmatmul(self: Variable, other: VariableLike) -> Variable:
        """``other @ x``: ``F.matmul(other, x)`` (an ndarray on the left reaches it through numpy's ufunc)."""
        return matmul(other, self)

    return {"dot": dot, "matmul": matmul_method, "__matmul__": matmul, "__rmatmul__": rmatmul}


@hookimpl
def dezero_plug_op_samples():
    return {
        "matmul": [
            OpSample((2, 3), (3, 4)),
            OpSample((5, 2, 3), (3, 4), id="batched"),
            OpSample((2, 3), (3, 4), call=lambda a, b: a @ b, id="operator"),
            OpSample((3,), (3,), id="inner", reference=np.matmul),  # 1-d inputs as numpy and DeZero take them
            OpSample((3,), (3, 4), id="vector-matrix", reference=np.matmul),
            OpSample((2, 3), (3,), id="matrix-vector", reference=np.matmul),
            OpSample((3,), (5, 3, 4), id="vector-batch", reference=np.matmul),
        ],
        "linear": [OpSample((2, 3), (3, 4), (4,)), OpSample((2, 3), (3, 4), id="no-bias")],
        "linear_simple": [OpSample((2, 3), (3, 4), (4,)), OpSample((2, 3), (3, 4), id="no-bias")],
        "embed_id": [OpSample(np.array([[0, 2], [2, 3]]), (4, 3), grad=[1])],
    }
