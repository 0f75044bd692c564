"""CupyBackend: CuPy arrays as a dezero_plug backend; CuPy is imported on first use, never at registration."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
from typing import Any

import numpy as np

from dezero_plug.extend import Backend

INSTALL = "pip install cupy-cuda12x (CUDA 12) or cupy-cuda13x (CUDA 13), or dezero-plug-cupy[cuda12]"


class CupyNamespace:
    """CuPy's namespace with the Array API spellings ops use (``device=`` keywords, permute_dims, concat ...).

    Anything not defined here is CuPy's own function.
    """

    def __init__(self, cupy: Any) -> None:
        self._cp = cupy

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cp, name)

    def _on(self, device: Any) -> Any:
        return self._cp.cuda.Device(device.id) if hasattr(device, "id") else contextlib.nullcontext()

    def zeros(self, shape: Any, dtype: Any = None, device: Any = None) -> Any:
        with self._on(device):
            return self._cp.zeros(shape, dtype=dtype or np.float64)

    def empty(self, shape: Any, dtype: Any = None, device: Any = None) -> Any:
        with self._on(device):
            return self._cp.empty(shape, dtype=dtype or np.float64)

    def ones(self, shape: Any, dtype: Any = None, device: Any = None) -> Any:
        with self._on(device):
            return self._cp.ones(shape, dtype=dtype or np.float64)

    def full(self, shape: Any, fill_value: Any, dtype: Any = None, device: Any = None) -> Any:
        with self._on(device):
            return self._cp.full(shape, fill_value, dtype=dtype)

    def arange(self, *args: Any, dtype: Any = None, device: Any = None) -> Any:
        with self._on(device):
            return self._cp.arange(*args, dtype=dtype)

    def asarray(self, obj: Any, dtype: Any = None, device: Any = None, copy: Any = None) -> Any:
        with self._on(device):
            return self._cp.array(obj, dtype=dtype, copy=True) if copy else self._cp.asarray(obj, dtype=dtype)

    def permute_dims(self, x: Any, axes: tuple[int, ...]) -> Any:
        return self._cp.transpose(x, axes)

    def matrix_transpose(self, x: Any) -> Any:
        return self._cp.swapaxes(x, -1, -2)

    def concat(self, arrays: Any, axis: int = 0) -> Any:
        return self._cp.concatenate(arrays, axis=axis)

    def astype(self, x: Any, dtype: Any, copy: bool = True) -> Any:
        return x.astype(dtype, copy=copy)

    def isdtype(self, dtype: Any, kind: str) -> bool:
        code = np.dtype(dtype).kind
        return {"bool": "b", "integral": "iu", "real floating": "f", "complex floating": "c"}[kind].find(code) >= 0


class CupyBackend(Backend):
    """NVIDIA GPUs through CuPy; random numbers from CuPy's generator (seed it with ``backend.seed``)."""

    name = "cupy"
    device_kind = "gpu"
    array_types = ("cupy:ndarray",)
    mutable_arrays = True
    own_generator = True

    @functools.cached_property
    def xp(self) -> Any:
        import cupy

        return CupyNamespace(cupy)

    @functools.cache  # noqa: B019  (one backend object per process)
    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("cupy") is None:
            return f"CuPy is not installed: {INSTALL}"
        try:
            import cupy

            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # no driver, no device, a broken install: a reason, never an exception
            return f"no CUDA device: {type(exc).__name__}: {exc}"
        return None if count > 0 else "no CUDA device: the CUDA runtime reports 0 devices"

    def devices(self) -> list[Any]:
        cp = self.xp._cp
        return [cp.cuda.Device(i) for i in range(cp.cuda.runtime.getDeviceCount())]

    def from_numpy(self, array: np.ndarray, device: Any = None) -> Any:
        return self.xp.asarray(array, device=device)

    def to_numpy(self, array: Any) -> np.ndarray:
        return self.xp._cp.asnumpy(array)

    def dtype_kind(self, dtype: Any) -> str:
        kind = np.dtype(dtype).kind
        return "i" if kind == "u" else kind

    def _index(self, index: Any) -> Any:
        """Index arrays on the device; big numpy ones (col2im's cached index) are copied once, not per call."""
        if isinstance(index, tuple):
            return tuple(self._index(i) for i in index)
        if isinstance(index, np.ndarray) and index.size >= 4096:
            cache = self.__dict__.setdefault("_device_indexes", {})
            hit = cache.get(id(index))
            if hit is None or hit[0] is not index:
                if len(cache) >= 16:
                    cache.pop(next(iter(cache)))
                hit = cache[id(index)] = (index, self.xp.asarray(index))
            return hit[1]
        return self.xp.asarray(index) if isinstance(index, (np.ndarray, list)) else index

    def scatter_add(self, array: Any, indices: Any, values: Any) -> Any:
        out = array.copy()
        self.xp._cp.add.at(out, self._index(indices), values)  # cupyx.scatter_add is deprecated
        return out

    def getitem(self, array: Any, index: Any) -> Any:
        return array[self._index(index)]

    def sliding_window_view(self, array: Any, window_shape: tuple[int, ...], axis: tuple[int, ...]) -> Any:
        return self.xp._cp.lib.stride_tricks.sliding_window_view(array, window_shape, axis)

    def pad(self, array: Any, pad_width: Any, value: Any = 0) -> Any:
        return self.xp._cp.pad(array, pad_width, constant_values=value)

    def random(self, distribution: str, shape: tuple[int, ...], dtype: Any = None, device: Any = None) -> Any:
        cp = self.xp._cp
        with self.xp._on(device):
            out = cp.random.rand(*shape) if distribution == "uniform" else cp.random.randn(*shape)
        return out if dtype is None else out.astype(dtype)

    def seed(self, seed: int) -> None:
        """Seed CuPy's generator (``np.random.seed`` does not reach it)."""
        self.xp._cp.random.seed(seed)
