"""The kernel: modes, Variable, Function and the backward traversal. It names no op.

Read top to bottom: the per-thread modes (Config), the node (Variable), the
op base class (Function), then the traversal (Variable.backward). Operators
such as ``+`` and methods such as ``reshape`` are bound onto Variable by
plugins through the ``dezero_plug_variable_methods`` hook.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import heapq
import math
import weakref
from collections.abc import Callable
from collections.abc import Iterator
from typing import TYPE_CHECKING
from typing import Any

from dezero_plug import backends
from dezero_plug import constants
from dezero_plug.errors import describe_arrays
from dezero_plug.errors import op_error
from dezero_plug.registry import REGISTRY as _REGISTRY

# --------------------------------------------------------------------------- modes
_enable_backprop = contextvars.ContextVar("enable_backprop", default=True)
_train = contextvars.ContextVar("train", default=True)
_MODES = {"enable_backprop": _enable_backprop, "train": _train}


def _mode(mode: contextvars.ContextVar[bool], doc: str) -> property:
    """A property of Config that reads and sets ``mode`` in the current thread or task."""

    def get(self: _Config) -> bool:
        return mode.get()

    def set(self: _Config, value: bool) -> None:
        mode.set(bool(value))

    return property(get, set, doc=doc)


class _Config:
    """DeZero's ``Config``, kept per thread and per asyncio task (contextvars), not global."""

    __slots__ = ()
    enable_backprop = _mode(_enable_backprop, "Whether ops record the graph for backward (False under no_grad).")
    train = _mode(_train, "Training mode: dropout drops, batch_norm uses batch statistics (False under test_mode).")


Config = _Config()


@contextlib.contextmanager
def using_config(name: str, value: bool) -> Iterator[None]:
    """Set the mode ``name`` ("enable_backprop" or "train") to ``value`` inside the block."""
    try:
        mode = _MODES[name]
    except KeyError:
        raise ValueError(f"using_config: unknown mode {name!r}; expected one of {sorted(_MODES)}") from None
    token = mode.set(value)
    try:
        yield
    finally:
        mode.reset(token)


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Ops inside the block record no graph (inference, optimizer updates)."""
    return using_config("enable_backprop", False)


def test_mode() -> contextlib.AbstractContextManager[None]:
    """Inside the block ``Config.train`` is False: dropout passes through, batch_norm uses running stats."""
    return using_config("train", False)


test_mode.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, despite its name


# --------------------------------------------------------------------------- node
def _data_property(name: str) -> Any:
    """A read-only property of Variable that reads its array's attribute ``name`` (``x.shape`` ...)."""

    def get(self: Variable) -> Any:
        try:
            return getattr(self._data, name)
        except AttributeError:  # data is None (any other data is an array: the ``data`` setter checks)
            error = AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}: this {type(self).__name__} holds no "
                "data yet (None); a lazy Parameter gets its data at the first forward of its layer"
            )
            error.obj = self  # an error with its context set gets no "Did you mean" from Python (here: the name)
            raise error from None

    return property(get, doc=f"The data's {name}.")


