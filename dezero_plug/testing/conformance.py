"""Conformance tests, parametrized by the pytest plugin over every registered op's OpSamples.

Collected when pytest runs with ``--dezero-plug-conformance``; an op author
writes samples, not tests.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

import dezero_plug
from dezero_plug import backends
from dezero_plug.core import Variable
from dezero_plug.registry import loaded_class
from dezero_plug.testing import TOLERANCES
from dezero_plug.testing import OpSample
from dezero_plug.testing import check_backward
from dezero_plug.testing import check_double_backward
from dezero_plug.testing import compare


def _callable(op: str, sample: OpSample) -> Any:
    fn = sample.call or getattr(dezero_plug.functions, op)
    return lambda *xs: fn(*xs, **sample.kwargs)


def _skip_without_float64(sample: OpSample, backend: Any) -> None:
    if sample.dtype == "float64" and not backend.float64:
        pytest.skip(f"{backend.name} declares no float64 here and the sample is float64")


def _run(
    op: str, sample: OpSample, backend: Any, dtype: str | None = None, backward: bool = True, create_graph: bool = False
) -> tuple[list[Variable], list[Any]]:
    """Call the op on the sample's inputs on ``backend``; then (``backward``) backprop ones through the sum."""
    made = sample.make_inputs(dtype=dtype)
    inputs = [
        (Variable(backend.from_numpy(x)) if i in sample.grad else backend.from_numpy(x))
        if isinstance(x, np.ndarray)
        else x
        for i, x in enumerate(made)
    ]
    result = _callable(op, sample)(*inputs)
    outputs = list(result) if isinstance(result, (list, tuple)) else [result]
    if not backward:
        return outputs, inputs
    total = None
    for y in outputs:
        term = y.sum() if backend.dtype_kind(y.data.dtype) == "f" else None
        if term is not None:
            total = term if total is None else total + term
    if total is not None and total.creator is not None:
        total.backward(create_graph=create_graph)
    return outputs, inputs


def test_forward(op_case: tuple[str, str, str, OpSample], dezero_plug_backend: Any) -> None:
    _, op, _, sample = op_case
    backend = dezero_plug_backend
    _skip_without_float64(sample, backend)
    outputs, _ = _run(op, sample, backend, backward=False)  # a backward bug fails test_backward alone
    for y in outputs:
        assert isinstance(y, Variable), f"forward of {op} returned {type(y).__name__}, not a Variable"
        assert backends.backend_of(y.data) is backend, (
            f"forward of {op} returned a {backends.backend_of(y.data).name} array on {backend.name}"
        )
    if sample.reference is None:
        return
    made = sample.make_inputs()
    expected = sample.reference(*made, **sample.kwargs) if callable(sample.reference) else sample.reference
    expected = list(expected) if isinstance(expected, (list, tuple)) else [expected]
    atol, rtol, _ = TOLERANCES.get(sample.dtype, TOLERANCES["float64"])
    for k, (e, y) in enumerate(zip(expected, outputs)):
        label = f"forward of {op}" + (f" (output {k})" if len(outputs) > 1 else "") + " against its reference"
        compare(label, np.asarray(e), backend.to_numpy(y.data), atol, rtol, names=("reference", "op"))


def test_float32_in_float32_out(op_case: tuple[str, str, str, OpSample], dezero_plug_backend: Any) -> None:
    _, op, _, sample = op_case
    backend = dezero_plug_backend
    outputs, inputs = _run(op, sample, backend, dtype="float32")
    f32 = backend.xp.float32
    for y in outputs:
        if backend.dtype_kind(y.data.dtype) == "f":
            assert y.data.dtype == f32, f"{op}: float32 inputs gave a {y.data.dtype} output"
    for i in sample.grad:
        grad = inputs[i].grad
        assert grad is not None, f"{op}: input {i} got no gradient"
        assert grad.data.dtype == f32, f"{op}: float32 input {i} got a {grad.data.dtype} gradient"


def test_backward(op_case: tuple[str, str, str, OpSample], dezero_plug_backend: Any) -> None:
    _, op, _, sample = op_case
    backend = dezero_plug_backend
    _skip_without_float64(sample, backend)
    made = [backend.from_numpy(x) if isinstance(x, np.ndarray) else x for x in sample.make_inputs()]
    check_backward(_callable(op, sample), made, argnums=sample.grad, backend=backend)


def test_double_backward(op_case_double: tuple[str, str, str, OpSample], dezero_plug_backend: Any) -> None:
    _, op, _, sample = op_case_double
    backend = dezero_plug_backend
    _skip_without_float64(sample, backend)
    made = [backend.from_numpy(x) if isinstance(x, np.ndarray) else x for x in sample.make_inputs()]
    check_double_backward(_callable(op, sample), made, argnums=sample.grad, backend=backend)


