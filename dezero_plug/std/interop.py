"""Variables at the boundary with other libraries: numpy's protocols, Python's numbers and truth, DLPack.

One rule per protocol, the same on every backend (docs/mixing.md has the table):

* ``np.asarray(v)`` / ``np.array(v)`` (``__array__``): the data as a numpy array — the array itself
  on numpy (no copy), a host copy from a device backend; ``copy=False`` where a copy is needed
  raises ValueError. Gradients do not flow through numpy: the result is a plain array.
* ``float``, ``int``, ``complex``, ``operator.index`` and ``v.item()`` of a 0-d Variable; ``bool`` of
  a one-element Variable: as numpy 2's arrays, on the host value. Any other shape raises numpy's
  kind of error (TypeError; ValueError for ``bool``), naming the shape.
* ``len`` and iteration: over the first axis, one Variable per row (differentiable, as ``v[i]``); a 0-d
  Variable is not iterable (TypeError), as a 0-d array is not.
* numpy's ufuncs (``__array_ufunc__``): ``np.exp(v)``, ``ndarray + v``, ``ndarray @ v`` are the dezero_plug
  op of the same meaning, differentiable, and give a Variable; so ``a -= v`` (numpy's in-place operator)
  rebinds ``a`` to a Variable, as in DeZero, and leaves the array ``a`` named unchanged. A ufunc with no
  dezero_plug op (``np.floor``), a ufunc method (``np.add.reduce``) or an ``out=`` that is not one of the
  inputs is a TypeError saying to use ``F.`` or the data.
* ``np.from_dlpack(v)``, ``torch.from_dlpack(v)``, ``jax.numpy.from_dlpack(v)`` (``__dlpack__``): the
  data's memory, without a copy, as its library exports it; ``dezero_plug.from_dlpack(obj)`` makes a
  Variable of any DLPack producer (``from_dlpack``).
* ``pickle`` and ``copy.deepcopy`` / ``copy.copy`` (registered with ``copyreg`` for Variable and Parameter): a
  Variable is copied as a leaf, its data, name, gradient and attributes without the graph that made it, as
  ``torch.save`` keeps a tensor's data, not its ``grad_fn``. A copy is never a second way into the original's
  graph, and a Variable at the end of a 100,000-op graph copies as quickly as a leaf (no recursion through it).
"""

from __future__ import annotations

import copyreg
import math
from typing import Any

import numpy as np

from dezero_plug import functions as F
from dezero_plug.extend import Parameter
from dezero_plug.extend import Variable
from dezero_plug.extend import backend_of
from dezero_plug.extend import hookimpl


def _data(v: Variable, protocol: str) -> Any:
    if v.data is None:
        raise TypeError(f"{protocol}: the {type(v).__name__} holds no data (None) yet")
    return v.data


def _host_value(v: Variable, protocol: str) -> np.ndarray:
    """The one element of a 0-d Variable, as a 0-d numpy array (a TypeError names any other shape)."""
    data = _data(v, protocol)
    if tuple(data.shape) != ():
        raise TypeError(
            f"{protocol}: only 0-dimensional Variables convert to Python scalars, as numpy's arrays; got shape "
            f"{tuple(data.shape)} (pick one element first: v[0], or reduce it: F.sum(v))"
        )
    return np.asarray(backend_of(data).to_numpy(data))


