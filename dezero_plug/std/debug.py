"""Debugging hooks: TimerHook (time per op), TraceHook (ops with shapes and dtypes), AnomalyHook (NaN/inf).

Each is a :class:`dezero_plug.extend.FunctionHook`, used as a context manager
(``with TimerHook() as timer: ...``); see ``dezero_plug.function_hooks``. They
see both backward paths: the plain one on raw arrays and the differentiable one.
"""

from __future__ import annotations

import linecache
import sys
import time
import weakref
from typing import Any
from typing import TextIO

from dezero_plug.errors import AnomalyError
from dezero_plug.errors import describe_arrays
from dezero_plug.extend import Function
from dezero_plug.extend import FunctionHook
from dezero_plug.extend import Variable
from dezero_plug.extend import backend_of
from dezero_plug.extend import hookimpl


def _arrays(values: Any) -> list[Any]:
    """The raw arrays among op inputs, outputs or gradients (Variables unwrapped; None and scalars left out)."""
    values = values if isinstance(values, (tuple, list)) else (values,)
    found = []
    for value in values:
        data = value.data if isinstance(value, Variable) else value
        if hasattr(data, "shape") and hasattr(data, "dtype"):
            found.append(data)
    return found


class TimerHook(FunctionHook):
    """Time spent in each op, forward and backward: ``report()`` prints calls, total and mean per op.

    Times are exclusive: an op run inside another's backward (a differentiable
    backward is made of ops) counts for itself, not twice, so the totals add up
    to the time spent in ops. ``total()`` is their sum, in seconds.
    """

    name = "timer"

    def __init__(self) -> None:
        self.calls: dict[tuple[str, str], list[float]] = {}  # (op, "forward"/"backward") -> [calls, seconds]
        self._stack: list[list[float]] = []  # [start, time of nested ops] of the events now running
        self._names: dict[type, str] = {}  # op class -> op_name, worked out once (the clock is off meanwhile)

    def _start(self) -> None:
        self._stack.append([time.perf_counter(), 0.0])

    def _stop(self, function: Function, phase: str) -> None:
        start, nested = self._stack.pop()
        elapsed = time.perf_counter() - start
        if self._stack:
            self._stack[-1][1] += elapsed
        cls = type(function)
        name = function.__dict__.get("name") or self._names.get(cls) or self._names.setdefault(cls, function.op_name)
        entry = self.calls.setdefault((name, phase), [0, 0.0])
        entry[0] += 1
        entry[1] += elapsed - nested

    def forward_preprocess(self, function: Function, inputs: tuple[Any, ...]) -> None:
        self._start()

    def forward_postprocess(self, function: Function, inputs: tuple[Any, ...], outputs: Any) -> None:
        self._stop(function, "forward")

    def backward_preprocess(self, function: Function, grad_outputs: tuple[Any, ...]) -> None:
        self._start()

    def backward_postprocess(
        self, function: Function, grad_outputs: tuple[Any, ...], grad_inputs: tuple[Any, ...]
    ) -> None:
        self._stop(function, "backward")

    def total(self) -> float:
        """Seconds spent in ops, forward and backward, since the hook was made."""
        return sum(seconds for _, seconds in self.calls.values())

    def summary(self) -> dict[str, dict[str, dict[str, float]]]:
        """``{op: {"forward": {"calls", "total", "mean"}, "backward": {...}}}`` (seconds)."""
        table: dict[str, dict[str, dict[str, float]]] = {}
        for (op, phase), (calls, seconds) in self.calls.items():
            table.setdefault(op, {})[phase] = {"calls": calls, "total": seconds, "mean": seconds / calls}
        return table

    def report(self) -> str:
        """A table, the slowest op first: op, phase, calls, total (ms), mean (µs)."""
        rows = sorted(self.calls.items(), key=lambda item: -item[1][1])
        lines = [f"{'op':<24} {'phase':<9} {'calls':>8} {'total ms':>10} {'mean us':>10}"]
        for (op, phase), (calls, seconds) in rows:
            lines.append(f"{op:<24} {phase:<9} {calls:>8} {seconds * 1e3:>10.3f} {seconds / calls * 1e6:>10.2f}")
        lines.append(f"{'total':<24} {'':<9} {sum(c for c, _ in self.calls.values()):>8} {self.total() * 1e3:>10.3f}")
        return "\n".join(lines)


def _describe(arrays: list[Any]) -> str:
    return describe_arrays(tuple(arrays)) or "-"


