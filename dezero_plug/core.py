"""The kernel: modes, Variable, Function and the backward traversal. It names no op.

Read top to bottom: the per-thread modes (Config), the node (Variable), the
op base class (Function), then the traversal (Variable.backward). Operators
such as ``+`` and methods such as ``reshape`` are bound onto Variable by
plugins through the ``dezero_plug_variable_methods`` hook.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
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
class Variable:
    """A node of the graph: an array of any registered backend (or None), its grad and creator.

    Operators and array-like methods (``+``, ``reshape``, ``T``, ``sum`` ...) are
    bound by plugins; the attributes defined here are the kernel's own and
    cannot be replaced.
    """

    __slots__ = ("data", "name", "grad", "creator", "generation", "__weakref__", "__dict__")
    __array_priority__ = 200  # numpy arrays on the left of an operator defer to us
    __array_ufunc__ = None

    def __init__(self, data: Any, name: str | None = None) -> None:
        if data is not None and type(data) not in _REGISTRY.by_type:
            data = _checked_data(data)
        self.data = data
        self.name = name
        self.grad: Variable | None = None
        self.creator: Function | None = None
        self.generation = 0

    @property
    def shape(self) -> tuple[int, ...]:
        try:
            return self.data.shape
        except AttributeError:
            raise _no_data(self, "shape") from None

    @property
    def ndim(self) -> int:
        try:
            return self.data.ndim
        except AttributeError:
            raise _no_data(self, "ndim") from None

    @property
    def size(self) -> int:
        try:
            return self.data.size
        except AttributeError:
            raise _no_data(self, "size") from None

    @property
    def dtype(self) -> Any:
        try:
            return self.data.dtype
        except AttributeError:
            raise _no_data(self, "dtype") from None

    def __len__(self) -> int:
        if not self.data.shape:
            raise TypeError("len() of a 0-d Variable")
        return self.data.shape[0]

    def __repr__(self) -> str:
        if self.data is None:
            return "variable(None)"
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
        backend without float64 raises a TypeError instead of being truncated.
        """
        target = backends.resolve(backend)
        for v in (self, self.grad) if self.grad is not None else (self,):
            if v.data is not None:
                v.data = backends.move(v.data, target, device)

    def backward(self, retain_grad: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(x) into ``x.grad`` for every variable x this one depends on.

        Functions are visited from the highest generation down (a heap, so a
        wide graph costs n log n). With ``create_graph=True`` the backward pass
        is itself recorded (each op's differentiable ``backward``), so
        ``x.grad.backward()`` gives second derivatives. Without it, an op that
        has a ``backward_arrays`` runs that instead, on raw arrays, and
        gradients are accumulated as raw arrays, each wrapped in a Variable once,
        at the end. Gradients of intermediate variables are dropped unless
        ``retain_grad``.

        A raw gradient is *private* when this pass made it (a sum) or an op that
        ``returns_new_grads`` did, nothing else holds it and it is dropped after
        its creator's backward (no ``retain_grad``, no debugging hook): an op that
        ``overwrites_gys`` finds in ``self.private_gys`` which of its gys it may
        write its result into (relu: one array written instead of two).
        """
        if self.grad is None:  # the seed: ones (a 0-d loss's by asarray, a C call where ones_like is Python)
            data, backend = self.data, backends.backend_of(self.data)
            self.grad = Variable(backend.asarray(1, data.dtype, data) if data.ndim == 0 else backend.xp.ones_like(data))
        else:
            _check_seed(self)
        if self.creator is None:
            return
        hook = _backward_hook  # None unless a debugging hook is on: read once per pass, not per op
        heap = [(-self.creator.generation, 0, self.creator)]
        seen = {self.creator}
        tie = itertools.count(1)
        raw: list[Variable] = []  # variables whose .grad this pass left as a raw array: wrapped at the end
        private: set[Variable] = set()  # variables whose raw .grad is private (see above)
        owned = not retain_grad and hook is None  # whether any gradient can be private in this pass
        token = _enable_backprop.set(create_graph)
        try:
            while heap:
                f = heapq.heappop(heap)[2]
                on_arrays = None if create_graph else type(f).backward_arrays
                out = f._output  # the outputs, as Function.outputs gives them (None: one nobody holds any more)
                ys = (out(),) if out is not None else tuple([ref() for ref in f._outputs])
                gys = []
                for y in ys:
                    g = None if y is None else y.grad  # an output nobody holds any more: no gradient
                    if on_arrays is not None:
                        g = g.data if isinstance(g, Variable) else g
                    elif g is not None and not isinstance(g, Variable):  # raw, from an op before: wrap it
                        g = Variable(constants.as_output(f, g, (g,)))
                    gys.append(g)
                if on_arrays is not None and f.overwrites_gys:
                    f.private_gys = tuple([y in private for y in ys])
                try:
                    if hook is None:
                        gxs = on_arrays(f, *gys) if on_arrays is not None else f.backward(*gys)
                    else:  # a debugging hook is on (dezero_plug.function_hooks): it runs the same call
                        gxs = hook(f, on_arrays, gys)
                except (ValueError, TypeError) as exc:
                    named = op_error(f.op_name, "backward", exc, tuple(x.data for x in f.inputs))
                    if named is None:
                        raise
                    raise named from exc
                if type(gxs) is not tuple:
                    gxs = (gxs,)
                for x, gx, needed in zip(f.inputs, gxs, f.needs_input_grad):
                    if gx is None or not needed:
                        continue
                    g = gx.data if isinstance(gx, Variable) else gx
                    data = x.data
                    if data is not None and g.shape != data.shape:  # written inline: runs once per gradient
                        _blame_grad_shape(f, x, g)
                    if create_graph:
                        if not isinstance(gx, Variable):
                            gx = Variable(gx)
                        x.grad = gx if x.grad is None else x.grad + gx  # "+" is a plugin's
                    else:
                        old = x.grad
                        x.grad = g if old is None else (old.data if isinstance(old, Variable) else old) + g
                        if owned and (old is not None or f.returns_new_grads):
                            private.add(x)  # (an x whose .grad is None was never private: none is cleared twice)
                        raw.append(x)
                    c = x.creator
                    if c is not None and c not in seen:
                        seen.add(c)
                        heapq.heappush(heap, (-c.generation, next(tie), c))
                if not retain_grad:
                    for y in ys:
                        if y is not None:
                            y.grad = None
        finally:
            _enable_backprop.reset(token)
            for x in raw:  # the same variable may be listed more than once: wrap once
                g = x.grad
                if g is not None and not isinstance(g, Variable):
                    if type(g) not in _REGISTRY.by_type:  # a numpy scalar from an op's backward: a 0-d array
                        g = constants.as_output(x.creator or self.creator, g, (g,))
                    x.grad = Variable(g)


class Parameter(Variable):
    """A Variable that layers collect as a trainable parameter."""


def _no_data(v: Variable, name: str) -> AttributeError:
    """The error for a data property (``shape`` ...) of a Variable whose data is None or no array."""
    if v.data is None:
        error = AttributeError(
            f"{type(v).__name__!r} object has no attribute {name!r}: this {type(v).__name__} holds no data "
            "yet (None); a lazy Parameter gets its data at the first forward of its layer"
        )
    else:
        error = AttributeError(constants.junk_data(v.data))
    error.obj = v  # an error with its context set gets no "Did you mean" from Python (here: the name itself)
    return error


def _missing_attribute(v: Variable, name: str) -> Any:
    return _REGISTRY.missing("variable_methods", name, v)


def explain_missing_attributes(on: bool) -> None:
    """Give Variable a ``__getattr__`` that explains a missing name, or take it away (the plugin manager decides).

    The plugin manager puts it in place while it has something to say about a missing method
    (a conflict, a blocked or failed plugin, one not registered yet) and takes it away otherwise:
    in CPython 3.11 a class with ``__getattr__`` gets no specialized attribute reads, so every
    ``x.data`` of every op would pay (measured: 6 % of an op's instructions). Without it a typo
    is Python's own AttributeError, with Python's own "Did you mean" in the traceback.
    """
    if on:
        Variable.__getattr__ = _missing_attribute  # type: ignore[method-assign]
    elif "__getattr__" in vars(Variable):
        del Variable.__getattr__


def _checked_data(data: Any) -> Any:
    """``data`` for a Variable (off the hot path: only types not seen before get here).

    A numpy scalar (a 0-d result, or ``x.data - lr * g`` on a 0-d Variable) becomes a 0-d array.
    """
    if isinstance(data, backends.np.generic):
        return backends.np.asarray(data)
    if _REGISTRY.owner(type(data)) is None:
        raise TypeError(
            f"Variable data must be an array of a registered backend ({backends.accepted_types()}) "
            f"or None; got {type(data).__name__}. Wrap it first: Variable(np.array({data!r}))"
        )
    return data


def setup_variable() -> None:
    """DeZero's ``setup_variable()``: bind the operators plugins provide onto Variable (done at import already)."""
    from dezero_plug.plugins import plugin_manager  # the plugin manager imports this module: import it late

    plugin_manager.refresh()


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
        backward_arrays: optional, a method ``(self, *gys) -> gxs`` on raw arrays, run
            instead of ``backward`` when ``create_graph=False``; must agree with it (the kit checks).
        returns_new_grads: True when ``backward_arrays`` returns only arrays nothing else holds
            (ones it made or a private gy it wrote into; no input's or attribute's array, no two
            sharing memory), so that the next op may overwrite them (the kit checks).
        overwrites_gys: True when ``backward_arrays`` reads ``private_gys`` (set before each
            call, one bool per output) and may write into the gys it marks True.
        reads_outputs: False when neither backward reads the outputs' data (their gradients come
            from the inputs alone), so that the next op may take an output's array as its own
            (relu in place: see dezero_plug.temporaries; the kit checks).
        op_name: the name used in messages (the class name in snake_case).

    Nothing is recorded under ``no_grad()`` or when no input is a Variable; then
    ``inputs`` and ``outputs`` stay empty.
    """

    generation = 0
    inputs: tuple[Variable, ...] = ()
    # The outputs' weak references (read them as ``outputs``): a one-output op keeps its one bare, several
    # are a tuple. One object fewer per op for Python's collector to track and walk: its passes over a
    # recorded graph are a fifth shorter, and a large graph (10,000+ ops) triggers fewer full ones.
    _output: weakref.ref[Variable] | None = None
    _outputs: tuple[weakref.ref[Variable], ...] = ()
    needs_input_grad: tuple[bool, ...] = ()
    returns_new_grads = False
    overwrites_gys = False
    reads_outputs = True
    private_gys: tuple[bool, ...] = ()

    def __call__(self, *inputs: Any) -> Any:
        # Fast paths for the commonest calls, a unary op on a Variable and a Variable with a scalar
        # (measured: the per-op chain of benchmarks/run.py); every other call goes through _prepare.
        # A scalar on either side costs the same: one dict lookup for the constant numpy's arrays share
        # (constants.SHARED_INPUTS); getattr, since data may be None or no array (scalar_input names it).
        if len(inputs) == 1 and isinstance(inputs[0], Variable):
            xs: tuple[Any, ...] = (inputs[0].data,)
            needs: tuple[bool, ...] | None = _NEEDED_1
            generation = inputs[0].generation
        elif len(inputs) == 2 and type(inputs[1]) in constants.SCALAR_RANKS and isinstance(inputs[0], Variable):
            x0, data = inputs[0], inputs[0].data  # x * 2.0
            c = _SHARED_INPUTS.get((inputs[1], type(inputs[1]), type(data), getattr(data, "dtype", None)))
            if c is None:
                c = constants.scalar_input(inputs[1], data, _Constant)
            inputs, xs, needs, generation = (x0, c), (data, c.data), _NEEDED_FIRST, x0.generation
        elif len(inputs) == 2 and type(inputs[0]) in constants.SCALAR_RANKS and isinstance(inputs[1], Variable):
            x1, data = inputs[1], inputs[1].data  # 2.0 - x
            c = _SHARED_INPUTS.get((inputs[0], type(inputs[0]), type(data), getattr(data, "dtype", None)))
            if c is None:
                c = constants.scalar_input(inputs[0], data, _Constant)
            inputs, xs, needs, generation = (c, x1), (c.data, data), _NEEDED_SECOND, x1.generation
        else:
            inputs, xs, needs, generation = _prepare(self, inputs)
        try:  # free in Python 3.11+ unless an exception is raised
            kernels = _REGISTRY.kernels.get(type(self))  # None unless a plugin gave this op a kernel
            kernel = kernels.get(backends.backend_of(xs[0]).name) if kernels else None
            if kernel is not None:
                ys = kernel(self, *xs)
            elif len(xs) == 2:  # positional calls for the common arities: a star-call costs a tuple unpacking
                ys = self.forward(xs[0], xs[1])
            elif len(xs) == 1:
                ys = self.forward(xs[0])
            else:
                ys = self.forward(*xs)
        except (ValueError, TypeError, AttributeError) as exc:
            constants.refuse_junk(self, xs)
            named = op_error(self.op_name, "forward", exc, xs)
            if named is None:
                raise
            raise named from exc
        if type(ys) is tuple:
            outputs: Any = [Variable(constants.as_output(self, y, xs)) for y in ys]
        else:  # numpy's 0-d results are numpy scalars: made 0-d arrays by one dict lookup (as_output: the rest)
            t = type(ys)
            if t not in _REGISTRY.by_type:
                convert = constants.OUTPUT_COERCE.get(t)
                ys = convert(ys) if convert is not None else constants.as_output(self, ys, xs)
            # Variable(ys) without __init__'s frame and its check of ys, just made: what __init__ sets, in order
            outputs = _new_object(Variable)  # (tests/test_core.py compares the two)
            outputs.data, outputs.name, outputs.grad, outputs.creator, outputs.generation = ys, None, None, None, 0
        if needs is not None and _enable_backprop.get():
            self.generation = generation
            self.inputs = inputs
            self.needs_input_grad = needs
            if type(outputs) is list:
                for y in outputs:
                    y.creator, y.generation = self, generation + 1
                self._outputs = tuple([weakref.ref(y) for y in outputs])
            else:  # one output, no list built for it: the per-op chain measures this
                outputs.creator, outputs.generation = self, generation + 1
                self._output = weakref.ref(outputs)
        return outputs[0] if type(outputs) is list and len(outputs) == 1 else outputs

    @property
    def outputs(self) -> tuple[weakref.ref[Variable], ...]:
        """Weak references to the outputs, one per output (``self.outputs[0]()``); () when nothing was recorded."""
        return (self._output,) if self._output is not None else self._outputs

    def forward(self, *xs: Any) -> Any:
        """Compute the outputs from raw arrays (use ``get_array_module(x)``, never ``np.``)."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *gys: Any) -> Any:
        """Return the gradient of each input, built from differentiable functions."""
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    # Optional: the same gradients on raw arrays (``gys`` raw arrays or None; return raw arrays or
    # None), for a backward that records nothing (create_graph=False). The differentiable
    # ``backward`` stays the one used for higher-order derivatives; the conformance kit checks
    # that the two agree.
    backward_arrays: Callable[..., Any] | None = None

    name: str = ""  # the user-facing name, when the class name in snake_case is not it ("relu", "matmul")

    @property
    def op_name(self) -> str:
        """The op's name in messages: ``name``, else the class name in snake_case (``SoftmaxCrossEntropy`` ...)."""
        if self.name:
            return self.name
        name = type(self).__name__
        return "".join(
            "_" + c.lower() if c.isupper() and i and name[i - 1].islower() else c.lower() for i, c in enumerate(name)
        )


PLAIN_FUNCTION_CALL = Function.__call__
_new_object = object.__new__
_SHARED_INPUTS = constants.SHARED_INPUTS
# What Variable.backward runs each op's backward through while a debugging hook is on; None when off.
_backward_hook: Callable[[Function, Any, list[Any]], Any] | None = None


def install_function_hooks(call: Callable[..., Any] | None, run_backward: Callable[..., Any] | None) -> None:
    """Put the debugging hooks' ``Function.__call__`` and backward runner in place, or (None, None) take them out.

    Only ``dezero_plug.function_hooks`` calls this, when the first hook is entered and
    after the last one exits: with none on, ops run the plain ``__call__`` and the
    backward pass reads one local None per op, so the hooks cost nothing when off.
    """
    global _backward_hook
    Function.__call__ = call if call is not None else PLAIN_FUNCTION_CALL  # type: ignore[method-assign]
    _backward_hook = run_backward


class _Constant(Variable):
    """The wrapper of an op input that was not a Variable: nobody can reach its gradient.

    A scalar's wrapper may be shared by many ops (dezero_plug.constants.scalar_input): backward
    never writes to an input whose ``needs_input_grad`` is False.
    """


_NEEDED_1, _NEEDED_2, _NEEDED_FIRST, _NEEDED_SECOND = (True,), (True, True), (True, False), (False, True)


def _prepare(f: Function, inputs: tuple[Any, ...]) -> tuple[tuple[Variable, ...], tuple[Any, ...], Any, int]:
    """Function.__call__ for any inputs: (inputs as Variables, their arrays, which need a grad, generation).

    Inputs that are not Variables become constants (see dezero_plug.constants); the needs are
    None when no input needs a gradient, and then nothing is recorded. Written as plain loops:
    comprehensions cost a frame each, and backward passes call this for every binary op.
    """
    if len(inputs) == 2 and isinstance(inputs[0], Variable):  # binary (with a scalar: Function.__call__'s)
        x0, x1 = inputs
        if isinstance(x1, Variable):
            xs = (x0.data, x1.data)
            if type(xs[0]) is not type(xs[1]):
                constants.check_same_backend(f, xs)
            return inputs, xs, _NEEDED_2, x0.generation if x0.generation > x1.generation else x1.generation
        if type(x1) is type(x0.data):  # a raw array of the same class (labels, a mask): a constant
            c = _Constant(constants.constant_array(f, 1, x1, x0.data))
            return (x0, c), (x0.data, c.data), _NEEDED_FIRST, x0.generation
    ref = None
    for x in inputs:
        if isinstance(x, Variable):
            ref = x.data
            break
    else:  # no Variable: the first raw array decides the backend
        for x in inputs:
            if _REGISTRY.owner(type(x)) is not None:
                ref = x
                break
    wrapped, arrays, needs, generation, mixed = [], [], [], 0, False
    for i, x in enumerate(inputs):
        if isinstance(x, Variable):
            needs.append(True)
            if x.generation > generation:
                generation = x.generation
        else:
            x = _Constant(constants.constant_array(f, i, x, ref))
            needs.append(False)
        wrapped.append(x)
        data = x.data
        if type(data) is not type(ref):
            mixed = True
        arrays.append(data)
    if mixed:
        constants.check_same_backend(f, tuple(arrays))
    needed = tuple(needs)
    return tuple(wrapped), tuple(arrays), (needed if True in needed else None), generation


def _check_seed(y: Variable) -> None:
    """Refuse a seed gradient (``y.grad`` set before ``y.backward()``) of another shape or dtype than ``y``."""
    g: Any = y.grad.data if isinstance(y.grad, Variable) else y.grad
    if y.data is not None and (tuple(g.shape) != tuple(y.data.shape) or g.dtype != y.data.dtype):
        raise ValueError(
            f"backward: the seed gradient {y.name or 'y'}.grad is {describe_arrays((g,))} but "
            f"{y.name or 'y'} is {describe_arrays((y.data,))}: set it to an array of the same shape and "
            "dtype (or leave .grad None for ones)"
        )


def _blame_grad_shape(f: Function, x: Variable, g: Any) -> None:
    """Blame the op whose backward returned a gradient of another shape than its input's."""
    i = next(i for i, v in enumerate(f.inputs) if v is x)
    raise ValueError(
        f"Function `{type(f).__name__}` has a bug: backward returned a grad of shape "
        f"{tuple(g.shape)} for input {i} of shape {tuple(x.data.shape)}"
    )
