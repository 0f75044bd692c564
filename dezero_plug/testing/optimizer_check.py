"""The kit's check of an optimizer: its state updated on the state's attributes, never through an alias.

``state.v *= momentum`` updates an array in place on numpy and rebinds the attribute where arrays
are immutable (JAX); ``v = state.v; v *= momentum`` works on numpy only, and elsewhere silently
trains worse. ``check_optimizer`` catches the second form on any machine: it runs the optimizer
for a few steps twice from the same parameters and gradients, once on plain numpy arrays and once
on arrays whose in-place operators rebind (as JAX's do, numpy underneath), and requires the same
parameters and state from both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dezero_plug.core import Parameter
from dezero_plug.core import Variable

_IN_PLACE = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor")


class RebindingArray(np.ndarray):
    """A numpy array without in-place operators: ``a *= b`` rebinds ``a`` to ``a * b``, as on JAX."""


def _rebinds(self: RebindingArray, other: Any) -> Any:
    return NotImplemented  # Python falls back to the binary operator and rebinds the name


for _op in _IN_PLACE:
    setattr(RebindingArray, f"__i{_op}__", _rebinds)


def _model(rebinding: bool) -> Any:
    from dezero_plug.layers import Layer

    rng = np.random.default_rng(0)
    layer = Layer()
    layer.W = Parameter(rng.standard_normal((3, 4)))
    layer.b = Parameter(rng.standard_normal(4))
    if rebinding:
        for param in layer.params():
            param.data = param.data.view(RebindingArray)
    return layer


def _steps(make_optimizer: Callable[[], Any], rebinding: bool, steps: int) -> tuple[Any, Any]:
    layer = _model(rebinding)
    optimizer = make_optimizer().setup(layer)
    if rebinding:
        make_state = optimizer.init_state
        optimizer.init_state = lambda param: {
            k: v.view(RebindingArray) if isinstance(v, np.ndarray) else v for k, v in make_state(param).items()
        }
    rng = np.random.default_rng(1)
    for _ in range(steps):
        for param in layer.params():
            grad = rng.standard_normal(param.shape)
            param.grad = Variable(grad.view(RebindingArray) if rebinding else grad)
        optimizer.update()
    return layer, optimizer


def check_optimizer(make_optimizer: Callable[[], Any], steps: int = 3, rtol: float = 1e-12) -> None:
    """Run ``make_optimizer()`` (an Optimizer, not set up) on mutable and on rebinding arrays; they must agree.

    Raises:
        AssertionError: naming the optimizer, the parameter or state field that differs, and the likely
            cause (state updated through a local alias, or the parameter written through one).
    """
    plain, plain_opt = _steps(make_optimizer, False, steps)
    rebound, rebound_opt = _steps(make_optimizer, True, steps)
    name, rebound_params = type(plain_opt).__name__, rebound.named_params()
    for key, param in plain.named_params().items():
        other = rebound_params[key]
        fields = {"data": (param.data, other.data)}
        state, other_state = plain_opt.states.get(param), rebound_opt.states.get(other)
        for field, value in vars(state).items() if state is not None else ():
            fields[f"state.{field}"] = (value, getattr(other_state, field, None))
        for field, (expected, got) in fields.items():
            if not np.allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=0):
                raise AssertionError(
                    f"{name}: after {steps} steps, parameter {key!r} {field} differs between arrays updated in "
                    f"place (numpy) and arrays whose in-place operators rebind (as JAX's): {np.asarray(expected)} "
                    f"vs {np.asarray(got)}. Update state on its attribute (state.v *= m), never through a local "
                    "alias (v = state.v; v *= m), and the parameter as param.data -= step."
                )
