"""One derivative per op: an elementwise op's dy/dx written once, for both backward passes.

As PyTorch derives both of its backward passes from one line of ``derivatives.yaml``, an
:class:`Elementwise` op writes its derivative once, as ``derivative(ops, x, y)``: dy/dx in terms
of the input ``x`` and the output ``y``, built with operators and the functions of ``ops``. Its
backward multiplies it by ``gy``, on Variables when the backward is recorded (``ops`` is then
the op's own module, whose functions are differentiable ops: ``cos`` is ``F.cos``'s
definition) and on raw arrays when it is not (``ops`` is then the backend's array namespace,
where ``cos`` is ``xp.cos``). So a derivative calls only functions its module defines under the
Array API's names (``exp``, ``log``, ``sin``, ``cos``, ``sqrt`` ...).
"""

from __future__ import annotations

import sys
from typing import Any

from dezero_plug.backends import get_array_module
from dezero_plug.core import Function


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
        return gy * self.derivative(sys.modules[type(self).__module__], self.inputs[0], self.outputs[0]())

    def backward_arrays(self, gy: Any) -> Any:
        y = self.outputs[0]()
        return gy * self.derivative(get_array_module(gy), self.inputs[0].data, None if y is None else y.data)
