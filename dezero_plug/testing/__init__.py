"""The conformance kit for op authors: OpSample, numerical gradients, and checks that raise with the diff.

Importing this module does not import pytest; the pytest plugin that turns
every registered op's samples into tests is ``dezero_plug.testing.pytest_plugin``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug.core import Variable
from dezero_plug.core import no_grad
from dezero_plug.testing.optimizer_check import check_optimizer

# (atol, rtol, eps) of the central differences, by dtype name.
CATEGORIES = ("elementwise", "reduction", "shape", "other")
TOLERANCES = {"float64": (1e-6, 1e-4, 1e-6), "float32": (1e-2, 1e-2, 1e-2), "float16": (5e-2, 5e-2, 1e-1)}


class OpSample:
    """One call of an op for the conformance kit: which inputs to generate and which kwargs to pass.

    Args:
        *inputs: per input, a shape tuple (a float array drawn uniformly from
            [low, high) is generated; differentiable), a numpy array (used as
            is; differentiable when float), or a Python scalar (a constant).
        kwargs: keyword arguments of the call.
        dtype: float dtype of the generated inputs.
        low: lower end of the generated values (keep clear of kinks: log needs low > 0).
        high: upper end of the generated values.
        grad: indices of the inputs to check gradients for (default: every float array input).
        double: check double backprop too (False for ops that stay first-order).
        call: called instead of the op, as ``call(*inputs, **kwargs)`` (to test ``x + 1``, methods ...).
        id: a readable test id suffix.
        random: the call draws random numbers (seed them inside ``call`` with ``backend.seed``); its
            values are compared across backends only where both draw from numpy's generator, not on
            a backend with its own (``own_generator``: cupy, jax).
        reference: the forward oracle: a numpy function taking the sample's numpy inputs and kwargs
            (``reference=np.sinh``), or the expected output values; ``test_forward`` compares with it.
        category: ``"elementwise"``, ``"reduction"``, ``"shape"`` or ``"other"`` (the default). For an
            elementwise or reduction op the kit derives edge cases itself: the sample with every
            generated input 0-d, and with an empty batch (first axis 0); see ``edge_cases``.

    Example:
        >>> OpSample((3, 4), (4,), id="broadcast")   # e.g. for add
    """

    def __init__(
        self,
        *inputs: Any,
        kwargs: dict[str, Any] | None = None,
        dtype: str = "float64",
        low: float = -1.0,
        high: float = 1.0,
        grad: Sequence[int] | None = None,
        double: bool = True,
        call: Callable[..., Any] | None = None,
        id: str | None = None,
        random: bool = False,
        reference: Any = None,
        category: str = "other",
    ) -> None:
        if category not in CATEGORIES:
            raise ValueError(f"OpSample: category must be one of {CATEGORIES}; got {category!r}")
        self.category = category
        self.inputs = inputs
        self.kwargs = kwargs or {}
        self.dtype = dtype
        self.low, self.high = low, high
        self.double = double
        self.call = call
        self.id = id
        self.random = random
        self.reference = reference
        if grad is None:
            grad = [i for i, x in enumerate(inputs) if _is_float_input(x)]
        self.grad = tuple(grad)

    def make_inputs(self, seed: int = 0, dtype: str | None = None) -> list[Any]:
        """The inputs as numpy arrays / scalars, reproducibly drawn from ``seed``."""
        rng = np.random.default_rng(seed)
        dtype = dtype or self.dtype
        made = []
        for x in self.inputs:
            if isinstance(x, tuple):
                made.append(rng.uniform(self.low, self.high, size=x).astype(dtype))
            elif isinstance(x, np.ndarray) and x.dtype.kind == "f":
                made.append(x.astype(dtype))
            else:
                made.append(x)
        return made

    def edge_cases(self) -> list[tuple[str, OpSample]]:
        """The derived samples of an elementwise or reduction op: ``("0-d", ...)`` and ``("empty", ...)``.

        0-d: every generated input becomes shape ``()`` and an ``axis`` becomes None (a 0-d input has no
        axis to name). Empty: every generated input of the largest rank gets a first (batch) axis of 0.
        Samples with given arrays (not shapes) or a ``call`` derive nothing: the kit cannot know their meaning.
        """
        if self.category not in ("elementwise", "reduction") or self.call is not None:
            return []
        if not any(isinstance(x, tuple) for x in self.inputs) or any(isinstance(x, np.ndarray) for x in self.inputs):
            return []
        zero_d = [() if isinstance(x, tuple) else x for x in self.inputs]
        kwargs = dict(self.kwargs, axis=None) if "axis" in self.kwargs else dict(self.kwargs)
        cases = [("0-d", self._with(zero_d, kwargs))]
        batch_ndim = max(len(x) for x in self.inputs if isinstance(x, tuple))
        if batch_ndim:  # the inputs of full rank lose their batch; lower-rank ones broadcast as before
            empty = [(0, *x[1:]) if isinstance(x, tuple) and len(x) == batch_ndim else x for x in self.inputs]
            cases.append(("empty", self._with(empty, dict(self.kwargs))))
        return cases

    def _with(self, inputs: list[Any], kwargs: dict[str, Any]) -> OpSample:
        return OpSample(
            *inputs,
            kwargs=kwargs,
            dtype=self.dtype,
            low=self.low,
            high=self.high,
            grad=self.grad,
            double=False,
            random=self.random,
            reference=self.reference if callable(self.reference) else None,
            category=self.category,
        )

    def __repr__(self) -> str:
        shown = ", ".join(repr(x) if not isinstance(x, np.ndarray) else f"array{x.shape}" for x in self.inputs)
        return f"OpSample({shown}{', ' + repr(self.kwargs) if self.kwargs else ''})"


def run_fresh(code: str, timeout: float = 300, warnings: str = "error", **env: str) -> tuple[int, str, str]:
    """Run ``code`` in a fresh interpreter (``-W error`` unless ``warnings`` says otherwise):
    ``(returncode, stdout, stderr)``.

    For a plugin's tests of what happens at import (registration, lazy imports): the ``DEZERO_PLUG_*``
    variables of this process are dropped, and only those in ``env`` set, so entry points load as a user's do.
    """
    import os
    import subprocess
    import sys
    import textwrap

    environ = {k: v for k, v in os.environ.items() if not k.startswith("DEZERO_PLUG_")}
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-W", warnings, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=timeout,
    )
    return done.returncode, done.stdout, done.stderr


def usable_backend(name: str) -> backends.Backend:
    """The registered backend ``name``, or a pytest skip that says why it cannot run here (its library missing)."""
    import pytest

    backend = backends.get_backend(name)
    reason = backend.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    return backend


def distinct_values(shape: tuple[int, ...], seed: int | None = None) -> np.ndarray:
    """Sample values 0.1 apart in a fixed random order (seed: the size by default).

    For ops with kinks (max, min, pooling): no ties, and no kink within the finite-difference step.
    """
    size = int(np.prod(shape))
    rng = np.random.default_rng(size if seed is None else seed)
    return (rng.permutation(size) * 0.1 - size * 0.05).reshape(shape)


def _is_float_input(x: Any) -> bool:
    return isinstance(x, tuple) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")


def _on(backend: backends.Backend, x: Any) -> Any:
    return backend.from_numpy(x) if isinstance(x, np.ndarray) else x


def _outputs(result: Any) -> list[Variable]:
    return list(result) if isinstance(result, (list, tuple)) else [result]


def numerical_grad(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    grad_outputs: Sequence[np.ndarray],
    argnums: Sequence[int],
    backend: backends.Backend,
    eps: float,
) -> list[np.ndarray]:
    """Central-difference gradient of ``sum_k sum(f(*inputs)[k] * grad_outputs[k])`` (numpy, float64)."""

    def objective(values: list[Any]) -> float:
        # Not under no_grad: f may itself run a backward pass (check_double_backward).
        ys = _outputs(f(*[Variable(_on(backend, v)) if isinstance(v, np.ndarray) else v for v in values]))
        return sum(float(np.sum(backend.to_numpy(y.data).astype(np.float64) * g)) for y, g in zip(ys, grad_outputs))

    values = list(inputs)
    grads = []
    for i in argnums:
        x = np.array(values[i], copy=True)
        grad = np.zeros(x.shape, dtype=np.float64)
        for index in np.ndindex(*x.shape):
            original = x[index]
            x[index] = original + eps
            values[i] = x.copy()
            plus = objective(values)
            x[index] = original - eps
            values[i] = x.copy()
            minus = objective(values)
            x[index] = original
            grad[index] = (plus - minus) / (2 * eps)
        values[i] = x
        grads.append(grad)
    return grads


def compare(
    label: str,
    expected: np.ndarray,
    actual: np.ndarray,
    atol: float,
    rtol: float,
    names: tuple[str, str] = ("numerical", "backprop"),
) -> None:
    """Raise AssertionError naming ``label``, the worst element (index, both values) and the tolerances."""
    __tracebackhide__ = True
    if expected.shape != actual.shape:
        raise AssertionError(f"{label}: shape {actual.shape} from {names[1]}, expected {expected.shape}")
    if not np.allclose(actual, expected, atol=atol, rtol=rtol):
        diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
        worst = np.unravel_index(np.argmax(diff), diff.shape) if diff.ndim else ()
        at = tuple(int(i) for i in worst)
        raise AssertionError(
            f"{label} differs: max |diff| {diff.max():.3g} at index {at}: {names[0]} {expected[at]!r}, "
            f"{names[1]} {actual[at]!r} (atol={atol}, rtol={rtol})\n"
            f"  {names[0] + ':':<10} {np.array2string(expected.ravel()[:6], precision=6)}\n"
            f"  {names[1] + ':':<10} {np.array2string(actual.ravel()[:6], precision=6)}"
        )


def _prepare(
    inputs: Sequence[Any], argnums: Sequence[int] | None, backend: backends.Backend | None
) -> tuple[list[Any], list[int], backends.Backend, str]:
    arrays = [backends.to_numpy(x) if backends.find_backend(type(x)) else x for x in inputs]
    if backend is None:
        first = next((x for x in inputs if backends.find_backend(type(x))), None)
        backend = backends.backend_of(first) if first is not None else backends.default_backend()
    if argnums is None:
        argnums = [i for i, x in enumerate(arrays) if isinstance(x, np.ndarray) and x.dtype.kind == "f"]
    dtype = next((arrays[i].dtype.name for i in argnums), "float64")
    return arrays, list(argnums), backend, dtype


def _backprop(
    f: Callable[..., Any],
    arrays: list[Any],
    argnums: list[int],
    backend: backends.Backend,
    grad_outputs: list[np.ndarray],
    create_graph: bool,
) -> tuple[list[Variable], list[Any]]:
    variables = [Variable(_on(backend, x)) if isinstance(x, np.ndarray) else x for x in arrays]
    ys = _outputs(f(*variables))
    total = None
    for y, g in zip(ys, grad_outputs):
        term = (y * Variable(backend.from_numpy(g.astype(backend.to_numpy(y.data).dtype)))).sum()
        total = term if total is None else total + term
    assert total is not None
    total.backward(create_graph=create_graph)
    return variables, ys


def check_backward(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    grad_outputs: Sequence[np.ndarray] | None = None,
    argnums: Sequence[int] | None = None,
    backend: backends.Backend | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
    seed: int = 0,
    order: str = "first-order",
) -> None:
    """Check ``f``'s backprop gradients against central differences; raise AssertionError with the diff.

    Args:
        f: takes Variables (and constants) and returns a Variable or a tuple of them.
        inputs: arrays of any backend, or Python scalars (constants).
        grad_outputs: upstream gradients (numpy), random when None.
        argnums: which inputs to check (default: every float array).
        backend: where to run (default: the backend of the first array input).
    """
    __tracebackhide__ = True
    arrays, argnums, backend, dtype = _prepare(inputs, argnums, backend)
    d_atol, d_rtol, d_eps = TOLERANCES.get(dtype, TOLERANCES["float64"])
    probe = _outputs(f(*[Variable(_on(backend, x)) if isinstance(x, np.ndarray) else x for x in arrays]))
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        grad_outputs = [rng.uniform(-1, 1, size=y.shape) for y in probe]
    grad_outputs = [np.asarray(g, dtype=np.float64) for g in grad_outputs]
    variables, _ = _backprop(f, arrays, argnums, backend, list(grad_outputs), create_graph=False)
    expected = numerical_grad(f, arrays, grad_outputs, argnums, backend, eps or d_eps)
    for i, numeric in zip(argnums, expected):
        grad = variables[i].grad
        # No gradient reached the input: right only where the true gradient is zero (linear ops, twice).
        actual = np.zeros_like(numeric) if grad is None else backend.to_numpy(grad.data).astype(np.float64)
        compare(f"{order} gradient of input {i}", numeric, actual, atol or d_atol, rtol or d_rtol)


def check_double_backward(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    argnums: Sequence[int] | None = None,
    backend: backends.Backend | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
    seed: int = 0,
) -> None:
    """Check second derivatives: backprop through ``backward(create_graph=True)`` against central differences."""
    __tracebackhide__ = True
    arrays, argnums, backend, _ = _prepare(inputs, argnums, backend)
    rng = np.random.default_rng(seed + 1)
    with no_grad():
        probe = _outputs(f(*[Variable(_on(backend, x)) if isinstance(x, np.ndarray) else x for x in arrays]))
    grad_outputs = [rng.uniform(-1, 1, size=y.shape) for y in probe]

    def first_grads(*xs: Any) -> tuple[Variable, ...]:
        variables = list(xs)
        for i in argnums:
            if not isinstance(variables[i], Variable):
                variables[i] = Variable(variables[i])
        ys = _outputs(f(*variables))
        total = None
        for y, g in zip(ys, grad_outputs):
            term = (y * Variable(backend.from_numpy(g.astype(backend.to_numpy(y.data).dtype)))).sum()
            total = term if total is None else total + term
        assert total is not None
        total.backward(create_graph=True)
        grads = []
        for i in argnums:
            grad = variables[i].grad
            if grad is None:
                grad = Variable(backend.xp.zeros_like(variables[i].data))
            variables[i].cleargrad()  # the grad Variable keeps its graph; the outer backward starts clean
            grads.append(grad)
        return tuple(grads)

    check_backward(
        first_grads,
        arrays,
        argnums=argnums,
        backend=backend,
        atol=atol,
        rtol=rtol,
        eps=eps,
        seed=seed + 2,
        order="second-order (double backward)",
    )


__all__ = [
    "run_fresh",
    "usable_backend",
    "OpSample",
    "TOLERANCES",
    "check_backward",
    "check_double_backward",
    "check_optimizer",
    "compare",
    "distinct_values",
    "numerical_grad",
]
