"""The numpy backend: numpy 2's main namespace is the array namespace; numpy's own primitives."""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug.extend import Backend
from dezero_plug.extend import hookimpl


class NumpyBackend(Backend):
    """CPU arrays (``numpy.ndarray``, mutable); random numbers from numpy's global generator, as DeZero.

    ``np.matrix`` and masked arrays are refused: their operators mean something
    else (``*`` of two matrices is a matrix product; masks are ignored by ops).
    """

    name = "numpy"
    device_kind = "cpu"
    array_types = (np.ndarray,)
    mutable_arrays = True

    xp = np  # a plain attribute: ops look it up on every call

    def refusal(self, array_type: type) -> str | None:
        if issubclass(array_type, np.matrix):
            return (
                "numpy.matrix is refused as Variable data: its * is a matrix product, so "
                "Variable(m1) * Variable(m2) would silently compute one; pass np.asarray(m)"
            )
        if issubclass(array_type, np.ma.MaskedArray):
            return (
                "numpy.ma.MaskedArray is refused as Variable data: ops would ignore its mask; "
                "pass m.filled(value) or np.asarray(m)"
            )
        return None

    def from_numpy(self, array: np.ndarray, device: Any = None) -> np.ndarray:
        array = np.asarray(array)
        # Shared where it may be written (torch's CPU tensors hand out writable views of their memory: numpy
        # -> torch -> numpy copies nothing); copied where it may not (JAX hands out read-only views, which a
        # parameter must not stay: an optimizer writes into it).
        return array if array.flags.writeable else array.copy()

    def writable(self, array: np.ndarray) -> bool:
        return bool(array.flags.writeable)

    def to_numpy(self, array: np.ndarray) -> np.ndarray:
        return array

    def asarray(self, value: Any, dtype: Any = None, like: Any = None) -> np.ndarray:
        return np.asarray(value, dtype=dtype)

    def freeze(self, array: np.ndarray) -> bool:
        array.flags.writeable = False  # a shared constant nobody may write into: numpy raises if an op tries
        return True

    def contiguous(self, array: np.ndarray) -> np.ndarray:
        return np.asarray(array, order="C")  # ascontiguousarray would make a 0-d array 1-d

    def laid_out_like(self, array: np.ndarray, like: np.ndarray) -> np.ndarray:
        in_order = [s // array.itemsize for s in array.strides] == [s // like.itemsize for s in like.strides]
        if array.shape != like.shape or in_order or like.flags.c_contiguous:
            return array
        laid = np.empty_like(like, dtype=array.dtype)  # like's memory order, array's dtype
        laid[...] = array
        return laid

    def dtype_kind(self, dtype: Any) -> str:
        kind = np.dtype(dtype).kind
        if kind not in "biufc":  # object, string, record, datetime arrays: numpy's, but no numbers to compute with
            raise TypeError(
                f"dtype {np.dtype(dtype)} holds no numbers: ops compute with bool, integer, floating and complex "
                "arrays (convert it: np.asarray(a, dtype=np.float32))"
            )
        return "i" if kind == "u" else kind

    def scatter_add(self, array: np.ndarray, indices: Any, values: np.ndarray) -> np.ndarray:
        out = array.copy()
        np.add.at(out, indices, values)
        return out

    def getitem(self, array: np.ndarray, index: Any) -> np.ndarray:
        return array[index]

    def sliding_window_view(
        self, array: np.ndarray, window_shape: tuple[int, ...], axis: tuple[int, ...]
    ) -> np.ndarray:
        return np.lib.stride_tricks.sliding_window_view(array, window_shape, axis)

    def pad(self, array: np.ndarray, pad_width: Any, value: Any = 0) -> np.ndarray:
        # The input copied into the middle of a new array, then only the border filled: each element written
        # once (np.full first wrote the middle twice; np.pad is twice as slow again for conv inputs).
        shape = tuple(n + before + after for n, (before, after) in zip(array.shape, pad_width))
        out = np.empty(shape, dtype=array.dtype)
        out[tuple(slice(before, before + n) for n, (before, _) in zip(array.shape, pad_width))] = array
        for axis, (before, after) in enumerate(pad_width):
            whole = (slice(None),) * axis
            if before:
                out[whole + (slice(0, before),)] = value
            if after:
                out[whole + (slice(shape[axis] - after, None),)] = value
        return out

    def random(self, distribution: str, shape: tuple[int, ...], dtype: Any = None, device: Any = None) -> np.ndarray:
        out = np.asarray(np.random.rand(*shape) if distribution == "uniform" else np.random.randn(*shape))
        return out if dtype is None else out.astype(dtype)


@hookimpl
def dezero_plug_backends() -> list[Backend]:
    return [NumpyBackend()]
