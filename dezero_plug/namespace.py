"""The module ``__getattr__``/``__dir__`` shared by the namespaces the plugin manager fills (F, L, models ...)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def accessors(kind: str, module: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` that explains a missing name of ``kind``, and ``__dir__`` listing the registered ones too."""

    def __getattr__(name: str) -> Any:
        from dezero_plug.plugins import plugin_manager

        return plugin_manager.missing_name(kind, name)

    def __dir__() -> list[str]:
        from dezero_plug.plugins import plugin_manager

        return sorted(set(vars(sys.modules[module])) | set(plugin_manager.exports[kind]))

    return __getattr__, __dir__