def test_plain_and_differentiable_backward_agree(
    op_case: tuple[str, str, str, OpSample], dezero_plug_backend: Any
) -> None:
    """``backward()`` (an op's ``backward_arrays`` where it has one) and ``backward(create_graph=True)``
    (its differentiable ``backward``) give the same gradients."""
    _, op, _, sample = op_case
    backend = dezero_plug_backend
    _skip_without_float64(sample, backend)
    if not sample.grad:
        pytest.skip("no input of the sample takes a gradient")
    plain_outputs, plain_inputs = _run(op, sample, backend)
    _, graph_inputs = _run(op, sample, backend, create_graph=True)
    atol, rtol, _ = TOLERANCES.get(sample.dtype, TOLERANCES["float64"])
    for i in sample.grad:
        plain, graph = plain_inputs[i].grad, graph_inputs[i].grad
        assert (plain is None) == (graph is None), f"{op}: input {i} got a gradient from only one of the backwards"
        if plain is not None:
            label = f"plain and differentiable backward of {op} disagree: gradient of input {i}"
            compare(label, backend.to_numpy(graph.data), backend.to_numpy(plain.data), atol, rtol, ("graph", "plain"))
    _check_gys_untouched(op, plain_outputs, backend)


def _check_gys_untouched(op: str, outputs: list[Any], backend: Any) -> None:
    """No ``backward_arrays`` in the graph writes into its gys: a gy may be another variable's gradient too
    (add passes one gy on to both inputs), so writing into it would change that one silently."""
    for f in _functions(outputs):
        cls = type(f)
        ys = [ref() for ref in f.outputs]
        if cls.backward_arrays is None or any(y is None or y.data is None for y in ys):
            continue  # an output that is gone (or released by a composite): no gradient to make up for it
        gys = [backend.xp.ones_like(y.data) for y in ys]
        cls.backward_arrays(f, *gys)
        for k, gy in enumerate(gys):
            assert (backend.to_numpy(gy) == 1).all(), f"{op}: {cls.__name__}.backward_arrays wrote into gy {k}"


def _functions(outputs: list[Any]) -> list[Any]:
    """Every Function of the graph behind ``outputs``, in the order the walk meets them (the kit's reports are too)."""
    stack = [y.creator for y in outputs if isinstance(y, Variable) and y.creator is not None]
    seen: dict[Any, None] = {}  # an ordered set: a set's order follows the objects' addresses
    while stack:
        f = stack.pop()
        if f not in seen:
            seen[f] = None
            stack += [x.creator for x in f.inputs if x.creator is not None]
    return list(seen)


def _as_tuple(gxs: Any) -> tuple[Any, ...]:
    return gxs if isinstance(gxs, tuple) else (gxs,)


def test_backends_agree(op_case: tuple[str, str, str, OpSample], dezero_plug_backend: Any) -> None:
    _, op, _, sample = op_case
    backend = dezero_plug_backend
    reference = backends.default_backend()
    others = (
        [backend]
        if backend is not reference
        else [b for b in backends.registered().values() if b is not reference and b.unavailable_reason() is None]
    )
    if sample.random:  # a backend with its own generator cannot draw numpy's numbers
        own = [b.name for b in others if b.own_generator]
        others = [b for b in others if not b.own_generator]
        if own and not others:
            pytest.skip(f"the sample draws random numbers and {', '.join(own)} has its own generator")
    if sample.dtype == "float64":
        narrow = [b.name for b in others if not b.float64]
        others = [b for b in others if b.float64]
        if narrow and not others:
            pytest.skip(f"{', '.join(narrow)} declares no float64 here and the sample is float64")
    if not others:
        pytest.skip("no other usable backend to compare numpy with")
    expected, expected_inputs = _run(op, sample, reference)
    for other in others:
        got, got_inputs = _run(op, sample, other)
        names = ("numpy", other.name)
        for k, (e, g) in enumerate(zip(expected, got)):
            label = f"backends disagree: {op} output {k} on {other.name}"
            compare(label, np.asarray(e.data), other.to_numpy(g.data), 1e-9, 1e-6, names=names)
        for i in sample.grad:
            label = f"backends disagree: {op} gradient of input {i} on {other.name}"
            grads = (expected_inputs[i].grad.data, other.to_numpy(got_inputs[i].grad.data))
            compare(label, np.asarray(grads[0]), grads[1], 1e-9, 1e-6, names=names)


EDGE_ERRORS = (TypeError, ValueError, LookupError)