class Variable:
    """A node of the graph: an array of any registered backend (or None), its grad and creator.

    Operators and array-like methods (``+``, ``reshape``, ``T``, ``sum`` ...) are
    bound by plugins; the attributes defined here are the kernel's own and
    cannot be replaced.
    """

    # ``_data`` holds the array behind the property ``data``; the kernel's own hot paths read it directly
    __slots__ = ("_data", "name", "grad", "creator", "generation", "__weakref__", "__dict__")
    __array_priority__ = 200  # numpy arrays on the left of an operator defer to us (numpy's ufuncs: std/interop.py)

    def __init__(self, data: Any, name: str | None = None) -> None:
        if data is not None and type(data) not in _REGISTRY.trusted_types:
            data = _checked_data(data)
        self._data = data  # what the property ``data`` reads
        self.name = name
        self.grad: Variable | None = None
        self.creator: Function | None = None
        self.generation = 0

    @property
    def data(self) -> Any:
        """The array (or None), checked when assigned. A Variable assigned gives its array: the book's
        ``x.data -= lr * x.grad`` binds ``x.data`` to a Variable (``ndarray -= Variable`` is one)."""
        return self._data

    @data.setter
    def data(self, data: Any) -> None:
        if isinstance(data, Variable):
            data = data.data
        if data is not None and type(data) not in _REGISTRY.trusted_types:
            data = _checked_data(data)
        self._data = data

    shape: tuple[int, ...] = _data_property("shape")
    ndim: int = _data_property("ndim")

    @property
    def size(self) -> int:
        """The number of elements, the product of the shape (on every backend: ``size`` is a method on torch's)."""
        return math.prod(self.shape)

    dtype: Any = _data_property("dtype")

    def __repr__(self) -> str:
        return "variable(" + str(self.data).replace("\n", "\n" + " " * 9) + ")"

    if TYPE_CHECKING:  # bound by plugins at run time (dezero_plug_variable_methods); declared for type checkers

        def __add__(self, other: Any) -> Variable: ...
        def __radd__(self, other: Any) -> Variable: ...
        def __sub__(self, other: Any) -> Variable: ...
        def __rsub__(self, other: Any) -> Variable: ...
        def __mul__(self, other: Any) -> Variable: ...
        def __rmul__(self, other: Any) -> Variable: ...
        def __truediv__(self, other: Any) -> Variable: ...
        def __rtruediv__(self, other: Any) -> Variable: ...
        def __pow__(self, other: Any) -> Variable: ...
        def __matmul__(self, other: Any) -> Variable: ...
        def __neg__(self) -> Variable: ...
        def __getitem__(self, index: Any) -> Variable: ...
        def __getattr__(self, name: str) -> Any: ...  # the rest; at run time see explain_missing_attributes

    def set_creator(self, func: Function) -> None:
        """Record ``func`` as the op that made this variable."""
        self.creator = func
        self.generation = func.generation + 1

    def unchain(self) -> None:
        """Forget the creator: backward stops here."""
        self.creator = None

    def unchain_backward(self) -> None:
        """Cut the graph behind this variable (truncated backprop through time)."""
        funcs = [self.creator] if self.creator is not None else []
        while funcs:
            f = funcs.pop()
            for x in f.inputs:
                if x.creator is not None:
                    funcs.append(x.creator)
                    x.unchain()

    def cleargrad(self) -> None:
        """Drop the accumulated gradient."""
        self.grad = None

    def to_cpu(self) -> None:
        """Move data (and grad) to numpy, in place."""
        self.to_backend(backends.default_backend())

    def to_gpu(self) -> None:
        """Move data (and grad) to the GPU backend, in place; says what to install when there is none."""
        self.to_backend(backends.gpu_backend())

    def to_backend(self, backend: str | backends.Backend, device: Any = None) -> None:
        """Move data (and grad) to ``backend`` (a name such as ``"jax"``, or a Backend), in place.

        ``device`` is one of ``backend.devices()`` (None: its default). float64 data for a
        backend without float64 raises a TypeError instead of being truncated. Both or neither move:
        every array is moved before any is assigned.
        """
        target = backends.resolve(backend)
        held = [v for v in (self, self.grad) if v is not None and v.data is not None]
        for v, array in [(v, backends.move(v.data, target, device)) for v in held]:  # all moved, then assigned
            v.data = array

    def backward(self, retain_grad: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(x) into ``x.grad`` for every variable x this one depends on.

        Functions are visited from the highest generation down (a heap, so a wide
        graph costs n log n). Gradients accumulate in one of two ways:

        * ``create_graph=True``: as Variables, through each op's differentiable
          ``backward``, and the pass is itself recorded, so ``x.grad.backward()``
          gives second derivatives;
        * otherwise as raw arrays: an op with a ``backward_arrays`` runs that on
          raw arrays, any other its ``backward`` (recording nothing), and each
          gradient is wrapped in a Variable once, at the end.

        Gradients of intermediate variables are dropped unless ``retain_grad``.
        """
        before = self.grad
        if self.grad is None:
            self.grad = Variable(backends.backend_of(self.data).xp.ones_like(self.data))
        else:
            _check_seed(self)
        if self.creator is None:
            return
        # The heap orders (-generation, arrival) pairs, queued[arrival] is the function: pairs of ints, which
        # Python's collector stops tracking, so a wide graph waiting in the heap gives it nothing to walk.
        heap, queued, seen = [(-self.creator.generation, 0)], [self.creator], {self.creator}
        touched, grads_before = [self], [before]  # the variables this pass gives a gradient, and their .grad before
        token = _enable_backprop.set(create_graph)
        try:
            while heap:
                f = queued[heapq.heappop(heap)[1]]
                on_arrays = None if create_graph else type(f).backward_arrays
                if not create_graph and type(f) in _REGISTRY.backwards_by_type:  # a backend's own (a Kernel's)
                    on_arrays = _REGISTRY.backwards_by_type[type(f)].get(type(f.inputs[0]._data), on_arrays)
                ys, gys, raw = [], [], on_arrays is not None
                for ref in f.outputs:
                    ys.append(y := ref())  # None for an output nobody holds any more: it has no gradient
                    gys.append(None if y is None else _grad_of(y, raw))
                gxs = _run_backward(f, on_arrays, gys)
                for x, gx, needed in zip(f.inputs, gxs if type(gxs) is tuple else (gxs,), f.needs_input_grad):
                    if gx is None or not needed:
                        continue
                    if x._data is not None and gx.shape != x._data.shape:
                        _blame_grad_shape(f, x, gx)
                    if x.grad is None or isinstance(x.grad, Variable):  # a first gradient this pass (recorded ones
                        touched.append(x)  # are Variables throughout: listed again, and put back in reverse)
                        grads_before.append(x.grad)
                    if create_graph:  # "+" of two Variables is a plugin's op, recorded
                        gx = gx if isinstance(gx, Variable) else Variable(gx)
                        x.grad = gx if x.grad is None else x.grad + gx
                    else:  # a raw array until the end of the pass
                        gx = gx._data if isinstance(gx, Variable) else gx
                        x.grad = gx if x.grad is None else _grad_of(x, True) + gx
                    if (c := x.creator) is not None and c not in seen:
                        seen.add(c)
                        heapq.heappush(heap, (-c.generation, len(queued)))
                        queued.append(c)
                if not retain_grad:
                    for y in ys:
                        if y is not None:
                            y.grad = None
            for x in touched:  # the gradients kept: Variables, each in its variable's floating dtype
                if x.grad is not None:
                    x.grad = _as_grad(x, x.grad)
        except BaseException:  # stopped part-way (an error, Ctrl-C): every gradient as it was, so a retry is exact
            for x, grad in zip(reversed(touched), reversed(grads_before)):
                x.grad = grad
            raise
        finally:
            _enable_backprop.reset(token)


class Parameter(Variable):
    """A Variable that layers collect as a trainable parameter."""


_REGISTRY.serve("variable_methods", Variable)  # plugins bind operators and methods onto Variable


def _missing_attribute(v: Variable, name: str) -> Any:
    return _REGISTRY.missing("variable_methods", name, v)


def explain_missing_attributes(on: bool) -> None:
    """Give Variable a ``__getattr__`` that explains a missing name, or take it away (the plugin manager decides).

    The plugin manager puts it in place while it has something to say about a missing method
    (a conflict, a blocked or failed plugin, one not registered yet) and takes it away otherwise:
    in CPython 3.11 a class with ``__getattr__`` gets no specialized attribute reads, so every
    ``x.data`` of every op would pay. Without it a typo is Python's own AttributeError, with
    Python's own "Did you mean" in the traceback.
    """
    if on:
        Variable.__getattr__ = _missing_attribute  # type: ignore[method-assign]
    elif "__getattr__" in vars(Variable):
        del Variable.__getattr__


def _checked_data(data: Any) -> Any:
    """``data`` for a Variable: an array of a registered backend (a numpy scalar becomes a 0-d array)."""
    if isinstance(data, backends.np.generic):
        return backends.np.asarray(data)
    backend = _REGISTRY.owner(type(data))
    if backend is None:
        raise TypeError(
            f"Variable data must be an array of a registered backend ({backends.accepted_types(type(data))}) "
            f"or None; got {type(data).__name__}: make it an array first (np.asarray({data!r}))"
        )
    refusal = backend.refusal_of(data)  # (the types of a backend with checks_arrays are never trusted)
    if refusal is not None:
        raise TypeError(refusal)
    return data


def setup_variable() -> None:
    """DeZero's ``setup_variable()``: bind the operators plugins provide onto Variable (done at import already)."""
    _REGISTRY.refresh()


def as_array(x: Any, array_module: Any = None) -> Any:
    """DeZero's as_array: scalars become 0-d arrays (numpy unless ``array_module`` is given)."""
    if _REGISTRY.owner(type(x)) is not None:
        return x
    return (array_module or backends.default_backend().xp).asarray(x)


def data_of(x: Any) -> Any:
    """A Variable's data; anything else as it is (never ``x.data``: numpy and cupy arrays have their own)."""
    return x.data if isinstance(x, Variable) else x


def as_variable(obj: Any) -> Variable:
    """``obj`` if it is a Variable, else a new Variable wrapping it."""
    if isinstance(obj, Variable):
        return obj
    return Variable(obj)


# --------------------------------------------------------------------------- op base class
class Function:
    """Base class of ops: subclass it and write ``forward`` (raw arrays) and ``backward`` (Variables).

    ``backward`` receives one gradient per output (None for an output that got
    none) and returns one per input; ``self.needs_input_grad[i]`` is False for
    constants (inputs that were not Variables), whose gradient is discarded.
    Write it with differentiable functions and double backprop works.

    Attributes (set by the call, when the graph is recorded; read them in ``backward``):
        inputs: the inputs as Variables (held strongly: the graph keeps them alive);
            a constant input (a scalar or array) is wrapped in a Variable too.
        outputs: a tuple of weak references to the outputs (``self.outputs[0]()``), so that an op
            does not keep its output alive; a dereference gives None once the caller
            dropped that output — recompute it from ``inputs`` then.
        needs_input_grad: per input, whether its gradient is wanted (False for constants).
        generation: the highest generation among the inputs; backward visits higher first.
        backward_arrays: optional, a method ``(self, *gys) -> gxs`` on raw arrays (gys raw arrays
            or None), run instead of ``backward`` when ``create_graph=False``; must agree with it
            (the conformance kit checks).
        op_name: the name used in messages (the class name in snake_case).

    Nothing is recorded under ``no_grad()`` or when no input is a Variable; then
    ``inputs`` and ``outputs`` stay empty.
    """

    generation = 0
    inputs: tuple[Variable, ...] = ()
    # The outputs' weak references: one output's bare, several in a tuple (read them as ``outputs``). One
    # object fewer per recorded op for Python's collector, which walks every object of a kept graph.
    _refs: Any = ()
    needs_input_grad: tuple[bool, ...] = ()
    backward_arrays: Callable[..., Any] | None = None
    name: str = ""  # the user-facing name, when the class name in snake_case is not it ("relu", "matmul")

    def __call__(self, *inputs: Any) -> Any:
        xs = ys = None  # the input arrays and what forward returned, if it got so far: the error below blames them
        try:
            inputs, xs, needs, generation = _as_inputs(self, inputs)
            ys = _forward(self, xs)
            outputs = tuple(map(Variable, ys)) if type(ys) is tuple else (Variable(ys),)
        except _REGISTRY.op_errors as exc:  # (and a backend's input_errors: torch's RuntimeError)
            constants.refuse_empty(self.op_name, xs or ())
            constants.refuse_outputs(type(self).__name__, ys)
            named = op_error(self.op_name, "forward", exc, xs)
            if named is None:
                raise
            raise named from exc
        if needs is not None and _enable_backprop.get():  # some input is a Variable: record the op
            self.generation, self.inputs, self.needs_input_grad = generation, inputs, needs
            for y in outputs:
                y.creator, y.generation = self, generation + 1
            self._refs = weakref.ref(outputs[0]) if len(outputs) == 1 else tuple(map(weakref.ref, outputs))
        return outputs[0] if len(outputs) == 1 else list(outputs)

    @property
    def outputs(self) -> tuple[weakref.ref[Variable], ...]:
        """Weak references to the outputs, one per output (``self.outputs[0]()``); () when nothing was recorded."""
        return self._refs if type(self._refs) is tuple else (self._refs,)

    def forward(self, *xs: Any) -> Any:
        """Compute the outputs from raw arrays (use ``get_array_module(x)``, never ``np.``)."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *gys: Any) -> Any:
        """Return the gradient of each input, built from differentiable functions."""
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    @property
    def op_name(self) -> str:
        """The op's name in messages: ``name``, else the class name in snake_case (``SoftmaxCrossEntropy`` ...)."""
        return self.name or _snake_case(type(self).__name__)


@functools.cache  # one name per op class: an op with a raw array input asks for it at every call
def _snake_case(name: str) -> str:
    return "".join(
        "_" + c.lower() if c.isupper() and i and name[i - 1].islower() else c.lower() for i, c in enumerate(name)
    )


PLAIN_FUNCTION_CALL = Function.__call__


def install_function_hooks(call: Callable[..., Any] | None, run_backward: Callable[..., Any] | None) -> None:
    """Put the debugging hooks' ``Function.__call__`` and backward runner in place, or (None, None) take them out.

    Only ``dezero_plug.function_hooks`` calls this, when the first hook is entered and after the
    last one exits: with none on, ops run the plain ones, so the hooks cost nothing when off.
    """
    global _run_backward
    Function.__call__ = call if call is not None else PLAIN_FUNCTION_CALL  # type: ignore[method-assign]
    _run_backward = run_backward if run_backward is not None else run_plain_backward


class _Constant(Variable):
    """The wrapper of an op input that was not a Variable: nobody can reach its gradient.

    A scalar's wrapper may be shared by many ops (see ``_as_inputs``): backward never writes
    to an input whose ``needs_input_grad`` is False.
    """


_NEEDS: dict[tuple[bool, ...], tuple[bool, ...]] = {}  # needs_input_grad, one tuple per pattern
# (scalar, its type, array type, dtype) -> the shared wrapper of that scalar as a constant (see _constant)
_CONSTANTS: dict[tuple[Any, ...], _Constant] = {}


def _as_inputs(f: Function, inputs: tuple[Any, ...]) -> tuple[tuple[Variable, ...], tuple[Any, ...], Any, int]:
    """An op's inputs as Variables, their arrays, which need a gradient (None: none does), and the generation.

    An input that is not a Variable becomes a constant meeting the first Variable's array (or,
    when there is none, the first array): see ``_constant``. All must come from one backend.
    A Variable alone or with a Python scalar (``x * 2.0``), the commonest calls, take a short path.
    """
    if len(inputs) == 1 and type(inputs[0]) is Variable:
        return inputs, (inputs[0]._data,), _NEEDED_1, inputs[0].generation
    if len(inputs) == 2 and type(inputs[0]) is Variable and type(inputs[1]) in _SCALARS:
        x0, data = inputs[0], inputs[0]._data
        c = _CONSTANTS.get((inputs[1], type(inputs[1]), type(data), getattr(data, "dtype", None)))
        if c is not None:
            return (x0, c), (data, c._data), _NEEDED_FIRST, x0.generation
    ref = None
    for x in inputs:
        if isinstance(x, Variable):
            ref = x._data
            break
    variables, xs, needs, generation = [], [], [], 0
    for x in inputs:
        if isinstance(x, Variable):
            if type(x._data) is not type(ref):
                constants.check_same_backend(f.op_name, [ref, x._data])
            if x.generation > generation:
                generation = x.generation
        else:
            key = (x, type(x), type(ref), getattr(ref, "dtype", None))
            c = _CONSTANTS.get(key) if type(x) in _SCALARS else None
            x = c if c is not None else _constant(f, inputs, x, ref, key)
        variables.append(x)
        xs.append(x._data)
        needs.append(type(x) is not _Constant)
    needed = tuple(needs)
    needed = _NEEDS.setdefault(needed, needed)  # one tuple per pattern: fewer objects to collect
    return tuple(variables), tuple(xs), (needed if True in needed else None), generation


_NEEDED_1, _NEEDED_FIRST, _SCALARS = (True,), (True, False), constants.SCALAR_RANKS


def _constant(f: Function, inputs: tuple[Any, ...], x: Any, ref: Any, key: tuple[Any, ...]) -> _Constant:
    """Input ``x`` of ``f``, not a Variable, as a constant (dezero_plug.constants' weak-typing rule).

    A Python scalar's constant meeting a Variable is kept under ``key`` (its value, type, array
    type and dtype) and shared, when its backend has one device and made the array read-only
    (``Backend.freeze``). Zeros are made anew: ``0.0 == -0.0`` and hash alike, so a shared one
    would lose the sign.
    """
    shareable = type(x) in _SCALARS and x and ref is not None
    if ref is None:  # no Variable among the inputs: the first raw array decides the backend
        ref = next((i for i in inputs if _REGISTRY.owner(type(i)) is not None), None)
    i = next(i for i, v in enumerate(inputs) if v is x)
    c = _Constant(constants.constant_array(f.op_name, i, x, ref))
    backend = backends.backend_of(c.data) if shareable else None
    if backend is not None and backend.freeze(c.data) and len(backend.devices()) == 1:
        if len(_CONSTANTS) >= 1024:  # a loop over many scalars must not grow it
            _CONSTANTS.clear()
        _CONSTANTS[key] = c
    return c


def _forward(f: Function, xs: tuple[Any, ...]) -> Any:
    """``f``'s outputs for the arrays ``xs``: the kernel a plugin registered for this op on their backend, else
    ``f.forward``. (Called with positional arguments for one or two inputs: CPython 3.11 runs a star-call
    in a new interpreter frame of its own.)"""
    kernels = _REGISTRY.kernels_by_type.get(type(f))  # {array type: forward}, for the ops a plugin gave kernels
    run = kernels.get(type(xs[0]), type(f).forward) if kernels else type(f).forward
    if len(xs) == 2:
        return run(f, xs[0], xs[1])
    return run(f, xs[0]) if len(xs) == 1 else run(f, *xs)


def _grad_of(y: Variable, raw: bool) -> Any:
    """``y.grad`` as a raw array (``raw``) or as a Variable, whichever it is now."""
    g = y.grad
    if raw:
        return g._data if isinstance(g, Variable) else g
    return g if g is None or isinstance(g, Variable) else Variable(g)


def run_plain_backward(f: Function, on_arrays: Callable[..., Any] | None, gys: list[Any]) -> Any:
    """``f``'s backward (on raw arrays when ``on_arrays``), with its errors named after the op."""
    run = on_arrays if on_arrays is not None else type(f).backward
    try:
        return run(f, gys[0]) if len(gys) == 1 else run(f, *gys)  # positional: see _forward
    except _REGISTRY.op_errors as exc:
        named = op_error(f.op_name, "backward", exc, tuple(x.data for x in f.inputs))
        if named is None:
            raise
        raise named from exc


_run_backward = run_plain_backward  # what Variable.backward runs each op's backward through (see function_hooks)


def _check_seed(y: Variable) -> None:
    """Refuse a seed gradient (``y.grad`` set before ``y.backward()``) of another shape or dtype than ``y``."""
    g: Any = y.grad.data if isinstance(y.grad, Variable) else y.grad
    if y.data is not None and (tuple(g.shape) != tuple(y.data.shape) or g.dtype != y.data.dtype):
        raise ValueError(
            f"backward: the seed gradient {y.name or 'y'}.grad is {describe_arrays((g,))} but "
            f"{y.name or 'y'} is {describe_arrays((y.data,))}: set it to an array of the same shape and "
            "dtype (or leave .grad None for ones)"
        )


def _blame_grad_shape(f: Function, x: Variable, gx: Any) -> None:
    """Blame the op whose backward returned a gradient of another shape than its input's."""
    i = next(i for i, v in enumerate(f.inputs) if v is x)
    raise ValueError(
        f"Function `{type(f).__name__}` has a bug: backward returned a grad of shape "
        f"{tuple(gx.shape)} for input {i} of shape {tuple(x.data.shape)}"
    )


def _as_grad(x: Variable, g: Any) -> Variable:
    """``g`` (an array or a Variable) as ``x.grad``: a Variable in ``x``'s dtype when that is floating, whatever
    the other operands' were (float32 ``x`` times float64 ``W`` gives ``x`` a float32 gradient); the cast of a
    recorded gradient is recorded too. An integer ``x``'s gradient stays real."""
    if x.data is not None and g.dtype != x.data.dtype and backends.backend_of(x.data).dtype_kind(x.data.dtype) in "fc":
        g = g.astype(x.data.dtype) if isinstance(g, Variable) else backends.backend_of(g).xp.astype(g, x.data.dtype)
    return g if isinstance(g, Variable) else Variable(g)
