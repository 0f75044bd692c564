"""Temporaries: whether an op may write its result into its input's array, because nothing else can see it.

In ``F.relu(F.linear(x, W, b))`` relu receives a Variable that only the call itself holds: the
product's array is a temporary, and relu can write ``max(a, 0)`` into it instead of into a new
array (a 100 x 1000 float32 output: 6,250 cache lines written to memory the cache no longer
holds; benchmarks/' MLP training step runs ~1.5 % faster without them). numpy does the same
for ``a + b + c``, for the same reason; PyTorch asks for it (``relu(inplace=True)``). Here it is
decided per call, from who holds what:

* the Variable is held by nobody but the calling function's own parameter (CPython's reference
  count; see ``takes_array``);
* its array by nobody but the Variable, and it is a plain, writable numpy array that owns its
  memory (not a view of another);
* the op that made it computes its gradients without reading its outputs (``reads_outputs =
  False``: linear, matmul, add), so the graph still differentiates right; and no debugging hook
  is on (a hook would see the overwritten input).

Reference counts say who holds an object only on CPython 3.10-3.13 with the GIL: from 3.14 the
interpreter's stack may borrow references, so a held object can show a temporary's count.
Everywhere else ``takes_array`` says False and ops run out of place.

What can still see the overwritten array is the graph: in ``y = F.relu(F.linear(x, W, b))``,
``y.creator.inputs[0].data`` is relu's result then. Set ``enabled = False`` (this module's) to keep
every intermediate array as its op made it, to inspect a graph's values.
"""

from __future__ import annotations

import sys
import sysconfig
from typing import Any

import numpy as np

from dezero_plug import core


def _count_through_a_call(x: object) -> int:
    return _count_of_an_argument(x)


def _count_of_an_argument(x: object) -> int:
    return sys.getrefcount(x)


class _Slot:
    __slots__ = ("value",)


def _count_of_a_slot() -> int:
    held = _Slot()
    held.value = object()
    return sys.getrefcount(held.value)


COUNTS_ARE_EXACT = (
    sys.implementation.name == "cpython"
    and (3, 10) <= sys.version_info[:2] < (3, 14)
    and not sysconfig.get_config_var("Py_GIL_DISABLED")
)
# What a temporary shows, measured on this interpreter: passed from an op's function to takes_array, and an
# array held by one Variable's slot.
_TEMPORARY = _count_through_a_call(object())
_HELD_ONCE = _count_of_a_slot()
enabled = True  # False: every op runs out of place


def takes_array(x: Any) -> bool:
    """Whether the op called on ``x`` may overwrite ``x.data`` with its result (see the module docstring).

    Call it directly from the op's function with that function's own parameter (``def relu(x): ...
    takes_array(x)``): the count it expects is that of a value nobody but that parameter holds.
    Whether the op's result fits in ``x.data`` (its dtype, its shape) is the op's to check.
    """
    if not (COUNTS_ARE_EXACT and enabled) or type(x) is not core.Variable or sys.getrefcount(x) != _TEMPORARY:
        return False
    if type(x.data) is not np.ndarray or sys.getrefcount(x.data) != _HELD_ONCE:
        return False
    creator = x.creator
    return (
        (creator is None or not creator.reads_outputs)
        and x.grad is None
        and x.data.base is None
        and x.data.flags.writeable
        and core.Function.__call__ is core.PLAIN_FUNCTION_CALL
    )
