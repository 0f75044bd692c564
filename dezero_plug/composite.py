"""Composite functions — public functions built from other ops — and the errors they raise.

``F.var`` is ``average`` of a square of a ``sub``: a shape error inside it is
raised by ``sub``, a name the user never called. A composite function marked
``@composite("var")`` restates such an error with its own name first
(``var: sub: operands could not be broadcast ...``), and ``as_input`` turns
its argument into a Variable, refusing what is not array-like in its name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from dezero_plug import backends
from dezero_plug.core import Variable
from dezero_plug.errors import op_error

F = TypeVar("F", bound=Callable[..., Any])


def composite(name: str) -> Callable[[F], F]:
    """Mark a public function made of other ops: its ValueErrors and TypeErrors start with ``name``."""

    def mark(function: F) -> F:
        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except (ValueError, TypeError) as exc:
                named = op_error(name, "", exc, None)
                if named is None:
                    raise
                raise named from exc

        return call  # type: ignore[return-value]

    return mark


def raw_input(op: str, x: Any, index: int = 0) -> Any:
    """The array behind ``x`` (a Variable's data, or ``x`` itself) for ``op``, which reads it directly.

    Raises:
        TypeError: ``x`` is no array of a registered backend, naming ``op``, the position and the type.
    """
    data = x.data if isinstance(x, Variable) else x
    if backends.find_backend(type(data)) is None:
        raise TypeError(
            f"{op}: input {index} is a {type(x).__name__}; expected a Variable or an array of a registered "
            f"backend ({backends.accepted_types()})"
        )
    return data


def as_input(op: str, x: Any, index: int = 0) -> Variable:
    """``x`` as a Variable for ``op``; anything that is not an array of a registered backend is refused.

    Raises:
        TypeError: naming ``op``, the input's position and its type.
    """
    if isinstance(x, Variable):
        return x
    try:
        return Variable(x)
    except TypeError:
        raise TypeError(
            f"{op}: input {index} is a {type(x).__name__}; expected a Variable or an array of a registered "
            f"backend ({backends.accepted_types()})"
        ) from None
