"""The module ``__getattr__``/``__dir__`` shared by the namespaces the registry fills (F, L, models ...)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from dezero_plug.registry import REGISTRY


def function_class(name: str) -> Any:
    """The Function subclass called ``name`` in a module that provides registered functions, or None."""
    if not name[:1].isupper():
        return None
    from dezero_plug.core import Function

    for record in REGISTRY.providers.get("functions", {}).values():
        found = getattr(getattr(record, "module", None), name, None)
        if isinstance(found, type) and issubclass(found, Function):
            return found
    return None


def accessors(kind: str, module: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` that explains a missing name of ``kind``, and ``__dir__`` listing the registered ones too."""

    def __getattr__(name: str) -> Any:
        return REGISTRY.missing(kind, name, sys.modules[module])

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[module])) | set(REGISTRY.names(kind)))

    return __getattr__, __dir__
