"""``dezero_plug.optimizers``: the Optimizer base class, and every optimizer and optimizer hook plugins provide.

Hooks (WeightDecay, ClipGrad, FreezeParam ...) run before each update, in the
order added. A hook replaces gradients (``param.grad = Variable(...)``); it never
edits a gradient array in place, which may be read-only or shared by two parameters.

Per-parameter state (momentum, Adam's moments) lives in ``optimizer.state(param)``
and is updated by augmented assignment **on the state's attribute** —
``state.v *= momentum``, ``param.data -= step`` — never on a local alias
(``v = state.v; v *= momentum``). On a backend with mutable arrays (numpy, cupy)
that updates the array in place, as DeZero does; on one without (JAX), whose
arrays have no in-place operators, Python rebinds the attribute to the new
array. A local alias would be rebound instead, and the stored state would
silently never change.
"""

from __future__ import annotations

import _signal  # signal's own functions, without the enum wrapping of each handler that ``signal`` adds
import contextlib
import os
import signal
import threading
import weakref
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from dezero_plug import backends
from dezero_plug import checkpoint
from dezero_plug.core import Parameter
from dezero_plug.errors import BackendMismatchError
from dezero_plug.errors import raise_with_context
from dezero_plug.registry import accessors as _accessors


class OptimizerState:
    """One parameter's optimizer state: arrays as attributes (``state.v``), on the parameter's backend.

    ``made_for`` is the parameter's shape when the state was made: ``update()`` refuses the state of a
    parameter whose data has since been replaced by an array of another shape.
    """

    __slots__ = ("__dict__", "made_for")

    def __init__(self, arrays: dict[str, Any], made_for: tuple[int, ...]) -> None:
        self.__dict__.update(arrays)
        self.made_for = made_for


class Optimizer:
    """Base class: ``setup(model)``, ``add_hook(f)``, ``update()``; subclasses write ``update_one(param)``.

    ``counters`` names the optimizer's own attributes that are state too (Adam's ``t``): a checkpoint
    (``state_dict``) keeps them beside each parameter's state.
    """

    counters: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.target: Any = None
        self.hooks: list[Callable[[list[Parameter]], None]] = []
        # Keyed by the Parameter itself, weakly: a parameter's state goes with it, and a later
        # parameter never inherits it (an id is reused once its object is freed).
        self.states: weakref.WeakKeyDictionary[Parameter, OptimizerState] = weakref.WeakKeyDictionary()

    def setup(self, target: Any) -> Optimizer:
        """Optimise the parameters of ``target`` (a Layer or Model); returns self.

        Raises:
            TypeError: ``target`` has no ``params()`` (not a Layer or Model).
        """
        if not callable(getattr(target, "params", None)):
            raise TypeError(
                f"{type(self).__name__}.setup: expected a Layer or Model (anything with params()); "
                f"got {type(target).__name__}"
            )
        self.target = target
        return self

    def update(self) -> None:
        """Run the hooks, then update every parameter that has a gradient (frozen ones have none).

        Every parameter's gradient is checked first (its shape and backend against the parameter's),
        and its state checked and moved to its backend: a gradient that does not fit, or a state made
        for another shape or that cannot move, raises, naming the optimizer and the parameter, before
        any parameter has stepped.
        """
        if self.target is None:
            raise RuntimeError(f"{type(self).__name__}.update: no target: call optimizer.setup(model) first")
        params = [p for p in self.target.params() if p.grad is not None]
        for param in params:
            _check_gradient(self, param)
        for param in params:  # a read-only array (a memory map, np.broadcast_to) is rebound, not written
            backend = backends.backend_of(param.data)
            if backend.mutable_arrays and not backend.writable(param.data):
                param.data = backend.from_numpy(backend.to_numpy(param.data))  # from_numpy: a copy
            _prepare_state(self, param)
        grads = [param.grad for param in params]
        try:
            for hook in self.hooks:
                hook(params)
        except BaseException:  # a hook that stopped part-way: every gradient as it was, so a retry is exact
            for param, grad in zip(params, grads):
                param.grad = grad
            raise
        done: list[Parameter] = []
        with whole_step(self):
            for param in params:
                if param.grad is not None:
                    try:
                        self.update_one(param)
                    except (Exception, KeyboardInterrupt) as exc:  # never silently half-done: say what it changed
                        raise_with_context(exc, _partly_updated(self, param, done))
                    done.append(param)

    def update_one(self, param: Parameter) -> None:
        raise NotImplementedError(f"{type(self).__name__}.update_one is not implemented")

    def init_state(self, param: Parameter) -> dict[str, Any]:
        """The state arrays a new parameter starts with (``{"v": zeros_like(param.data)}``); none by default."""
        return {}

    def state(self, param: Parameter) -> OptimizerState:
        """``param``'s state, made by ``init_state`` on first use (``update()`` moves it when the parameter moved)."""
        state = self.states.get(param)
        if state is None:
            state = self.states[param] = OptimizerState(self.init_state(param), tuple(param.data.shape))
        return state

    def state_dict(self) -> dict[str, Any]:
        """The state of every parameter (by its ``save_weights`` name) and the counters, as numpy copies.

        See ``dezero_plug.checkpoint``: ``{'l1/W/v': array, ..., 'optimizer/t': array(3)}``.
        """
        return checkpoint.state_dict(self)

    def load_state_dict(self, entries: dict[str, Any], source: str = "the state dict") -> None:
        """Replace the state by ``entries`` (from ``state_dict``), on each parameter's backend; all or nothing.

        Raises:
            CheckpointError: (a ValueError) a missing, extra or mis-shaped entry, naming it; nothing loaded.
        """
        states, counters = checkpoint.validated(self, entries, source)
        self.states = weakref.WeakKeyDictionary(
            (param, OptimizerState(fields, tuple(param.data.shape))) for param, fields in states
        )
        for name, value in counters.items():
            setattr(self, name, value)

    def save_state(self, path: str | os.PathLike[str]) -> None:
        """Save ``state_dict()`` to an npz file (``.npz`` appended when missing), atomically."""
        checkpoint.save_state(self, path)

    def load_state(self, path: str | os.PathLike[str]) -> None:
        """Load a file ``save_state`` wrote, checked as ``load_weights`` checks weights; all or nothing.

        Raises:
            CheckpointError: (a ValueError) a file that is not such an npz archive, or entries that do not fit.
        """
        entries, path = checkpoint.read(self, path)
        self.load_state_dict(entries, source=path)

    def __getstate__(self) -> dict[str, Any]:
        """For pickling (with its model): the weakly keyed states as a list of (parameter, state) pairs."""
        state = dict(self.__dict__)
        state["states"] = list(self.states.items())
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.states = weakref.WeakKeyDictionary(state["states"])

    def add_hook(self, f: Callable[[list[Parameter]], None]) -> None:
        """Call ``f(params)`` before every update (WeightDecay, ClipGrad ...)."""
        self.hooks.append(f)


