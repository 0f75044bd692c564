"""Optimizers — SGD, MomentumSGD, AdaGrad, AdaDelta, Adam (DeZero's update rules and defaults) —
and optimizer hooks — WeightDecay, ClipGrad, FreezeParam — sorted in order of increasing complexity.

Hooks replace gradients with new Variables; they never edit a gradient array
in place (DeZero's fail on read-only gradients and scale shared ones twice).
State is updated by augmented assignment on ``self.state(param)``'s attributes,
never on a local alias: see ``dezero_plug.optimizers`` for why.
"""

from __future__ import annotations

import math
from typing import Any

from dezero_plug.extend import Layer
from dezero_plug.extend import Optimizer
from dezero_plug.extend import Parameter
from dezero_plug.extend import Variable
from dezero_plug.extend import backend_of
from dezero_plug.extend import hookimpl
from dezero_plug.extend import whole_step

NON_NEGATIVE = (lambda v: v >= 0, "a non-negative number")
POSITIVE = (lambda v: v > 0, "a positive number")
UNIT = (lambda v: 0 <= v < 1, "in [0, 1)")


def _number(owner: str, name: str, value: Any, rule: tuple[Any, str]) -> Any:
    """``value`` when it is a real number that satisfies ``rule``, else an error naming owner, argument and value."""
    ok, wanted = rule
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise TypeError(f"{owner}: {name} must be {wanted}; got {value!r}")
    if not math.isfinite(float(value)) or not ok(float(value)):
        raise ValueError(f"{owner}: {name} must be {wanted}; got {value!r}")
    return value


SLAB = 1 << 16  # elements a slab update touches at a time: 256 KiB of float32, in cache with its temporaries


