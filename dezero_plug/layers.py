"""``dezero_plug.layers`` (``L``): the Layer base class, and every layer the plugins provide.

Layer keeps DeZero's behaviour — parameters and sub-layers are found by
attribute, ``params()``, ``cleargrads()``, ``save_weights``/``load_weights``
with DeZero's npz layout ('l0/W') — in definition order (DeZero's order
depends on the hash seed), with atomic saves and all-or-nothing loads.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug import weights
from dezero_plug.atomic import atomic_write
from dezero_plug.core import Parameter
from dezero_plug.core import Variable
from dezero_plug.core import data_of
from dezero_plug.errors import raise_with_context
from dezero_plug.registry import accessors as _accessors


def _weak_variables(values: tuple[Any, ...]) -> list[weakref.ref[Variable]]:
    """Weak references to the Variables among a call's inputs or outputs (a plain loop: no comprehension frame)."""
    refs = []
    for value in values:
        if isinstance(value, Variable):
            refs.append(weakref.ref(value))
    return refs


class Layer:
    """Base class of layers: assign Parameters and Layers as attributes, write ``forward``."""

    _params: dict[str, None]

    def __init__(self) -> None:
        object.__setattr__(self, "_params", {})  # name -> None, in definition order (a dict as an ordered set)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, (Parameter, Layer)):
            self.__dict__.setdefault("_params", {})[name] = None
        super().__setattr__(name, value)  # set to None later, the slot stays and params() skips it

    def __call__(self, *inputs: Any) -> Any:
        outputs = self.forward(*inputs)
        self.inputs = _weak_variables(inputs)
        if not isinstance(outputs, tuple):
            self.outputs = _weak_variables((outputs,))
            return outputs
        self.outputs = _weak_variables(outputs)
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def params(self) -> Iterator[Parameter]:
        """Every Parameter of this layer and its sub-layers, in definition order, each once.

        A parameter held under two names (tied weights) or a sub-layer used twice is yielded at its
        first place only, as PyTorch's ``parameters()`` does: an optimizer updates it once.
        """
        seen: set[int] = set()  # ids of parameters the layer holds all along: none is freed meanwhile
        for param in self._every_param():
            if id(param) not in seen:
                seen.add(id(param))
                yield param

    def named_params(self) -> dict[str, Parameter]:
        """Every Parameter by its ``save_weights`` key (``'l1/W'``), each once under its first name, in order."""
        flat: dict[str, Parameter] = {}
        self._flatten_params(flat)
        named: dict[str, Parameter] = {}
        seen: set[int] = set()  # ids of parameters the layer holds all along
        for key, param in flat.items():
            if id(param) not in seen:
                seen.add(id(param))
                named[key] = param
        return named

    def __getstate__(self) -> dict[str, Any]:
        """The layer for pickling, without the weak references to its last call's inputs and outputs."""
        return {name: value for name, value in self.__dict__.items() if name not in ("inputs", "outputs")}

    def _every_param(self) -> Iterator[Parameter]:
        for name in self._params:
            obj = self.__dict__.get(name)
            if isinstance(obj, Layer):
                yield from obj._every_param()
            elif isinstance(obj, Parameter):
                yield obj

    def cleargrads(self) -> None:
        """Drop every parameter's gradient."""
        for param in self.params():
            param.cleargrad()

    def to_cpu(self) -> Layer:
        """Move every parameter to numpy; returns self (all or nothing, as ``to_backend``)."""
        return self.to_backend(backends.default_backend())

    def to_gpu(self) -> Layer:
        """Move every parameter to the GPU backend (says what to install when there is none); returns self."""
        return self.to_backend(backends.gpu_backend())

    def to_backend(self, backend: str | backends.Backend, device: Any = None) -> Layer:
        """Move every parameter to ``backend`` (a name or a Backend), on ``device``; returns self.

        All or nothing: when a parameter cannot move (float64 data for a backend without float64 ...),
        every parameter is left as it was and the error names that parameter. An optimizer's state
        follows its parameters at the next update.
        """
        target = backends.resolve(backend)
        moved: list[tuple[Parameter, Any, Any, Any]] = []  # each moved parameter with its data, grad, grad's data
        for param in self.params():
            moved.append((param, param.data, param.grad, None if param.grad is None else param.grad.data))
            try:
                param.to_backend(target, device)
            except (Exception, KeyboardInterrupt) as exc:  # a Ctrl-C too: a large model's transfers take seconds
                for p, data, grad, grad_data in moved:
                    p.data, p.grad = data, grad
                    if grad is not None:
                        grad.data = grad_data
                name = next((key for key, p in self.named_params().items() if p is param), "?")
                where = f"{type(self).__name__}.to_backend({target.name!r}): parameter {name!r}"
                raise_with_context(exc, where + " (no parameter was moved)")
        return self

    def _flatten_params(self, params_dict: dict[str, Parameter], parent_key: str = "") -> None:
        """DeZero's key layout: 'l0/W', 'conv1_1/b' ..."""
        for name in self._params:
            obj = self.__dict__.get(name)
            key = parent_key + "/" + name if parent_key else name
            if isinstance(obj, Layer):
                obj._flatten_params(params_dict, key)
            elif isinstance(obj, Parameter):
                params_dict[key] = obj

    def save_weights(self, path: str | os.PathLike[str]) -> None:
        """Save the parameters to an npz file (DeZero's layout), atomically: a failure leaves the old file.

        ``.npz`` is appended when missing, as numpy does. GPU parameters stay on the GPU.

        Raises:
            ValueError: when a lazy parameter has no data yet (run the model once first).
        """
        path = weights.saving_path("save_weights", path)
        params: dict[str, Parameter] = {}
        self._flatten_params(params)
        arrays = {}
        for key, param in params.items():
            if param.data is None:
                raise ValueError(
                    f"save_weights: parameter {key!r} is not initialised yet (a lazy layer); "
                    "call the model on data once before saving"
                )
            arrays[key] = backends.to_numpy(param.data)
        with atomic_write(path) as f:
            np.savez_compressed(f, **arrays)  # type: ignore[arg-type]  # numpy's stub types the kwargs as allow_pickle's

    def load_weights(self, path: str | os.PathLike[str]) -> None:
        """Load parameters saved by ``save_weights`` (or by DeZero); all or nothing.

        A floating-point array is cast to its parameter's dtype (float64 -> float32
        included); any other dtype is refused. See ``dezero_plug.weights``.

        Raises:
            FileNotFoundError: when neither ``path`` nor ``path + '.npz'`` exists.
            WeightsFileError: (a ValueError) on a corrupt, truncated or foreign file, a
                missing or extra parameter, a shape mismatch or a non-float dtype — naming
                the file and the parameter; the layer is left untouched.
        """
        path = weights.loading_path("load_weights", path)
        params: dict[str, Parameter] = {}
        self._flatten_params(params)
        arrays = weights.check(path, params, weights.read(path, params, type(self).__name__))
        loaded = {}
        for key, param in params.items():  # every array on its parameter's backend first (a GPU may run out)
            target = backends.backend_of(param.data) if param.data is not None else backends.default_backend()
            try:
                loaded[key] = target.from_numpy(arrays[key])
            except (Exception, KeyboardInterrupt) as exc:
                raise_with_context(exc, f"load_weights: parameter {key!r} (nothing was loaded)")
        for key, param in params.items():
            param.data = loaded[key]


