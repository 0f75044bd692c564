"""Array backends: the Backend contract, and the lookup of an array's backend by its type.

A backend is one object that says which array classes are its own, which
array namespace (``xp``) ops compute with, how to move arrays to and from
numpy, what it can do (its capabilities), and the few primitives the Array API
standard lacks. Backends arrive through the ``dezero_plug_backends`` hook; the
registry (registry.py) keeps the table the plugin manager fills.

**What ops may not assume** (and no code of dezero_plug does):

* that arrays can be written in place: only a backend that declares
  ``mutable_arrays = True`` gets in-place updates (``a[...] = v``, ``v *= m``);
  everything else rebinds (``param.data = param.data - step``);
* that random numbers come from numpy's global generator: draw through
  ``backend.random``; a backend with ``own_generator = True`` is seeded by
  ``backend.seed(n)``, not by ``np.random.seed``;
* that two backends' devices compare, or that an array made without
  ``device=x.device`` lands where ``x`` is: create arrays on the input's device;
* that float64 exists: a backend with ``float64 = False`` refuses float64 data
  (``move`` raises) instead of truncating it;
* more of an array object than the Array API standard gives every library: ``shape`` (a
  tuple), ``ndim``, ``dtype``, ``device``, the operators and ``.T`` of a 2-d array. Not
  ``size`` (a method on torch's tensors: use ``math.prod(x.shape)``), not numpy's ``flags``
  or ``item()``: what numpy alone offers goes through the backend (``writable``, ``contiguous``).

**A library's own autograd** (torch's) is not used: dezero_plug's backward is the only one.
Its backend makes no array that records a graph, and refuses one that would (a torch tensor
that requires grad: ``checks_arrays`` and ``refusal_of``) saying how to detach it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from dezero_plug.registry import REGISTRY

DEFAULT_BACKEND = "numpy"

_KIND_RANKS = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}


def type_name(array_type: type) -> str:
    """``"numpy.ndarray"``, ``"jax.Array"``: how ``array_types`` names a class without importing it."""
    return f"{array_type.__module__}.{array_type.__qualname__}"


class Backend:
    """Base class of array backends; subclass it and return an instance from the backends hook.

    Must provide: ``name``; ``array_types``, the classes it owns (classes, or
    ``"module:QualName"`` strings where importing the library would cost);
    ``xp``, the Array-API namespace; ``from_numpy`` and ``to_numpy``.

    Declares (class attributes; the defaults are the cautious ones):

    * ``device_kind``: ``"cpu"`` or ``"gpu"`` (``to_gpu()`` picks the first usable GPU backend);
    * ``mutable_arrays``: whether its arrays may be written in place (default False);
    * ``float64``: whether it computes in float64 (default True);
    * ``own_generator``: whether it draws random numbers from a generator of its
      own, seeded by ``seed`` (default False: numpy's global generator, as DeZero);
    * ``dtypes``: the dtype names it supports;
    * ``checks_arrays``: whether ``refusal_of`` must see each array a Variable is given (default False:
      its arrays are accepted by type once ``refusal`` has passed the type).

    The owner of an array is the backend whose declared class comes first in
    ``type(x).__mro__``, so a backend for a numpy subclass owns its arrays
    while numpy keeps plain ndarrays. The primitives below have portable
    defaults (a round trip through numpy on the host, or Array API calls): they
    cost two copies, so a fast backend overrides what matters to it (scatter-add,
    sliding windows, random numbers from its own generator).
    """

    name: str = ""
    device_kind: str = "cpu"
    array_types: tuple[type | str, ...] = ()
    mutable_arrays: bool = False
    float64: bool = True
    own_generator: bool = False
    float64_hint: str = ""  # appended to the refusal of float64 data: how to enable float64, where one can
    # What its library raises for bad shapes or dtypes besides ValueError/TypeError (torch: RuntimeError): an op's
    # call restates it as a ValueError naming the op, as numpy's are.
    input_errors: tuple[type[Exception], ...] = ()
    checks_arrays: bool = False  # whether ``refusal_of`` must see each array a Variable is given
    dtypes: tuple[str, ...] = ("bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64")

    @property
    def xp(self) -> Any:
        """The Array-API namespace ops compute with (imported on first use)."""
        raise NotImplementedError

    def unavailable_reason(self) -> str | None:
        """Why this backend cannot run here ("no CUDA device"), or None when it can. Never raises."""
        return None

    def refusal(self, array_type: type) -> str | None:
        """Why arrays of ``array_type``, a subclass of one of its classes, are refused (None: accepted)."""
        return None

    def refusal_of(self, array: Any) -> str | None:
        """Why this one array is refused as Variable data (torch: a tensor that requires grad), or None.

        Asked of every array a Variable is given (op outputs too) only where ``checks_arrays`` is True.
        """
        return None

    def from_numpy(self, array: np.ndarray, device: Any = None) -> Any:
        """A copy of a numpy array on ``device`` (None: this backend's default device)."""
        raise NotImplementedError

    def to_numpy(self, array: Any) -> np.ndarray:
        """A numpy copy (or view) of one of this backend's arrays."""
        raise NotImplementedError

    def devices(self) -> Sequence[Any]:
        """The devices this backend can put arrays on, the default first."""
        return [None]

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

    def freeze(self, array: Any) -> bool:
        """Make a constant array read-only where this backend can; True when nobody can write into it now.

        The kernel then shares the constant of a Python scalar between op calls (``x * 2.0`` makes no
        new array per call). By default only immutable arrays are shared.
        """
        return not self.mutable_arrays

    def scatter_add(self, array: Any, indices: Any, values: Any) -> Any:
        """A new array: ``array`` with ``values`` added at ``indices`` (numpy indexing; repeats accumulate,
        as ``np.add.at``). ``array`` is left unchanged."""
        out = self.to_numpy(array).copy()
        np.add.at(out, self._index(indices), self.to_numpy(values))
        return self.from_numpy(out, device=array.device)

    def getitem(self, array: Any, index: Any) -> Any:
        """``array[index]`` with numpy's indexing rules (integer arrays, mixed with slices)."""
        return self.from_numpy(np.asarray(self.to_numpy(array)[self._index(index)], order="C"), device=array.device)

    def sliding_window_view(self, array: Any, window_shape: tuple[int, ...], axis: tuple[int, ...]) -> Any:
        """Windows of ``window_shape`` over ``axis``, appended as trailing dimensions (numpy's rule)."""
        view = np.lib.stride_tricks.sliding_window_view(self.to_numpy(array), window_shape, axis)
        return self.from_numpy(np.asarray(view, order="C"), device=array.device)

    def random(self, distribution: str, shape: tuple[int, ...], dtype: Any = None, device: Any = None) -> Any:
        """Samples of ``distribution`` ("uniform" in [0, 1) or "normal") from numpy's global generator."""
        drawn = np.random.rand(*shape) if distribution == "uniform" else np.random.randn(*shape)
        out = self.from_numpy(np.asarray(drawn), device)  # shape (): numpy draws a Python float
        return out if dtype is None else self.xp.astype(out, dtype)

    def _index(self, index: Any) -> Any:
        """An index with this backend's arrays replaced by numpy arrays."""
        if isinstance(index, tuple):
            return tuple(self._index(i) for i in index)
        if index is None or isinstance(index, (int, slice, type(Ellipsis), np.ndarray, list)):
            return index
        return self.to_numpy(index)

    def writable(self, array: Any) -> bool:
        """Whether ``array`` may be written in place (by an optimizer's ``param.data -= step``). By default
        whether this backend's arrays are mutable; numpy asks the array (a memory map, a broadcast view,
        a shared constant are read-only)."""
        return self.mutable_arrays

    def contiguous(self, array: Any) -> Any:
        """``array`` in one dense block of memory, copied if it is a strided view (a BLAS call over a
        strided operand may take a slow loop). The Array API has no memory layout: by default, itself."""
        return array

    def laid_out_like(self, array: Any, like: Any) -> Any:
        """``array``'s values in the memory order of ``like``, of its shape (a gradient meeting a
        channels-last mask, so that products of the two run contiguously). By default ``array``."""
        return array

    def seed(self, seed: int) -> None:
        """Seed the generator ``random`` draws from (numpy's global one unless ``own_generator``)."""
        np.random.seed(seed)

    def pad(self, array: Any, pad_width: Sequence[tuple[int, int]], value: Any = 0) -> Any:
        """A new array: ``array`` with ``(before, after)`` elements of ``value`` added on each axis."""
        xp = self.xp
        for axis, (before, after) in enumerate(pad_width):
            if before or after:
                parts = []
                for width in (before, after):
                    shape = array.shape[:axis] + (width,) + array.shape[axis + 1 :]
                    parts.append(xp.full(shape, value, dtype=array.dtype, device=array.device))
                array = xp.concat([parts[0], array, parts[1]], axis=axis)
        return array

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
        hint = f" (pip install {_PLUGINS[name]})" if name in _PLUGINS else ""
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
    if backend is None and issubclass(array_type, np.generic):
        return default_backend()  # a numpy scalar where a 0-d array was meant (x.data = x.data - lr * g)
    if backend is None:
        raise TypeError(
            f"expected an array of a registered backend ({accepted_types(array_type)}); "
            f"got {array_type.__module__}.{array_type.__qualname__}"
        )
    return backend


_PLUGIN_NAMES = dict(torch="torch", jax="jax", jaxlib="jax", cupy="cupy")
# library -> its backend plugin, installed from a checkout of the repository (the plugins are not on PyPI)
_PLUGINS = {lib: f"<dezero_plug checkout>/plugins/dezero-plug-{name}" for lib, name in _PLUGIN_NAMES.items()}


def accepted_types(given: type | None = None) -> str:
    """A readable list of the backends' array types, for error messages; with the plugin to install when
    ``given`` is the array type of a library that has one (a torch tensor without dezero-plug-torch)."""
    names = {"numpy": "numpy.ndarray", "array_api_strict": "array_api_strict.Array", "cupy": "cupy.ndarray"}
    accepted = ", ".join(names.get(name, f"{name} arrays") for name in REGISTRY.backends) or "none registered"
    library = given.__module__.split(".")[0] if given is not None else ""
    return accepted + (f"; for {library}'s arrays: pip install {_PLUGINS[library]}" if library in _PLUGINS else "")


def get_array_module(x: Any) -> Any:
    """The array namespace of ``x`` (an array or a Variable); numpy for anything else."""
    backend = REGISTRY.by_type.get(type(x)) or REGISTRY.owner(type(x))  # an array: one dict get once seen
    if backend is None:  # a Variable (its data's backend), or anything else (numpy)
        backend = REGISTRY.owner(type(getattr(x, "data", None))) or default_backend()
    return backend.xp


@functools.cache  # keyed by the backend first: one library's dtype is never compared with another's
def dtype_rank(backend: Backend, dtype: Any) -> int:
    """0 bool, 1 integer, 2 real floating, 3 complex: how "weak" constants adapt (see constants.py)."""
    return _KIND_RANKS[backend.dtype_kind(dtype)]


def to_numpy(array: Any) -> np.ndarray:
    """Any registered backend's array as a numpy array."""
    return backend_of(array).to_numpy(array)


def gpu_backend() -> Backend:
    """The first usable GPU backend; a RuntimeError says what to install or why it cannot run."""
    gpus = [b for b in REGISTRY.backends.values() if b.device_kind == "gpu"]
    if not gpus:
        raise RuntimeError(
            f"no GPU backend is installed: pip install '{_PLUGINS['cupy']}[cuda12]' (its extra installs "
            "the CuPy wheel for CUDA 12, cupy-cuda12x; [cuda13] for CUDA 13)"
        )
    reasons = []
    for backend in gpus:
        reason = backend.unavailable_reason()
        if reason is None:
            return backend
        reasons.append(f"{backend.name}: {reason}")
    raise RuntimeError("no GPU backend can run here: " + "; ".join(reasons))


def resolve(backend: str | Backend) -> Backend:
    """A backend given by name (``"jax"``) or as itself."""
    return get_backend(backend) if isinstance(backend, str) else backend


def move(array: Any, backend: str | Backend, device: Any = None) -> Any:
    """``array`` copied to ``backend`` (on ``device``; no copy when it is already there).

    Raises:
        TypeError: float64 data for a backend without float64 (never truncated silently).
    """
    target, source = resolve(backend), backend_of(array)
    if source is target and device is None:
        return array
    host = source.to_numpy(array)
    if host.dtype == np.float64 and not target.float64:
        raise TypeError(
            f"cannot move float64 data to backend {target.name!r}, which has no float64 here: cast it first "
            f"(x.astype(np.float32), or build the model with dtype=np.float32){target.float64_hint}"
        )
    return target.from_numpy(host, device)
