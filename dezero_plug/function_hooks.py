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
import weakref
from typing import Any

from dezero_plug import core
from dezero_plug.registry import accessors as _accessors

_active: contextvars.ContextVar[tuple[FunctionHook, ...]] = contextvars.ContextVar("function_hooks", default=())
_lock = threading.Lock()
# Hooks entered and not yet exited, per thread: the hooked paths are installed while any thread has one. A
# thread that ends with a hook still on gives its count back when its Thread object is collected.
_entered: dict[int, int] = {}
_watched: weakref.WeakSet[threading.Thread] = weakref.WeakSet()  # threads whose end gives their count back


def _count(thread: int, change: int) -> None:
    with _lock:
        before = sum(_entered.values())
        left = _entered.get(thread, 0) + change
        if left > 0:
            _entered[thread] = left
        else:
            _entered.pop(thread, None)
        after = sum(_entered.values())
        if before == 0 and after > 0:
            core.install_function_hooks(_hooked_call, _hooked_backward)
        elif before > 0 and after == 0:
            core.install_function_hooks(None, None)


def _forget_thread(thread: int) -> None:
    _count(thread, -_entered.get(thread, 0))


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
        thread = threading.current_thread()
        if thread not in _watched:  # its hooks' count goes back when the thread object does (a dead thread)
            _watched.add(thread)
            weakref.finalize(thread, _forget_thread, id(thread))
        self.__dict__.setdefault("_entered_in", []).append(id(thread))
        _count(id(thread), +1)
        if self not in _active.get():  # entered again (reentrant): still one hook, called once per op
            _active.set(_active.get() + (self,))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        """Take this hook off when its last entry in this thread exits, whatever the order hooks exit in
        (another thread's exit is refused: hooks are per thread)."""
        thread = id(threading.current_thread())
        entered_in = self.__dict__.get("_entered_in", [])
        if thread not in entered_in:
            raise RuntimeError(
                f"{type(self).__name__} exited in a thread it was not entered in: hooks are per thread, exit "
                "it in the thread that entered it"
            )
        entered_in.remove(thread)
        if thread not in entered_in:
            _active.set(tuple(hook for hook in _active.get() if hook is not self))
        _count(thread, -1)


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