class TraceHook(FunctionHook):
    """One line per op call: phase, op, input shapes and dtypes -> output shapes and dtypes.

    Lines are kept in ``lines`` and written to ``file`` when one is given (``sys.stderr`` ...).
    """

    name = "trace"

    def __init__(self, file: TextIO | None = None) -> None:
        self.file = file
        self.lines: list[str] = []

    def _emit(self, line: str) -> None:
        self.lines.append(line)
        if self.file is not None:
            print(line, file=self.file)

    def forward_postprocess(self, function: Function, inputs: tuple[Any, ...], outputs: Any) -> None:
        self._emit(f"forward  {function.op_name}: {_describe(_arrays(inputs))} -> {_describe(_arrays(outputs))}")

    def backward_postprocess(
        self, function: Function, grad_outputs: tuple[Any, ...], grad_inputs: tuple[Any, ...]
    ) -> None:
        self._emit(
            f"backward {function.op_name}: {_describe(_arrays(grad_outputs))} -> {_describe(_arrays(grad_inputs))}"
        )


def _first_bad(arrays: list[Any]) -> tuple[int, str] | None:
    """(index, "nan" or "inf") of the first floating array holding NaN or inf, or None."""
    for i, a in enumerate(arrays):
        backend = backend_of(a)
        if backend.dtype_kind(a.dtype) not in ("f", "c"):
            continue
        xp = backend.xp
        if not bool(xp.all(xp.isfinite(a))):
            return i, "nan" if bool(xp.any(xp.isnan(a))) else "inf"
    return None


def _user_site() -> str:
    """``file:line in function: source`` of the innermost caller outside dezero_plug and its plugins."""
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not (module == "dezero_plug" or module.startswith(("dezero_plug.", "dezero_plug_"))):
            code = frame.f_code
            source = linecache.getline(code.co_filename, frame.f_lineno).strip()
            return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}: {source}"
        frame = frame.f_back  # type: ignore[assignment]
    return "(no caller outside dezero_plug)"


class AnomalyHook(FunctionHook):
    """Raise :class:`dezero_plug.errors.AnomalyError` at the first op that makes NaN or inf from finite values.

    Forward: an output holds NaN or inf while every input was finite. Backward:
    a returned gradient holds NaN or inf while the op's inputs and incoming
    gradients were finite. (numpy still warns first, "invalid value encountered".)
    The message names the op, what it made and the line of your code that called
    it (recorded at forward time, so a backward anomaly points at the forward call).
    """

    name = "anomaly"

    def __init__(self) -> None:
        self._sites: weakref.WeakKeyDictionary[Function, str] = weakref.WeakKeyDictionary()
        self._in_backward: list[Function] = []  # ops whose differentiable backward is running (made of ops)

    def __enter__(self) -> AnomalyHook:
        self._in_backward.clear()
        super().__enter__()
        return self

    def forward_postprocess(self, function: Function, inputs: tuple[Any, ...], outputs: Any) -> None:
        bad = _first_bad(_arrays(outputs))
        if self._in_backward:  # an op of a differentiable backward: an anomaly here is that backward's
            if bad is not None and _first_bad(_arrays(inputs)) is None:
                owner = self._in_backward[-1]
                raise AnomalyError(
                    f"{owner.op_name}: backward produced {bad[1]} (in its {function.op_name}) from finite "
                    f"values; the op was called at {self._sites.get(owner, '(before the hook was on)')}"
                )
            return
        site = _user_site()
        self._sites[function] = site
        if bad is not None and _first_bad(_arrays(inputs)) is None:
            raise AnomalyError(
                f"{function.op_name}: forward produced {bad[1]} in output {bad[0]} from finite inputs "
                f"({_describe(_arrays(inputs))}); called at {site}"
            )

    def backward_preprocess(self, function: Function, grad_outputs: tuple[Any, ...]) -> None:
        self._in_backward.append(function)

    def backward_postprocess(
        self, function: Function, grad_outputs: tuple[Any, ...], grad_inputs: tuple[Any, ...]
    ) -> None:
        self._in_backward.pop()
        for i, g in enumerate(grad_inputs):
            data = g.data if isinstance(g, Variable) else g
            bad = _first_bad([data]) if data is not None else None
            if bad is not None and _first_bad(_arrays(grad_outputs) + _arrays(function.inputs)) is None:
                inputs = _describe(_arrays(function.inputs))
                raise AnomalyError(
                    f"{function.op_name}: backward produced {bad[1]} in the gradient of input {i} "
                    f"(inputs {inputs}) from finite output gradients; the op was called at "
                    f"{self._sites.get(function, '(before the hook was on)')}"
                )


@hookimpl
def dezero_plug_function_hooks():
    return [TimerHook, TraceHook, AnomalyHook]
