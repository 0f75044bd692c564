"""``dezero_plug.functions`` (``F``): every function the plugins provide (``F.sin``, ``F.matmul`` ...).

Filled by the plugin manager at import; a missing name explains itself
(close names, the plugin that would provide it, conflicts). As in DeZero,
the op classes are reachable here too, by class name (``F.Exp``,
``F.Sigmoid``): looked up, on first use, in the modules of the plugins that
provide the functions.
"""

from __future__ import annotations

from typing import Any

from dezero_plug.registry import REGISTRY as _REGISTRY
from dezero_plug.registry import accessors as _accessors

_missing, __dir__ = _accessors("functions", __name__)


def function_class(name: str) -> Any:
    """The Function subclass called ``name`` in a module that provides registered functions, or None."""
    if not name[:1].isupper():
        return None
    from dezero_plug.core import Function

    for record in _REGISTRY.providers.get("functions", {}).values():
        found = getattr(getattr(record, "module", None), name, None)
        if isinstance(found, type) and issubclass(found, Function):
            return found
    return None


def __getattr__(name: str) -> Any:
    found = function_class(name)
    return found if found is not None else _missing(name)
