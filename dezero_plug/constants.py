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

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug.errors import BackendMismatchError
from dezero_plug.registry import REGISTRY

if TYPE_CHECKING:
    from dezero_plug.core import Function

SCALAR_RANKS = {bool: 0, int: 1, float: 2, complex: 3}
# (array type, dtype, scalar type) -> (the array's backend, the dtype a Python scalar takes there: None for
# its own default, whether constants are shared: immutable arrays). Kept across registry refreshes: a
# backend object stays valid while its arrays exist.
_SCALAR_DTYPES: dict[tuple[Any, Any, type], tuple[Any, Any, bool]] = {}
# (scalar key, value, device) -> the constant array, for backends whose arrays are immutable, and numpy's
_SHARED_CONSTANTS: dict[tuple[Any, Any, Any], Any] = {}
# (value, its type, array type, dtype) -> the constant op input (wrapper and array) for an array of that type and
# dtype; numpy's only (one device, so the key needs none). Function.__call__ reads it before calling scalar_input.
SHARED_INPUTS: dict[tuple[Any, type, type, Any], Any] = {}
_MAX_SHARED = 1024  # distinct values kept before a cache starts over (a loop over many scalars must not grow it)
# output type that is not an array (numpy's scalars: np.sin of a 0-d array is np.float64) -> its converter
OUTPUT_COERCE: dict[type, Callable[[Any], Any]] = {}


def scalar_input(value: Any, ref: Any, wrap: Callable[[Any], Any]) -> Any:
    """A Python scalar as a constant op input meeting the array ``ref``: ``wrap(scalar_constant(value, ref))``.

    On numpy the input, wrapper included, is made once per value and dtype and kept in
    ``SHARED_INPUTS``, keyed without the device (numpy has one), where Function.__call__ looks
    it up before it calls this: the per-op chain ``y * 1.0001 + 0.0001`` allocates nothing for
    its constants.
    """
    if type(ref) is np.ndarray and value:  # zeros are not shared: 0.0 == -0.0, and a key cannot tell the signs apart
        if len(SHARED_INPUTS) >= _MAX_SHARED:
            SHARED_INPUTS.clear()
        key = (value, type(value), np.ndarray, ref.dtype)  # the key Function.__call__ builds
        found = SHARED_INPUTS[key] = wrap(scalar_constant(value, ref))
        return found
    return wrap(scalar_constant(value, ref))


def scalar_constant(value: Any, ref: Any) -> Any:
    """A Python scalar as a constant array meeting the array ``ref``: weakly typed, on ``ref``'s device.

    On a backend whose arrays are immutable the array is made once per value and device and then
    shared (JAX spends ~50 µs placing a new scalar on a device; a shared immutable array is safe).
    numpy's are shared too, made read-only: ``x * 2.0`` then costs no new array per call (nobody can
    reach a constant to write into it, and an op that tried would raise instead of corrupting it).
    Zeros are made anew: ``0.0 == -0.0`` and hash alike, so a shared one would lose the sign.
    """
    try:
        key = (type(ref), ref.dtype, type(value))
    except AttributeError:  # a Variable whose .data was set to something that is not an array
        raise TypeError(junk_data(ref)) from None
    found = _SCALAR_DTYPES.get(key)
    if found is None:
        backend = backends.backend_of(ref)
        same = SCALAR_RANKS[type(value)] <= backends.dtype_rank(backend, ref.dtype)
        shared = isinstance(ref, np.ndarray) or not backend.mutable_arrays  # numpy's can be made read-only
        found = _SCALAR_DTYPES[key] = (backend, ref.dtype if same else None, shared)
    backend, dtype, shared = found
    if not shared or not value:
        return backend.asarray(value, dtype, ref)
    shared_key = (key, value, ref.device)
    constant = _SHARED_CONSTANTS.get(shared_key)
    if constant is None:
        if len(_SHARED_CONSTANTS) >= _MAX_SHARED:
            _SHARED_CONSTANTS.clear()
        constant = _SHARED_CONSTANTS[shared_key] = backend.asarray(value, dtype, ref)
        if isinstance(constant, np.ndarray):
            constant.flags.writeable = False  # numpy's are mutable: a shared one must not be written to
    return constant


def constant_array(f: Function, i: int, x: Any, ref: Any) -> Any:
    """Input ``i`` of op ``f``, not a Variable, as a constant array meeting ``ref`` (None: it meets no array)."""
    if isinstance(x, np.generic):
        x = x.item()  # numpy scalars (np.float64(2.0)) are scalars, not arrays
    if type(x) in SCALAR_RANKS:
        return backends.default_backend().asarray(x) if ref is None else scalar_constant(x, ref)
    if REGISTRY.owner(type(x)) is None:
        raise TypeError(
            f"{f.op_name}: input {i} is a {type(x).__name__}; expected a Variable, an array of "
            f"a registered backend ({backends.accepted_types()}) or a Python scalar"
        )
    if ref is not None and type(x) is type(ref) and x.dtype != ref.dtype:
        backend = backends.backend_of(ref)
        if backends.dtype_rank(backend, x.dtype) == backends.dtype_rank(backend, ref.dtype):
            return backend.xp.astype(x, ref.dtype)
    return x


def junk_data(data: Any) -> str:
    """The message for Variable data that is not an array of a registered backend."""
    return (
        f"a Variable holds a {type(data).__name__} as its data, not an array of a registered backend "
        f"({backends.accepted_types()}): was .data assigned something else? Assign an array "
        "(x.data = np.asarray(value))"
    )


def refuse_junk(f: Function, xs: tuple[Any, ...]) -> None:
    """Raise TypeError naming op ``f`` when one of its raw inputs is no registered backend's array.

    Called only after an op failed (off the hot path): assignment to ``Variable.data`` is not
    checked, so junk there shows up as an op's AttributeError or TypeError.
    """
    for i, x in enumerate(xs):
        if not isinstance(x, np.generic) and REGISTRY.owner(type(x)) is None:
            raise TypeError(f"{f.op_name}: input {i}: {junk_data(x)}")


def check_same_backend(f: Function, xs: tuple[Any, ...]) -> None:
    """Raise BackendMismatchError when the raw inputs come from more than one backend."""
    names = [backends.backend_of(x).name for x in xs]
    if len(set(names)) > 1:
        raise BackendMismatchError(f.op_name, names)


def as_output(f: Function, y: Any, xs: tuple[Any, ...]) -> Any:
    """A forward output as an array of a registered backend (numpy scalars become 0-d arrays)."""
    convert = OUTPUT_COERCE.get(type(y))  # first: numpy's 0-d results are scalars on every call
    if convert is not None:
        return convert(y)
    if REGISTRY.owner(type(y)) is not None:
        return y
    backend = backends.backend_of(xs[0]) if xs else backends.default_backend()
    if REGISTRY.owner(type(backend.xp.asarray(y))) is None:
        raise TypeError(f"Function `{type(f).__name__}` has a bug: forward returned {type(y).__name__}, not an array")
    convert = OUTPUT_COERCE[type(y)] = backend.xp.asarray
    return convert(y)
