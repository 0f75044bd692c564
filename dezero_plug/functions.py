"""``dezero_plug.functions`` (``F``): every function the plugins provide (``F.sin``, ``F.matmul`` ...).

Filled by the plugin manager at import; a missing name explains itself
(close names, the plugin that would provide it, conflicts). As in DeZero,
the op classes are reachable here too, by class name (``F.Exp``,
``F.Sigmoid``): looked up, on first use, in the modules of the plugins that
provide the functions.
"""

from __future__ import annotations

from typing import Any

from dezero_plug.namespace import accessors as _accessors
from dezero_plug.namespace import function_class as _function_class

_missing, __dir__ = _accessors("functions", __name__)


def __getattr__(name: str) -> Any:
    found = _function_class(name)
    return found if found is not None else _missing(name)
