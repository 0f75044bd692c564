"""The array-api-strict backend: the CPU stand-in for a GPU, so every op is proven backend-neutral.

Its arrays live on the non-default device ``array_api_strict.Device("device1")``:
a stray ``np.exp(x)``, an array made without ``device=``, a method numpy has
but the standard lacks — each raises here just as it would on cupy.
array-api-strict is a test dependency; without it this backend lists itself
as unavailable and says what to install.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from dezero_plug.extend import Backend
from dezero_plug.extend import hookimpl

DEVICE_NAME = "device1"


class StrictBackend(Backend):
    """``array_api_strict.Array`` on device ``device1``; primitives go through numpy on the host."""

    name = "array_api_strict"
    device_kind = "cpu"
    array_types = ("array_api_strict._array_object:Array",)
    mutable_arrays = True  # the standard allows __setitem__; ops still write only where they made the array

    @property
    def xp(self) -> Any:
        import array_api_strict

        return array_api_strict

    @property
    def device(self) -> Any:
        """The non-default device every array of this backend is made on."""
        return self.xp.Device(DEVICE_NAME)

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("array_api_strict") is None:
            return "array-api-strict is not installed: pip install array-api-strict"
        return None

    def devices(self) -> list[Any]:
        return [self.device, self.xp.Device("CPU_DEVICE")]

    def from_numpy(self, array: np.ndarray, device: Any = None) -> Any:
        return self.xp.asarray(np.array(array, order="C"), device=self.device if device is None else device)

    def to_numpy(self, array: Any) -> np.ndarray:
        xp = self.xp
        return np.asarray(array.to_device(xp.Device("CPU_DEVICE")))

    def asarray(self, value: Any, dtype: Any = None, like: Any = None) -> Any:
        device = self.device if like is None else like.device
        return self.xp.asarray(value, dtype=dtype, device=device)


@hookimpl
def dezero_plug_backends() -> list[Backend]:
    return [StrictBackend()]
