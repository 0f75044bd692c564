"""One derivative per op: a gradient formula written once, for both backward passes.

As PyTorch derives both of its backward passes from one line of ``derivatives.yaml``, a
:class:`Formula` op writes its gradient once, as ``gradient(ops, gy, *xs)``: the gradients of its
inputs ``xs`` given the gradient ``gy`` of its output, built with operators and ``ops``' functions,
called by their names in ``F``. The kernel runs it

* on Variables when the backward is recorded (``create_graph=True``): ``ops`` is ``F`` itself,
  whose functions are differentiable ops, so the gradient can be differentiated again;
* on raw arrays when it is not: ``ops`` is :data:`ARRAY_OPS`, where ``ops.exp(x)`` is
  ``xp.exp(x)`` in the array namespace of ``x``'s backend, and the few functions ``F`` names
  otherwise than the Array API (``sum_to``, ``transpose``) are written on arrays.

:class:`Elementwise` is the common case: a one-input elementwise op writes only dy/dx. An op
whose gradient reads no input value (only shapes) writes its ``backward`` with ``ops_for(gy)``
and sets ``backward_arrays = backward``: the same formula, without the inputs passed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dezero_plug import functions as F
from dezero_plug.backends import get_array_module
from dezero_plug.broadcasting import sum_to_array
from dezero_plug.core import Function
from dezero_plug.core import Variable


class ArrayOps:
    """``F``'s functions on raw arrays: what a formula calls when the backward is not recorded.

    ``ops.exp(x)`` is ``xp.exp(x)`` in the array namespace of ``x``, its first argument, for every
    name not defined here; what is defined here is ``F``'s function of that name on arrays.
    """

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def in_namespace_of_first(x: Any, *args: Any, **kwargs: Any) -> Any:
            return getattr(get_array_module(x), name)(x, *args, **kwargs)

        in_namespace_of_first.__name__ = name
        setattr(self, name, in_namespace_of_first)  # made once per name
        return in_namespace_of_first

    @staticmethod
    def sum_to(x: Any, shape: tuple[int, ...]) -> Any:
        """``x`` summed down to ``shape``, or ``x`` itself when it has that shape (``F.sum_to``)."""
        return x if x.shape == shape else sum_to_array(x, shape)

    @staticmethod
    def transpose(x: Any, axes: tuple[int, ...] | None = None) -> Any:
        """``x`` with its axes permuted, reversed when ``axes`` is None (``F.transpose``)."""
        return get_array_module(x).permute_dims(x, tuple(range(x.ndim))[::-1] if axes is None else axes)


ARRAY_OPS = ArrayOps()


def ops_for(g: Any) -> Any:
    """The namespace a formula uses for the gradient ``g``: ``F`` for a Variable (recorded), else ARRAY_OPS."""
    return F if isinstance(g, Variable) else ARRAY_OPS


class Formula(Function):
    """Base of ops with one output whose gradient is one formula: write ``forward`` and ``gradient``.

    Example::

        class Mul(Formula):
            def forward(self, x0, x1):
                return x0 * x1

            def gradient(self, ops, gy, x0, x1):   # one gradient per input (None: not needed)
                need0, need1 = self.needs_input_grad
                return (ops.sum_to(gy * x1, x0.shape) if need0 else None,
                        ops.sum_to(gy * x0, x1.shape) if need1 else None)
    """

    def gradient(self, ops: Any, gy: Any, *xs: Any) -> Any:
        """The inputs' gradients from ``gy`` and the inputs ``xs`` (Variables, or raw arrays: see the module)."""
        raise NotImplementedError(f"{type(self).__name__}.gradient is not implemented")

    def backward(self, gy: Any) -> Any:
        return self.gradient(F, gy, *self.inputs)

    def backward_arrays(self, gy: Any) -> Any:
        inputs = self.inputs  # read as the kernel reads them: ``_data``, the slot behind the data property
        if len(inputs) == 2:  # positional, as core._forward calls: a star-call over a map is a slow path
            return self.gradient(ARRAY_OPS, gy, inputs[0]._data, inputs[1]._data)
        return self.gradient(ARRAY_OPS, gy, *[x._data for x in inputs])


class Elementwise(Function):
    """Base of one-input, one-output elementwise ops: write ``forward`` and ``derivative``.

    Example::

        class Sin(Elementwise):
            def forward(self, x):
                return get_array_module(x).sin(x)

            def derivative(self, ops, x, y):
                return ops.cos(x)          # d sin(x)/dx = cos(x)
    """

    def derivative(self, ops: Any, x: Any, y: Any) -> Any:
        """dy/dx from the input ``x`` and the output ``y`` (Variables, or raw arrays: see the module)."""
        raise NotImplementedError(f"{type(self).__name__}.derivative is not implemented")

    def backward(self, gy: Any) -> Any:
        return gy * self.derivative(F, self.inputs[0], self.outputs[0]())

    def backward_arrays(self, gy: Any) -> Any:
        y = self.outputs[0]()
        return gy * self.derivative(ARRAY_OPS, self.inputs[0]._data, None if y is None else y._data)
