"""Array backends: the Backend base class and the lookup of an array's backend by its type.

A backend is one object that says which arrays are its own, which array
namespace (``xp``) ops compute with, how to move arrays to and from numpy, and
the few primitives the Array API standard lacks (scatter-add, sliding windows,
random numbers). Backends arrive through the ``dezero_plug_backends`` hook;
this module only keeps the table the plugin manager fills.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.registry import REGISTRY

DEFAULT_BACKEND = "numpy"

# dtype -> 0 bool, 1 integer, 2 real float, 3 complex: how "weak" constants adapt (see core).
_DTYPE_RANKS: dict[Any, int] = {}
_KIND_RANKS = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}


class Backend:
    """Base class of array backends; subclass it and return an instance from the backends hook.

    A subclass must set ``name`` and ``device_kind`` and implement ``owns_type``,
    ``xp``, ``from_numpy`` and ``to_numpy``. The primitives have portable
    defaults that round-trip through numpy; a fast backend overrides them.
    """

    name: str = ""
    device_kind: str = "cpu"  # "cpu" or "gpu"

    def owns_type(self, array_type: type) -> bool:
        """Whether arrays of this type belong to this backend. Must not import the library."""
        raise NotImplementedError

    @property
    def xp(self) -> Any:
        """The Array-API namespace ops compute with (imported on first use)."""
        raise NotImplementedError

    def unavailable_reason(self) -> str | None:
        """Why this backend cannot run here ("no CUDA device"), or None when it can. Never raises."""
        return None

    def from_numpy(self, array: np.ndarray) -> Any:
        """A copy of a numpy array on this backend's (default) device."""
        raise NotImplementedError

    def to_numpy(self, array: Any) -> np.ndarray:
        """A numpy copy (or view) of one of this backend's arrays."""
        raise NotImplementedError

    def asarray(self, value: Any, dtype: Any = None, like: Any = None) -> Any:
        """A constant array of ``value`` with ``dtype``, on the device of ``like``."""
        if like is None:
            return self.xp.asarray(value, dtype=dtype)
        return self.xp.asarray(value, dtype=dtype, device=like.device)

    def dtype_kind(self, dtype: Any) -> str:
        """One of "b", "i", "f", "c" for a dtype of this backend."""
        xp = self.xp
        for kind, family in (("b", "bool"), ("i", "integral"), ("f", "real floating")):
            if xp.isdtype(dtype, family):
                return kind
        return "c"

    # The primitives the Array API standard lacks. dezero_plug.hostcopy.HostCopyPrimitives implements
    # them all by a round trip through numpy, for a backend that has nothing faster.
    def scatter_add(self, array: Any, indices: Any, values: Any) -> Any:
        """``array`` with ``values`` added at ``indices`` (numpy indexing); repeats accumulate (np.add.at).

        Returns a new array; ``array`` is left unchanged.
        """
        raise NotImplementedError

    def getitem(self, array: Any, index: Any) -> Any:
        """``array[index]`` with numpy's indexing rules (integer arrays, mixed with slices)."""
        raise NotImplementedError

    def sliding_window_view(self, array: Any, window_shape: tuple[int, ...], axis: tuple[int, ...]) -> Any:
        """Windows of ``window_shape`` over ``axis``, appended as trailing dimensions (numpy's rule)."""
        raise NotImplementedError

    def random(self, distribution: str, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """Samples of ``distribution`` ("uniform" in [0, 1) or "normal"), from numpy's global generator on CPU."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} ({self.device_kind})>"


def registered() -> dict[str, Backend]:
    """The registered backends by name, in registration order."""
    return dict(REGISTRY.backends)


def get_backend(name: str) -> Backend:
    """The backend registered as ``name``; a LookupError lists the registered ones."""
    try:
        return REGISTRY.backends[name]
    except KeyError:
        known = ", ".join(REGISTRY.backends) or "none"
        hint = " (pip install dezero-plug-cupy)" if name == "cupy" else ""
        raise LookupError(f"no backend named {name!r} is registered{hint}; registered: {known}") from None


def default_backend() -> Backend:
    """The numpy backend, used for Python scalars that meet no array."""
    return REGISTRY.backends[DEFAULT_BACKEND]


def backend_of(array: Any) -> Backend:
    """The backend that owns ``array``; a TypeError names the accepted types otherwise."""
    try:
        return REGISTRY.by_type[type(array)]
    except KeyError:
        return _resolve(type(array))


def find_backend(array_type: type) -> Backend | None:
    """The backend owning ``array_type``, or None (remembered per type)."""
    return REGISTRY.owner(array_type)


def _resolve(array_type: type) -> Backend:
    backend = REGISTRY.owner(array_type)
    if backend is None:
        raise TypeError(
            f"expected an array of a registered backend ({accepted_types()}); "
            f"got {array_type.__module__}.{array_type.__qualname__}"
        )
    return backend


def accepted_types() -> str:
    """A readable list of the backends' array types, for error messages."""
    names = {"numpy": "numpy.ndarray", "array_api_strict": "array_api_strict.Array", "cupy": "cupy.ndarray"}
    return ", ".join(names.get(name, f"{name} arrays") for name in REGISTRY.backends) or "none registered"


def get_array_module(x: Any) -> Any:
    """The array namespace of ``x`` (an array or a Variable); numpy for anything else."""
    backend = REGISTRY.by_type.get(type(x))
    if backend is not None:
        return backend.xp
    backend = REGISTRY.owner(type(x))
    if backend is None:
        backend = REGISTRY.owner(type(getattr(x, "data", None))) or default_backend()
    return backend.xp


def dtype_rank(backend: Backend, dtype: Any) -> int:
    """0 bool, 1 integer, 2 real floating, 3 complex (cached per dtype)."""
    key = (type(dtype), dtype)  # never compares one library's dtype with another's
    rank = _DTYPE_RANKS.get(key)
    if rank is None:
        rank = _DTYPE_RANKS[key] = _KIND_RANKS[backend.dtype_kind(dtype)]
    return rank


def to_numpy(array: Any) -> np.ndarray:
    """Any registered backend's array as a numpy array."""
    return backend_of(array).to_numpy(array)


def gpu_backend() -> Backend:
    """The first usable GPU backend; a RuntimeError says what to install or why it cannot run."""
    gpus = [b for b in REGISTRY.backends.values() if b.device_kind == "gpu"]
    if not gpus:
        raise RuntimeError(
            "no GPU backend is installed: pip install dezero-plug-cupy[cuda12] "
            "(the distribution lives in plugins/dezero-plug-cupy of the dezero_plug repository)"
        )
    reasons = []
    for backend in gpus:
        reason = backend.unavailable_reason()
        if reason is None:
            return backend
        reasons.append(f"{backend.name}: {reason}")
    raise RuntimeError("no GPU backend can run here: " + "; ".join(reasons))


def move(array: Any, backend: Backend) -> Any:
    """``array`` copied to ``backend`` (no copy when it is already there)."""
    source = backend_of(array)
    if source is backend:
        return array
    return backend.from_numpy(source.to_numpy(array))