def test_edge_case(op_case_edge: tuple[str, str, str, OpSample], dezero_plug_backend: Any) -> None:
    """A 0-d or empty-batch variant of an elementwise or reduction sample (derived, not written by the author).

    It must either work — finite outputs (NaN for an empty batch is a silent wrong answer), of the
    reference's shape where there is one, gradients of each input's shape and dtype, and for 0-d
    inputs gradients matching central differences — or refuse with a TypeError, ValueError or
    LookupError whose message starts with the op's name.
    """
    _, op, case, sample = op_case_edge
    backend = dezero_plug_backend
    _skip_without_float64(sample, backend)
    try:
        outputs, inputs = _run(op, sample, backend)
    except EDGE_ERRORS as exc:
        assert str(exc).startswith(f"{op}:"), (
            f"{op} ({case}) refused with a message that does not start with '{op}:': {type(exc).__name__}: {exc}"
        )
        return
    for k, y in enumerate(outputs):
        values = backend.to_numpy(y.data)
        assert values.dtype.kind != "f" or np.all(np.isfinite(values)), (
            f"{op} ({case}): output {k} holds {values.ravel()[~np.isfinite(values.ravel())][:1]}: a silent wrong "
            f"answer; return a finite value or refuse the input with a ValueError starting '{op}:'"
        )
    made = sample.make_inputs()
    if sample.reference is not None:
        with np.errstate(all="ignore"):
            expected = sample.reference(*made, **sample.kwargs)
        expected = list(expected) if isinstance(expected, (list, tuple)) else [expected]
        for e, y in zip(expected, outputs):
            assert tuple(y.shape) == np.shape(e), (
                f"{op} ({case}): output shape {tuple(y.shape)}, reference {np.shape(e)}"
            )
    for i in sample.grad:
        grad, x = inputs[i].grad, inputs[i]
        if grad is None:
            continue  # an empty output: no gradient reaches the input, as in numpy's sum of nothing
        assert tuple(grad.shape) == tuple(x.shape), f"{op} ({case}): input {i} of shape {x.shape} got {grad.shape}"
        assert grad.data.dtype == x.data.dtype, f"{op} ({case}): input {i} {x.data.dtype} got {grad.data.dtype}"
    if case.endswith("0-d") and sample.grad:
        made_b = [backend.from_numpy(x) if isinstance(x, np.ndarray) else x for x in made]
        check_backward(_callable(op, sample), made_b, argnums=sample.grad, backend=backend)


def test_optimizer(optimizer_case: tuple[str, str, Any]) -> None:
    """Every registered optimizer updates its state on the state's attributes (see check_optimizer)."""
    from dezero_plug.testing import check_optimizer

    check_optimizer(optimizer_case[2])


ROUND_TRIP_DTYPES = ("bool", "int32", "int64", "float32", "float64")


def test_backend_keeps_what_it_declares(dezero_plug_backend: Any) -> None:
    """The backend under test does what its declarations say: what ``from_numpy`` makes is its own array, a
    round trip through ``to_numpy`` keeps values and dtypes (float64 refused, never truncated, where it says it
    has none), a backend with mutable arrays can be written in place, and ``seed`` repeats ``random``. Every
    declared array class exists: a ``"module:QualName"`` string names a class of that module once imported."""
    backend = dezero_plug_backend
    assert backend.array_types, f"backend {backend.name!r} declares no array_types: it owns no array"
    for declared in backend.array_types:
        if isinstance(declared, str):  # what the registry finds for it once its module is imported
            module, colon, _ = declared.partition(":")
            assert colon, f"backend {backend.name!r}: array_types entry {declared!r} is not 'module:QualName'"
            importlib.import_module(module)
            assert loaded_class(declared) is not None, (
                f"backend {backend.name!r}: array_types entry {declared!r} names no class"
            )
    values = np.array([0, 1, 3, 2], dtype=np.int64)
    for name in ROUND_TRIP_DTYPES:
        host = values.astype(name)
        if name == "float64" and not backend.float64:
            with pytest.raises(TypeError, match="float64"):
                backends.move(host, backend)
            continue
        array = backend.from_numpy(host)
        owner = backends.find_backend(type(array))
        assert owner is backend, (
            f"backend {backend.name!r}: from_numpy made a {type(array).__name__}, which is "
            f"{'no backend' if owner is None else repr(owner.name)}'s array"
        )
        back = np.asarray(backend.to_numpy(array))
        assert back.dtype == host.dtype or (name == "int64" and not backend.float64 and back.dtype == np.int32), (
            f"backend {backend.name!r}: {name} came back from a round trip as {back.dtype}"
        )
        np.testing.assert_array_equal(back, host, err_msg=f"backend {backend.name!r}: {name} values changed")
    if backend.mutable_arrays:
        array = backend.from_numpy(np.zeros(3, dtype=np.float32))
        assert backend.writable(array), f"backend {backend.name!r} declares mutable arrays but this one is read-only"
        array += 1  # what an optimizer's in-place update does
        np.testing.assert_array_equal(np.asarray(backend.to_numpy(array)), np.ones(3, dtype=np.float32))
    backend.seed(1234)
    first = np.asarray(backend.to_numpy(backend.random("normal", (4,))))
    backend.seed(1234)
    again = np.asarray(backend.to_numpy(backend.random("normal", (4,))))
    np.testing.assert_array_equal(first, again, err_msg=f"backend {backend.name!r}: seed(n) does not repeat random()")
