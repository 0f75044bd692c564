"""DeZero's ``dezero.utils``: helpers on raw arrays, the book's gradient check, and graph drawing.

These are the names book code imports (``utils.sum_to`` works on arrays, it is
not ``F.sum_to``). Each helper is a thin front for the family that owns it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug.core import Variable
from dezero_plug.core import as_variable
from dezero_plug.cuda import as_numpy
from dezero_plug.dot import dot_func
from dezero_plug.dot import dot_var
from dezero_plug.dot import get_dot_graph
from dezero_plug.dot import plot_dot_graph
from dezero_plug.download import DownloadError
from dezero_plug.download import get_file
from dezero_plug.std.activation import logsumexp
from dezero_plug.std.broadcast import sum_backward_shape
from dezero_plug.std.broadcast import sum_to_array
from dezero_plug.std.conv import get_conv_outsize
from dezero_plug.std.conv import get_deconv_outsize
from dezero_plug.std.conv import pair
from dezero_plug.std.reduction import max_backward_shape
from dezero_plug.testing import numerical_grad as central_differences

__all__ = [
    "DownloadError",
    "get_file",
    "array_allclose",
    "array_equal",
    "get_conv_outsize",
    "get_deconv_outsize",
    "get_dot_graph",
    "gradient_check",
    "logsumexp",
    "max_backward_shape",
    "numerical_grad",
    "pair",
    "plot_dot_graph",
    "pyplot",
    "reshape_sum_backward",
    "show_progress",
    "sum_to",
]


def __getattr__(name: str) -> Any:
    if name == "cache_dir":  # DeZero's module constant, read from the environment each time
        from dezero_plug.download import cache_dir

        return cache_dir()
    raise AttributeError(f"module 'dezero_plug.utils' has no attribute {name!r}")


def pyplot() -> Any:
    """``matplotlib.pyplot`` drawing to files (the Agg backend: no window, works without a display).

    Call it before the work whose result is to be plotted: without matplotlib it raises at once,
    not after a long training run.

    Raises:
        ImportError: matplotlib is not installed; the message names the ``[plot]`` extra.
    """
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            "plotting needs matplotlib: pip install matplotlib, or pip install -e '.[plot]' in a dezero_plug checkout"
        ) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def show_progress(block_num: int, block_size: int, total_size: int) -> None:
    """DeZero's download progress bar, a ``urllib.request.urlretrieve`` report hook: ``[####......] 40.00%``."""
    done = block_num * block_size
    percent = min(100.0, done / total_size * 100) if total_size > 0 else 100.0
    filled = int(percent / 100 * 30)
    print("\r[" + "#" * filled + "." * (30 - filled) + f"] {percent:.2f}%", end="", flush=True)


# --------------------------------------------------------------------------- array helpers
def sum_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Sum a raw array down to ``shape`` (the inverse of broadcasting)."""
    return sum_to_array(x, tuple(shape))


def reshape_sum_backward(gy: Any, x_shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Reshape ``gy`` (array or Variable) so it broadcasts back to ``x_shape`` after a sum over ``axis``."""
    shape = sum_backward_shape(tuple(gy.shape), tuple(x_shape), axis, keepdims)
    if isinstance(gy, Variable):
        return gy.reshape(shape)
    return backends.get_array_module(gy).reshape(gy, shape)


def array_equal(a: Any, b: Any) -> bool:
    """Whether two arrays or Variables (of any backends) hold equal values."""
    return bool(np.array_equal(as_numpy(a), as_numpy(b)))


def array_allclose(a: Any, b: Any, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """Whether two arrays or Variables are equal within tolerances (np.allclose)."""
    return bool(np.allclose(as_numpy(a), as_numpy(b), atol=atol, rtol=rtol))


# --------------------------------------------------------------------------- the book's gradient check
def numerical_grad(f: Callable[..., Any], x: Any, *args: Any, **kwargs: Any) -> Any:
    """Central-difference gradient of ``sum(f(x, *args, **kwargs))`` with respect to ``x`` (eps = 1e-4)."""
    x = as_variable(x)
    backend = backends.backend_of(x.data)
    values = backend.to_numpy(x.data).astype(np.float64)
    probe = f(Variable(backend.from_numpy(values)), *args, **kwargs)
    ones = [np.ones(y.shape) for y in (probe if isinstance(probe, (list, tuple)) else [probe])]  # d sum / dy
    (grad,) = central_differences(lambda v: f(v, *args, **kwargs), [values], ones, [0], backend, eps=1e-4)
    return backend.from_numpy(grad)


def gradient_check(
    f: Callable[..., Any], x: Any, *args: Any, rtol: float = 1e-4, atol: float = 1e-5, **kwargs: Any
) -> bool:
    """DeZero's check: True when backprop matches the numerical gradient; on a mismatch it prints the worst element.

    The project's own tests use ``dezero_plug.testing.check_backward``, which raises with the diff.
    """
    x = as_variable(x)
    backend = backends.backend_of(x.data)
    x.data = backend.xp.astype(x.data, backend.xp.float64)
    num_grad = as_numpy(numerical_grad(f, x, *args, **kwargs))
    y = f(x, *args, **kwargs)
    y.backward()
    bp_grad = as_numpy(x.grad)
    if bp_grad.shape != num_grad.shape:
        print(f"gradient_check: backprop gradient has shape {bp_grad.shape}, numerical {num_grad.shape}")
        return False
    ok = bool(np.allclose(num_grad, bp_grad, atol=atol, rtol=rtol))
    if not ok:
        diff = np.abs(num_grad - bp_grad)
        worst = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
        print("")
        print("========== FAILED (Gradient Check) ==========")
        print(
            f"Worst element {tuple(int(i) for i in worst)}: backprop {bp_grad[worst]!r}, "
            f"numerical {num_grad[worst]!r}, |diff| {diff[worst]:.3g} (atol={atol}, rtol={rtol})"
        )
        print(f"Numerical Grad\n shape: {num_grad.shape}\n values: {num_grad.flatten()[:10]} ...")
        print(f"Backprop Grad\n shape: {bp_grad.shape}\n values: {bp_grad.flatten()[:10]} ...")
    return ok


_dot_var, _dot_func = dot_var, dot_func  # DeZero's names for them (the book's step 26 calls them)