def _name_of(optimizer: Optimizer, param: Parameter) -> str:
    """``param``'s ``save_weights`` name in the optimizer's target, else its own name (for messages)."""
    named: dict[str, Parameter] = getattr(optimizer.target, "named_params", dict)()
    return next((name for name, p in named.items() if p is param), param.name or "(unnamed)")


@contextlib.contextmanager
def whole_step(optimizer: Optimizer) -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) that comes inside the block until the block ends: a step is whole or not taken.

    ``update()`` steps its parameters inside one. After the block the signal goes to the handler the
    program had: Python's own raises a KeyboardInterrupt saying the step completed; another handler
    (an outer ``whole_step``: Adam's ``update`` wraps ``super().update()`` and its count ``t`` in one)
    gets it then. Only the main thread gets SIGINT, so elsewhere the block runs as it is, and so it does
    under a handler Python did not install (an embedding program's: it could not be put back).
    """
    main = threading.current_thread() is threading.main_thread()
    previous = _signal.getsignal(signal.SIGINT) if main else None
    if previous is None:
        yield
        return
    held: list[int] = []
    _signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        _signal.signal(signal.SIGINT, previous)
    if held and previous is signal.default_int_handler:
        raise KeyboardInterrupt(
            f"{type(optimizer).__name__}.update: interrupted (Ctrl-C) while parameters stepped; the step was "
            "completed first, so every parameter and its state took it"
        )
    if held:
        signal.raise_signal(signal.SIGINT)  # to the program's own handler (or ignored, or the default action)


def _prepare_state(optimizer: Optimizer, param: Parameter) -> None:
    """Check ``param``'s state and move its arrays to the parameter's backend (after ``to_backend``), before any
    parameter steps: a state made for another shape of the parameter, or that cannot move (a backend
    refusing it, a device out of memory), fails the update whole, naming the optimizer and the parameter."""
    state = optimizer.states.get(param)
    if state is None:
        return
    if tuple(param.data.shape) != state.made_for:
        raise ValueError(
            f"{type(optimizer).__name__}.update: parameter {_name_of(optimizer, param)!r} has shape "
            f"{tuple(param.data.shape)}, but its state was made for {state.made_for} (its data was replaced by an "
            "array of another shape): start its state afresh with `del optimizer.states[param]`; nothing was updated"
        )
    here, target = type(param.data), backends.backend_of(param.data)
    for field, value in vars(state).items():
        if type(value) is here or backends.find_backend(type(value)) is None:
            continue  # on the parameter's backend already, or a number (Adam's step count)
        try:
            vars(state)[field] = backends.move(value, target)
        except Exception as exc:
            where = f"{type(optimizer).__name__}.update: the state of parameter {_name_of(optimizer, param)!r}"
            if isinstance(exc, (TypeError, ValueError)):  # the target refuses it (a dtype it cannot hold ...)
                op = f"{where} ({field!r}; no parameter has stepped)"
                raise BackendMismatchError(op, [backends.backend_of(value).name, target.name]) from exc
            raise_with_context(exc, where + " (no parameter has stepped)")


def _partly_updated(optimizer: Optimizer, param: Parameter, done: list[Parameter]) -> str:
    """Where an update failed: ``param``, and the parameters this step had already updated."""
    updated = [_name_of(optimizer, p) for p in done]
    where = f"{type(optimizer).__name__}.update: parameter {_name_of(optimizer, param)!r}"
    if updated:
        where += f" (this step had already updated {updated} and their state: reload a checkpoint to undo it)"
    return where


def _check_gradient(optimizer: Optimizer, param: Parameter) -> None:
    """Refuse a gradient that does not fit its parameter, naming both, before anything is updated."""
    grad, data = param.grad.data, param.data  # type: ignore[union-attr]
    problem = None
    if data is None:
        problem = "has a gradient but no data"
    elif type(grad) is not type(data):
        problem = f"holds {type(data).__name__} data but a {type(grad).__name__} gradient (move both: to_backend)"
    elif tuple(grad.shape) != tuple(data.shape):
        problem = f"has shape {tuple(data.shape)} but its gradient {tuple(grad.shape)}"
    elif backends.dtype_rank(backends.backend_of(data), data.dtype) < 2:
        problem = f"holds {data.dtype} data: optimizers step floating-point parameters (cast it: .astype(np.float32))"
    if problem is not None:
        name = _name_of(optimizer, param)
        raise ValueError(f"{type(optimizer).__name__}.update: parameter {name!r} {problem}; nothing was updated")


__getattr__, __dir__ = _accessors("optimizers", __name__)
