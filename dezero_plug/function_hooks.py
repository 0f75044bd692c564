"""``dezero_plug.function_hooks``: debugging hooks around every op, and every hook the plugins provide.

In the spirit of Chainer's ``FunctionHook`` and PyTorch's anomaly mode. A hook
is a context manager; inside the block it sees every op's forward (raw input
and output arrays) and every op's backward (the gradients, on either path:
the plain one on raw arrays, or the differentiable one under
``create_graph=True``)::

    from dezero_plug.function_hooks import TimerHook, TraceHook, AnomalyHook

    with TimerHook() as timer:
        loss = model(x); loss.backward()
    print(timer.report())            # calls, total and mean time per op, forward and backward

    with AnomalyHook():              # raises AnomalyError naming the op and your line
        loss.backward()

Hooks are per thread and per asyncio task, like ``Config``: another thread's
ops are not seen. Off, they cost nothing: entering the first hook swaps in a
hooked ``Function.__call__`` and backward runner, and leaving the last one
swaps the plain ones back (``core.install_function_hooks``).

Write your own by subclassing :class:`FunctionHook` and overriding any of its
four methods; provide it to others with the ``dezero_plug_function_hooks`` hook.
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any

from dezero_plug import core
from dezero_plug.registry import accessors as _accessors

_active: contextvars.ContextVar[tuple[FunctionHook, ...]] = contextvars.ContextVar("function_hooks", default=())
_lock = threading.Lock()
_entered = 0  # hooks entered in any thread: the hooked paths are installed while this is above 0


class FunctionHook:
    """Base class of debugging hooks: override what you need; each method is called for every op.

    ``function`` is the op (a :class:`dezero_plug.Function`; ``function.op_name``
    names it); arrays are raw backend arrays. ``inputs`` are what the op was
    called with (Variables, arrays or scalars); ``outputs`` is what it returned
    (a Variable or a tuple of them). ``grad_outputs`` are the gradients of the
    op's outputs and ``grad_inputs`` what its backward returned (raw arrays on
    the plain path, Variables under ``create_graph=True``; None where there is none).
    """

    name: str = ""

    def forward_preprocess(self, function: core.Function, inputs: tuple[Any, ...]) -> None:
        """Called before ``function`` computes its outputs."""

    def forward_postprocess(self, function: core.Function, inputs: tuple[Any, ...], outputs: Any) -> None:
        """Called after ``function`` computed ``outputs``."""

    def backward_preprocess(self, function: core.Function, grad_outputs: tuple[Any, ...]) -> None:
        """Called before ``function``'s backward runs."""

    def backward_postprocess(
        self, function: core.Function, grad_outputs: tuple[Any, ...], grad_inputs: tuple[Any, ...]
    ) -> None:
        """Called after ``function``'s backward returned ``grad_inputs`` (one per input)."""

    def __enter__(self) -> FunctionHook:
        global _entered
        with _lock:
            if _entered == 0:
                core.install_function_hooks(_hooked_call, _hooked_backward)
            _entered += 1
        self._token = _active.set(_active.get() + (self,))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        global _entered
        _active.reset(self._token)
        with _lock:
            _entered -= 1
            if _entered == 0:
                core.install_function_hooks(None, None)


def active() -> tuple[FunctionHook, ...]:
    """The hooks on in this thread or task, outermost first."""
    return _active.get()


_plain_call = core.PLAIN_FUNCTION_CALL


def _hooked_call(self: core.Function, *inputs: Any) -> Any:
    hooks = _active.get()
    if not hooks:  # on in another thread only
        return _plain_call(self, *inputs)
    for hook in hooks:
        hook.forward_preprocess(self, inputs)
    outputs = _plain_call(self, *inputs)
    for hook in reversed(hooks):
        hook.forward_postprocess(self, inputs, outputs)
    return outputs


def _hooked_backward(function: core.Function, on_arrays: Any, gys: list[Any]) -> Any:
    hooks = _active.get()
    grad_outputs = tuple(gys)
    for hook in hooks:
        hook.backward_preprocess(function, grad_outputs)
    gxs = core.run_plain_backward(function, on_arrays, gys)
    grad_inputs = gxs if type(gxs) is tuple else (gxs,)
    for hook in reversed(hooks):
        hook.backward_postprocess(function, grad_outputs, grad_inputs)
    return gxs


__getattr__, __dir__ = _accessors("function_hooks", __name__, base=FunctionHook)
