"""DeZero's ``dezero.cuda`` on top of the backend registry: gpu_enable, get_array_module, as_numpy, as_cupy.

No cupy import here: ``gpu_enable`` is computed from the registered backends,
and ``as_cupy`` moves arrays through the GPU backend plugin (dezero-plug-cupy).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug.backends import get_array_module


def _gpu_enable() -> bool:
    try:
        backends.gpu_backend()
    except RuntimeError:
        return False
    return True


def as_numpy(x: Any) -> np.ndarray:
    """``x`` (a Variable, an array of any backend, or a scalar) as a numpy array."""
    data = getattr(x, "data", x) if not isinstance(x, np.ndarray) else x
    if np.isscalar(data):
        return np.array(data)
    return backends.to_numpy(data)


def as_cupy(x: Any) -> Any:
    """``x`` as an array of the GPU backend; says what to install when there is none."""
    data = getattr(x, "data", x) if not isinstance(x, np.ndarray) else x
    gpu = backends.gpu_backend()
    if np.isscalar(data):
        data = np.array(data)
    return backends.move(data, gpu)


def __getattr__(name: str) -> Any:
    if name == "gpu_enable":  # computed on access: plugins may register a GPU backend at run time
        return _gpu_enable()
    raise AttributeError(f"module 'dezero_plug.cuda' has no attribute {name!r}")


__all__ = ["as_cupy", "as_numpy", "get_array_module"]
