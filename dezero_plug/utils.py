"""DeZero's ``dezero.utils``: helpers on raw arrays, the book's gradient check, and graph drawing.

These are the names book code imports (``utils.sum_to`` works on arrays, it is
not ``F.sum_to``). Each helper is a thin front for the family that owns it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug.core import Function
from dezero_plug.core import Variable
from dezero_plug.core import as_variable
from dezero_plug.cuda import as_numpy
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
    "reshape_sum_backward",
    "show_progress",
    "sum_to",
]


def __getattr__(name: str) -> Any:
    if name == "cache_dir":  # DeZero's module constant, read from the environment each time
        from dezero_plug.download import cache_dir

        return cache_dir()
    raise AttributeError(f"module 'dezero_plug.utils' has no attribute {name!r}")


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


# --------------------------------------------------------------------------- graph drawing
def _dot_var(v: Variable, verbose: bool) -> str:
    name = "" if v.name is None else v.name
    if verbose and v.data is not None:
        name += (": " if v.name is not None else "") + f"{tuple(v.shape)} {v.dtype}"
    return f'{id(v)} [label="{name}", color=orange, style=filled]\n'


def _dot_func(f: Function) -> str:
    text = f'{id(f)} [label="{type(f).__name__}", color=lightblue, style=filled, shape=box]\n'
    text += "".join(f"{id(x)} -> {id(f)}\n" for x in f.inputs)
    for ref in f.outputs:
        y = ref()
        if y is not None:  # an output of a gradient graph may be freed: draw what is alive
            text += f"{id(f)} -> {id(y)}\n"
    return text


def get_dot_graph(output: Variable, verbose: bool = True) -> str:
    """The graph that produced ``output`` in Graphviz DOT text (variables orange, functions blue).

    Works on gradients made with ``backward(create_graph=True)`` too: ``get_dot_graph(x.grad)``.
    """
    text = _dot_var(output, verbose)
    funcs = [output.creator] if output.creator is not None else []
    seen = set(funcs)
    while funcs:
        f = funcs.pop()
        text += _dot_func(f)
        for x in f.inputs:
            text += _dot_var(x, verbose)
            if x.creator is not None and x.creator not in seen:
                seen.add(x.creator)
                funcs.append(x.creator)
    return "digraph g {\n" + text + "}"


def plot_dot_graph(output: Variable, verbose: bool = True, to_file: str = "graph.png") -> Any:
    """Render ``get_dot_graph(output)`` to ``to_file`` (format from its extension) with Graphviz's ``dot``.

    Raises:
        RuntimeError: when the ``dot`` program is not installed, saying how to install it.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "plot_dot_graph needs the Graphviz 'dot' program, which is not on PATH: install Graphviz "
            "(apt-get install graphviz, brew install graphviz or conda install graphviz)"
        )
    extension = os.path.splitext(to_file)[1][1:] or "png"
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "graph.dot")
        with open(source, "w") as f:
            f.write(get_dot_graph(output, verbose))
        rendered = os.path.join(tmp, "graph." + extension)
        done = subprocess.run([dot, source, "-T", extension, "-o", rendered], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"plot_dot_graph: dot failed to render {extension!r}: {done.stderr.strip()}")
        shutil.move(rendered, to_file)
    try:  # in a notebook, show it inline as DeZero does
        from IPython import display  # type: ignore[import-not-found]

        return display.Image(filename=to_file)
    except ImportError:
        return None