def row_slabs(data: Any) -> list[tuple[slice, Any]] | None:
    """Indices of slabs of ``data``'s rows (``[i:j, ...]``), ~``SLAB`` elements each; None: update it whole.

    None (update it whole, by augmented assignment) unless ``data`` is large and its
    backend's arrays mutable. Written whole, ``W -= lr * grad`` makes a
    parameter-sized temporary and reads it back: for a weight bigger than the cache
    that is three trips to memory instead of one. ``W[rows] -= lr * grad[rows]`` keeps each
    slab's temporary in cache.
    """
    if data.ndim == 0 or math.prod(data.shape) < 4 * SLAB or not backend_of(data).mutable_arrays:
        return None
    n = data.shape[0]
    rows = max(1, SLAB * n // math.prod(data.shape))
    return [(slice(i, i + rows if i + rows < n else None), ...) for i in range(0, n, rows)]  # stops within n


def _zeros(param: Parameter, *names: str) -> dict[str, Any]:
    """State arrays ``names``, each zeros like the parameter, on its backend and device."""
    xp = backend_of(param.data).xp
    return {name: xp.zeros_like(param.data) for name in names}


class SGD(Optimizer):
    """Plain gradient descent: ``W -= lr * grad``."""

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__()
        self.lr = _number("SGD", "lr", lr, NON_NEGATIVE)

    def update_one(self, param: Parameter) -> None:
        grad, slabs = param.grad.data, row_slabs(param.data)
        if slabs is None:
            param.data -= self.lr * grad
            return
        data = param.data
        for rows in slabs:
            data[rows] -= self.lr * grad[rows]


class MomentumSGD(Optimizer):
    """Gradient descent with momentum: ``v = momentum v - lr grad; W += v``."""

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__()
        self.lr = _number("MomentumSGD", "lr", lr, NON_NEGATIVE)
        self.momentum = _number("MomentumSGD", "momentum", momentum, UNIT)

    def init_state(self, param: Parameter) -> dict[str, Any]:
        return _zeros(param, "v")

    def update_one(self, param: Parameter) -> None:
        s, grad, slabs = self.state(param), param.grad.data, row_slabs(param.data)
        if slabs is None:
            s.v *= self.momentum
            s.v -= self.lr * grad
            param.data += s.v
            return
        data, v = param.data, s.v  # mutable arrays (row_slabs says): the aliases write into the state
        for rows in slabs:
            v[rows] *= self.momentum
            v[rows] -= self.lr * grad[rows]
            data[rows] += v[rows]


class AdaGrad(Optimizer):
    """Per-element learning rates: ``h += grad²; W -= lr grad / (sqrt(h) + eps)``."""

    def __init__(self, lr: float = 0.001, eps: float = 1e-8) -> None:
        super().__init__()
        self.lr = _number("AdaGrad", "lr", lr, NON_NEGATIVE)
        self.eps = _number("AdaGrad", "eps", eps, POSITIVE)

    def init_state(self, param: Parameter) -> dict[str, Any]:
        return _zeros(param, "h")

    def update_one(self, param: Parameter) -> None:
        xp = backend_of(param.data).xp
        grad = param.grad.data
        s = self.state(param)
        s.h += grad * grad
        param.data -= self.lr * grad / (xp.sqrt(s.h) + self.eps)


class AdaDelta(Optimizer):
    """AdaDelta (no learning rate): running averages of squared gradients and of squared updates."""

    def __init__(self, rho: float = 0.95, eps: float = 1e-6) -> None:
        super().__init__()
        self.rho = _number("AdaDelta", "rho", rho, UNIT)
        self.eps = _number("AdaDelta", "eps", eps, POSITIVE)

    def init_state(self, param: Parameter) -> dict[str, Any]:
        return _zeros(param, "msg", "msdx")

    def update_one(self, param: Parameter) -> None:
        xp = backend_of(param.data).xp
        grad = param.grad.data
        s = self.state(param)
        s.msg *= self.rho
        s.msg += (1 - self.rho) * grad * grad
        dx = xp.sqrt((s.msdx + self.eps) / (s.msg + self.eps)) * grad
        s.msdx *= self.rho
        s.msdx += (1 - self.rho) * dx * dx
        param.data -= dx


class Adam(Optimizer):
    """Adam with bias correction folded into the step size (``lr`` is a property, as in DeZero).

    The step count that corrects the bias is each parameter's own (in its state, as PyTorch keeps
    it): a parameter that joins later, or a fresh model on a reused optimizer, starts at step 1.
    ``t`` counts ``update()`` calls, and ``lr`` is the step size at that count, as DeZero's are.
    """

    counters = ("t",)

    def __init__(self, alpha: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__()
        self.t = 0
        self.alpha = _number("Adam", "alpha", alpha, NON_NEGATIVE)
        self.beta1 = _number("Adam", "beta1", beta1, UNIT)
        self.beta2 = _number("Adam", "beta2", beta2, UNIT)
        self.eps = _number("Adam", "eps", eps, POSITIVE)

    def update(self) -> None:
        with whole_step(self):  # a Ctrl-C while it steps waits for t too
            super().update()
            self.t += 1  # after: an update that raised has counted nothing

    def step_size(self, t: int) -> float:
        """The learning rate of step ``t`` with both bias corrections folded in."""
        fix1 = 1.0 - math.pow(self.beta1, t)
        fix2 = 1.0 - math.pow(self.beta2, t)
        return self.alpha * math.sqrt(fix2) / fix1

    @property
    def lr(self) -> float:
        return self.step_size(self.t)

    def init_state(self, param: Parameter) -> dict[str, Any]:
        return {**_zeros(param, "m", "v"), "t": 0}

    def update_one(self, param: Parameter) -> None:
        xp = backend_of(param.data).xp
        grad = param.grad.data
        s = self.state(param)
        s.t += 1
        s.m += (1 - self.beta1) * (grad - s.m)
        s.v += (1 - self.beta2) * (grad * grad - s.v)
        param.data -= self.step_size(s.t) * s.m / (xp.sqrt(s.v) + self.eps)


class WeightDecay:
    """Hook: add ``rate * W`` to each gradient (L2 regularisation)."""

    def __init__(self, rate: float) -> None:
        self.rate = _number("WeightDecay", "rate", rate, NON_NEGATIVE)

    def __call__(self, params: list[Parameter]) -> None:
        for param in params:
            param.grad = Variable(param.grad.data + self.rate * param.data)


class ClipGrad:
    """Hook: scale all gradients down so that their global L2 norm is at most ``max_norm``."""

    def __init__(self, max_norm: float) -> None:
        self.max_norm = _number("ClipGrad", "max_norm", max_norm, (lambda v: v > 0, "positive"))

    def __call__(self, params: list[Parameter]) -> None:
        total = 0.0
        for param in params:
            xp = backend_of(param.grad.data).xp
            total += float(xp.sum(param.grad.data * param.grad.data))
        rate = self.max_norm / (math.sqrt(total) + 1e-6)
        if rate < 1:
            for param in params:
                param.grad = Variable(param.grad.data * rate)  # a new array: a shared gradient is scaled once


class FreezeParam:
    """Hook: the given layers' (or parameters') gradients are dropped, so they are not updated."""

    def __init__(self, *layers: Any) -> None:
        self.freeze_params: list[Parameter] = []
        for layer in layers:
            if isinstance(layer, Parameter):
                self.freeze_params.append(layer)
            elif isinstance(layer, Layer):
                self.freeze_params.extend(layer.params())
            else:
                raise TypeError(f"FreezeParam: expected Layers or Parameters; got {type(layer).__name__}")

    def __call__(self, params: list[Parameter]) -> None:
        for param in self.freeze_params:
            param.grad = None  # Optimizer.update skips parameters without a gradient


@hookimpl
def dezero_plug_optimizers():
    return [SGD, MomentumSGD, AdaGrad, AdaDelta, Adam, WeightDecay, ClipGrad, FreezeParam]