def init_lazily(param: Parameter | None, x: Any, make: Callable[[backends.Backend], Any] | None = None) -> None:
    """Get ``param`` ready for the input ``x``, on ``x``'s backend (call it at the top of ``forward``).

    A parameter made without data (``Parameter(None)``: its size is read off the
    first input, as ``Linear(out_size)`` does) gets ``make(backend)``, where
    ``backend`` is the backend of ``x``; a parameter that has data on another
    backend (made eagerly, with numpy) is moved to ``x``'s backend. ``param``
    None (``nobias=True``) is allowed and does nothing.

    Example::

        def forward(self, x):
            if self.W.data is None:
                self.in_size = x.shape[1]
            init_lazily(self.W, x, lambda backend: normal_weights(backend, (self.in_size, self.out_size), self.dtype,
                                                                  (1 / self.in_size) ** 0.5))
            init_lazily(self.b, x)
            return F.linear(x, self.W, self.b)
    """
    if param is None:
        return
    target = backends.backend_of(data_of(x))
    if param.data is None:
        if make is not None:
            param.data = make(target)
    elif backends.backend_of(param.data) is not target:
        param.to_backend(target)


def normal_weights(backend: backends.Backend, shape: tuple[int, ...], dtype: Any, scale: float) -> Any:
    """DeZero's initial weights: standard normal samples on ``backend``, cast to ``dtype``, times ``scale``.

    On numpy (and every backend that does not declare ``own_generator``) they come from
    numpy's global generator, so ``np.random.seed`` reproduces DeZero's values.
    """
    try:
        w = backend.random("normal", shape)
    except MemoryError as exc:
        raise MemoryError(f"weights of shape {shape}: {exc} (check the layer's sizes)") from exc
    xp = backend.xp
    return xp.astype(w, xp.float32 if np.dtype(dtype) == np.float32 else xp.float64) * scale


__getattr__, __dir__ = _accessors("layers", __name__, base=Layer)
