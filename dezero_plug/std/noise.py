"""Training-time noise: dropout (identity under ``test_mode``)."""

from __future__ import annotations

import numbers
from typing import Any

from dezero_plug.extend import Config
from dezero_plug.extend import OpSample
from dezero_plug.extend import Variable
from dezero_plug.extend import as_input
from dezero_plug.extend import backend_of
from dezero_plug.extend import hookimpl

dezero_plug_requires = ("arithmetic",)


def dropout(x: Any, dropout_ratio: float = 0.5) -> Variable:
    """Zero each element with probability ``dropout_ratio`` and scale the rest by ``1 / (1 - ratio)``.

    Only in training (``Config.train``); under ``test_mode()`` it returns ``x``.
    The mask comes from the backend's generator (numpy's global one on CPU, as DeZero).

    Raises:
        ValueError: when ``dropout_ratio`` is not in [0, 1).
    """
    if isinstance(dropout_ratio, bool) or not isinstance(dropout_ratio, numbers.Real):
        raise TypeError(f"dropout: dropout_ratio must be a number in [0, 1); got {dropout_ratio!r}")
    if not 0.0 <= dropout_ratio < 1.0:
        raise ValueError(f"dropout: dropout_ratio must be in [0, 1); got {dropout_ratio}")
    x = as_input("dropout", x)
    if not Config.train:
        return x
    backend = backend_of(x.data)
    keep = backend.random("uniform", x.shape, device=x.data.device) > dropout_ratio
    mask = backend.xp.astype(keep, x.dtype)
    return x * mask / (1.0 - dropout_ratio)


@hookimpl
def dezero_plug_functions():
    return [dropout]


@hookimpl
def dezero_plug_op_samples():
    from dezero_plug import test_mode

    def deterministic(x):  # the conformance kit re-runs the op: a fixed seed makes the mask repeat
        backend_of(x.data).seed(0)  # numpy's global generator, or the backend's own (cupy's, jax's keys)
        return dropout(x, 0.3)

    def in_test_mode(x):
        with test_mode():
            return dropout(x)

    return {
        "dropout": [
            OpSample((3, 4), call=deterministic, id="seeded", random=True),
            OpSample((3, 4), call=in_test_mode, id="test-mode"),
        ]
    }