def __array__(self: Variable, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
    """``np.asarray(v)``: the data as a numpy array (itself on numpy; a host copy from a device)."""
    data = _data(self, "np.asarray")
    if type(data) is not np.ndarray and copy is False:
        try:  # a CPU array of another library: shared through DLPack, or no way without a copy
            host = np.from_dlpack(data, copy=False)
        except (AttributeError, BufferError, RuntimeError, TypeError, ValueError) as exc:
            raise ValueError(
                f"np.asarray(v, copy=False): the data is a {type(data).__name__} of backend "
                f"{backend_of(data).name!r}, which numpy cannot see without a copy ({exc})"
            ) from None
    else:
        host = backend_of(data).to_numpy(data)
    return np.asarray(host, dtype=dtype, copy=copy)  # copy=False with another dtype: numpy's ValueError


def __float__(self: Variable) -> float:
    """``float(v)`` of a 0-d Variable."""
    return float(_host_value(self, "float()"))


def __int__(self: Variable) -> int:
    """``int(v)`` of a 0-d Variable (truncated, as numpy's)."""
    return int(_host_value(self, "int()"))


def __complex__(self: Variable) -> complex:
    """``complex(v)`` of a 0-d Variable."""
    return complex(_host_value(self, "complex()"))


def __index__(self: Variable) -> int:
    """``operator.index(v)`` (``range(v)``, ``seq[v]``) of a 0-d integer Variable."""
    value = _host_value(self, "operator.index()")
    if value.dtype.kind not in "iu":
        raise TypeError(f"operator.index(): only integer Variables are indices; got dtype {value.dtype}")
    return int(value)


def item(self: Variable) -> Any:
    """The value of a 0-d Variable as a Python number (as numpy's and torch's ``item()``)."""
    return _host_value(self, "item()").item()


def __bool__(self: Variable) -> bool:
    """``bool(v)``, ``if v:``: the value of a one-element Variable; ambiguous (ValueError) for any other size."""
    data = _data(self, "bool()")
    size = math.prod(data.shape)
    if size != 1:
        raise ValueError(
            f"bool(): the truth value of a Variable of shape {tuple(data.shape)} ({size} elements) is ambiguous, "
            "as numpy's: test one element, or reduce it first (F.max(v), (v.data > 0).any())"
        )
    return bool(np.asarray(backend_of(data).to_numpy(data)).reshape(()))


def __len__(self: Variable) -> int:
    """``len(v)``: the length of the first axis; a 0-d Variable has none (TypeError), as a 0-d array."""
    data = _data(self, "len()")
    if not data.shape:
        raise TypeError("len() of a 0-d Variable")
    return data.shape[0]


def __iter__(self: Variable) -> Any:
    """``for row in v``: one Variable per index of the first axis (``v[i]``, differentiable)."""
    data = _data(self, "iter()")
    if not data.shape:
        raise TypeError("iteration over a 0-d Variable, as over a 0-d numpy array")
    return (self[i] for i in range(data.shape[0]))


# numpy's ufuncs and the dezero_plug ops (names in F) that compute the same: looked up at the call, so that an
# overriding plugin's op is the one numpy reaches too
UFUNC_OPS = {
    np.add: "add", np.subtract: "sub", np.multiply: "mul", np.true_divide: "div", np.power: "pow",
    np.matmul: "matmul", np.negative: "neg", np.exp: "exp", np.log: "log", np.sin: "sin", np.cos: "cos",
    np.tanh: "tanh", np.sqrt: "sqrt", np.square: "square", np.absolute: "abs", np.maximum: "maximum",
    np.minimum: "minimum",
}  # fmt: skip


def __array_ufunc__(self: Variable, ufunc: Any, method: str, *inputs: Any, out: Any = None, **kwargs: Any) -> Any:
    """numpy's ufunc on a Variable: the dezero_plug op of the same meaning, differentiable; a Variable comes back.

    numpy's in-place operator ``a -= v`` calls ``np.subtract(a, v, out=(a,))``: the result is a new Variable,
    which Python binds to ``a`` (DeZero's behaviour); the array ``a`` named is not written.
    """
    name = UFUNC_OPS.get(ufunc)
    call = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    if method != "__call__" or name is None or kwargs:
        raise TypeError(
            f"{call} on a Variable: dezero_plug has no differentiable op for it (with these arguments); call F's "
            f"op on the Variable, or numpy's on its data ({call}(v.data), a plain array: no gradient)"
        )
    if out is not None and not all(any(o is i for i in inputs) for o in out):
        raise TypeError(f"{call}(..., out=...) on a Variable: a Variable cannot be written into an array")
    return getattr(F, name)(*inputs)


def __dlpack__(self: Variable, **kwargs: Any) -> Any:
    """The data's DLPack capsule, as its own library exports it (no copy): ``np.from_dlpack(v)``."""
    data = _data(self, "__dlpack__")
    if not hasattr(data, "__dlpack__"):
        raise BufferError(f"__dlpack__: backend {backend_of(data).name!r}'s arrays do not export DLPack")
    return data.__dlpack__(**kwargs)


def __dlpack_device__(self: Variable) -> Any:
    """The data's DLPack device (``(1, 0)``: the CPU)."""
    return _data(self, "__dlpack_device__").__dlpack_device__()


def from_dlpack(obj: Any) -> Variable:
    """A Variable sharing the memory of ``obj``: a Variable, an array of a registered backend, or any DLPack
    producer (numpy's backend takes a CPU producer whose library has no backend registered here).

    Raises:
        TypeError: ``obj`` is no DLPack producer, or lives on a device no registered backend reaches:
            the message names its type and device, and the plugin to install.
    """
    data = obj.data if isinstance(obj, Variable) else obj
    try:
        backend_of(data)
        return Variable(data)  # a registered backend's array: the same array
    except TypeError as unowned:
        no_backend = unowned  # names what is accepted, and the plugin of the array's library where there is one
    if not hasattr(data, "__dlpack__"):
        raise TypeError(f"from_dlpack: a {type(data).__name__} is no DLPack producer (it has no __dlpack__)")
    try:
        return Variable(np.from_dlpack(data))
    except (BufferError, RuntimeError, TypeError, ValueError) as exc:
        raise TypeError(f"from_dlpack: numpy cannot take it ({exc}), and {no_backend}") from exc


def _as_leaf(v: Variable) -> tuple[Any, ...]:
    """How pickle and copy take a Variable (``copyreg``): a new object of its class with its data, name,
    gradient and attributes, and no creator (a leaf, generation 0)."""
    slots = {"data": v.data, "name": v.name, "grad": v.grad, "creator": None, "generation": 0}
    return copyreg.__newobj__, (type(v),), (dict(vars(v)), slots)  # type: ignore[attr-defined]


@hookimpl
def dezero_plug_variable_methods():
    for cls in (Variable, Parameter):
        copyreg.pickle(cls, _as_leaf)
    return {
        "__array__": __array__,
        "__float__": __float__,
        "__int__": __int__,
        "__complex__": __complex__,
        "__index__": __index__,
        "__bool__": __bool__,
        "__len__": __len__,
        "__iter__": __iter__,
        "__array_ufunc__": __array_ufunc__,
        "__dlpack__": __dlpack__,
        "__dlpack_device__": __dlpack_device__,
        "item": item,
    }
