"""Portable implementations of the backend primitives, by a round trip through numpy on the host.

Every Backend inherits them as its defaults (the array-api-strict backend
keeps them); they cost two copies, so a GPU backend overrides what matters to
it (scatter-add, sliding windows, random numbers from its own generator).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class HostCopyPrimitives:
    """scatter_add, getitem, sliding_window_view and random for any backend with to_numpy/from_numpy."""

    xp: Any

    def to_numpy(self, array: Any) -> np.ndarray:
        raise NotImplementedError

    def from_numpy(self, array: np.ndarray, device: Any = None) -> Any:
        raise NotImplementedError

    def scatter_add(self, array: Any, indices: Any, values: Any) -> Any:
        """A new array: ``array`` with ``values`` added at ``indices`` (numpy indexing; repeats accumulate,
        as ``np.add.at``). ``array`` is left unchanged."""
        out = self.to_numpy(array).copy()
        np.add.at(out, self._index(indices), self.to_numpy(values))
        return self.from_numpy(out, device=array.device)

    def getitem(self, array: Any, index: Any) -> Any:
        """``array[index]`` with numpy's indexing rules (integer arrays, mixed with slices)."""
        return self.from_numpy(np.ascontiguousarray(self.to_numpy(array)[self._index(index)]), device=array.device)

    def sliding_window_view(self, array: Any, window_shape: tuple[int, ...], axis: tuple[int, ...]) -> Any:
        """Windows of ``window_shape`` over ``axis``, appended as trailing dimensions (numpy's rule)."""
        view = np.lib.stride_tricks.sliding_window_view(self.to_numpy(array), window_shape, axis)
        return self.from_numpy(np.ascontiguousarray(view), device=array.device)

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
