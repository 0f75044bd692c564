"""DeZero's ``dezero.functions_conv``: the convolution names, served from ``dezero_plug.functions``."""

from __future__ import annotations

from typing import Any

NAMES = (
    "conv2d",
    "deconv2d",
    "conv2d_simple",
    "pooling",
    "pooling_simple",
    "average_pooling",
    "im2col",
    "col2im",
    "linear",
    "broadcast_to",
)
__all__ = list(NAMES)
# DeZero's class names that differ from ours
CLASS_ALIASES = {
    "Conv2DGradW": "Conv2dGradW",
    "Pooling2DGrad": "PoolingGrad",
    "Pooling2DWithIndexes": "PoolingWithIndexes",
}


def __getattr__(name: str) -> Any:
    if name in NAMES:
        from dezero_plug import functions

        return getattr(functions, name)
    from dezero_plug.functions import function_class

    found = function_class(CLASS_ALIASES.get(name, name))
    if found is not None:
        return found
    raise AttributeError(f"module 'dezero_plug.functions_conv' has no attribute {name!r}")
