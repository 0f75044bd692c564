"""A typed op plugin: ``softplus``, written only with ``dezero_plug.extend`` (CI runs mypy --strict on it).

Register it at run time with ``dezero_plug.plugin_manager.register(softplus_plugin)``,
or ship it as a distribution with an entry point in the group ``dezero_plug``
(``python -m dezero_plug new-plugin NAME`` writes one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import dezero_plug.functions as F
from dezero_plug.extend import Function
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import get_array_module
from dezero_plug.extend import hookimpl


class Softplus(Function):
    """``log(1 + exp(x))``, elementwise; same shape and dtype as ``x``."""

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))  # stable for large |x|

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        gx: Variable = gy * F.sigmoid(x)  # d/dx softplus x = sigmoid x; differentiable: double backprop works
        return gx

    def backward_arrays(self, gy: Any) -> Any:
        """The same gradient on raw arrays, for a backward that records nothing."""
        x = self.inputs[0].data
        return gy / (1 + get_array_module(x).exp(-x))


def softplus(x: Any) -> Variable:
    """Elementwise softplus ``log(1 + exp(x))``: a smooth ReLU."""
    y: Variable = Softplus()(x)
    return y


@hookimpl
def dezero_plug_functions() -> list[Any]:
    return [softplus]


@hookimpl
def dezero_plug_op_samples() -> dict[str, list[OpSample]]:
    return {"softplus": [OpSample((3, 4), low=-3.0, high=3.0, reference=lambda x: np.logaddexp(0.0, x)), OpSample(())]}
