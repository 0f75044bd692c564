"""Constants and dtypes at an op call: what is not a Variable becomes a weakly typed constant.

A constant is an op input that was not a Variable (a Python scalar, a numpy
scalar, a raw array). Nobody can reach its gradient, so the op records that it
needs none. Constants are weakly typed, as in JAX and PyTorch: a Python scalar
of the same or a lower kind (bool < int < float < complex) takes the dtype of
the array it meets, so ``x * 2.0`` keeps a float32 ``x`` float32; a constant
array of the same kind is cast to it. A higher kind follows numpy's rules
(an int array times 1.5 becomes float).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug.errors import BackendMismatchError
from dezero_plug.registry import REGISTRY

SCALAR_RANKS = {bool: 0, int: 1, float: 2, complex: 3}


def constant_array(op: str, i: int, x: Any, ref: Any) -> Any:
    """Input ``i`` of op ``op``, not a Variable, as a constant array meeting ``ref`` (None: it meets no array)."""
    if isinstance(x, np.generic):
        x = x.item()  # numpy scalars (np.float64(2.0)) are scalars, not arrays
    if type(x) in SCALAR_RANKS:
        if ref is None:
            return backends.default_backend().asarray(x)
        backend = backends.backend_of(ref)
        same_kind = SCALAR_RANKS[type(x)] <= backends.dtype_rank(backend, ref.dtype)
        try:
            return backend.asarray(x, ref.dtype if same_kind else None, ref)
        except OverflowError as exc:  # numpy 2: a Python int out of the integer dtype's range
            raise OverflowError(f"{op}: input {i}, {x!r}, does not fit {ref.dtype}, the dtype it meets") from exc
    if REGISTRY.owner(type(x)) is None:
        raise TypeError(
            f"{op}: input {i} is a {type(x).__name__}; expected a Variable, an array of "
            f"a registered backend ({backends.accepted_types(type(x))}) or a Python scalar"
        )
    if ref is not None and type(x) is not type(ref):
        check_same_backend(op, [ref, x])
    if ref is not None and type(x) is type(ref) and x.dtype != ref.dtype:
        backend = backends.backend_of(ref)
        if backends.dtype_rank(backend, x.dtype) == backends.dtype_rank(backend, ref.dtype):
            return backend.xp.astype(x, ref.dtype)
    return x


def refuse_empty(op: str, xs: Sequence[Any]) -> None:
    """Raise TypeError naming op ``op`` when one of its inputs is a Variable that holds no data (None).

    Called only after an op failed (off the hot path). Any other data is an array: ``Variable.data`` checks.
    """
    for i, x in enumerate(xs):
        if x is None:
            raise TypeError(
                f"{op}: input {i} is a Variable that holds no data (None): assign it an array first "
                "(a lazy Parameter gets one at the first forward of its layer)"
            )


def check_same_backend(op: str, xs: Sequence[Any]) -> None:
    """Raise BackendMismatchError when the raw inputs come from more than one backend (TypeError: no backend's)."""
    names = [backends.backend_of(x).name for x in xs]
    if len(set(names)) > 1:
        raise BackendMismatchError(op, names)


def refuse_outputs(op_class: str, ys: Any) -> None:
    """Blame op ``op_class`` when its forward returned ``ys`` that are not arrays of a registered backend.

    Called only after an op failed (off the hot path), with None when its forward itself raised.
    """
    for y in ys if type(ys) is tuple else () if ys is None else (ys,):
        if not isinstance(y, np.generic) and REGISTRY.owner(type(y)) is None:
            raise TypeError(f"Function `{op_class}` has a bug: forward returned {type(y).__name__}, not an array")
