"""dezero-plug-cupy: the CuPy GPU backend for dezero_plug, registered through the plugin hooks."""

from __future__ import annotations

from typing import Any

from dezero_plug.extend import hookimpl
from dezero_plug.std.loss import SoftmaxCrossEntropy
from dezero_plug_cupy.backend import CupyBackend
from dezero_plug_cupy.kernels import softmax_cross_entropy_forward

__version__ = "0.1.0"


@hookimpl
def dezero_plug_backends() -> list[Any]:
    return [CupyBackend()]


@hookimpl
def dezero_plug_kernels() -> dict[tuple[type, str], Any]:
    return {(SoftmaxCrossEntropy, "cupy"): softmax_cross_entropy_forward}
