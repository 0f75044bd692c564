"""DeZero's ``dezero.cuda`` on top of the backend registry: gpu_enable, get_array_module, as_numpy, as_cupy.

No cupy import here: ``gpu_enable`` is computed from the registered backends,
and ``as_cupy`` moves arrays through the GPU backend plugin (dezero-plug-cupy).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug.backends import get_array_module
from dezero_plug.core import data_of


def _gpu_enable() -> bool:
    try:
        backends.gpu_backend()
    except RuntimeError:
        return False
    return True


def _array(x: Any) -> Any:
    """A Variable's data, an array as is, a scalar as a 0-d numpy array."""
    data = data_of(x)
    return np.array(data) if np.isscalar(data) else data


def as_numpy(x: Any) -> np.ndarray:
    """``x`` (a Variable, an array of any backend, or a scalar) as a numpy array."""
    return backends.to_numpy(_array(x))


def as_cupy(x: Any) -> Any:
    """``x`` as an array of the GPU backend; says what to install when there is none."""
    gpu = backends.gpu_backend()
    return backends.move(_array(x), gpu)


def __getattr__(name: str) -> Any:
    if name == "gpu_enable":  # computed on access: plugins may register a GPU backend at run time
        return _gpu_enable()
    raise AttributeError(f"module 'dezero_plug.cuda' has no attribute {name!r}")


__all__ = ["as_cupy", "as_numpy", "get_array_module"]
