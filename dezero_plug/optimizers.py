"""``dezero_plug.optimizers``: the Optimizer base class, and every optimizer and optimizer hook plugins provide.

Hooks (WeightDecay, ClipGrad, FreezeParam ...) run before each update, in the
order added. A hook replaces gradients (``param.grad = Variable(...)``); it never
edits a gradient array in place, which may be read-only or shared by two parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dezero_plug.core import Parameter
from dezero_plug.namespace import accessors as _accessors


class Optimizer:
    """Base class: ``setup(model)``, ``add_hook(f)``, ``update()``; subclasses write ``update_one(param)``."""

    def __init__(self) -> None:
        self.target: Any = None
        self.hooks: list[Callable[[list[Parameter]], None]] = []

    def setup(self, target: Any) -> Optimizer:
        """Optimise the parameters of ``target`` (a Layer or Model); returns self."""
        self.target = target
        return self

    def update(self) -> None:
        """Run the hooks, then update every parameter that has a gradient (frozen ones have none)."""
        params = [p for p in self.target.params() if p.grad is not None]
        for hook in self.hooks:
            hook(params)
        for param in params:
            if param.grad is not None:
                self.update_one(param)

    def update_one(self, param: Parameter) -> None:
        raise NotImplementedError(f"{type(self).__name__}.update_one is not implemented")

    def add_hook(self, f: Callable[[list[Parameter]], None]) -> None:
        """Call ``f(params)`` before every update (WeightDecay, ClipGrad ...)."""
        self.hooks.append(f)


__getattr__, __dir__ = _accessors("optimizers", __name__)
