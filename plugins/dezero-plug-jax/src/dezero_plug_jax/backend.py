"""JaxBackend: immutable arrays, JAX's random keys behind the backend's generator, float64 only when asked.

float64: JAX computes in float32 unless ``jax_enable_x64`` is on. The backend
never truncates silently: it enables x64 when ``DEZERO_PLUG_JAX_X64=1`` is set
before its first use (the tox env ``jax`` sets it) or when the user turned it
on through ``jax.config``; otherwise it declares no float64, and float64 data
moved to it is refused with that advice.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from dezero_plug.extend import Backend

X64_VARIABLE = "DEZERO_PLUG_JAX_X64"
INSTALL = "pip install 'dezero-plug-jax[cpu]' (or jax[cuda12] for NVIDIA GPUs)"


def _x64_requested() -> bool:
    return os.environ.get(X64_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


class JaxBackend(Backend):
    """``jax.Array`` on JAX's default device (CPU, or a GPU with jax[cuda12]); arrays are immutable."""

    name = "jax"
    array_types = ("jax:Array",)
    mutable_arrays = False
    own_generator = True
    float64_hint = f"; or set {X64_VARIABLE}=1 before the jax backend's first use to enable JAX's float64"

    def __init__(self) -> None:
        self._keys: Any = None  # an infinite iterator of fresh keys, made on the first draw or seed

    @functools.cached_property
    def xp(self) -> Any:
        import jax

        if _x64_requested():
            jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        return jnp

    @property
    def float64(self) -> bool:  # type: ignore[override]
        if _x64_requested():
            return True
        jax = sys.modules.get("jax")
        return bool(jax is not None and jax.config.read("jax_enable_x64"))

    @property
    def device_kind(self) -> str:  # type: ignore[override]
        if importlib.util.find_spec("jax") is None:
            return "cpu"
        self.xp  # noqa: B018  (imports jax with the x64 setting first)
        import jax

        return "gpu" if jax.default_backend() in ("gpu", "cuda", "rocm") else "cpu"

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("jax") is None:
            return f"JAX is not installed: {INSTALL}"
        return None

    def devices(self) -> Sequence[Any]:
        self.xp  # noqa: B018
        import jax

        return jax.devices()

    def from_numpy(self, array: np.ndarray, device: Any = None) -> Any:
        array = np.asarray(array)
        if array.dtype == np.float64 and not self.float64:
            raise TypeError(f"jax: float64 data would be truncated to float32{self.float64_hint}")
        if array.dtype == np.int64 and not self.float64:  # without x64 JAX has no int64: int32 if the values fit
            narrowed = array.astype(np.int32)
            if not np.array_equal(narrowed, array):
                raise TypeError(f"jax: int64 values beyond int32 would be truncated{self.float64_hint}")
            array = narrowed
        self.xp  # noqa: B018
        import jax

        return jax.device_put(array, device)

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(array)

    def asarray(self, value: Any, dtype: Any = None, like: Any = None) -> Any:
        if like is None:
            return self.xp.asarray(value, dtype=dtype)
        return self.xp.asarray(value, dtype=dtype, device=like.device)

    def dtype_kind(self, dtype: Any) -> str:
        kind = np.dtype(dtype).kind
        return "i" if kind == "u" else kind

    # ------------------------------------------------------------------ primitives, JAX-native
    def scatter_add(self, array: Any, indices: Any, values: Any) -> Any:
        return array.at[indices].add(values)  # a new array; repeats accumulate, as np.add.at

    def getitem(self, array: Any, index: Any) -> Any:
        """``array[index]``; out-of-range integers raise IndexError (JAX itself would clamp them silently)."""
        _check_bounds(array.shape, index if isinstance(index, tuple) else (index,))
        return array[index]

    def sliding_window_view(self, array: Any, window_shape: tuple[int, ...], axis: tuple[int, ...]) -> Any:
        """numpy's sliding_window_view: one strided slice per window offset, stacked as trailing axes."""
        xp = self.xp
        sizes = [array.shape[a] - w + 1 for a, w in zip(axis, window_shape)]
        slices = []
        for offsets in itertools.product(*(range(w) for w in window_shape)):
            index = [slice(None)] * array.ndim
            for a, offset, size in zip(axis, offsets, sizes):
                index[a] = slice(offset, offset + size)
            slices.append(array[tuple(index)])
        stacked = xp.stack(slices, axis=-1)
        return xp.reshape(stacked, stacked.shape[:-1] + tuple(window_shape))

    def pad(self, array: Any, pad_width: Any, value: Any = 0) -> Any:
        return self.xp.pad(array, pad_width, constant_values=value)

    # ------------------------------------------------------------------ random numbers: JAX's keys
    def seed(self, seed: int) -> None:
        """Start the backend's key sequence from ``jax.random.key(seed)`` (``np.random.seed`` does not reach it)."""
        self.xp  # noqa: B018
        import jax

        root = jax.random.key(seed)
        self._keys = (jax.random.fold_in(root, i) for i in itertools.count())

    def random(self, distribution: str, shape: tuple[int, ...], dtype: Any = None, device: Any = None) -> Any:
        if self._keys is None:
            self.seed(int(np.random.randint(2**31)))  # unseeded: a fresh sequence, as numpy's would be
        import jax

        dtype = dtype or (self.xp.float64 if self.float64 else self.xp.float32)
        key = next(self._keys)
        draw = jax.random.uniform if distribution == "uniform" else jax.random.normal
        out = draw(key, shape, dtype=dtype)
        return out if device is None else jax.device_put(out, device)


def _check_bounds(shape: tuple[int, ...], index: tuple[Any, ...]) -> None:
    """Raise IndexError, as numpy does, for integers (scalars or arrays) outside their axis."""
    consuming = sum(1 for i in index if i is not None and i is not Ellipsis)
    axis = 0
    for i in index:
        if i is None:
            continue
        if i is Ellipsis:
            axis += len(shape) - consuming
            continue
        if not isinstance(i, slice) and axis < len(shape):
            values = np.asarray(i)
            if values.dtype.kind in "iu" and values.size:
                low, high = int(values.min()), int(values.max())
                if low < -shape[axis] or high >= shape[axis]:
                    bad = high if high >= shape[axis] else low
                    raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {shape[axis]}")
        axis += 1
